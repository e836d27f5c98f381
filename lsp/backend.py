"""The HTTP backend client (DESIGN §4 ``POST /v1/suggest``) with its limits.

* **Time**: one deadline (``timeoutMs``) for the whole exchange, connection to last byte, so a
  backend that trickles its answer a byte at a time costs no more than one that hangs.
* **Size**: at most :data:`MAX_RESPONSE_BYTES` are read; a larger ``Content-Length`` is refused
  before the body is read.
* **Shape**: the body must be JSON nested at most :data:`MAX_JSON_DEPTH` deep, checked by one
  linear scan before ``json.loads`` (which recurses and raises ``RecursionError`` on ``[[[...``).
* **Circuit breaker** (:class:`Breaker`): any failure (unreachable, timeout, HTTP error, an
  answer that is not a suggestion) and :data:`SLOW_STRIKES` answers in a row slower than
  :data:`SLOW_FRACTION` of the timeout open the circuit: new loops go straight to the embedded
  engine, without waiting, for a cool-down of 15 s that doubles on each failed retry (at most
  5 min).  After it one request tries the backend again (half-open); success closes the circuit.
* **Token**: ``backendToken`` goes as ``Authorization: Bearer <token>`` (UTF-8), to the
  configured URL only; it is never logged.
"""

from __future__ import annotations

import asyncio
import json
import time
from array import array
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from accellium.dataset.pragma import PragmaError, parse_valid
from accellium.dataset.prompt import first_pragma_line
from accellium.server.suggest import Suggestion

__all__ = ["BackendError", "BackendRejected", "BackendClient", "Breaker", "check_json_depth",
           "suggestion_from_json", "MAX_RESPONSE_BYTES", "MAX_JSON_DEPTH"]

MAX_RESPONSE_BYTES = 1 << 20  # 1 MiB: a suggestion is a few hundred bytes
MAX_JSON_DEPTH = 32
COOL_DOWN_S = 15.0
MAX_COOL_DOWN_S = 300.0
SLOW_FRACTION = 0.75
SLOW_STRIKES = 3
MAX_PRAGMA_CHARS = 4096
MAX_ALTERNATIVES_READ = 8  # the API's limit on alternatives
_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # as signed bytes: +1, +1, -1, -1
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class BackendError(RuntimeError):
    """The backend failed (kind: unreachable | timeout | error | garbage | adapter)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class BackendRejected(RuntimeError):
    """The backend refused the input (HTTP 422): no suggestion for this loop."""


def check_json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``ValueError`` when ``raw`` nests arrays/objects deeper than ``limit``.  Linear,
    at C speed: escaped backslashes and quotes go, the text between quotes goes, and the
    running depth of the brackets left is summed."""
    plain = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = b"".join(plain.split(b'"')[0::2]).translate(_SIGNS, _NOT_BRACKETS)
    if len(skeleton) > limit and max(accumulate(array("b", skeleton))) > limit:
        raise ValueError(f"JSON nested deeper than {limit}")


def parse_json(raw: bytes):
    """``json.loads`` of a bounded, shallow body; ``BackendError('garbage')`` otherwise."""
    try:
        check_json_depth(raw)
        return json.loads(raw)
    except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
        raise BackendError("garbage", f"the backend's answer is not usable JSON "
                           f"({str(e)[:120]})") from e


