"""A pool of OpenAI-compatible upstreams (vLLM servers) for the ``openai`` engine.

- **Balancing**: a request goes to the healthy upstream that serves its model with the fewest
  requests outstanding from this gateway; ties rotate, so one client alternates upstreams.
- **Health**: a background task GETs ``{url}/models`` on every upstream every
  ``health_interval_s`` (the answer is also the list of models it serves: the base and its
  LoRA adapters). An upstream that refuses the connection (or the key) is down at once; one
  that answers late or with an error is down when two checks in a row fail (an overloaded
  server is slow, not gone). A down upstream is skipped until a check succeeds again; a
  connection error on a request marks it down at once.
- **Retries**: a connection error or a ``5xx`` is retried on another upstream that serves the
  model (each upstream at most once per request); a ``4xx`` is the request's own problem and is
  not retried, except ``404`` for the model (the upstream's list was stale: that upstream is
  dropped for the model and another one tried).
- **Timeouts**: connect, read and pool timeouts on every request (a read timeout is not
  retried: the upstream is slow, not gone, and a retry would double its load).
- **Cancellation**: the caller's task being cancelled (client gone, server timeout) cancels
  the HTTP request; httpx then closes that connection, and vLLM aborts a generation whose
  client disconnected.

One shared :class:`httpx.AsyncClient` (with connection limits) on the event loop that called
:meth:`UpstreamPool.start`. The API key is sent as ``Authorization: Bearer`` and never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from accellium.server.engines.base import EngineError, EngineUnavailable

__all__ = ["Upstream", "UpstreamPool", "UpstreamRefused", "NoUpstream", "ModelNotServed",
           "normalize_url", "error_message"]

log = logging.getLogger("accellium.server.upstreams")


class UpstreamRefused(EngineError):
    """An upstream answered ``4xx`` to a request (not retried); ``status`` is its code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class NoUpstream(EngineUnavailable):
    """No healthy upstream can take the request (HTTP 503)."""


class ModelNotServed(EngineError):
    """No healthy upstream serves the model (adapter) a request names (HTTP 404)."""

    http_status = 404


class _Retry(Exception):
    """This upstream failed in a way another upstream may not (connection error, 5xx)."""


class _Definite(ValueError):
    """A health-check answer that settles it at once (the key is refused)."""


class _NotServed(_Retry):
    """This upstream does not serve the model after all (its list was stale)."""


def normalize_url(url: str) -> str:
    """An OpenAI base URL (``http://host:port/v1``); a URL without a path gets ``/v1``.
    Raises ValueError for anything that is not an http(s) URL with a host."""
    u = urlsplit(url.strip())
    if u.scheme not in ("http", "https") or not u.hostname:
        raise ValueError(f"--upstream {url!r}: expected an http(s) URL such as "
                         "http://127.0.0.1:8001/v1")
    if u.query or u.fragment:
        raise ValueError(f"--upstream {url!r}: no query or fragment in the base URL")
    path = u.path.rstrip("/") or "/v1"
    return f"{u.scheme}://{u.netloc}{path}"


def error_message(r: httpx.Response) -> str:
    """The reason in an error answer (vLLM's ``{"error": {"message"}}``, FastAPI's
    ``{"detail"}``), one line, at most 300 characters."""
    try:
        body = r.json()
    except ValueError:
        return " ".join(r.text.split())[:300] or r.reason_phrase
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return " ".join(str(err["message"]).split())[:300]
        if isinstance(err, str):
            return " ".join(err.split())[:300]
        if "detail" in body:
            return " ".join(str(body["detail"]).split())[:300]
    return " ".join(str(body).split())[:300]


class Upstream:
    """One upstream and what this gateway knows of it."""

    def __init__(self, url: str):
        self.url = url
        self.healthy = False
        self.probed = False  # at least one health check finished
        self.outstanding = 0
        self.models: dict[str, dict[str, Any]] = {}  # model id -> its /v1/models card
        self.base: str | None = None  # the served base model (the card without a parent)
        self.error: str | None = None
        self.changed = time.time()  # when `healthy` last changed
        self.requests = 0
        self.failures = 0
        self.cancelled = 0
        self.probe_failures = 0  # health checks failed in a row

    def adapters(self) -> list[str]:
        return sorted(m for m in self.models if m != self.base)

    def info(self) -> dict[str, Any]:
        return {"url": self.url, "healthy": self.healthy, "outstanding": self.outstanding,
                "base": self.base, "models": sorted(self.models), "error": self.error,
                "since": round(self.changed, 3), "requests": self.requests,
                "failures": self.failures, "cancelled": self.cancelled}


