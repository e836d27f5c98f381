"""The server's side of the ``openai`` engine (a gateway to vLLM servers): starting it on the
server's event loop, the adapters it serves (``GET /v1/adapters``, ``/healthz``), and loading
and unloading adapters in every upstream (``POST``/``DELETE /v1/adapters``).

Adapters are served by the upstreams (``vllm serve ... --lora-modules name=path``, or loaded at
run time); the gateway's registry holds the ones deployed through it, with their
``accellium.json``, checked as every engine checks them (prompt version; base fingerprint when
the base model's folder can be read here: ``--base PATH``, or the path the upstreams report).
An adapter an upstream serves from a folder this machine can read shows its metadata too.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from accellium.dataset.adapters import META_FILENAME, base_fingerprint
from accellium.server.adapters import AdapterRegistry, parse_adapter_spec
from accellium.server.engines.base import EngineUnavailable
from accellium.server.engines.runtime_lora import LoraLoadError, RuntimeLoraDisabled

__all__ = ["start_gateway", "gateway_adapters", "gateway_load", "gateway_unload", "is_gateway",
           "engine_options"]

log = logging.getLogger("accellium.server")


def is_gateway(engine: Any) -> bool:
    return bool(getattr(engine, "gateway", False))


def engine_options(settings: Any) -> dict[str, Any]:
    """The openai engine's options from the server's settings."""
    opts = {"timeout_s": settings.timeout_s, **settings.engine_options}
    return dict(opts, upstreams=list(settings.upstreams), api_key=settings.upstream_key,
                base=settings.base)


def start_gateway(state: Any) -> None:
    """Build and start the openai engine (blocking: run in the loader thread). The upstream
    pool lives on the server's loop when it runs (``state.loop``)."""
    from accellium.server.engines import get_engine
    from accellium.server.engines.openai_engine import OpenAIEngine

    s = state.settings
    engine = get_engine("openai", **engine_options(s))
    assert isinstance(engine, OpenAIEngine)
    engine.start(state.loop)
    cfg = engine.base_config()
    reg = AdapterRegistry(base_fingerprint(cfg) if cfg is not None else None)
    if cfg is None:
        log.warning("the base model's folder is not readable here: adapters' base fingerprints "
                    "are not checked (give --base PATH)")
    for name, path in (parse_adapter_spec(a) for a in s.adapters):
        meta = reg.inspect(path, name)
        engine.load_adapter(name, str(Path(path).resolve()))
        reg.put(name, path, meta)
    state.registry = reg
    state.supports_adapters = True
    state.engine = engine


def _local_meta(root: str | None) -> dict[str, Any] | None:
    if not root:
        return None
    p = Path(root) / META_FILENAME
    try:
        if p.is_file() and p.stat().st_size <= 64 * 1024:
            import json

            return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return None


def gateway_adapters(state: Any) -> list[dict[str, Any]]:
    """Every adapter a healthy upstream serves, with ``served_by``; metadata from the registry
    (deployed through this gateway) or from the adapter's folder when it is readable here."""
    engine = state.engine
    out = []
    for name, urls in engine.pool.served().items():
        card = next((u.models.get(name) for u in engine.pool.serving(name)), None) or {}
        if name in state.registry:
            info = state.registry.get(name).info()
        else:
            meta = _local_meta(card.get("root")) or {}
            info = {"name": name, "path": str(card.get("root") or ""),
                    "base_model": meta.get("base_model"),
                    "base_fingerprint": meta.get("base_fingerprint"),
                    "prompt_version": meta.get("prompt_version"), "rank": meta.get("rank"),
                    "data_hash": meta.get("data_hash") or None,
                    "loaded_at": card.get("created") or time.time(), "version": 1, "meta": meta}
        out.append(dict(info, served_by=urls))
    return out


async def gateway_load(state: Any, name: str, folder: Path, meta: Any) -> dict:
    """Load into every upstream; ``501`` when an upstream has no runtime LoRA endpoints,
    ``422`` when one refused the adapter, ``503`` when none is up."""
    try:
        states = await state.engine.aload_adapter(name, str(folder))
    except RuntimeLoraDisabled as e:
        raise HTTPException(501, str(e)) from None
    except LoraLoadError as e:
        raise HTTPException(422, str(e)) from None
    except EngineUnavailable as e:
        raise HTTPException(503, str(e)) from None
    info = state.registry.put(name, folder, meta).info()
    return dict(info, served_by=[u for u, st in states.items() if st == "loaded"],
                upstreams=states)


async def gateway_unload(state: Any, name: str) -> dict:
    engine = state.engine
    known = name in state.registry
    if not known and not engine.pool.serving(name):
        raise HTTPException(404, engine.pool.down_reason(name))
    info = state.registry.remove(name).info() if known else None
    try:
        done = await engine.aunload_adapter(name)
    except RuntimeLoraDisabled as e:
        raise HTTPException(501, str(e)) from None
    except (LoraLoadError, EngineUnavailable) as e:
        raise HTTPException(503, str(e)) from None
    if info is None:
        info = {"name": name, "path": "", "loaded_at": time.time(), "version": 1}
    return dict(info, served_by=done)

