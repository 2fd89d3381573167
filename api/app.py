"""The FastAPI app: a thin HTTP face over the ``Chanjiao`` service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response

from api import problems
from api.routes import entities, loads, meta
from api.security import reader_key
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
    app.state.settings = settings
    if service is not None:
        app.state.service = service  # usable before (or without) the lifespan running
    problems.install(app)

    @app.middleware("http")
    async def refuse_oversized(request: Request, call_next):
        declared = request.headers.get("content-length")
        # Room for the multipart envelope around an upload of the largest allowed size.
        if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes + 64 * 1024:
            return problems.problem(
                413, "Payload too large", f"requests are limited to {settings.max_upload_bytes} bytes", request.url.path
            )
        response: Response = await call_next(request)
        return response

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
        )
    readers = [Depends(reader_key)]
    app.include_router(meta.router)
    app.include_router(entities.router, dependencies=readers)
    app.include_router(loads.router)
    return app
