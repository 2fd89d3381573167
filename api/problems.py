"""Errors as RFC 9457 problem details, mapped from the domain's exceptions in one place."""

from __future__ import annotations

from collections.abc import Mapping
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


def problem(
    status: int, title: str, detail: str, instance: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem-details response: ``type``, ``title``, ``status``, ``detail``, ``instance`` and extensions.

    A 503 says when to try again (``Retry-After``) unless ``headers`` say otherwise.
    """
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": instance, **extra}
    sent = {"Retry-After": "5"} if status == 503 else {}
    sent.update(headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=sent or None)


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
        # The exception's headers carry meaning (WWW-Authenticate on 401, Retry-After on 429): keep them.
        title = _TITLES.get(exc.status_code, "Error")
        return problem(exc.status_code, title, str(exc.detail), request.url.path, headers=exc.headers)

    document(app)


_TITLES = {
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Too many requests",
}

#: The problem-details body, as documented in the OpenAPI document.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "problems": {
            "type": "array",
            "description": "each thing wrong with the input: where, which field, what value, why",
            "items": {"type": "object"},
        },
    },
}


def document(app: FastAPI) -> None:
    """Say in the OpenAPI document that errors are problem details: every operation's 422 and its ``default``.

    FastAPI documents its own 422 shape (``HTTPValidationError``), which the
    handlers above replace; a client generated from the document, or a
    schemathesis run, must see the shape the API really sends.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                if not isinstance(operation, dict):
                    continue  # path-level parameters
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Invalid request", "content": content}
                responses.setdefault(
                    "default", {"description": "An error, as RFC 9457 problem details", "content": content}
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)
