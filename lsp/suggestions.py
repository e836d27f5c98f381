"""Where suggestions come from: the HTTP backend (DESIGN §4) when ``backendUrl`` is set and
answers, else the embedded engine in-process (:func:`server.suggest.suggest`).

* One request per distinct loop: answers are cached by (source, engine, adapter, language, loop
  text, enclosing directives, examples), identical requests in flight are shared, and nothing
  here runs on a keystroke (the code-action and resolve handlers ask; see ``lsp/server.py``).
* Timeouts (``timeoutMs``) and cancellation: an LSP request cancelled by the client cancels its
  await, which closes the HTTP request, which the backend sees as a disconnect.
* A backend that is down, slow or answers garbage never breaks the server: the answer comes from
  the embedded engine and the state change is reported (``accellium/status``; a
  ``window/showMessage`` once per backend URL and kind of failure).  The limits (one deadline
  for the whole answer, 1 MiB, JSON depth) and the circuit breaker are in ``lsp/backend.py``.
* A backend older than this server (a ``422`` that names only optional fields it does not know,
  ``lsp/backend_skew.py``) is no refusal: the loop is asked for again without them, later
  loops go without them at once, and a ``window/showMessage`` says so once per URL.
* Embedded engines run in worker threads (``run_cpu``, see ``lsp/jobs.py``), never on the event
  loop, within a time budget per request.
* Every pragma, wherever it comes from, is parsed and validated before it can reach an edit.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from accellium.dataset.pragma import PragmaError
from accellium.server.engines import EMBEDDED_ENGINES, EngineError, LoopQuery, get_engine
from accellium.server.suggest import Suggestion, suggest

from .backend import (
    SLOW_FRACTION,
    BackendClient,
    BackendError,
    BackendRejected,
    Breaker,
    detail,
    parse_json,
    suggestion_from_json,
)
from .backend_skew import WITHOUT, OlderBackends, refused_fields, without
from .queries import query_key, request_body
from .settings import Settings

log = logging.getLogger(__name__)

__all__ = ["SuggestService", "Outcome", "BackendError", "BackendRejected",
           "suggestion_from_json"]

CACHE_SIZE = 2048
EMBEDDED_BUDGET_S = 30.0  # resolve, annotate, backend fallback (code actions pass less)
BIG_ANSWER = 1 << 16  # answers larger than this are parsed in a thread
SUGGEST = "/v1/suggest"


@dataclass
class Outcome:
    suggestion: Suggestion | None
    source: str  # "backend" | "embedded"
    note: str | None = None  # e.g. why the embedded engine answered
    cached: bool = False
    running: bool = False  # past its budget: the run goes on, its answer will be cached


@dataclass
class _Flight:
    task: asyncio.Task
    waiters: int = 0


@dataclass
class BackendState:
    state: str = "embedded"  # embedded | connected | unreachable | timeout | error
    detail: str = ""
    breaker: Breaker = field(default_factory=Breaker)
    reported: set[tuple[str, str]] = field(default_factory=set)


async def _in_thread(fn: Callable[[], Any], lane: str | None = None,
                     late: Callable[[Any], None] | None = None) -> Any:
    return await asyncio.to_thread(fn)


class SuggestService:
    """Suggestions for loops, with the backend/embedded choice, caching and status."""

    def __init__(self, on_status: Callable[[dict], None] | None = None,
                 on_message: Callable[[str, str], None] | None = None):
        self.settings = Settings()
        self._on_status = on_status or (lambda s: None)
        self._on_message = on_message or (lambda kind, text: None)
        self.backend = BackendState()
        self._state_seq = 0  # bumped by every state change (see probe)
        self._cache: OrderedDict[tuple, Suggestion | None] = OrderedDict()
        self._flights: dict[tuple, _Flight] = {}
        self._engines: dict[str, Any] = {}
        self._engines_lock = threading.Lock()
        self.http = BackendClient()
        self.older = OlderBackends()  # the newer fields each backend refuses (version skew)
        # How embedded engines run: ``await run_cpu(fn, lane, late)``; the server hands in its
        # worker pool (a lane per document; ``late`` gets the answer of a run that overran).
        self.run_cpu: Callable[..., Awaitable[Any]] = _in_thread
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
        if (old.backend_url, old.engine, old.adapter, old.backend_token) != (
                settings.backend_url, settings.engine, settings.adapter,
                settings.backend_token):
            self.backend.state = "connected" if settings.backend_url else "embedded"
            self.backend.detail = ""
            self.backend.breaker = Breaker()
            self.older.clear()  # a backend upgraded meanwhile takes the fields again
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
        self._state_seq += 1
        self.backend.state = state
        self.backend.detail = detail
        self.publish_status()

    @property
    def uses_backend(self) -> bool:
        """True when the next request goes to the backend (configured, and its circuit closed
        or ready for a trial)."""
        return bool(self.settings.backend_url) and self.backend.breaker.allows()

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

    async def get(self, q: LoopQuery, lane: str | None = None,
                  budget: float | None = EMBEDDED_BUDGET_S) -> Outcome:
        """A suggestion for ``q`` (never raises except CancelledError); ``lane`` and ``budget``
        are for embedded engine runs."""
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
                out = await self.embedded(q, lane, budget)
                out.note = note if out.note is None else f"{note}; {out.note}"
                return out
        return await self.embedded(q, lane, budget)

    async def embedded(self, q: LoopQuery, lane: str | None = None,
                       budget: float | None = EMBEDDED_BUDGET_S) -> Outcome:
        """The embedded engine's answer, computed off the event loop (shared between identical
        requests, cached).  Past ``budget`` seconds it gives no answer this time; the run goes
        on and its answer is cached for the next request."""
        key = self._key(q, "embedded")
        if key in self._cache:
            return Outcome(self._cache[key], "embedded", cached=True)

        def late(sug: Suggestion | None) -> None:
            self._store(key, sug)

        if self.settings.engine not in self._engines:  # loading is not the loop's fault
            await asyncio.to_thread(self.warm_up)
        try:
            sug = await asyncio.wait_for(self._shared(key, lambda: self.run_cpu(
                lambda: self.run_embedded(q), lane, late)), budget)
        except TimeoutError:
            log.info("embedded engine '%s' over its %.1f s budget", self.settings.engine,
                     budget or 0)
            return Outcome(None, "embedded", note="the embedded engine took too long",
                           running=True)
        return Outcome(sug, "embedded")

    def engine(self, name: str):
        """The embedded engine ``name``, built once (worker threads may ask at once)."""
        eng = self._engines.get(name)
        if eng is None:
            with self._engines_lock:
                eng = self._engines.get(name)
                if eng is None:
                    from accellium.server.defaults import engine_options

                    # The same training pairs the CLI and the HTTP server use
                    # ($ACCELLIUM_TRAIN, else ../shared/data/train.jsonl next to the checkout):
                    # offline means equally good.
                    eng = self._engines[name] = get_engine(name, **engine_options(name))
        return eng

    def warm_up(self) -> None:
        """Build the embedded engine (and the analysis fallback) ahead of the first request."""
        for name in (self.settings.engine, "analysis"):
            try:
                self.engine(name)
            except Exception as e:
                log.warning("engine %s cannot be loaded: %s", name, type(e).__name__)

    def run_embedded(self, q: LoopQuery) -> Suggestion | None:
        self.embedded_runs += 1
        name = self.settings.engine
        try:
            eng = self.engine(name)
        except Exception as e:
            self._report_once(f"engine:{name}", f"accellium: the embedded engine '{name}' cannot "
                              f"be loaded ({e}); using 'analysis'.")
            try:
                eng = self.engine("analysis")
            except Exception as e2:
                self._report_once("engine:analysis", f"accellium: no embedded engine available "
                                  f"({e2}); no suggestions.", "error")
                return None
        fallback = None
        if eng.__class__.__name__ != "AnalysisEngine":
            try:
                fallback = self.engine("analysis")
            except Exception:
                fallback = None
        try:
            return suggest(q, eng, fallback=fallback)
        except (PragmaError, EngineError) as e:
            log.info("engine %s gave no usable answer: %s", name, e)
            return None
        except Exception:
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

    def payload(self, q: LoopQuery, scope: bool = True) -> dict:
        """The ``/v1/suggest`` body, without the fields this backend is known not to take."""
        body = request_body(q, scope)
        refused = self.older.refused(self.settings.backend_url or "", SUGGEST)
        return without(body, refused) if refused else body

    def backend_older(self, endpoint: str, fields: frozenset[str]) -> None:
        """Remember that the backend does not take ``fields`` at ``endpoint`` (it is older than
        this server: :mod:`.backend_skew`) and say so once per URL and field."""
        url = self.settings.backend_url or ""
        new = self.older.learn(url, endpoint, fields)
        if new:
            names = ", ".join(f"`{f}`" for f in sorted(new))
            self._report_once(f"older:{endpoint}:{','.join(sorted(new))}",
                              f"accellium: the backend at {url} is older than this editor: "
                              f"its {endpoint} does not accept {names}; {WITHOUT[endpoint]}.")

    async def _post(self, q: LoopQuery, timeout: float) -> tuple[int, bytes]:
        """POST /v1/suggest with the document as the loop's scope.  A backend older than this
        server (a 422 naming only fields it does not know, :mod:`.backend_skew`) is asked once
        more without them, and later requests go without them; a backend that refuses the
        scope (413: too large once escaped; 422: text the API does not take, e.g. brackets
        nested too deep somewhere else in the file) is asked once more without it."""
        s = self.settings
        url = f"{s.backend_url}{SUGGEST}"
        status, body = await self.http.request("POST", url, timeout, s.backend_token,
                                               self.payload(q))
        if status == 422 and (older := refused_fields(SUGGEST, body)):
            self.backend_older(SUGGEST, older)
            self.requests_sent += 1
            status, body = await self.http.request("POST", url, timeout, s.backend_token,
                                                   self.payload(q))
        if status in (413, 422) and q.scope is not None:
            log.info("backend refused the scope (HTTP %d: %s); asking without it", status,
                     detail(body))
            self.requests_sent += 1
            status, body = await self.http.request("POST", url, timeout, s.backend_token,
                                                   self.payload(q, scope=False))
        return status, body

    async def _ask_backend(self, q: LoopQuery) -> Suggestion | None:
        s = self.settings
        timeout = s.timeout_ms / 1000
        breaker = self.backend.breaker
        breaker.begin()
        self.requests_sent += 1
        t0 = time.monotonic()
        try:
            status, body = await self._post(q, timeout)
            sug = await self._answer(q, status, body)
        except BackendError:
            breaker.failure()
            raise
        except asyncio.CancelledError:
            breaker.cancelled()
            raise
        elapsed = time.monotonic() - t0
        if breaker.success(elapsed, timeout):
            self._backend_failed(BackendError("timeout", f"answers take {elapsed * 1000:.0f} "
                                              f"ms, over {SLOW_FRACTION:.0%} of timeoutMs"))
        elif self.backend.state != "connected":
            self._set_state("connected")
        return sug

    async def _answer(self, q: LoopQuery, status: int, body: bytes) -> Suggestion | None:
        if status == 422:
            raise BackendRejected(detail(body))
        if status == 404 and q.adapter:
            raise BackendError("adapter", f"unknown adapter '{q.adapter}': {detail(body)}")
        if status in (401, 403):
            raise BackendError("error", f"HTTP {status}: the backend refused the token "
                               f"(set backendToken): {detail(body)}")
        if status == 504:
            raise BackendError("timeout", f"engine timeout: {detail(body)}")
        if status != 200:
            raise BackendError("error", f"HTTP {status}: {detail(body)}")
        obj = await asyncio.to_thread(parse_json, body) if len(body) > BIG_ANSWER else \
            parse_json(body)
        return suggestion_from_json(obj)

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
        request; a failure opens the circuit like any other."""
        s = self.settings
        if not s.backend_url:
            self._report_once("embedded", f"accellium: no backendUrl set; using the embedded "
                              f"engine '{s.engine}' in-process.", "info")
            return
        # A request answered (or failed) while the probe was under way knows better: the
        # probe's outcome is dropped then, so a late /healthz never hides a newer failure.
        seq = self._state_seq
        try:
            status, _ = await self.http.request("GET", f"{s.backend_url}/healthz",
                                                min(s.timeout_ms / 1000, 5.0), s.backend_token)
            if status >= 500:
                raise BackendError("error", f"/healthz answered HTTP {status}")
            if status in (401, 403):
                raise BackendError("error", f"/healthz answered HTTP {status} (backendToken?)")
        except BackendError as e:
            if self._state_seq == seq:
                self.backend.breaker.failure()
                self._backend_failed(e)
            return
        if self._state_seq == seq:
            self._set_state("connected")

    async def aclose(self) -> None:
        await self.http.aclose()
