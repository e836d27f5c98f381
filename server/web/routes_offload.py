"""``POST /v1/offload``: the code of a function in, the offload plan out (issue #15).

The same input limits as ``/v1/suggest`` (``code`` at most 64 KiB of UTF-8, valid Unicode,
brackets nested at most 64 deep) and the same error rules: bad input is a ``422`` with the
reason, never a ``500``; the planning runs in a worker thread under the request's timeout
(``504``); an engine that is not loaded is ``503``.  The edits are line edits of the code sent
(``line`` 1-based: the new ``lines`` go above it, or ``delete_lines`` lines from it are
removed); ``code`` in the answer is the code with all of them applied.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from accellium.dataset.loops import normalize_lang
from accellium.dataset.offload import PlanInputError
from accellium.server.api_models import MAX_CODE_BYTES, CText, Text
from accellium.server.web.answer import _as_http
from accellium.server.web.errors import ERROR_RESPONSES
from accellium.server.web.state import ServerState
from accellium.server.web.work import bounded

__all__ = ["offload_router", "OffloadRequest", "OffloadResponse"]

OFFLOAD_EXAMPLE: dict[str, Any] = {
    "code": "void scale(int n, double *a, double *b)\n{\n    for (int i = 0; i < n; i++)\n"
            "        a[i] = 2 * a[i];\n    for (int i = 0; i < n; i++)\n"
            "        b[i] = a[i] + 1;\n}\n",
    "language": "c", "function": "scale"}


class OffloadRequest(BaseModel):
    """C/C++ code with the function to offload (and any functions it calls)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [OFFLOAD_EXAMPLE]})

    code: CText = Field(min_length=1, max_length=MAX_CODE_BYTES,
                        description="C/C++ source holding the function definition (at most "
                                    f"{MAX_CODE_BYTES} bytes UTF-8); functions it calls may "
                                    "be included (they get `#pragma acc routine seq`, or, "
                                    "called outside loops, their own plans with the "
                                    "caller's data region around the calls).")
    language: Text = Field("c", max_length=16, description="`c` or `cpp`.")
    function: Text | None = Field(None, max_length=256,
                                  description="The function to offload (default: every "
                                              "function of the code that has for loops).")
    replace: bool = Field(False, strict=True,
                          description="Re-plan a function that already has OpenACC lines "
                                      "(they are removed and replaced).")
    engine: Text | None = Field(None, max_length=32,
                                description="Per-loop engine (default: the server's).")

    @field_validator("code")
    @classmethod
    def _code_bytes(cls, v: str) -> str:
        if len(v.encode("utf-8")) > MAX_CODE_BYTES:
            raise ValueError(f"code is larger than {MAX_CODE_BYTES} bytes")
        return v


class EditModel(BaseModel):
    line: int = Field(description="1-based line of the code sent: the new lines go above it "
                                  "(or the removed lines start there).")
    kind: str = Field(description="data, brace, loop, update, enter, exit, routine or delete")
    lines: list[str]
    delete_lines: int = 0


class PlanModel(BaseModel):
    function: str
    line: int
    end_line: int
    loops: list[dict[str, Any]]
    host_loops: list[dict[str, Any]]
    arrays: list[dict[str, Any]]
    routines: list[str]
    regions: list[dict[str, Any]] = Field(
        default_factory=list, description="The data regions: start_line, end_line, loops, calls "
                                          "(statements calling offloaded functions), repeated.")
    calls: list[dict[str, Any]] = Field(
        default_factory=list, description="Calls the region holds (line, functions): the "
                                          "callees' plans come with this one, their data "
                                          "clauses find the region's arrays present.")
    edits: list[EditModel]
    notes: list[str]


class OffloadResponse(BaseModel):
    plans: list[PlanModel]
    code: str = Field(description="The code with every edit applied.")
    engine: str
    elapsed_ms: float


def _plan(req: OffloadRequest, engine: Any, fallback: Any) -> dict:
    from accellium.server.offload import apply_plans, offload_source

    try:
        lang = normalize_lang(req.language)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    src = req.code.encode("utf-8")
    t0 = time.perf_counter()
    try:
        plans = offload_source(src, engine, lang=lang, function=req.function,
                               replace=req.replace, fallback=fallback)
    except PlanInputError as e:
        raise HTTPException(422, str(e)) from None
    if not plans:
        raise HTTPException(422, "no function definition with for loops in code (send the "
                                 "whole function, header and body)")
    new = apply_plans(src, plans)
    return {"plans": [p.to_json() for p in plans], "code": new.decode("utf-8", "replace"),
            "engine": getattr(engine, "name", "?"),
            "elapsed_ms": round((time.perf_counter() - t0) * 1000, 3)}


def offload_router(state: ServerState, auth: Callable) -> APIRouter:
    router = APIRouter(dependencies=[Depends(auth)], responses=ERROR_RESPONSES)
    timeout = state.settings.timeout_s

    @router.post("/v1/offload", response_model=OffloadResponse,
                 summary="Offload a whole function: one data region, the loops' pragmas "
                         "inside, updates between them")
    async def offload(request: Request, req: OffloadRequest) -> dict:
        loop = asyncio.get_running_loop()
        t_end = loop.time() + timeout
        engine = await state.engine_for(req.engine, timeout)
        fallback = await state.fallback(max(0.0, t_end - loop.time()))
        work = state.workers.run(_as_http, _plan, req, engine, fallback)
        return await bounded(request, work, max(0.0, t_end - loop.time()), timeout)

    return router
