"""CORS for the API's configured origins, except on the public files that answer every origin themselves."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class CORSExceptPublic:
    """``CORSMiddleware`` for ``origins``, passing the paths under ``public`` straight to the app.

    The Neo4j Browser fetches the analyst guide from its own page, whose origin (Neo4j's HTTP port, Neo4j
    Desktop) is not one a deployment lists for its front end. The middleware answers a preflight itself and
    refuses such an origin, so the guide's own CORS headers, which allow any origin, would never be seen.
    """

    def __init__(self, app: ASGIApp, origins: list[str], public: str) -> None:
        self.app = app
        self.public = public.rstrip("/") + "/"
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.public):
            await self.app(scope, receive, send)
        else:
            await self.cors(scope, receive, send)
