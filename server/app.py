"""The HTTP API v1 (DESIGN §4): ``create_app(settings) -> FastAPI``.

Every answer goes through :func:`server.suggest.suggest` (first pragma line, parse, validate,
safety guard, notes; an invalid model answer falls back to ``auto``).  Model engines load in the
background at start-up (``/healthz`` says when; until then ``/v1/suggest`` answers 503), expose
``asuggest`` so that a request's cancellation (client gone, timeout → 504) reaches the engine,
and batch concurrent requests themselves.  Embedded engines answer in a worker thread.

Errors: 422 bad input (with a reason), 401 missing/wrong bearer token, 404 unknown adapter,
503 engine not loaded, 504 engine timeout.  A JSON body is accepted whatever its content type
(``curl -d`` sends form encoding).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from accellium.dataset.loops import find_loops, normalize_lang, strip_comments
from accellium.dataset.prompt import PROMPT_VERSION, Example
from accellium.server.adapters import (
    AdapterError,
    AdapterNotFound,
    AdapterRegistry,
    parse_adapter_spec,
    vllm_limits,
)
from accellium.server.api_models import (
    MAX_BATCH,
    AdapterInfo,
    AdapterList,
    AdapterLoad,
    BatchItemError,
    ErrorBody,
    Health,
    SuggestRequest,
    SuggestResponse,
)
from accellium.server.engines import (
    EMBEDDED_ENGINES,
    EngineAnswer,
    EngineError,
    EngineUnavailable,
    LoopQuery,
)
from fastapi import Body, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["Settings", "create_app", "check_code", "CodeError"]

log = logging.getLogger("accellium.server")
access_log = logging.getLogger("accellium.access")

VERSION = "1"
EMBEDDED_PUBLIC = ("auto", "analysis", "retrieval")
#: embedded engines answer loops up to this size inline on the event loop, larger ones in a thread
INLINE_CODE_CHARS = 8192


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    engine: str = "auto"
    train: str | None = None  # embedded engines' training pairs; None = the default file
    base: str | None = None  # model engines' base model
    adapters: list[str] = field(default_factory=list)  # "name=PATH" specs
    token: str | None = None
    log_file: str | None = None
    access_log: bool = True
    timeout_s: float = 30.0
    engine_options: dict[str, Any] = field(default_factory=dict)  # extra model-engine options


class CodeError(ValueError):
    """The request's code is not exactly one C/C++ for loop (→ 422)."""


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------

def _sanitize(code: str) -> str:
    # lone surrogates (JSON "\ud800") cannot be encoded; make them visible instead of failing
    try:
        code.encode("utf-8")
        return code
    except UnicodeEncodeError:
        return code.encode("utf-8", "replace").decode("utf-8")


def check_code(code: str, language: str | None):
    """Exactly one top-level ``for`` loop, nothing else but comments and preprocessor lines.
    Returns ``(lang, loop)``; raises :class:`CodeError` with the reason."""
    try:
        lang = normalize_lang(language)
    except ValueError as e:
        raise CodeError(str(e)) from None
    code = _sanitize(code)
    loops = find_loops(code, lang)
    top = [lp for lp in loops if lp.depth == 0]
    if not top:
        raise CodeError("no for statement found in code (send one C/C++ for loop with its body)")
    if len(top) > 1:
        lines = ", ".join(str(lp.line) for lp in top[:8])
        raise CodeError(f"{len(top)} top-level for loops (lines {lines}); send one loop per "
                        "request or use /v1/suggest/batch")
    loop = top[0]
    raw = code.encode("utf-8", "surrogateescape")
    outside = (raw[: loop.start_byte] + b"\n" + raw[loop.end_byte:]).decode("utf-8", "replace")
    rest = [ln.strip() for ln in strip_comments(outside).splitlines()]
    rest = [ln for ln in rest if ln and not ln.startswith("#")]
    if rest:
        snippet = " ".join(rest)[:60]
        raise CodeError(f"code has statements outside the for loop ('{snippet}'); "
                        "send exactly one for statement with its body")
    return lang, loop


# ----------------------------------------------------------------------------------------------
# ASGI middleware: access log (JSON lines), request id, JSON body whatever the content type
# ----------------------------------------------------------------------------------------------

class _ApiMiddleware:
    def __init__(self, app, enabled: bool = True):
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] in ("POST", "PUT", "PATCH"):
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            ctype = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
            if b"json" not in ctype.lower():
                headers.append((b"content-type", b"application/json"))
                scope = dict(scope, headers=headers)
        if not self.enabled:
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = [0]
        rid = uuid.uuid4().hex[:12]

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            client = scope.get("client")
            access_log.info(json.dumps({
                "ts": round(time.time(), 3), "id": rid, "method": scope["method"],
                "path": scope["path"], "status": status[0] or 499,
                "ms": round((time.perf_counter() - t0) * 1000, 2),
                "client": client[0] if client else None,
            }, separators=(",", ":")))


