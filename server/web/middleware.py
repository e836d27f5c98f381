"""ASGI middleware of the API, outermost first:

- :class:`AccessLog` — one JSON line per request (``ts, id, method, path, status, ms, client``)
  and an ``x-request-id`` header on every response. The id is the request's own
  ``X-Request-Id`` when it is 1-64 characters of ``[A-Za-z0-9._:-]`` (a client's or a proxy's
  trace id), else a fresh one; it is also :data:`~accellium.server.engines.base.REQUEST_ID`
  while the request runs, which the ``openai`` engine puts in its upstream request ids.
- :class:`RequestGuard` — refusals that need no parsing, before the app sees the request:
  a ``Host`` the server is not bound to (``421``: DNS rebinding), an ``Origin`` that is not
  allowed (``403``: a web page in the user's browser), a body over the size limit (``413``,
  counted as the bytes arrive, also for chunked bodies without ``Content-Length``). It then
  hands the app the buffered body, declared as JSON whatever its content type (``curl -d``
  sends form encoding).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
import uuid
from typing import Any

from accellium.server.engines.base import REQUEST_ID
from accellium.server.web.settings import Settings

__all__ = ["AccessLog", "RequestGuard", "host_allowed", "origin_allowed"]

access_log = logging.getLogger("accellium.access")

_BODY_METHODS = ("POST", "PUT", "PATCH")
#: a request id a client may choose: safe in a log line and in an upstream's request id
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _header(scope: dict, name: bytes) -> bytes | None:
    for k, v in scope["headers"]:
        if k == name:
            return v
    return None


async def _refuse(send: Any, status: int, reason: str, headers: list | None = None) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def host_allowed(host: str, names: set[str]) -> bool:
    """A ``Host`` header is fine when it names the server (a bound or allowed name) or is an IP
    literal: DNS rebinding needs a host *name* that resolves to the server."""
    name = _host_name(host).rstrip(".")
    if name in names:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def origin_allowed(origin: str, host: str | None, scheme: str, allowed: list[str]) -> bool:
    """The server's own pages (same origin) and the ``--allow-origin`` ones."""
    origin = origin.strip().rstrip("/").lower()
    if host and origin == f"{scheme}://{host.strip().lower()}":
        return True
    return origin in {a.strip().rstrip("/").lower() for a in allowed}


class RequestGuard:
    def __init__(self, app: Any, settings: Settings):
        self.app = app
        self.names = settings.host_names()
        self.origins = list(settings.allow_origins)
        self.limit = settings.max_body_bytes

    def _problem(self, scope: dict) -> tuple[int, str] | None:
        host = _header(scope, b"host")
        host_s = host.decode("latin-1") if host is not None else None
        if host_s is not None and not host_allowed(host_s, self.names):
            return 421, (f"Host '{_host_name(host_s)[:100]}' is not a name of this server "
                         "(start it with --allow-host NAME to answer to that name)")
        origin = _header(scope, b"origin")
        if origin is not None and not origin_allowed(origin.decode("latin-1"), host_s,
                                                     scope.get("scheme", "http"), self.origins):
            return 403, ("cross-site request refused: Origin "
                         f"'{origin.decode('latin-1')[:100]}' is not allowed "
                         "(start the server with --allow-origin URL to allow it)")
        site = _header(scope, b"sec-fetch-site")
        if site == b"cross-site" and origin is None and scope["method"] in _BODY_METHODS:
            return 403, "cross-site request refused (Sec-Fetch-Site: cross-site)"
        return None

    def _too_big(self) -> str:
        return f"request body over the {self.limit}-byte limit ({self.limit // 1024} KiB); send less"

    def _declared_too_big(self, scope: dict) -> bool:
        length = _header(scope, b"content-length")
        return length is not None and (not length.strip().isdigit() or int(length) > self.limit)

    async def _read_body(self, scope: dict, receive: Any, send: Any) -> bytes | None:
        """The whole body, or None after answering 413 (or when the client left)."""
        too_big = self._too_big()
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > self.limit:
                await _refuse(send, 413, too_big, [(b"connection", b"close")])
                return None
            if not message.get("more_body", False):
                return bytes(body)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        problem = self._problem(scope)
        if problem is not None:
            return await _refuse(send, *problem)
        if self._declared_too_big(scope):  # any method: refused unread
            return await _refuse(send, 413, self._too_big(), [(b"connection", b"close")])
        if scope["method"] not in _BODY_METHODS:
            return await self.app(scope, receive, send)
        body = await self._read_body(scope, receive, send)
        if body is None:
            return None
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
        ctype = _header(scope, b"content-type") or b""
        headers.append((b"content-type", ctype if b"json" in ctype.lower()
                        else b"application/json"))
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the client's disconnect, if it comes

        return await self.app(dict(scope, headers=headers), replay, send)


class AccessLog:
    def __init__(self, app: Any, enabled: bool = True):
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.enabled:
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = [0]
        given = (_header(scope, b"x-request-id") or b"").decode("latin-1")
        rid = given if _CLIENT_ID.fullmatch(given) else uuid.uuid4().hex[:12]
        token = REQUEST_ID.set(rid)

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            REQUEST_ID.reset(token)
            client = scope.get("client")
            access_log.info(json.dumps({
                "ts": round(time.time(), 3), "id": rid, "method": scope["method"],
                "path": scope["path"], "status": status[0] or 499,
                "ms": round((time.perf_counter() - t0) * 1000, 2),
                "client": client[0] if client else None,
            }, separators=(",", ":")))
