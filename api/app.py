"""The FastAPI app: a thin HTTP face over the ``Chanjiao`` service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import problems
from api.routes import entities, meta
from graph.service import Chanjiao
from graph.settings import Settings, get_settings


def create_app(settings: Settings | None = None, service: Chanjiao | None = None) -> FastAPI:
    """Build the app. The store is opened once, at start-up, unless a ``service`` is handed in (tests)."""
    settings = settings or (service.settings if service else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = service is None
        app.state.service = service or Chanjiao.open(settings)
        try:
            yield
        finally:
            if owned:
                app.state.service.close()

    app = FastAPI(
        title="chanjiao 产教 API",
        summary="Occupations, competencies and work-study integrated curricula as a knowledge graph.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if service is not None:
        app.state.service = service  # usable before (or without) the lifespan running
    problems.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"], allow_headers=["*"]
        )
    app.include_router(meta.router)
    app.include_router(entities.router)
    return app
