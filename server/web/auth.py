"""The bearer token check of ``/v1/*``.

The token is compared as UTF-8 bytes with the raw header bytes (Starlette decodes headers as
Latin-1, so a non-ASCII token sent by a UTF-8 client would never match a decoded string), in
constant time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accellium.server.web.settings import Settings

__all__ = ["bearer_auth", "token_bytes", "token_matches"]

# declares the scheme in OpenAPI; the check itself reads the raw header
_bearer = HTTPBearer(auto_error=False, description="Needed when the server has a token.")


def token_bytes(token: str) -> bytes:
    """The bytes a UTF-8 client sends for ``token`` (an undecodable environment byte is kept
    as it was)."""
    return token.encode("utf-8", "surrogateescape")


def token_matches(header: bytes | None, want: bytes) -> bool:
    """``Authorization: Bearer <want>``; the scheme is case-insensitive."""
    if header is None:
        return False
    scheme, _, cred = header.strip().partition(b" ")
    # compare even on a wrong scheme, so the time does not tell which part was wrong
    same = hmac.compare_digest(cred.strip(), want)
    return same and scheme.lower() == b"bearer"


def bearer_auth(settings: Settings) -> Callable[..., Awaitable[None]]:
    want = token_bytes(settings.token) if settings.token else None

    async def auth(request: Request,
                   _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
                   ) -> None:
        if want is None:
            return
        raw = next((v for k, v in request.scope["headers"] if k == b"authorization"), None)
        if not token_matches(raw, want):
            raise HTTPException(401, "missing or wrong bearer token",
                                headers={"WWW-Authenticate": "Bearer"})

    return auth
