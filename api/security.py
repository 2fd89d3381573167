"""API keys: hashed at rest (SHA-256), compared in constant time, each with an id for the audit trail.

A key is a random secret given to a person or system once; the service keeps
only ``key-id:sha256(key)`` in ``CHANJIAO_API_KEYS``. Each key may make
``CHANJIAO_RATE_LIMIT_PER_MINUTE`` requests a minute (429 beyond that).

>>> entry, secret = new_key("registrar")
>>> entry.startswith("registrar:") and len(secret) > 30
True
>>> KeyRing([entry]).identify(secret)
'registrar'
>>> KeyRing([entry]).identify("guess") is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from api.ratelimit import RateLimiter
from graph.settings import Settings


def new_key(key_id: str) -> tuple[str, str]:
    """A new secret and the ``key-id:hash`` entry to configure for it."""
    secret = secrets.token_urlsafe(32)
    return f"{key_id}:{_digest(secret)}", secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyRing:
    """The configured keys, by hash."""

    def __init__(self, entries: list[str]) -> None:
        self._hashes: list[tuple[str, str]] = []
        for entry in entries:
            key_id, _, digest = entry.rpartition(":")
            if not key_id or len(digest) != 64:
                raise ValueError(f"API key entry {entry[:20]!r}… is not 'key-id:sha256-hex'")
            self._hashes.append((key_id, digest.lower()))

    def identify(self, secret: str | None) -> str | None:
        """The id of the key ``secret`` is, or None. Every configured hash is compared, in constant time."""
        if not secret:
            return None
        digest = _digest(secret)
        found = None
        for key_id, stored in self._hashes:
            if hmac.compare_digest(digest, stored):
                found = key_id
        return found


_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key (writes always need one)")


def _ring(request: Request) -> KeyRing:
    settings: Settings = request.app.state.settings
    ring = getattr(request.app.state, "key_ring", None)
    if ring is None:
        ring = request.app.state.key_ring = KeyRing(settings.api_keys)
    return ring


def _limiter(request: Request) -> RateLimiter:
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        settings: Settings = request.app.state.settings
        limiter = RateLimiter(settings.rate_limit_per_minute, shared=settings.rate_limit_file)
        request.app.state.rate_limiter = limiter
    return limiter


async def require_key(request: Request, secret: Annotated[str | None, Security(_header)] = None) -> str:
    """The id of the caller's valid API key; 401 without one, 429 when the key has used up its rate."""
    return _identified(request, secret)


async def reader_key(request: Request, secret: Annotated[str | None, Security(_header)] = None) -> str | None:
    """For reads: a valid key when the settings say reads need one, otherwise anything goes."""
    if request.app.state.settings.read_requires_key:
        return _identified(request, secret)
    return None


def _identified(request: Request, secret: str | None) -> str:
    key_id = _ring(request).identify(secret)
    if key_id is None:
        raise HTTPException(401, "this needs a valid API key in the X-API-Key header", {"WWW-Authenticate": "ApiKey"})
    _limiter(request).check(key_id)
    return key_id


WriterKey = Annotated[str, Depends(require_key)]
