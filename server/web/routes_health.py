"""``GET /healthz``: liveness and engine state. Answers from memory only (no engine call, no
worker), so it stays fast while requests are being worked on."""

from __future__ import annotations

import time

from fastapi import APIRouter

from accellium.dataset.prompt import PROMPT_VERSION
from accellium.server.api_models import Health
from accellium.server.web.state import ServerState

__all__ = ["health_router", "VERSION"]

VERSION = "1"


def health_router(state: ServerState) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", response_model=Health, summary="Liveness and engine state")
    async def healthz() -> dict:
        return {"status": state.status(), "engine": state.settings.engine,
                "engine_loaded": state.engine is not None, "adapters": state.adapter_names(),
                "prompt_version": PROMPT_VERSION, "version": VERSION,
                "uptime_s": round(time.time() - state.started, 3),
                "error": state.engine_error,
                "stats": dict(getattr(state.engine, "stats", {}) or {})}

    return router
