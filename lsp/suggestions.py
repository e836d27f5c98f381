"""Where suggestions come from: the HTTP backend (DESIGN §4) when ``backendUrl`` is set and
answers, else the embedded engine in-process (:func:`server.suggest.suggest`).

* One request per distinct loop: answers are cached by (source, engine, adapter, language, loop
  text, enclosing directives, examples), identical requests in flight are shared, and nothing
  here runs on a keystroke (the code-action and resolve handlers ask; see ``lsp/server.py``).
* Timeouts (``timeoutMs``) and cancellation: an LSP request cancelled by the client cancels its
  await, which closes the HTTP request, which the backend sees as a disconnect.
* A backend that is down, slow or answers garbage never breaks the server: the answer comes from
  the embedded engine and the state change is reported (``accellium/status``; a
  ``window/showMessage`` once per backend URL and kind of failure).
* Every pragma, wherever it comes from, is parsed and validated before it can reach an edit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accellium.dataset.pragma import PragmaError, parse_valid
from accellium.dataset.prompt import first_pragma_line
from accellium.server.engines import EMBEDDED_ENGINES, EngineError, LoopQuery, get_engine
from accellium.server.suggest import Suggestion, suggest

from .settings import Settings

log = logging.getLogger(__name__)

__all__ = ["SuggestService", "Outcome", "BackendError"]

RETRY_AFTER_S = 15.0  # an unreachable backend is tried again after this long
CACHE_SIZE = 2048


class BackendError(RuntimeError):
    """The backend failed (kind: unreachable | timeout | error | garbage | adapter)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class BackendRejected(RuntimeError):
    """The backend refused the input (HTTP 422): no suggestion for this loop."""


@dataclass
class Outcome:
    suggestion: Suggestion | None
    source: str  # "backend" | "embedded"
    note: str | None = None  # e.g. why the embedded engine answered
    cached: bool = False


@dataclass
class _Flight:
    task: asyncio.Task
    waiters: int = 0


@dataclass
class BackendState:
    state: str = "embedded"  # embedded | connected | unreachable | timeout | error
    detail: str = ""
    down_since: float = 0.0
    reported: set[tuple[str, str]] = field(default_factory=set)


def _example_json(e: Any) -> dict:
    out = {"pragma": e.pragma, "loop": e.loop}
    if getattr(e, "enclosing", None) is not None:
        out["enclosing"] = list(e.enclosing)
    if getattr(e, "same_file", None) is not None:
        out["same_file"] = bool(e.same_file)
    return out


def query_key(q: LoopQuery) -> tuple:
    return (q.lang, q.code, tuple(q.enclosing),
            tuple((e.pragma, e.loop, e.enclosing, e.same_file) for e in q.examples), q.adapter)


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
    if not isinstance(raw, str):
        raise BackendError("garbage", "the backend's pragma is not a string")
    line = first_pragma_line(raw)
    if line is None:
        raise BackendError("garbage", f"the backend's pragma is not '#pragma acc ...': {raw[:80]!r}")
    try:
        p = parse_valid(line)
    except PragmaError as e:
        raise BackendError("garbage", f"the backend's pragma is invalid ({e})") from e
    return Suggestion(p.render(), p.directive, p.clause_texts, notes,
                      str(obj.get("engine") or "backend"), adapter=obj.get("adapter"),
                      elapsed_ms=_num(obj.get("elapsed_ms")))


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0


