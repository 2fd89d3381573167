"""The web page for curriculum designers (docs/web.md): static assets served under ``/ui``.

The page is plain HTML, CSS and JavaScript shipped in ``api/web/`` (no build step, no CDN, so it
works offline); it calls the same JSON API as everyone else, sending the API key the user typed (kept
in the browser's sessionStorage only) when there is one. The assets themselves are open: they hold
no data, and a browser cannot send a key with a page load.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api import problems

ASSETS = Path(__file__).resolve().parents[1] / "web"

#: What may be served, by suffix: anything else in the folder (or outside it) is 404.
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}

#: The page loads only its own files and talks only to its own API: no CDN, no inline script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)

_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$")

router = APIRouter(prefix="/ui", tags=["web"], include_in_schema=False)


@router.api_route("", methods=["GET", "HEAD"])
def ui_root() -> RedirectResponse:
    """``/ui`` → ``/ui/``: relative, so that the page also works behind a proxy that adds a path prefix."""
    return RedirectResponse("ui/", status_code=307)


@router.api_route("/{name:path}", methods=["GET", "HEAD"])
def asset(name: str, request: Request) -> Response:
    """``/ui/`` is the page; ``/ui/<file>`` its assets (read on every request: small, and never stale)."""
    path = _find(name or "index.html")
    if path is None:
        return problems.problem(404, "Not found", f"no file {name!r} in the web page's assets", request.url.path)
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "Cache-Control": "no-cache",  # revalidate every time (cheap: ETag), so an upgrade shows at once
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = CSP
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=TYPES[path.suffix], headers=headers)


def _find(name: str) -> Path | None:
    """The asset file called ``name`` inside ``ASSETS``, or None (dot files, other suffixes, ``..`` never)."""
    if not _NAME.match(name):
        return None
    path = (ASSETS / name).resolve()
    if not path.is_file() or path.suffix not in TYPES or ASSETS.resolve() not in path.parents:
        return None
    return path
