"""The ``openai`` engine: a gateway to OpenAI-compatible vLLM servers (``vllm serve BASE
--enable-lora --lora-modules name=path ...``).

- The prompt is :func:`dataset.prompt.build_prompt` (the one prompt); it goes to the upstream's
  ``POST /v1/completions`` with the adapter as ``model`` (no adapter: the upstream's base
  model), greedy (``temperature`` 0), one line (``stop`` at the newline), constrained where the
  upstream supports it to the regex of one ``#pragma acc`` line (:data:`PRAGMA_REGEX`, the
  ``vllm`` engine's): ``structured_outputs`` (vLLM >= 0.11), ``guided_regex`` (older vLLM) or
  none (any other OpenAI-compatible server). The answer goes through the same pipeline as every
  engine's (:func:`server.suggest.suggest`: parse, validate, safety guard, fallback to ``auto``
  when it is not a pragma).
- Balancing, health checks, retries, timeouts and cancellation: :mod:`.upstreams`.
- Adapters: the upstreams' ``GET /v1/models`` say which adapters each one serves; loading one
  (``POST /v1/adapters`` on the gateway, ``accellium deploy``) goes to every healthy upstream
  through vLLM's runtime LoRA endpoints (:mod:`.runtime_lora`); an upstream that was down gets
  the adapters deployed through this gateway when it is back.
- ``asuggest`` runs on the event loop that started the engine (the server's); ``suggest``
  (``accellium eval``) runs the same coroutine on a loop of the engine's own, in a thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from accellium.dataset.prompt import build_prompt
from accellium.server.engines.base import (
    REQUEST_ID,
    EngineAnswer,
    EngineError,
    EngineUnavailable,
    LoopQuery,
)
from accellium.server.engines.runtime_lora import (
    LoraLoadError,
    RuntimeLoraDisabled,
    deploy_all,
    load_lora,
    local_config,
    unload_lora,
)
from accellium.server.engines.upstreams import NoUpstream, Upstream, UpstreamPool
from accellium.server.engines.vllm_engine import PRAGMA_REGEX

__all__ = ["OpenAIEngine", "CONSTRAINTS"]

log = logging.getLogger("accellium.server.openai")

#: how the one-line regex is asked of the upstream
CONSTRAINTS = ("structured_outputs", "guided_regex", "none")


def _constraint(kind: str) -> dict[str, Any]:
    if kind == "structured_outputs":
        return {"structured_outputs": {"regex": PRAGMA_REGEX}}
    if kind == "guided_regex":
        return {"guided_regex": PRAGMA_REGEX}
    return {}


class OpenAIEngine:
    """Gateway engine (see the module docstring)."""

    name = "openai"
    supports_adapters = True
    gateway = True

    def __init__(self, upstreams: Iterable[str] | None = None, *, api_key: str | None = None,
                 base: str | None = None, adapters: Mapping[str, str] | None = None,
                 timeout_s: float = 30.0, connect_timeout_s: float = 3.0,
                 health_interval_s: float = 5.0, max_new_tokens: int = 64,
                 constraint: str = "structured_outputs", max_connections: int = 256,
                 start_timeout_s: float = 60.0, **_ignored: Any):
        urls = list(upstreams or [])
        if not urls:
            raise EngineUnavailable("the openai engine needs --upstream URL (an OpenAI base URL "
                                    "such as http://127.0.0.1:8001/v1; repeatable)")
        if constraint not in CONSTRAINTS:
            raise ValueError(f"unknown constraint '{constraint}' (choose from "
                             f"{', '.join(CONSTRAINTS)})")
        self.pool = UpstreamPool(urls, api_key=api_key, timeout_s=timeout_s,
                                 connect_timeout_s=connect_timeout_s,
                                 health_interval_s=health_interval_s,
                                 max_connections=max_connections)
        self.pool.on_up = self._reconcile
        self.base = base
        self.timeout_s = timeout_s
        self.max_new_tokens = max_new_tokens
        self.constraint = constraint
        self.start_timeout_s = start_timeout_s
        self.initial = dict(adapters or {})
        self.deployed: dict[str, str] = {}  # adapters loaded through this gateway: name -> path
        self._own_loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # -- life cycle -------------------------------------------------------------------------
    async def astart(self) -> None:
        """Start on the running loop: check the upstreams, deploy the ``adapters`` given."""
        if self.pool.loop is not None:
            return
        await self.pool.start()
        for name, path in self.initial.items():
            await self.aload_adapter(name, path)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start on ``loop`` (another thread's running loop), or on a loop of its own."""
        with self._start_lock:
            if self.pool.loop is not None:
                return
            if loop is None:
                loop = self._own_loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, daemon=True,
                                                name="accellium-openai-engine")
                self._thread.start()
            asyncio.run_coroutine_threadsafe(self.astart(), loop).result(self.start_timeout_s)

    def close(self) -> None:
        loop = self.pool.loop
        if loop is not None and loop.is_running() and not _on(loop):
            try:
                asyncio.run_coroutine_threadsafe(self.pool.aclose(), loop).result(10)
            except Exception:
                log.debug("closing the upstream pool", exc_info=True)
        if self._own_loop is not None:
            self._own_loop.call_soon_threadsafe(self._own_loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)

    @property
    def loaded(self) -> bool:
        return self.pool.loop is not None

    # -- requests ---------------------------------------------------------------------------
    def payload(self, query: LoopQuery) -> dict[str, Any]:
        prompt = build_prompt(query.stripped, query.lang, query.enclosing, query.examples)
        return {"prompt": prompt, "max_tokens": self.max_new_tokens, "temperature": 0.0,
                "n": 1, "stop": ["\n"], **_constraint(self.constraint)}

    async def _complete(self, query: LoopQuery, request_id: str | None = None) -> EngineAnswer:
        _, out = await self.pool.post("/completions", self.payload(query), query.adapter,
                                      request_id)
        try:
            text = out["choices"][0]["text"]
        except (KeyError, IndexError, TypeError):
            raise EngineError("the upstream's answer has no choices[0].text") from None
        if not isinstance(text, str):
            raise EngineError("the upstream's answer text is not a string")
        return EngineAnswer(pragma=None, raw=text)

    async def asuggest(self, query: LoopQuery) -> EngineAnswer:
        if self.pool.loop is None:
            await self.astart()
        rid = REQUEST_ID.get()  # read here: the engine's own loop does not see this context
        if _on(self.pool.loop):
            return await self._complete(query, rid)
        assert self.pool.loop is not None
        fut = asyncio.run_coroutine_threadsafe(self._complete(query, rid), self.pool.loop)
        return await asyncio.wrap_future(fut)  # cancelling this cancels the request there

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        if self.pool.loop is None:
            self.start()
        loop = self.pool.loop
        assert loop is not None
        if _on(loop):
            raise EngineError("the openai engine's suggest() was called on its own event loop; "
                              "await asuggest() there")
        fut = asyncio.run_coroutine_threadsafe(self._complete(query, REQUEST_ID.get()), loop)
        try:
            return fut.result(self.timeout_s + 5)
        except cf.TimeoutError:
            fut.cancel()
            raise EngineError(f"no upstream answer within {self.timeout_s + 5:g} s") from None

    # -- adapters ---------------------------------------------------------------------------
    def adapter_names(self) -> list[str]:
        return list(self.pool.served())

    def adapter_problem(self, name: str) -> str | None:
        """Why a request naming ``name`` gets 404 (None: an upstream serves it, or no upstream
        is healthy at all, which is a 503 when the request is sent)."""
        if not self.pool.healthy() or self.pool.serving(name):
            return None
        return self.pool.down_reason(name)

    async def aload_adapter(self, name: str, path: str) -> dict[str, str]:
        """Load (or replace) ``name`` on every healthy upstream; upstreams that are down get it
        when they are back. Returns ``{url: state}``. Raises :class:`RuntimeLoraDisabled` when
        an upstream has no runtime LoRA endpoints, :class:`LoraLoadError` when one refused."""
        up = self.pool.healthy()
        if not up:
            raise NoUpstream(self.pool.down_reason(None))
        assert self.pool.client is not None
        results = await deploy_all(self.pool.client, [u.url for u in up], name, str(path),
                                   self.pool.headers())
        states: dict[str, str] = {u.url: "down: loads it when it is back"
                                  for u in self.pool.upstreams if not u.healthy}
        for u, r in zip(up, results, strict=True):
            states[u.url] = ("loaded" if r.ok else f"failed: {r.error}" if r.error
                             else "not loaded: another upstream refuses run-time loading")
            if r.ok:
                u.models[name] = {"id": name, "root": str(path), "parent": u.base}
        if any(r.ok for r in results):
            self.deployed[name] = str(path)
        failed = [r for r in results if not r.ok and r.error]
        if failed:
            done = [r.url for r in results if r.ok]
            msg = "; ".join(r.error or r.url for r in failed)
            if done:
                msg += f" (loaded on {', '.join(done)})"
            raise (RuntimeLoraDisabled if any(r.disabled for r in failed) else LoraLoadError)(msg)
        return states

    async def aunload_adapter(self, name: str) -> list[str]:
        """Unload ``name`` from every healthy upstream serving it; returns their URLs."""
        self.deployed.pop(name, None)
        assert self.pool.client is not None
        done = []
        for u in self.pool.serving(name):
            if await unload_lora(self.pool.client, u.url, name, self.pool.headers()):
                done.append(u.url)
            u.models.pop(name, None)
        return done

    def load_adapter(self, name: str, path: str) -> dict[str, str]:
        return self._sync(self.aload_adapter(name, path))

    def unload_adapter(self, name: str) -> list[str]:
        return self._sync(self.aunload_adapter(name))

    def _sync(self, coro: Any) -> Any:
        if self.pool.loop is None:
            self.start()
        assert self.pool.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.pool.loop).result(300)

    async def _reconcile(self, u: Upstream) -> None:
        """An upstream came (back) up: load the adapters deployed through this gateway that it
        does not serve from the same path (a restarted vLLM forgets run-time loads)."""
        assert self.pool.client is not None
        for name, path in list(self.deployed.items()):
            card = u.models.get(name)
            if card is not None and card.get("root") == path:
                continue
            try:
                await load_lora(self.pool.client, u.url, name, path, self.pool.headers())
                u.models[name] = {"id": name, "root": path, "parent": u.base}
                log.warning("adapter %s loaded into %s, which is back", name, u.url)
            except EngineError as e:
                log.warning("adapter %s not loaded into %s: %s", name, u.url, e)

    # -- views ------------------------------------------------------------------------------
    def base_config(self) -> Path | None:
        """A local folder of the base model (``--base PATH``, else the base the upstreams
        report if this machine can read it): the adapters' fingerprint is checked on it."""
        if self.base and local_config(self.base):
            return Path(self.base)
        for u in self.pool.healthy():
            card = u.models.get(u.base or "") or {}
            found = local_config(card.get("root"))
            if found is not None:
                return found
        return None

    @property
    def stats(self) -> dict[str, Any]:
        s: dict[str, Any] = dict(self.pool.stats)
        s["upstreams_healthy"] = len(self.pool.healthy())
        s["upstreams"] = [{k: v for k, v in u.info().items() if k != "models"}
                          for u in self.pool.upstreams]
        return s

    def info(self) -> dict[str, Any]:
        return {"upstreams": self.pool.info(), "deployed": dict(self.deployed),
                "constraint": self.constraint, "stats": self.stats}


def _on(loop: asyncio.AbstractEventLoop | None) -> bool:
    """Whether the caller runs on ``loop``."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