class UpstreamPool:
    """Upstreams behind one gateway (see the module docstring)."""

    def __init__(self, urls: list[str], *, api_key: str | None = None, timeout_s: float = 30.0,
                 connect_timeout_s: float = 3.0, health_interval_s: float = 5.0,
                 probe_timeout_s: float = 5.0, unhealthy_after: int = 2,
                 max_connections: int = 256, max_attempts: int | None = None):
        if not urls:
            raise ValueError("the openai engine needs at least one --upstream URL")
        seen: dict[str, Upstream] = {}
        for url in urls:
            norm = normalize_url(url)
            seen.setdefault(norm, Upstream(norm))
        self.upstreams = list(seen.values())
        self._key = api_key or None
        self.timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s, pool=timeout_s)
        self.health_interval_s = health_interval_s
        self.probe_timeout_s = probe_timeout_s
        self.unhealthy_after = max(1, unhealthy_after)
        self.limits = httpx.Limits(max_connections=max_connections,
                                   max_keepalive_connections=max_connections)
        self.max_attempts = max_attempts or len(self.upstreams)
        self.client: httpx.AsyncClient | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.on_up: Callable[[Upstream], Awaitable[None]] | None = None
        self._rr = 0
        self._task: asyncio.Task | None = None
        self.stats = {"requests": 0, "retries": 0, "cancelled": 0, "errors": 0, "in_flight": 0}

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Create the client on the running loop, check every upstream once, then keep
        checking them in the background."""
        self.loop = asyncio.get_running_loop()
        self.client = httpx.AsyncClient(limits=self.limits, timeout=self.timeout)
        await self.probe_all()
        self._task = asyncio.create_task(self._health_loop(), name="accellium-upstream-health")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.client is not None:
            await self.client.aclose()

    def headers(self, request_id: str | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        if request_id:
            h["X-Request-Id"] = request_id
        return h

    # -- health -----------------------------------------------------------------------------
    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.health_interval_s)
            try:
                await self.probe_all()
            except Exception:
                log.exception("health check round failed")

    async def probe_all(self) -> None:
        await asyncio.gather(*(self.probe(u) for u in self.upstreams))

    async def probe(self, u: Upstream) -> None:
        """``GET {url}/models``: healthy with its model list, or down with the reason."""
        assert self.client is not None
        try:
            r = await self.client.get(f"{u.url}/models", headers=self.headers(),
                                      timeout=self.probe_timeout_s)
            if r.status_code in (401, 403):
                raise _Definite(f"HTTP {r.status_code} on /models (wrong --upstream-key?): "
                                f"{error_message(r)}")
            if r.status_code != 200:
                raise ValueError(f"HTTP {r.status_code} on /models: {error_message(r)}")
            cards = {m["id"]: m for m in r.json()["data"] if isinstance(m.get("id"), str)}
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as e:
            # refused, or a wrong key: down now. A slow or erring answer (an overloaded
            # server) counts only when the next check fails too.
            u.probe_failures += 1
            definite = isinstance(e, (httpx.ConnectError, _Definite)) or not u.probed
            if definite or u.probe_failures >= self.unhealthy_after:
                self.mark_down(u, e)
            else:
                u.error = f"{type(e).__name__}: {e}"[:300]
            return
        finally:
            u.probed = True
        u.probe_failures = 0
        u.models = cards
        u.base = next((k for k, m in cards.items() if not m.get("parent")), None)
        if not u.healthy:
            u.healthy, u.error, u.changed = True, None, time.time()
            log.warning("upstream %s is up (serves %s)", u.url, ", ".join(sorted(cards)))
            if self.on_up is not None:
                try:
                    await self.on_up(u)
                except Exception:
                    log.exception("after %s came up", u.url)

    def mark_down(self, u: Upstream, err: BaseException | str) -> None:
        reason = err if isinstance(err, str) else (f"{type(err).__name__}: {err}"
                                                   if str(err) else type(err).__name__)
        u.error = reason[:300]
        if u.healthy:
            u.healthy, u.changed = False, time.time()
            log.warning("upstream %s is down: %s", u.url, u.error)

    # -- choosing ---------------------------------------------------------------------------
    def healthy(self) -> list[Upstream]:
        return [u for u in self.upstreams if u.healthy]

    def serving(self, model: str) -> list[Upstream]:
        """The healthy upstreams that serve ``model``."""
        return [u for u in self.upstreams if u.healthy and model in u.models]

    def pick(self, model: str | None, tried: set[str]) -> Upstream | None:
        """The healthy, untried upstream with the fewest requests outstanding that serves
        ``model`` (None: any base model); ties rotate."""
        n = len(self.upstreams)
        best: tuple[int, int] | None = None
        choice = None
        for i, u in enumerate(self.upstreams):
            if not u.healthy or u.url in tried:
                continue
            if model is not None and model not in u.models:
                continue
            if model is None and u.base is None:
                continue
            key = (u.outstanding, (i - self._rr) % n)
            if best is None or key < best:
                best, choice = key, u
        if choice is not None:
            self._rr = (self._rr + 1) % n
        return choice

    def down_reason(self, model: str | None) -> str:
        """Why no upstream can take a request for ``model`` (for a 503 or 404)."""
        if not self.healthy():
            states = "; ".join(f"{u.url}: {u.error or 'not checked yet'}" for u in self.upstreams)
            return f"no healthy upstream ({states})"
        served = sorted({m for u in self.healthy() for m in u.adapters()})
        return (f"unknown adapter '{model}': no healthy upstream serves it (served: "
                f"{', '.join(served) or 'none'})")

    # -- requests ---------------------------------------------------------------------------
    async def post(self, path: str, body: dict[str, Any], model: str | None,
                   request_id: str | None = None) -> tuple[Upstream, dict[str, Any]]:
        """POST ``body`` (with ``model``: the name, or the upstream's base for None) to the
        best upstream, retrying on others (see the module docstring). Returns the upstream
        and its JSON answer. Its ``X-Request-Id`` is ``acc-<request_id>-<random>-<attempt>``
        (``acc-<random>-<attempt>`` without ``request_id``): unique per attempt, and found
        from the gateway's request id."""
        self.stats["requests"] += 1
        rid = "-".join(["acc", *([request_id] if request_id else []),
                        uuid.uuid4().hex[:8 if request_id else 16]])
        tried: set[str] = set()
        failures: list[str] = []
        not_served = 0
        while len(tried) < self.max_attempts:
            u = self.pick(model, tried)
            if u is None:
                break
            tried.add(u.url)
            payload = dict(body, model=model if model is not None else u.base)
            try:
                return u, await self._post_one(u, path, payload, model, f"{rid}-{len(tried)}")
            except _Retry as e:
                failures.append(f"{u.url}: {e}")
                not_served += isinstance(e, _NotServed)
                if len(tried) < self.max_attempts:
                    self.stats["retries"] += 1
        self.stats["errors"] += 1
        if failures and not_served == len(failures):
            raise ModelNotServed(self.down_reason(model))
        if failures:
            raise NoUpstream("every upstream failed (" + "; ".join(failures) + ")")
        if model is not None and self.healthy():
            raise ModelNotServed(self.down_reason(model))
        raise NoUpstream(self.down_reason(model))

    async def _post_one(self, u: Upstream, path: str, payload: dict[str, Any],
                        model: str | None, rid: str) -> dict[str, Any]:
        assert self.client is not None
        u.outstanding += 1
        u.requests += 1
        self.stats["in_flight"] += 1
        try:
            r = await self.client.post(f"{u.url}{path}", json=payload, headers=self.headers(rid))
        except asyncio.CancelledError:
            u.cancelled += 1
            self.stats["cancelled"] += 1
            raise
        except httpx.PoolTimeout:
            raise NoUpstream(f"the gateway's {self.limits.max_connections} upstream "
                             "connections are all busy") from None
        except (httpx.ReadTimeout, httpx.WriteTimeout):
            u.failures += 1
            raise EngineError(f"upstream {u.url} timed out after "
                              f"{self.timeout.read:g} s") from None
        except httpx.TransportError as e:  # refused, reset, closed mid-answer: it is gone
            u.failures += 1
            self.mark_down(u, e)
            raise _Retry(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__) from None
        finally:
            u.outstanding -= 1
            self.stats["in_flight"] -= 1
        return self._answer(u, r, model)

    def _answer(self, u: Upstream, r: httpx.Response, model: str | None) -> dict[str, Any]:
        if r.status_code >= 500:
            u.failures += 1
            raise _Retry(f"HTTP {r.status_code}: {error_message(r)}")
        if r.status_code == 404 and model is not None and "model" in error_message(r).lower():
            u.models.pop(model, None)  # its list was stale: not for this model any more
            raise _NotServed(f"HTTP 404: {error_message(r)}")
        if r.status_code >= 400:
            raise UpstreamRefused(f"upstream {u.url} refused the request (HTTP "
                                  f"{r.status_code}): {error_message(r)}", r.status_code)
        try:
            out = r.json()
        except ValueError:
            raise _Retry("the answer is not JSON") from None
        if not isinstance(out, dict):
            raise _Retry("the answer is not a JSON object")
        return out

    # -- views ------------------------------------------------------------------------------
    def served(self) -> dict[str, list[str]]:
        """Adapter name -> the healthy upstreams serving it."""
        out: dict[str, list[str]] = {}
        for u in self.healthy():
            for m in u.adapters():
                out.setdefault(m, []).append(u.url)
        return dict(sorted(out.items()))

    def info(self) -> list[dict[str, Any]]:
        return [u.info() for u in self.upstreams]