@dataclass
class Breaker:
    """Circuit breaker state for one backend URL."""

    open_until: float = 0.0
    cool_down: float = COOL_DOWN_S
    slow: int = 0
    trial: bool = False  # a half-open request is in flight

    def allows(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now < self.open_until:
            return False
        if self.open_until and self.trial:
            return False  # one trial at a time
        return True

    def begin(self) -> None:
        if self.open_until:
            self.trial = True

    def success(self, elapsed_s: float, timeout_s: float) -> bool:
        """Record an answer; True when it was too slow and the circuit opened."""
        self.trial = False
        if elapsed_s > SLOW_FRACTION * timeout_s:
            self.slow += 1
            if self.slow >= SLOW_STRIKES:
                self.failure()
                return True
            return False
        self.slow = 0
        self.open_until = 0.0
        self.cool_down = COOL_DOWN_S
        return False

    def failure(self) -> None:
        was_open = bool(self.open_until)
        self.trial = False
        self.slow = 0
        if was_open:
            self.cool_down = min(self.cool_down * 2, MAX_COOL_DOWN_S)
        self.open_until = time.monotonic() + self.cool_down

    def cancelled(self) -> None:
        self.trial = False


class BackendClient:
    """POST/GET against one backend with the limits above."""

    def __init__(self) -> None:
        self._client = None  # httpx.AsyncClient, made on first use

    @staticmethod
    def _make():
        import httpx

        # No proxies from the environment: the backend is normally on localhost.
        return httpx.AsyncClient(trust_env=False, follow_redirects=False,
                                 headers={"user-agent": "accellium-lsp"})

    async def _http(self):
        """The client, made once in a thread (importing httpx and loading the TLS trust store
        take a while, and must not eat the first request's deadline or block the loop)."""
        if self._client is None:
            client = await asyncio.to_thread(self._make)
            if self._client is None:
                self._client = client
        return self._client

    @staticmethod
    def headers(token: str | None) -> dict:
        return {"authorization": b"Bearer " + token.encode("utf-8")} if token else {}

    async def request(self, method: str, url: str, timeout_s: float, token: str | None,
                      body: dict | None = None) -> tuple[int, bytes]:
        """(status, body) within ``timeout_s`` in all; raises :class:`BackendError`."""
        client = await self._http()
        try:
            return await asyncio.wait_for(
                self._exchange(client, method, url, timeout_s, token, body), timeout_s)
        except TimeoutError as e:
            raise BackendError("timeout", f"no complete answer within {timeout_s * 1000:.0f} ms"
                               ) from e

    @staticmethod
    async def _exchange(client, method: str, url: str, timeout_s: float, token: str | None,
                        body: dict | None) -> tuple[int, bytes]:
        import httpx

        try:
            async with client.stream(method, url, json=body, timeout=timeout_s,
                                     headers=BackendClient.headers(token)) as r:
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                    raise BackendError("garbage", f"the answer is {int(declared)} bytes, over "
                                       f"the {MAX_RESPONSE_BYTES} byte limit")
                chunks, size = [], 0
                async for chunk in r.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_RESPONSE_BYTES:
                        raise BackendError("garbage", f"the answer is over the "
                                           f"{MAX_RESPONSE_BYTES} byte limit")
                    chunks.append(chunk)
                return r.status_code, b"".join(chunks)
        except httpx.TimeoutException as e:
            raise BackendError("timeout", f"{type(e).__name__}") from e
        except (httpx.ConnectError, httpx.NetworkError, OSError) as e:
            raise BackendError("unreachable", f"{type(e).__name__}: {e}") from e
        except httpx.HTTPError as e:
            raise BackendError("error", f"{type(e).__name__}: {e}") from e

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def detail(body: bytes) -> str:
    """The ``detail`` of an error answer (bounded), else its first bytes."""
    try:
        obj = parse_json(body[:65536])
        if isinstance(obj, dict) and "detail" in obj:
            return str(obj["detail"])[:200]
    except BackendError:
        pass
    return body[:200].decode("utf-8", "replace")


def suggestion_from_json(obj: Any) -> Suggestion:
    """A backend response as a :class:`Suggestion`; raises BackendError('garbage') unless it is a
    well-formed answer with a valid single-line pragma (or null)."""
    if not isinstance(obj, dict) or "pragma" not in obj:
        raise BackendError("garbage", "the backend answer is not a suggestion object")
    raw = obj.get("pragma")
    notes = obj.get("notes") or []
    if not isinstance(notes, list):
        notes = [str(notes)]
    notes = [str(n) for n in notes][:20]
    if raw is None:
        return Suggestion(None, None, [], notes, str(obj.get("engine") or "backend"),
                          adapter=obj.get("adapter"), elapsed_ms=_num(obj.get("elapsed_ms")))
    if not isinstance(raw, str) or len(raw) > MAX_PRAGMA_CHARS:
        raise BackendError("garbage", "the backend's pragma is not a string of at most "
                           f"{MAX_PRAGMA_CHARS} characters")
    line = first_pragma_line(raw)
    if line is None:
        raise BackendError("garbage", "the backend's pragma is not '#pragma acc ...'")
    try:
        p = parse_valid(line)
    except PragmaError as e:
        raise BackendError("garbage", f"the backend's pragma is invalid ({str(e)[:160]})") from e
    return Suggestion(p.render(), p.directive, p.clause_texts, notes,
                      str(obj.get("engine") or "backend"), adapter=obj.get("adapter"),
                      elapsed_ms=_num(obj.get("elapsed_ms")),
                      alternatives=_alternatives(obj.get("alternatives")),
                      confidence=_confidence(obj.get("confidence")))


def _alternatives(raw: Any) -> list[str]:
    """The answer's alternatives that are valid one-line pragmas (the others are dropped: an
    alternative is optional, the main answer stands)."""
    out: list[str] = []
    if not isinstance(raw, list):
        return out
    for alt in raw[:MAX_ALTERNATIVES_READ]:
        if not isinstance(alt, str) or len(alt) > MAX_PRAGMA_CHARS:
            continue
        line = first_pragma_line(alt)
        if line is None or line.strip() != alt.strip():
            continue
        try:
            out.append(parse_valid(line).render())
        except PragmaError:
            continue
    return out


def _confidence(v: Any) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool) and 0.0 <= v <= 1.0:
        return float(v)
    return None


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0
