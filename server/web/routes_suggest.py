"""``POST /v1/suggest`` and ``POST /v1/suggest/batch``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Request

from accellium.server.api_models import (
    MAX_BATCH,
    BatchItemError,
    SuggestRequest,
    SuggestResponse,
)
from accellium.server.web.answer import answer
from accellium.server.web.errors import ERROR_RESPONSES
from accellium.server.web.state import ServerState
from accellium.server.web.work import bounded

__all__ = ["suggest_router"]


def suggest_router(state: ServerState, auth: Callable) -> APIRouter:
    router = APIRouter(dependencies=[Depends(auth)], responses=ERROR_RESPONSES)
    timeout = state.settings.timeout_s

    @router.post("/v1/suggest", response_model=SuggestResponse,
                 summary="Suggest a pragma for one for loop")
    async def suggest_one(request: Request, req: SuggestRequest) -> dict:
        return await answer(state, req, request, timeout)

    @router.post("/v1/suggest/batch", response_model=list[SuggestResponse | BatchItemError],
                 summary="Suggest pragmas for several loops (order kept)")
    async def suggest_batch(
        request: Request,
        reqs: Annotated[list[SuggestRequest], Body(max_length=MAX_BATCH, min_length=1)],
    ) -> list[dict]:
        if all(r.engine is None for r in reqs):
            state.server_engine()  # 503 for the whole batch while the engine loads

        async def one(r: SuggestRequest) -> dict:
            try:
                return await answer(state, r, None, timeout)
            except HTTPException as e:
                return {"error": str(e.detail), "status": e.status_code}

        return await bounded(request, asyncio.gather(*(one(r) for r in reqs)), timeout + 1)

    return router
