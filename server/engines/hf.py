"""The ``hf`` engine: a transformers causal LM plus named peft LoRA adapters.

- One base model (``base``: a folder or hub id) and any number of adapters in one ``PeftModel``
  (``load_adapter`` / ``set_adapter``); a request picks its adapter by name (``query.adapter``),
  no adapter means the plain base (``disable_adapter``).
- The prompt is :func:`dataset.prompt.build_prompt` with the query's workspace examples as
  few-shot pairs; decoding is greedy and stops at the end of the first line.
- Concurrent requests are batched: one worker thread owns the model, collects what arrived
  within ``batch_wait_ms`` (up to ``max_batch``), groups it by adapter and runs one ``generate``
  per group. Loading and unloading adapters run on the same thread between batches, so a name
  is swapped atomically and never while a batch uses it.
- Cancellation: :meth:`HFEngine.asuggest` cancelled (client gone, timeout) drops a request that
  has not started and stops its row of a running batch at the next token.
- Adapter loads and unloads of one name run one at a time (a per-name lock), and a load that
  fails (a corrupt ``adapter_model.safetensors``, say) raises :class:`EngineError` and leaves
  the engine as it was: the weights file is checked with ``safetensors`` before peft touches
  the model, and a half-loaded adapter is deleted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import contextlib
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accellium.dataset.prompt import build_prompt
from accellium.server.engines.base import EngineAnswer, EngineError, EngineUnavailable, LoopQuery

__all__ = ["HFEngine"]

log = logging.getLogger(__name__)


@dataclass
class _Job:
    prompt: str
    adapter: str | None
    future: cf.Future = field(default_factory=cf.Future)
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Control:
    fn: Callable[[], Any]
    future: cf.Future = field(default_factory=cf.Future)


def _check_weights(path: str) -> None:
    """Open ``adapter_model.safetensors`` (header and sizes) before peft changes the model."""
    from pathlib import Path

    from safetensors import safe_open

    f = Path(path) / "adapter_model.safetensors"
    if not f.is_file():
        return  # peft says what is missing
    with safe_open(str(f), framework="pt") as st:
        for key in st.keys():
            st.get_slice(key)  # every tensor's dtype/shape/offsets within the file


class HFEngine:
    """transformers + peft engine (see the module docstring)."""

    name = "hf"
    supports_adapters = True

    def __init__(self, base: str | None = None, adapters: Mapping[str, str] | Iterable | None = None,
                 *, device: str | None = None, dtype: str | None = None,
                 max_new_tokens: int = 64, max_batch: int = 64, batch_wait_ms: float = 3.0,
                 timeout_s: float | None = 120.0, threads: int | None = None, lazy: bool = False,
                 **_ignored: Any):
        if not base:
            raise EngineUnavailable("the hf engine needs a base model (--base PATH_OR_ID)")
        self.base = str(base)
        self.device_name = device
        self.dtype_name = dtype
        self.max_new_tokens = max_new_tokens
        self.max_batch = max(1, max_batch)
        self.batch_wait_s = max(0.0, batch_wait_ms / 1000)
        self.timeout_s = timeout_s
        self.threads = threads
        self._initial = dict(adapters.items() if isinstance(adapters, Mapping) else adapters or [])
        self._q: queue.Queue = queue.Queue()
        self._adapters: dict[str, str] = {}  # public name -> internal peft adapter name
        self._ids = itertools.count(1)
        self._retired: set[str] = set()
        self._peft: Any = None
        self.model: Any = None
        self.tokenizer: Any = None
        self.device: Any = None
        self.stats = {"requests": 0, "batches": 0, "batched_rows": 0, "cancelled": 0,
                      "max_batch_seen": 0}
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._load_error: BaseException | None = None
        self._name_locks: dict[str, threading.Lock] = {}
        self._name_locks_guard = threading.Lock()
        if not lazy:
            self.load()

    # -- lifecycle -------------------------------------------------------------------------
    def load(self) -> None:
        """Load the base and the initial adapters and start the worker (idempotent)."""
        if self._ready.is_set():
            return
        try:
            self._load_model()
            for name, path in self._initial.items():
                self._do_load_adapter(name, path)
        except Exception as e:
            self._load_error = e
            raise EngineUnavailable(f"hf engine could not load {self.base}: {e}") from e
        self._thread = threading.Thread(target=self._worker, name="hf-engine", daemon=True)
        self._thread.start()
        self._ready.set()

    @property
    def loaded(self) -> bool:
        return self._ready.is_set()

    def close(self) -> None:
        if self._thread is not None:
            self._q.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _load_model(self) -> None:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer

        dev = self.device_name or ("cuda" if torch.cuda.is_available() else "cpu")
        self.device = torch.device(dev)
        if self.dtype_name:
            dtype = getattr(torch, self.dtype_name)
        else:
            dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        tok = AutoTokenizer.from_pretrained(self.base)
        tok.padding_side = "left"
        tok.truncation_side = "left"  # keep the loop and "### Pragma:" when a prompt is too long
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token or tok.unk_token
        kw = {"dtype": dtype} if int(transformers.__version__.split(".")[0]) >= 5 else {
            "torch_dtype": dtype}
        model = AutoModelForCausalLM.from_pretrained(self.base, **kw).to(self.device)
        model.eval()
        if self.device.type == "cpu":
            # a small model gains nothing from intra-op threads, and on a busy machine their
            # spinning costs 10-20x (measured: 19 ms vs 450 ms per answer for the tiny model)
            n = self.threads or (1 if model.num_parameters() < 100_000_000 else None)
            if n:
                torch.set_num_threads(n)
        self.tokenizer, self.model = tok, model
        cfg = model.config
        self.max_positions = int(getattr(cfg, "max_position_embeddings", 0) or 2048)
        self.max_prompt_tokens = max(16, self.max_positions - self.max_new_tokens)

    # -- adapters (run on the worker thread once it runs) ----------------------------------
    def _do_load_adapter(self, name: str, path: str) -> None:
        internal = f"{name}__v{next(self._ids)}"
        try:
            _check_weights(path)
            self._peft_load(path, internal)
        except Exception as e:
            self._drop_partial(internal)
            raise EngineError(f"could not load adapter '{name}': {type(e).__name__}: "
                              f"{str(e)[:300]}") from e
        old = self._adapters.get(name)
        self._adapters[name] = internal  # the swap: the next batch uses the new weights
        if old is not None:
            self._delete_internal(old)
        elif self._retired:
            self._delete_internal(next(iter(self._retired)))

    def _peft_load(self, path: str, internal: str) -> None:
        from peft import PeftModel

        if self._peft is None:
            self._peft = PeftModel.from_pretrained(self.model, path, adapter_name=internal)
            self._peft.eval()
        else:
            self._peft.load_adapter(path, adapter_name=internal)

    def _drop_partial(self, internal: str) -> None:
        """Delete what a failed load left in peft (its config, its layers)."""
        if self._peft is None or internal not in self._peft.peft_config:
            return
        try:
            self._peft.delete_adapter(internal)
        except Exception as e:
            log.debug("could not delete half-loaded adapter %s: %s", internal, e)
            self._retired.add(internal)

    def _delete_internal(self, internal: str) -> None:
        """Delete a peft adapter no name points to. peft cannot drop its last adapter, so that
        one stays loaded, unused ('retired'), until another adapter is loaded."""
        if self._peft is None:
            return
        self._retired.add(internal)
        for old in sorted(self._retired):
            remaining = [a for a in self._peft.peft_config if a != old]
            if not remaining:
                continue
            if self._peft.active_adapter == old:
                self._peft.set_adapter(remaining[0])
            try:
                self._peft.delete_adapter(old)
                self._retired.discard(old)
            except Exception as e:
                log.warning("could not delete adapter %s: %s", old, e)

    def _do_unload_adapter(self, name: str) -> None:
        internal = self._adapters.pop(name, None)
        if internal is None:
            raise EngineError(f"unknown adapter '{name}'")
        self._delete_internal(internal)

    def _control(self, fn: Callable[[], Any]) -> Any:
        if not self._ready.is_set():  # not started yet: nothing runs concurrently
            return fn()
        c = _Control(fn)
        self._q.put(c)
        return c.future.result()

    def _name_lock(self, name: str) -> threading.Lock:
        with self._name_locks_guard:
            return self._name_locks.setdefault(name, threading.Lock())

    def load_adapter(self, name: str, path: str) -> None:
        """Load (or replace) adapter ``name`` from ``path``; blocks until it is in use. Loads
        of one name run one at a time, in the order they took the name's lock."""
        with self._name_lock(name):
            self._control(lambda: self._do_load_adapter(name, str(path)))

    def unload_adapter(self, name: str) -> None:
        with self._name_lock(name):
            self._control(lambda: self._do_unload_adapter(name))

    def adapter_names(self) -> list[str]:
        return sorted(self._adapters)

    def loaded_weights(self) -> list[str]:
        """The adapters peft holds (internal names ``NAME__vN``, retired ones included)."""
        return sorted(self._peft.peft_config) if self._peft is not None else []

    # -- requests --------------------------------------------------------------------------
    def prompt(self, query: LoopQuery) -> str:
        return build_prompt(query.stripped, query.lang, query.enclosing, query.examples)

    def submit(self, query: LoopQuery) -> _Job:
        if not self._ready.is_set():
            raise EngineUnavailable(f"hf engine not loaded ({self._load_error or 'loading'})")
        if query.adapter is not None and query.adapter not in self._adapters:
            raise EngineError(f"unknown adapter '{query.adapter}'")
        job = _Job(self.prompt(query), query.adapter)
        self._q.put(job)
        return job

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        job = self.submit(query)
        try:
            return job.future.result(timeout=self.timeout_s)
        except cf.TimeoutError:
            job.cancel.set()
            raise EngineError(f"hf engine timed out after {self.timeout_s} s") from None

    async def asuggest(self, query: LoopQuery) -> EngineAnswer:
        job = self.submit(query)
        try:
            return await asyncio.wrap_future(job.future)
        except asyncio.CancelledError:
            job.cancel.set()
            job.future.cancel()
            raise

    # -- the worker ------------------------------------------------------------------------
    def _worker(self) -> None:
        pending: list[_Job] = []
        while True:
            item = self._q.get()
            if item is None:
                return
            if isinstance(item, _Control):
                self._run_control(item)
                continue
            pending = [item]
            deadline = time.monotonic() + self.batch_wait_s
            control: _Control | None = None
            stop = False
            while len(pending) < self.max_batch:
                try:
                    nxt = self._q.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                if isinstance(nxt, _Control):
                    control = nxt
                    break
                pending.append(nxt)
            self._run_batch(pending)
            if control is not None:
                self._run_control(control)
            if stop:
                return

    @staticmethod
    def _run_control(c: _Control) -> None:
        try:
            c.future.set_result(c.fn())
        except BaseException as e:
            c.future.set_exception(e)

    def _run_batch(self, jobs: list[_Job]) -> None:
        live = []
        for j in jobs:
            if j.cancel.is_set() or not j.future.set_running_or_notify_cancel():
                self.stats["cancelled"] += 1
                continue
            live.append(j)
        groups: dict[str | None, list[_Job]] = {}
        for j in live:
            groups.setdefault(j.adapter, []).append(j)
        for adapter, group in groups.items():
            try:
                texts = self._generate(group, adapter)
            except Exception as e:
                log.exception("hf generate failed")
                for j in group:
                    if not j.future.done():
                        j.future.set_exception(EngineError(f"hf generate failed: {e}"))
                continue
            for j, text in zip(group, texts, strict=True):
                if j.cancel.is_set():
                    self.stats["cancelled"] += 1
                    j.future.set_exception(EngineError("cancelled"))
                else:
                    j.future.set_result(EngineAnswer(pragma=None, raw=text))

    def _generate(self, jobs: list[_Job], adapter: str | None) -> list[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        tok = self.tokenizer
        enc = tok([j.prompt for j in jobs], return_tensors="pt", padding=True, truncation=True,
                  max_length=self.max_prompt_tokens, add_special_tokens=True)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        start = enc["input_ids"].shape[1]
        flags = [j.cancel for j in jobs]

        class FirstLine(StoppingCriteria):
            """Per row: done once the answer has a complete line, or the request is cancelled."""

            def __call__(self, input_ids, scores, **kw):
                done = []
                for i, row in enumerate(input_ids):
                    text = tok.decode(row[start:], skip_special_tokens=True)
                    done.append(flags[i].is_set() or "\n" in text.lstrip("\n"))
                return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

        model: Any = self.model
        ctx: Any = contextlib.nullcontext()
        if self._peft is not None:
            model = self._peft
            if adapter is None:
                ctx = self._peft.disable_adapter()
            else:
                internal = self._adapters.get(adapter)
                if internal is None:
                    raise EngineError(f"adapter '{adapter}' was unloaded")
                self._peft.set_adapter(internal)
        elif adapter is not None:
            raise EngineError(f"adapter '{adapter}' is not loaded")
        with torch.inference_mode(), ctx:
            out = model.generate(
                **enc, do_sample=False, max_new_tokens=self.max_new_tokens,
                stopping_criteria=StoppingCriteriaList([FirstLine()]),
                pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
            )
        self.stats["requests"] += len(jobs)
        self.stats["batches"] += 1
        self.stats["batched_rows"] += len(jobs)
        self.stats["max_batch_seen"] = max(self.stats["max_batch_seen"], len(jobs))
        texts = tok.batch_decode(out[:, start:], skip_special_tokens=True)
        return [t.lstrip("\n").split("\n", 1)[0] for t in texts]

    def info(self) -> dict[str, Any]:
        return {"base": self.base, "device": str(self.device), "adapters": self.adapter_names(),
                "stats": dict(self.stats)}
