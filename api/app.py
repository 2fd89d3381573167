"""The FastAPI app: a thin HTTP face over the ``Chanjiao`` service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api import problems
from api.cors import CORSExceptPublic
from api.ratelimit import ENVELOPE, BodyLimit
from api.routes import audit, browser, entities, loads, meta, questions, web
from api.routes import co as co_routes
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
        app.state.service.warm()
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
    # Counts the bytes as they arrive, so its 413 for a chunked body is raised in the app's own body parsing.
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + ENVELOPE)

    if settings.cors_origins:
        app.add_middleware(CORSExceptPublic, origins=settings.cors_origins, public=browser.router.prefix)
    readers = [Depends(reader_key)]
    app.include_router(meta.router)
    app.include_router(browser.router)  # open: the Neo4j Browser cannot send an API key
    app.include_router(entities.router, dependencies=readers)
    app.include_router(loads.router)
    app.include_router(audit.router)
    app.include_router(questions.router, dependencies=readers)
    app.include_router(co_routes.router, dependencies=readers)
    app.include_router(web.router)  # the page for curriculum designers at /ui (static; its API calls carry the key)
    return app
