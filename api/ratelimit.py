"""Limits on what one caller may send: requests per minute per API key, and bytes per request.

The rate limit is a token bucket per key id: a key may make up to
``per_minute`` requests at once, and gets them back at ``per_minute`` per
minute. The buckets are kept in the process, or in a SQLite file that every
uvicorn worker of one server shares (``rate_limit_file``; ``chanjiao serve
--workers N`` makes one), so that N workers do not give a key N times its rate.

>>> clock = iter([0.0, 0.0, 0.0, 30.0]).__next__
>>> limiter = RateLimiter(2, clock)
>>> limiter.wait("a"), limiter.wait("a"), limiter.wait("a") > 0, limiter.wait("a")
(0.0, 0.0, True, 0.0)
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem

#: Room for the multipart envelope around an upload of the largest allowed size.
ENVELOPE = 64 * 1024

#: A bucket: the requests left, and when they were counted (seconds on the limiter's clock).
Bucket = tuple[float, float]


def take(bucket: Bucket | None, now: float, per_minute: int) -> tuple[Bucket, float]:
    """``bucket`` after one request at ``now``, and the seconds until that request may go (0.0: now).

    A key's first request finds its bucket full; a clock that went back refills nothing.

    >>> take(None, 5.0, 2)
    ((1.0, 5.0), 0.0)
    >>> take((0.5, 0.0), 3.0, 2)
    ((0.6, 3.0), 12.0)
    """
    rate = per_minute / 60.0
    tokens, then = bucket if bucket is not None else (float(per_minute), now)
    tokens = min(float(per_minute), tokens + max(0.0, now - then) * rate)
    if tokens >= 1.0:
        return (tokens - 1.0, now), 0.0
    return (tokens, now), (1.0 - tokens) / rate


class MemoryBuckets:
    """The buckets of one process."""

    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def update(self, key: str, change: Callable[[Bucket | None], tuple[Bucket, float]]) -> float:
        """Replace ``key``'s bucket by what ``change`` makes of it, atomically; return the wait it gives too."""
        with self._lock:
            self._buckets[key], wait = change(self._buckets.get(key))
        return wait


class FileBuckets:
    """The buckets in a SQLite file, shared by every process that opens it (the workers of one server).

    Each update is one ``BEGIN IMMEDIATE`` transaction, so two workers taking from one bucket at once take
    two requests. Nothing here needs to outlive a crash, so the file is not synced.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE IF NOT EXISTS bucket (key TEXT PRIMARY KEY, tokens REAL, at REAL)")
        self._lock = threading.Lock()

    def update(self, key: str, change: Callable[[Bucket | None], tuple[Bucket, float]]) -> float:
        """Replace ``key``'s bucket by what ``change`` makes of it, atomically; return the wait it gives too."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT tokens, at FROM bucket WHERE key = ?", (key,)).fetchone()
                (tokens, at), wait = change(tuple(row) if row else None)
                self._db.execute("INSERT OR REPLACE INTO bucket VALUES (?, ?, ?)", (key, tokens, at))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return wait


class RateLimiter:
    """``per_minute`` requests per key, in bursts of as many; 0 means no limit. With ``shared``, the buckets are
    kept in that file (``FileBuckets``) and counted on the wall clock, which every process reads alike."""

    def __init__(self, per_minute: int, clock: Callable[[], float] | None = None, shared: Path | None = None) -> None:
        self.per_minute = per_minute
        self._buckets = FileBuckets(shared) if shared is not None else MemoryBuckets()
        self._clock = clock or (time.time if shared is not None else time.monotonic)

    def wait(self, key: str) -> float:
        """Take one request from ``key``'s allowance: 0.0 when it may go ahead, else the seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        now = self._clock()
        return self._buckets.update(key, lambda bucket: take(bucket, now, self.per_minute))

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