def _setup_access_log(settings: Settings) -> None:
    access_log.propagate = False
    access_log.setLevel(logging.INFO)
    for h in list(access_log.handlers):
        if getattr(h, "_accellium", False):
            access_log.removeHandler(h)
            h.close()
    if not settings.access_log:
        return
    h: logging.Handler
    if settings.log_file:
        Path(settings.log_file).parent.mkdir(parents=True, exist_ok=True)
        h = logging.FileHandler(settings.log_file, encoding="utf-8")
    else:
        h = logging.StreamHandler(sys.stderr)
    h.setFormatter(logging.Formatter("%(message)s"))
    h._accellium = True  # type: ignore[attr-defined]
    access_log.addHandler(h)


# ----------------------------------------------------------------------------------------------
# Server state
# ----------------------------------------------------------------------------------------------

class _Fixed:
    """An 'engine' that returns an answer (or raises an error) computed beforehand, so that the
    async model answer goes through the one :func:`server.suggest.suggest` pipeline."""

    def __init__(self, name: str, answer: EngineAnswer | None, error: Exception | None):
        self.name, self._answer, self._error = name, answer, error

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer


_EMBEDDED_CACHE: dict[tuple[str, str | None], Any] = {}
_EMBEDDED_LOCK = threading.Lock()


