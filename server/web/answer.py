"""Answering one suggestion request: engine lookup, adapter check, then the one pipeline
(:func:`server.suggest.suggest`) in a worker thread, under the request's timeout.

Whatever the pipeline raises for the request's code becomes a ``4xx`` with a reason (never a
``500``, never a traceback): not one loop (422), nested too deeply for a recursive walk (422), no
valid pragma could be built (422), any other failure while analysing the code (422, the
traceback goes to the server log only); an engine that is not loaded is ``503``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request

from accellium.dataset.pragma import PragmaError
from accellium.server.api_models import SuggestRequest
from accellium.server.engines import EngineAnswer, EngineError, EngineUnavailable, LoopQuery
from accellium.server.web.inputs import CodeError, to_query
from accellium.server.web.state import ServerState
from accellium.server.web.work import bounded

__all__ = ["answer", "as_http"]

log = logging.getLogger("accellium.server")


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


def as_http(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` with every failure caused by the request's code turned into an HTTP error."""
    try:
        return fn(*args)
    except HTTPException:
        raise
    except CodeError as e:
        raise HTTPException(422, str(e)) from None
    except RecursionError:
        raise HTTPException(422, "code is nested too deeply to analyse; send a smaller loop") \
            from None
    except PragmaError as e:
        raise HTTPException(422, f"no valid pragma could be built for this code ({e})") from None
    except EngineUnavailable as e:
        raise HTTPException(503, f"engine not loaded: {e}") from None
    except Exception as e:
        log.warning("the pipeline failed on a request's code", exc_info=True)
        raise HTTPException(422, f"the code could not be analysed ({type(e).__name__}: "
                                 f"{str(e)[:200]})") from None


def _pipeline(query: LoopQuery, engine: Any, fallback: Any):
    from accellium.server.suggest import suggest

    return suggest(query, engine, fallback=fallback)


def _embedded(req: SuggestRequest, engine: Any, fallback: Any):
    return _pipeline(to_query(req), engine, fallback)


async def _model(state: ServerState, req: SuggestRequest, engine: Any, fallback: Any):
    query = await state.workers.run(as_http, to_query, req)
    t0 = time.perf_counter()
    try:
        ans, err = await engine.asuggest(query), None
    except EngineUnavailable as e:
        raise HTTPException(503, f"engine '{engine.name}' not loaded: {e}") from None
    except EngineError as e:
        status = getattr(e, "http_status", None)  # e.g. a gateway's adapter no upstream serves
        if status is not None:
            raise HTTPException(status, str(e)) from None
        ans, err = None, e
    s = await state.workers.run(as_http, _pipeline, query, _Fixed(engine.name, ans, err),
                                fallback)
    s.elapsed_ms = round((time.perf_counter() - t0) * 1000, 3)
    return s


def _check_adapter(state: ServerState, engine: Any, adapter: str | None) -> None:
    if adapter is None:
        return
    problem = getattr(engine, "adapter_problem", None)
    if callable(problem):  # a gateway: the adapters its upstreams serve
        reason = problem(adapter)
        if reason:
            raise HTTPException(404, reason)
        return
    if adapter not in state.registry:
        raise HTTPException(404, state.registry.unknown(adapter))
    if not getattr(engine, "supports_adapters", False):
        raise HTTPException(422, f"engine '{engine.name}' does not use adapters")


async def answer(state: ServerState, req: SuggestRequest, request: Request | None,
                 timeout: float) -> dict:
    """One request → the response dict; raises HTTPException (4xx/5xx with the reason)."""
    loop = asyncio.get_running_loop()
    t_end = loop.time() + timeout
    engine = await state.engine_for(req.engine, timeout)
    _check_adapter(state, engine, req.adapter)
    fallback = await state.fallback(max(0.0, t_end - loop.time()))
    if getattr(engine, "asuggest", None) is not None:
        work = _model(state, req, engine, fallback)
    else:
        work = state.workers.run(as_http, _embedded, req, engine, fallback)
    sugg = await bounded(request, work, max(0.0, t_end - loop.time()), timeout)
    out = sugg.to_dict()
    out["alternatives"] = out["alternatives"][: req.alternatives]
    return out