class SuggestService:
    """Suggestions for loops, with the backend/embedded choice, caching and status."""

    def __init__(self, on_status: Callable[[dict], None] | None = None,
                 on_message: Callable[[str, str], None] | None = None):
        self.settings = Settings()
        self._on_status = on_status or (lambda s: None)
        self._on_message = on_message or (lambda kind, text: None)
        self.backend = BackendState()
        self._cache: OrderedDict[tuple, Suggestion | None] = OrderedDict()
        self._flights: dict[tuple, _Flight] = {}
        self._engines: dict[str, Any] = {}
        self._client = None  # httpx.AsyncClient, made on first use
        self._last_status: dict | None = None
        # No notification may precede the initialize response (VS Code drops it): the server
        # sets this in `initialized` and publishes then.
        self.ready = False
        self.requests_sent = 0  # HTTP requests made (tests and the bench read it)
        self.embedded_runs = 0

    # ------------------------------------------------------------------------------------------
    # Configuration and status
    # ------------------------------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        old = self.settings
        self.settings = settings
        if (old.backend_url, old.engine, old.adapter) != (
                settings.backend_url, settings.engine, settings.adapter):
            self.backend.state = "connected" if settings.backend_url else "embedded"
            self.backend.detail = ""
            self.backend.down_since = 0.0
        if not settings.backend_url:
            self.backend.state = "embedded"
        self.publish_status()

    def status(self) -> dict:
        s = self.settings
        st = self.backend.state
        if s.backend_url and st == "connected":
            engine = "backend"
            message = f"suggestions from {s.backend_url}"
        elif s.backend_url:
            engine = s.engine
            message = (f"backend {s.backend_url} {st}"
                       + (f" ({self.backend.detail})" if self.backend.detail else "")
                       + f"; using the embedded engine '{s.engine}' in-process")
        else:
            engine = s.engine
            message = f"embedded engine '{s.engine}' in-process (no backendUrl set)"
        return {"engine": engine, "backend": st, "url": s.backend_url, "adapter": s.adapter,
                "message": message}

    def publish_status(self) -> None:
        if not self.ready:
            return
        st = self.status()
        if st != self._last_status:
            self._last_status = st
            self._on_status(st)

    def _report_once(self, kind: str, text: str, level: str = "warning") -> None:
        key = (self.settings.backend_url or "", kind)
        if key in self.backend.reported:
            return
        self.backend.reported.add(key)
        self._on_message(level, text)

    def _set_state(self, state: str, detail: str = "") -> None:
        self.backend.state = state
        self.backend.detail = detail
        if state in {"unreachable", "timeout", "error"}:
            self.backend.down_since = time.monotonic()
        self.publish_status()

    @property
    def uses_backend(self) -> bool:
        """True when the next request goes to the backend."""
        s = self.settings
        if not s.backend_url:
            return False
        if self.backend.state == "unreachable":
            return time.monotonic() - self.backend.down_since >= RETRY_AFTER_S
        return True

    @property
    def slow(self) -> bool:
        """Whether answers may take long (backend or a model engine in-process): code actions
        then defer the work to ``codeAction/resolve``."""
        return self.uses_backend or self.settings.engine not in EMBEDDED_ENGINES

    # ------------------------------------------------------------------------------------------
    # Cache
    # ------------------------------------------------------------------------------------------

    def _key(self, q: LoopQuery, source: str) -> tuple:
        s = self.settings
        where = s.backend_url if source == "backend" else s.engine
        return (source, where, *query_key(q))

    def _current_source(self) -> str:
        return "backend" if self.uses_backend else "embedded"

    def cached(self, q: LoopQuery) -> tuple[bool, Suggestion | None]:
        """(hit, suggestion) for the source that would answer now."""
        for source in (self._current_source(), "embedded"):
            key = self._key(q, source)
            if key in self._cache:
                self._cache.move_to_end(key)
                return True, self._cache[key]
        return False, None

    def _store(self, key: tuple, sug: Suggestion | None) -> None:
        self._cache[key] = sug
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    # ------------------------------------------------------------------------------------------
    # Answering
    # ------------------------------------------------------------------------------------------

    async def get(self, q: LoopQuery) -> Outcome:
        """A suggestion for ``q`` (never raises except CancelledError)."""
        if self.uses_backend:
            key = self._key(q, "backend")
            if key in self._cache:
                return Outcome(self._cache[key], "backend", cached=True)
            try:
                sug = await self._shared(key, lambda: self._ask_backend(q))
                return Outcome(sug, "backend")
            except BackendRejected as e:
                self._store(key, None)
                return Outcome(None, "backend", note=str(e))
            except BackendError as e:
                note = self._backend_failed(e)
                out = await self._embedded_outcome(q)
                out.note = note
                return out
        return await self._embedded_outcome(q)

    def get_embedded_now(self, q: LoopQuery) -> Outcome:
        """The embedded answer, computed synchronously (fast engines only)."""
        key = self._key(q, "embedded")
        if key in self._cache:
            return Outcome(self._cache[key], "embedded", cached=True)
        sug = self._run_embedded(q)
        self._store(key, sug)
        return Outcome(sug, "embedded")

    async def _embedded_outcome(self, q: LoopQuery) -> Outcome:
        key = self._key(q, "embedded")
        if key in self._cache:
            return Outcome(self._cache[key], "embedded", cached=True)
        if self.settings.engine in EMBEDDED_ENGINES:
            sug = self._run_embedded(q)
        else:
            sug = await self._shared(key, lambda: asyncio.to_thread(self._run_embedded, q))
        self._store(key, sug)
        return Outcome(sug, "embedded")

    def engine(self, name: str):
        eng = self._engines.get(name)
        if eng is None:
            from accellium.server.defaults import engine_options

            # The same training pairs the CLI and the HTTP server use ($ACCELLIUM_TRAIN, else
            # ../shared/data/train.jsonl next to the checkout): offline means equally good.
            eng = self._engines[name] = get_engine(name, **engine_options(name))
        return eng

    def warm_up(self) -> None:
        """Build the embedded engine (and the analysis fallback) ahead of the first request."""
        for name in (self.settings.engine, "analysis"):
            try:
                self.engine(name)
            except Exception as e:  # noqa: BLE001 - reported, never fatal
                log.warning("engine %s cannot be loaded: %s", name, e)

    def _run_embedded(self, q: LoopQuery) -> Suggestion | None:
        self.embedded_runs += 1
        name = self.settings.engine
        try:
            eng = self.engine(name)
        except Exception as e:  # noqa: BLE001
            self._report_once(f"engine:{name}", f"accellium: the embedded engine '{name}' cannot "
                              f"be loaded ({e}); using 'analysis'.")
            try:
                eng = self.engine("analysis")
            except Exception as e2:  # noqa: BLE001
                self._report_once("engine:analysis", f"accellium: no embedded engine available "
                                  f"({e2}); no suggestions.", "error")
                return None
        fallback = None
        if eng.__class__.__name__ != "AnalysisEngine":
            try:
                fallback = self.engine("analysis")
            except Exception:  # noqa: BLE001
                fallback = None
        try:
            return suggest(q, eng, fallback=fallback)
        except (PragmaError, EngineError) as e:
            log.info("engine %s gave no usable answer: %s", name, e)
            return None
        except Exception:  # noqa: BLE001 - an engine bug must not take the server down
            log.exception("engine %s failed", name)
            return None

    async def _shared(self, key: tuple, make) -> Any:
        """Await the one in-flight computation for ``key``; cancel it when no caller is left."""
        flight = self._flights.get(key)
        if flight is None:
            task = asyncio.ensure_future(make())
            flight = self._flights[key] = _Flight(task)

            def done(t: asyncio.Task, key=key, flight=flight) -> None:
                if self._flights.get(key) is flight:
                    del self._flights[key]
                if not t.cancelled() and t.exception() is None:
                    self._store(key, t.result())

            task.add_done_callback(done)
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            if not flight.task.done() and flight.waiters <= 1:
                flight.task.cancel()
            raise
        finally:
            flight.waiters -= 1

    # ------------------------------------------------------------------------------------------
    # HTTP backend
    # ------------------------------------------------------------------------------------------

    def _http(self):
        import httpx

        if self._client is None:
            # No proxies from the environment: the backend is normally on localhost.
            self._client = httpx.AsyncClient(trust_env=False, headers={
                "user-agent": "accellium-lsp"})
        return self._client

    def payload(self, q: LoopQuery) -> dict:
        return {
            "code": q.code,
            "language": q.lang,
            "context": {"enclosing": list(q.enclosing),
                        "examples": [_example_json(e) for e in q.examples]},
            "adapter": q.adapter,
            "alternatives": 0,
        }

    async def _ask_backend(self, q: LoopQuery) -> Suggestion | None:
        import httpx

        s = self.settings
        url = f"{s.backend_url}/v1/suggest"
        timeout = s.timeout_ms / 1000
        self.requests_sent += 1
        try:
            r = await asyncio.wait_for(
                self._http().post(url, json=self.payload(q), timeout=timeout), timeout)
        except (TimeoutError, httpx.TimeoutException) as e:
            raise BackendError("timeout", f"no answer within {s.timeout_ms} ms") from e
        except (httpx.ConnectError, httpx.NetworkError, OSError) as e:
            raise BackendError("unreachable", f"{type(e).__name__}: {e}") from e
        except httpx.HTTPError as e:
            raise BackendError("error", f"{type(e).__name__}: {e}") from e
        if r.status_code == 422:
            raise BackendRejected(_detail(r))
        if r.status_code == 404 and q.adapter:
            raise BackendError("adapter", f"unknown adapter '{q.adapter}': {_detail(r)}")
        if r.status_code == 504:
            raise BackendError("timeout", f"engine timeout: {_detail(r)}")
        if r.status_code != 200:
            raise BackendError("error", f"HTTP {r.status_code}: {_detail(r)}")
        try:
            obj = r.json()
        except ValueError as e:
            raise BackendError("garbage", "the backend answered something that is not JSON") \
                from e
        sug = suggestion_from_json(obj)
        if self.backend.state != "connected":
            self._set_state("connected")
        return sug

    def _backend_failed(self, e: BackendError) -> str:
        s = self.settings
        log.warning("backend %s: %s (%s)", s.backend_url, e.kind, e)
        state = {"unreachable": "unreachable", "timeout": "timeout"}.get(e.kind, "error")
        self._set_state(state, str(e))
        note = f"backend {state}: {e}; answered by the embedded engine '{s.engine}'"
        self._report_once(e.kind, f"accellium: backend {s.backend_url} {state} ({e}); "
                          f"using the embedded engine '{s.engine}' in-process.")
        return note

    async def probe(self) -> None:
        """Check the backend once (GET /healthz) so the status is right before the first
        request; unreachable → embedded, said once."""
        s = self.settings
        if not s.backend_url:
            self._report_once("embedded", f"accellium: no backendUrl set; using the embedded "
                              f"engine '{s.engine}' in-process.", "info")
            return
        import httpx

        try:
            r = await self._http().get(f"{s.backend_url}/healthz",
                                       timeout=min(s.timeout_ms / 1000, 5.0))
            if r.status_code < 500:
                self._set_state("connected")
            else:
                raise BackendError("error", f"/healthz answered HTTP {r.status_code}")
        except BackendError as e:
            self._backend_failed(e)
        except httpx.TimeoutException:
            self._backend_failed(BackendError("timeout", "/healthz timed out"))
        except (httpx.HTTPError, OSError) as e:
            self._backend_failed(BackendError("unreachable", f"{type(e).__name__}: {e}"))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _detail(r) -> str:
    try:
        obj = r.json()
        if isinstance(obj, dict) and "detail" in obj:
            return str(obj["detail"])[:200]
    except ValueError:
        pass
    return (r.text or "")[:200]
