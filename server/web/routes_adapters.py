"""``GET/POST /v1/adapters`` and ``DELETE /v1/adapters/{name}``.

A client names a folder on the server; it must lie under one of the ``--adapter-root`` folders
(:func:`server.adapters.resolve_adapter_dir`: no existence oracle, no ``..`` or symlink escape,
capped metadata, safetensors weights only). Loads and unloads of one name run one at a time
(:meth:`ServerState.adapter_lock`), so the registry and the engine never disagree on which
weights a name has.

With ``--engine openai`` (a gateway) the adapters are the ones its upstreams serve: loads and
unloads go to every upstream through vLLM's runtime LoRA endpoints (:mod:`.gateway`; ``501``
when an upstream does not allow them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException

from accellium.server.adapters import AdapterError, AdapterNotFound, resolve_adapter_dir
from accellium.server.api_models import AdapterInfo, AdapterList, AdapterLoad, ErrorBody
from accellium.server.web.errors import ERROR_RESPONSES
from accellium.server.web.gateway import (
    gateway_adapters,
    gateway_load,
    gateway_unload,
    is_gateway,
)
from accellium.server.web.state import ServerState

__all__ = ["adapters_router"]

log = logging.getLogger("accellium.server")


def _inspect(state: ServerState, body: AdapterLoad):
    folder, root = resolve_adapter_dir(body.path, state.adapter_roots)
    meta = state.registry.inspect(folder, body.name, root=root)
    state.registry.check_capacity(body.name)
    return folder, meta


async def _load(state: ServerState, body: AdapterLoad) -> dict:
    engine = state.server_engine()
    if not state.supports_adapters:
        raise HTTPException(422, f"engine '{state.settings.engine}' does not use adapters "
                                 "(start the server with --engine hf, vllm or openai)")
    try:
        folder, meta = await state.workers.run(_inspect, state, body)
    except AdapterError as e:
        raise HTTPException(e.status, str(e)) from None
    if is_gateway(engine):
        async with state.adapter_lock(body.name):
            return await gateway_load(state, body.name, Path(folder), meta)
    loop = asyncio.get_running_loop()
    async with state.adapter_lock(body.name):
        try:
            await loop.run_in_executor(None, engine.load_adapter, body.name, str(folder))
        except Exception as e:
            log.warning("adapter %s from %s not loaded", body.name, folder, exc_info=True)
            raise HTTPException(422, f"adapter '{body.name}' could not be loaded: "
                                     f"{type(e).__name__}: {str(e)[:300]}") from None
        return state.registry.put(body.name, Path(folder), meta).info()


async def _unload(state: ServerState, name: str) -> dict:
    if is_gateway(state.engine):
        async with state.adapter_lock(name):
            return await gateway_unload(state, name)
    async with state.adapter_lock(name):
        try:
            entry = state.registry.get(name)
        except AdapterNotFound as e:
            raise HTTPException(404, str(e)) from None
        engine = state.server_engine()
        state.registry.remove(name)  # new requests get 404 from now on
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, engine.unload_adapter, name)
        except Exception as e:
            log.warning("engine could not unload %s: %s", name, e)
        return entry.info()


def adapters_router(state: ServerState, auth: Callable) -> APIRouter:
    responses = dict(ERROR_RESPONSES)
    responses[501] = {"model": ErrorBody, "description": "gateway: an upstream does not allow "
                      "loading adapters at run time (VLLM_ALLOW_RUNTIME_LORA_UPDATING)"}
    router = APIRouter(dependencies=[Depends(auth)], responses=responses)

    # exclude_unset: the gateway's fields (served_by, upstreams) only where it sets them
    @router.get("/v1/adapters", response_model=AdapterList, response_model_exclude_unset=True,
                summary="Loaded adapters with their metadata")
    async def list_adapters() -> dict:
        out = {"engine": state.settings.engine, "supports_adapters": state.supports_adapters,
               "max_loras": state.limits[0], "max_lora_rank": state.limits[1],
               "adapters": [e.info() for e in state.registry.entries()]}
        if is_gateway(state.engine):
            out["adapters"] = gateway_adapters(state)
            out["upstreams"] = state.engine.pool.info()
        return out

    @router.post("/v1/adapters", response_model=AdapterInfo, response_model_exclude_unset=True,
                 summary="Load (or atomically replace) a named adapter from a folder under "
                         "an --adapter-root")
    async def load_adapter(body: AdapterLoad) -> dict:
        return await _load(state, body)

    @router.delete("/v1/adapters/{name}", response_model=AdapterInfo,
                   response_model_exclude_unset=True,
                   summary="Unload a named adapter")
    async def unload_adapter(name: str) -> dict:
        return await _unload(state, name)

    return router
