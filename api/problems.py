"""Errors as RFC 9457 problem details, mapped from the domain's exceptions in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import (
    ChanjiaoError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StoreUnavailableError,
    ValidationError,
)

PROBLEM_JSON = "application/problem+json"

_STATUS: list[tuple[type[ChanjiaoError], int]] = [
    (NotFoundError, 404),
    (ValidationError, 422),
    (InvalidInputError, 422),
    (ConflictError, 409),
    (StoreUnavailableError, 503),
]


def problem(status: int, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    """A problem-details response: ``type``, ``title``, ``status``, ``detail``, ``instance`` and extensions."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": instance, **extra}
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_of(exc: ChanjiaoError) -> int:
    return next((status for kind, status in _STATUS if isinstance(exc, kind)), 500)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem-details response."""

    @app.exception_handler(ChanjiaoError)
    async def domain_error(request: Request, exc: ChanjiaoError) -> JSONResponse:
        extra = {"problems": [p.as_dict() for p in exc.problems]} if isinstance(exc, ValidationError) else {}
        return problem(status_of(exc), exc.title, str(exc), request.url.path, **extra)

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in e["loc"]), "reason": e["msg"], "value": _plain(e.get("input"))}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['reason']}" for e in errors)
        return problem(422, "Invalid request", detail, request.url.path, problems=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail), request.url.path)


_TITLES = {404: "Not found", 405: "Method not allowed", 413: "Payload too large", 401: "Unauthorized"}


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)
