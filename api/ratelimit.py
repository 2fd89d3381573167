"""Limits on what one caller may send: requests per minute per API key, and bytes per request.

The rate limit is a token bucket per key id: a key may make up to
``per_minute`` requests at once, and gets them back at ``per_minute`` per
minute. It is kept per process, so behind N uvicorn workers a key gets N times
the limit (put a shared limiter in the proxy in front if that matters).

>>> clock = iter([0.0, 0.0, 0.0, 30.0]).__next__
>>> limiter = RateLimiter(2, clock)
>>> limiter.wait("a"), limiter.wait("a"), limiter.wait("a") > 0, limiter.wait("a")
(0.0, 0.0, True, 0.0)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem

#: Room for the multipart envelope around an upload of the largest allowed size.
ENVELOPE = 64 * 1024


class RateLimiter:
    """``per_minute`` requests per key, in bursts of as many; 0 means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def wait(self, key: str) -> float:
        """Take one request from ``key``'s allowance: 0.0 when it may go ahead, else the seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate

    def check(self, key: str) -> None:
        """Raise 429, with ``Retry-After``, when ``key`` has used up its allowance."""
        wait = self.wait(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise HTTPException(
                429,
                f"the API key {key!r} may make {self.per_minute} requests a minute; try again in {seconds} s",
                {"Retry-After": str(seconds)},
            )


class BodyLimit:
    """Refuse a request body larger than ``limit`` bytes with 413.

    A declared ``Content-Length`` is checked before anything is read; a body
    sent in chunks declares none, and is stopped as soon as it grows too
    large, before it is spooled to disk or parsed. A plain ASGI middleware:
    every request passes through it, and Starlette's ``BaseHTTPMiddleware``
    would cost each one a task and a stream.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"requests are limited to {self.limit - ENVELOPE} bytes"
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        if declared.isdigit() and int(declared) > self.limit:
            await problem(413, "Payload too large", detail, scope["path"])(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the app's body parsing, so the app's handler turns it into problem details.
                    raise HTTPException(413, detail)
            return message

        await self.app(scope, counted, send)
