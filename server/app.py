"""The HTTP API v1 (DESIGN §4): ``create_app(settings) -> FastAPI``.

Every answer goes through :func:`server.suggest.suggest` (first pragma line, parse, validate,
safety guard, notes; an invalid model answer falls back to ``auto``). CPU work (loop finding,
the pipeline, engine builds) runs in worker threads under the request timeout, never on the
event loop, so ``/healthz`` answers while requests are worked on. Model engines load in the
background at start-up (``/healthz`` says when; until then ``/v1/suggest`` answers 503), expose
``asuggest`` so that a request's cancellation (client gone, timeout → 504) reaches the engine,
and batch concurrent requests themselves.

Errors: 422 bad input (with a reason), 401 missing/wrong bearer token, 403 cross-site Origin,
404 unknown adapter, 413 body over the limit, 421 Host not a name of this server, 503 engine not
loaded, 504 engine timeout. A JSON body is accepted whatever its content type (``curl -d`` sends
form encoding). The parts live in :mod:`server.web`; this module assembles them.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from accellium.server.web.auth import bearer_auth
from accellium.server.web.errors import install_error_handlers
from accellium.server.web.inputs import CodeError, check_code
from accellium.server.web.lifecycle import lifespan_for, setup_access_log
from accellium.server.web.middleware import AccessLog, RequestGuard
from accellium.server.web.routes_adapters import adapters_router
from accellium.server.web.routes_health import VERSION, health_router
from accellium.server.web.routes_offload import offload_router
from accellium.server.web.routes_suggest import suggest_router
from accellium.server.web.settings import MAX_BODY_BYTES, Settings
from accellium.server.web.state import ServerState

__all__ = ["Settings", "create_app", "check_code", "CodeError", "MAX_BODY_BYTES", "VERSION"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app. The engine loads at start-up (model engines in the background)."""
    settings = settings or Settings()
    state = ServerState(settings)
    setup_access_log(settings)
    app = FastAPI(
        title="accellium",
        version=VERSION,
        description=(
            "OpenACC pragma suggestions for C/C++ `for` loops (DESIGN §4).\n\n"
            f"Limits: body ≤ {settings.max_body_bytes // 1024} KiB, `code` ≤ 64 KiB (UTF-8), "
            "brackets nested ≤ 64 levels, ≤ 64 requests per batch, ≤ 8 workspace examples. "
            "Errors: 422 bad input (with a reason), 401 bad token, 403 cross-site Origin, "
            "404 unknown adapter, 413 body too large, 421 unknown Host, "
            "503 engine not loaded, 504 engine timeout."),
        lifespan=lifespan_for(state),
    )
    app.state.accellium = state
    if settings.allow_origins:  # innermost: runs after the guard has refused other origins
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.allow_origins),
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["authorization", "content-type"])
    app.add_middleware(RequestGuard, settings=settings)
    app.add_middleware(AccessLog, enabled=settings.access_log)
    install_error_handlers(app)
    auth = bearer_auth(settings)
    app.include_router(suggest_router(state, auth))
    app.include_router(offload_router(state, auth))
    app.include_router(adapters_router(state, auth))
    app.include_router(health_router(state))
    return app


# for `uvicorn accellium.server.app:app` (embedded engine, defaults)
def __getattr__(name: str):
    if name == "app":
        return create_app()
    raise AttributeError(name)
