"""The state of one server: its engine (loaded at start, model engines in the background), the
adapter registry, the worker pool and the adapter roots."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from accellium.server.adapters import (
    AdapterError,
    AdapterRegistry,
    parse_adapter_spec,
    resolve_roots,
    vllm_limits,
)
from accellium.server.engines import EMBEDDED_ENGINES, EngineError
from accellium.server.web.engines import EMBEDDED, EmbeddedEngines
from accellium.server.web.settings import Settings
from accellium.server.web.work import Workers

__all__ = ["ServerState"]

log = logging.getLogger("accellium.server")


class ServerState:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.started = time.time()
        self.engine: Any = None
        self.engine_error: str | None = None
        self.registry = AdapterRegistry()
        self.supports_adapters = False
        self.limits: tuple[int | None, int | None] = (None, None)
        self.embedded = EmbeddedEngines(settings.train)
        self.workers = Workers(settings.workers)
        self.adapter_roots: tuple[Path, ...] = resolve_roots(settings.adapter_roots)
        self._adapter_locks: dict[str, asyncio.Lock] = {}
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's (set at start-up)

    # -- loading ---------------------------------------------------------------------------
    def load_engine(self) -> None:
        """Load the server's engine (blocking; run in a thread). Failures are kept for 503s.

        Then the engines' objects (indexes, caches: about 120,000 tracked objects for ``auto``)
        are moved out of the garbage collector's reach (:func:`gc.freeze`): a full collection
        over them took 290-400 ms here, holding the GIL, so /healthz and every request would
        stall whenever one ran; after the freeze a full collection takes microseconds."""
        try:
            self._load()
        finally:
            gc.collect()
            gc.freeze()

    def _load(self) -> None:
        s = self.settings
        try:
            self.embedded.get("auto")  # the fallback of every engine
            if s.engine in EMBEDDED_ENGINES:
                self.engine = self.embedded.get(s.engine)
                return
            if s.engine == "openai":
                from accellium.server.web.gateway import start_gateway

                start_gateway(self)
                return
            self._load_model_engine()
        except (EngineError, AdapterError, KeyError, OSError, ValueError) as e:
            self.engine_error = f"{type(e).__name__}: {e}"
            log.error("engine %s not loaded: %s", s.engine, self.engine_error)
        except Exception as e:
            self.engine_error = f"{type(e).__name__}: {e}"
            log.exception("engine %s failed to load", s.engine)

    def _load_model_engine(self) -> None:
        from accellium.server.engines import get_engine

        s = self.settings
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
        engine = get_engine(s.engine, base=s.base, adapters=dict(specs), **opts)
        for name, path in specs:
            reg.put(name, path, metas[name])
        self.registry = reg
        self.supports_adapters = bool(getattr(engine, "supports_adapters", False))
        self.engine = engine

    def close(self) -> None:
        self.workers.close()
        close = getattr(self.engine, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                log.exception("closing the engine failed")

    # -- lookups ---------------------------------------------------------------------------
    def status(self) -> str:
        if self.engine is not None:
            return "ok"
        return "error" if self.engine_error else "loading"

    def adapter_names(self) -> list[str]:
        """The adapters requests may name (a gateway's: those its upstreams serve)."""
        names = getattr(self.engine, "adapter_names", None)
        if callable(names) and getattr(self.engine, "gateway", False):
            return sorted(names())
        return self.registry.names()

    def server_engine(self) -> Any:
        """The server's own engine; ``503`` while it loads or when it failed to load."""
        if self.engine is None:
            reason = self.engine_error or "still loading"
            raise HTTPException(503, f"engine '{self.settings.engine}' not loaded: {reason}")
        return self.engine

    async def engine_for(self, name: str | None, timeout: float) -> Any:
        """The engine a request names (None = the server's); ``422`` for an unknown name."""
        s = self.settings
        if name is None or name == s.engine:
            return self.server_engine()
        if name in EMBEDDED:
            return await self.embedded.aget(name, timeout)
        choices = ", ".join(sorted({s.engine, *EMBEDDED}))
        raise HTTPException(422, f"unknown engine '{name}' for this server (choose from {choices})")

    async def fallback(self, timeout: float) -> Any:
        """The ``auto`` engine, the fallback of every answer (built first at start-up)."""
        return await self.embedded.aget("auto", timeout)

    def adapter_lock(self, name: str) -> asyncio.Lock:
        """One lock per adapter name: loads and unloads of one name run one at a time."""
        lock = self._adapter_locks.get(name)
        if lock is None:
            lock = self._adapter_locks.setdefault(name, asyncio.Lock())
        return lock