class _State:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.started = time.time()
        self.engine: Any = None
        self.engine_error: str | None = None
        self.registry = AdapterRegistry()
        self.supports_adapters = False
        self.limits: tuple[int | None, int | None] = (None, None)

    # embedded engines (built once per process and training file, shared by all apps)
    def embedded_engine(self, name: str):
        key = (name, self.settings.train)
        eng = _EMBEDDED_CACHE.get(key)
        if eng is None:
            with _EMBEDDED_LOCK:
                eng = _EMBEDDED_CACHE.get(key)
                if eng is None:
                    from accellium.server.defaults import engine_options
                    from accellium.server.engines import get_engine

                    eng = get_engine(name, **engine_options(name, self.settings.train))
                    _EMBEDDED_CACHE[key] = eng
        return eng

    def load_engine(self) -> None:
        s = self.settings
        try:
            if s.engine in EMBEDDED_ENGINES:
                self.engine = self.embedded_engine(s.engine)
                self.embedded_engine("auto")
                return
            self.embedded_engine("auto")  # the fallback
            specs = [parse_adapter_spec(a) for a in s.adapters]
            fp = None
            if s.base and Path(s.base).exists():
                from accellium.dataset.adapters import base_fingerprint

                fp = base_fingerprint(s.base)
            reg = AdapterRegistry(fp)
            metas = {name: reg.inspect(path, name) for name, path in specs}
            opts = dict(s.engine_options)
            if s.engine == "vllm":
                max_loras, max_rank = vllm_limits([m.rank for m in metas.values()], len(metas))
                opts.setdefault("max_loras", max_loras)
                opts.setdefault("max_lora_rank", max_rank)
                reg.max_lora_rank = opts["max_lora_rank"]
                self.limits = (opts["max_loras"], opts["max_lora_rank"])
            from accellium.server.engines import get_engine

            engine = get_engine(s.engine, base=s.base, adapters={n: p for n, p in specs}, **opts)
            for name, path in specs:
                reg.put(name, path, metas[name])
            self.registry = reg
            self.supports_adapters = bool(getattr(engine, "supports_adapters", False))
            self.engine = engine
        except (EngineError, AdapterError, KeyError, OSError, ValueError) as e:
            self.engine_error = f"{type(e).__name__}: {e}"
            log.error("engine %s not loaded: %s", s.engine, self.engine_error)
        except Exception as e:  # noqa: BLE001 — any load failure is a 503, not a crash
            self.engine_error = f"{type(e).__name__}: {e}"
            log.exception("engine %s failed to load", s.engine)

    def close(self) -> None:
        close = getattr(self.engine, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001
                log.exception("closing the engine failed")

    def require_engine(self, name: str | None) -> Any:
        s = self.settings
        if name is None or name == s.engine:
            if self.engine is None:
                reason = self.engine_error or "still loading"
                raise HTTPException(503, f"engine '{s.engine}' not loaded: {reason}")
            return self.engine
        if name in EMBEDDED_PUBLIC:
            try:
                return self.embedded_engine(name)
            except (EngineError, OSError, ValueError) as e:
                raise HTTPException(503, f"engine '{name}' not loaded: {e}") from None
        choices = ", ".join(sorted({s.engine, *EMBEDDED_PUBLIC}))
        raise HTTPException(422, f"unknown engine '{name}' for this server (choose from {choices})")


# ----------------------------------------------------------------------------------------------
# Running one request: timeout (504) and client disconnect cancel the work
# ----------------------------------------------------------------------------------------------

class _ClientGone(Exception):
    pass


async def _wait_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _bounded(request: Request | None, coro: Awaitable[Any], timeout: float) -> Any:
    task = asyncio.ensure_future(coro)
    watchers = {task}
    disc = None
    if request is not None:
        disc = asyncio.ensure_future(_wait_disconnect(request))
        watchers.add(disc)
    try:
        done, _ = await asyncio.wait(watchers, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        if disc is not None:
            disc.cancel()
    if task in done:
        return task.result()
    task.cancel()
    if disc is not None and disc in done:
        raise _ClientGone()
    raise HTTPException(504, f"engine timed out after {timeout:g} s")


def _response(sugg, req: SuggestRequest) -> dict:
    out = sugg.to_dict()
    out["alternatives"] = out["alternatives"][: req.alternatives]
    return out


_bearer = HTTPBearer(auto_error=False, description="Needed when the server has a token.")


def _to_query(req: SuggestRequest) -> LoopQuery:
    lang, loop = check_code(req.code, req.language)
    enclosing = list(req.context.enclosing)
    for e in loop.enclosing:
        if e not in enclosing:
            enclosing.append(e)
    examples = tuple(Example(pragma=e.pragma, loop=e.loop,
                             enclosing=None if e.enclosing is None else tuple(e.enclosing),
                             same_file=e.same_file)
                     for e in req.context.examples)
    return LoopQuery(code=loop.text, lang=lang, enclosing=tuple(enclosing), examples=examples,
                     adapter=req.adapter)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app. The engine loads at start-up (model engines in the background)."""
    from contextlib import asynccontextmanager

    from accellium.server.suggest import suggest

    settings = settings or Settings()
    state = _State(settings)
    _setup_access_log(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loop = asyncio.get_running_loop()
        if settings.engine in EMBEDDED_ENGINES:
            await loop.run_in_executor(None, state.load_engine)
            loader = None
        else:
            loader = loop.run_in_executor(None, state.load_engine)
        try:
            yield
        finally:
            if loader is not None and not loader.done():
                loader.cancel()
            await loop.run_in_executor(None, state.close)

    app = FastAPI(
        title="accellium",
        version=VERSION,
        description=(
            "OpenACC pragma suggestions for C/C++ `for` loops (DESIGN §4).\n\n"
            "Limits: `code` ≤ 64 KiB (UTF-8), ≤ 64 requests per batch, ≤ 8 workspace examples. "
            "Errors: 422 bad input (with a reason), 401 bad token, 404 unknown adapter, "
            "503 engine not loaded, 504 engine timeout."),
        lifespan=lifespan,
    )
    app.state.accellium = state
    app.add_middleware(_ApiMiddleware, enabled=settings.access_log)

    async def auth(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
        if settings.token is None:
            return
        if creds is None or not secrets.compare_digest(creds.credentials.encode(),
                                                       settings.token.encode()):
            raise HTTPException(401, "missing or wrong bearer token",
                                headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errs = []
        for e in exc.errors():
            e = {k: v for k, v in e.items() if k in ("type", "loc", "msg")}
            errs.append(e)
        return JSONResponse({"detail": errs}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI's "error parsing the body": bad input → 422
            return JSONResponse({"detail": f"request body is not valid JSON: {exc.detail}"},
                                status_code=422)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(_ClientGone)
    async def _gone(request: Request, exc: _ClientGone):
        return JSONResponse({"detail": "client disconnected"}, status_code=499)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return JSONResponse({"detail": f"internal error: {type(exc).__name__}"}, status_code=500)

    errors = {
        401: {"model": ErrorBody, "description": "missing or wrong bearer token"},
        404: {"model": ErrorBody, "description": "unknown adapter"},
        422: {"model": ErrorBody, "description": "bad input (reason in `detail`)"},
        503: {"model": ErrorBody, "description": "engine not loaded"},
        504: {"model": ErrorBody, "description": "engine timed out"},
    }

    async def answer(req: SuggestRequest, request: Request | None, timeout: float) -> dict:
        """One request → response dict; raises HTTPException for 4xx/5xx."""
        engine = state.require_engine(req.engine)
        if req.adapter is not None:
            if not getattr(engine, "supports_adapters", False):
                if req.adapter not in state.registry:
                    raise HTTPException(404, state.registry._unknown(req.adapter))
                raise HTTPException(422, f"engine '{engine.name}' does not use adapters")
            if req.adapter not in state.registry:
                raise HTTPException(404, state.registry._unknown(req.adapter))
        try:
            query = _to_query(req)
        except CodeError as e:
            raise HTTPException(422, str(e)) from None
        fallback = state.embedded_engine("auto")
        asuggest: Callable | None = getattr(engine, "asuggest", None)
        loop = asyncio.get_running_loop()

        if asuggest is not None:
            async def run():
                t0 = time.perf_counter()
                try:
                    ans, err = await asuggest(query), None
                except EngineUnavailable as e:
                    raise HTTPException(503, f"engine '{engine.name}' not loaded: {e}") from None
                except EngineError as e:
                    ans, err = None, e
                s = suggest(query, _Fixed(engine.name, ans, err), fallback=fallback)
                s.elapsed_ms = round((time.perf_counter() - t0) * 1000, 3)
                return s
            coro = run()
        elif len(req.code) <= INLINE_CODE_CHARS:
            # embedded engines answer a small loop in about a millisecond: inline on the event
            # loop is faster than a thread hop (no GIL convoy) and needs no cancellation
            return _response(suggest(query, engine, fallback=fallback), req)
        else:
            coro = loop.run_in_executor(None, lambda: suggest(query, engine, fallback=fallback))
        return _response(await _bounded(request, coro, timeout), req)

    @app.post("/v1/suggest", response_model=SuggestResponse, responses=errors,
              dependencies=[Depends(auth)], summary="Suggest a pragma for one for loop")
    async def suggest_one(request: Request, req: SuggestRequest) -> dict:
        return await answer(req, request, settings.timeout_s)

    @app.post("/v1/suggest/batch", response_model=list[SuggestResponse | BatchItemError],
              responses=errors, dependencies=[Depends(auth)],
              summary="Suggest pragmas for several loops (order kept)")
    async def suggest_batch(
        request: Request,
        reqs: Annotated[list[SuggestRequest], Body(max_length=MAX_BATCH, min_length=1)],
    ) -> list[dict]:
        if all(r.engine is None for r in reqs):
            state.require_engine(None)  # 503 for the whole batch while the engine loads

        async def one(r: SuggestRequest) -> dict:
            try:
                return await answer(r, None, settings.timeout_s)
            except HTTPException as e:
                return {"error": str(e.detail), "status": e.status_code}

        return await _bounded(request, asyncio.gather(*(one(r) for r in reqs)),
                              settings.timeout_s + 1)

    @app.get("/v1/adapters", response_model=AdapterList, dependencies=[Depends(auth)],
             summary="Loaded adapters with their metadata")
    async def list_adapters() -> dict:
        return {"engine": settings.engine, "supports_adapters": state.supports_adapters,
                "max_loras": state.limits[0], "max_lora_rank": state.limits[1],
                "adapters": [e.info() for e in state.registry.entries()]}

    @app.post("/v1/adapters", response_model=AdapterInfo, responses=errors,
              dependencies=[Depends(auth)],
              summary="Load (or atomically replace) a named adapter from a server-side folder")
    async def load_adapter(body: AdapterLoad) -> dict:
        engine = state.require_engine(None)
        if not state.supports_adapters:
            raise HTTPException(422, f"engine '{settings.engine}' does not use adapters "
                                     "(start the server with --engine hf or vllm)")
        reg = state.registry
        try:
            meta = reg.inspect(body.path, body.name)
            reg.check_capacity(body.name)
        except AdapterError as e:
            raise HTTPException(e.status, str(e)) from None
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, engine.load_adapter, body.name, body.path)
        except (EngineError, OSError, ValueError, RuntimeError, KeyError) as e:
            raise HTTPException(422, f"adapter '{body.name}' could not be loaded: {e}") from None
        return reg.put(body.name, body.path, meta).info()

    @app.delete("/v1/adapters/{name}", response_model=AdapterInfo, responses=errors,
                dependencies=[Depends(auth)], summary="Unload a named adapter")
    async def unload_adapter(name: str) -> dict:
        try:
            entry = state.registry.get(name)
        except AdapterNotFound as e:
            raise HTTPException(404, str(e)) from None
        engine = state.require_engine(None)
        state.registry.remove(name)  # new requests get 404 from now on
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, engine.unload_adapter, name)
        except (EngineError, RuntimeError, KeyError) as e:
            log.warning("engine could not unload %s: %s", name, e)
        return entry.info()

    @app.get("/healthz", response_model=Health, summary="Liveness and engine state")
    async def healthz() -> dict:
        status = "ok" if state.engine is not None else (
            "error" if state.engine_error else "loading")
        return {"status": status, "engine": settings.engine,
                "engine_loaded": state.engine is not None, "adapters": state.registry.names(),
                "prompt_version": PROMPT_VERSION, "version": VERSION,
                "uptime_s": round(time.time() - state.started, 3),
                "error": state.engine_error,
                "stats": dict(getattr(state.engine, "stats", {}) or {})}

    return app


# for `uvicorn server.app:app` (embedded engine, defaults)
def __getattr__(name: str):
    if name == "app":
        return create_app()
    raise AttributeError(name)

