"""The Neo4j Browser guide and style sheet, for analysts (docs/browser.md).

The Browser fetches both cross-origin (``:guide``/``:play`` and ``:style`` run in the page served by
Neo4j, e.g. http://127.0.0.1:7474), so the responses carry CORS headers. They allow any origin: the
files are public, static and fetched without credentials, and the Browser's origin varies (Neo4j's
HTTP port, Neo4j Desktop, browser.neo4j.io). No API key is asked for, since the Browser cannot send one.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from api import problems

ASSETS = Path(__file__).resolve().parents[1] / "browser"

#: What the Browser's fetch sends: guides go out with Pragma and Cache-Control headers, which are not
#: CORS-safelisted, so the Browser first sends a preflight OPTIONS request that must allow them.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "Cache-Control, Pragma, Content-Type",
    "Access-Control-Max-Age": "600",
}

FILES = {
    "guide.html": "text/html; charset=utf-8",
    "style.grass": "text/plain; charset=utf-8",  # GRASS has no media type of its own; the Browser reads text
}

router = APIRouter(prefix="/browser", tags=["browser"])


def _read(name: str) -> bytes | None:
    # read on every request (the files are small) so that a rebuilt guide is served without a restart
    path = ASSETS / name
    return path.read_bytes() if path.is_file() else None


def _serve(name: str, path: str) -> Response:
    content = _read(name)
    if content is None:  # e.g. an install that left out the package data
        return problems.problem(404, "Not found", f"{name} is not installed with this API", path)
    # no-cache: a rebuilt guide shows up at once (the Browser asks for no-cache as well)
    headers = {**CORS_HEADERS, "Cache-Control": "no-cache"}
    return Response(content, media_type=FILES[name], headers=headers)


@router.get("/guide.html", response_class=Response, responses={200: {"content": {"text/html": {}}}})
def guide() -> Response:
    """The analyst guide: `:guide http://127.0.0.1:8000/browser/guide.html` (or `:play …`) in the Neo4j Browser."""
    return _serve("guide.html", "/browser/guide.html")


@router.get("/style.grass", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def style() -> Response:
    """The GRASS style sheet: `:style http://127.0.0.1:8000/browser/style.grass` in the Neo4j Browser."""
    return _serve("style.grass", "/browser/style.grass")


@router.options("/guide.html", include_in_schema=False)
@router.options("/style.grass", include_in_schema=False)
def preflight() -> Response:
    """The CORS preflight the Browser sends before fetching a guide."""
    return Response(status_code=204, headers=CORS_HEADERS)
