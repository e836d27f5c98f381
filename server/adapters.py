"""The server's registry of named LoRA adapters (DESIGN §4–5).

Requests name adapters, never paths. A maintainer loads ``{name, path}`` at run time
(``POST /v1/adapters`` or ``--adapter name=PATH``); the registry reads ``accellium.json``
(:mod:`dataset.adapters`), refuses an adapter whose base fingerprint or prompt version does not
match the loaded base and :data:`dataset.prompt.PROMPT_VERSION` (with the reason), and swaps a
name atomically: requests in flight keep the version they started with, later ones get the new
one. The model engine does the actual loading; this module imports no ML library.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accellium.dataset.adapters import AdapterMeta, compatibility_problems, load_meta
from accellium.dataset.prompt import PROMPT_VERSION

__all__ = ["AdapterError", "AdapterNotFound", "AdapterRejected", "AdapterEntry",
           "AdapterRegistry", "parse_adapter_spec", "VLLM_LORA_RANKS"]

#: LoRA ranks vLLM accepts for ``max_lora_rank``.
VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)


class AdapterError(ValueError):
    """An adapter cannot be used; ``status`` is the HTTP status the server answers."""

    status = 422


class AdapterNotFound(AdapterError):
    status = 404


class AdapterRejected(AdapterError):
    status = 422


@dataclass(frozen=True)
class AdapterEntry:
    name: str
    path: str
    meta: AdapterMeta
    version: int = 1
    loaded_at: float = field(default_factory=time.time)

    def info(self) -> dict[str, Any]:
        m = self.meta
        return {
            "name": self.name, "path": self.path, "base_model": m.base_model,
            "base_fingerprint": m.base_fingerprint, "prompt_version": m.prompt_version,
            "rank": m.rank, "data_hash": m.data_hash or None, "loaded_at": self.loaded_at,
            "version": self.version, "meta": m.model_dump(mode="json"),
        }


def parse_adapter_spec(spec: str) -> tuple[str, str]:
    """``name=PATH`` → (name, path); a bare PATH is named after its folder."""
    name, sep, path = spec.partition("=")
    if not sep:
        path = spec
        name = Path(spec.rstrip("/")).name
    if not name or not path:
        raise ValueError(f"adapter spec '{spec}': expected NAME=PATH")
    return name, path


class AdapterRegistry:
    """Named adapters of one base model. Thread-safe; lookups are lock-free dict reads."""

    def __init__(self, base_fingerprint: str | None = None, *,
                 prompt_version: str = PROMPT_VERSION, max_lora_rank: int | None = None,
                 max_adapters: int | None = None):
        self.base_fingerprint = base_fingerprint
        self.prompt_version = prompt_version
        self.max_lora_rank = max_lora_rank
        self.max_adapters = max_adapters
        self._entries: dict[str, AdapterEntry] = {}
        self._lock = threading.Lock()

    # -- inspection -------------------------------------------------------------------------
    def inspect(self, path: str | Path, name: str | None = None) -> AdapterMeta:
        """Read and check an adapter folder; raises :class:`AdapterRejected` with the reason."""
        p = Path(path)
        try:
            meta = load_meta(p)
        except (FileNotFoundError, ValueError, OSError) as e:
            raise AdapterRejected(str(e)) from None
        if not (p / "adapter_config.json").is_file():
            raise AdapterRejected(f"{p}: no adapter_config.json (not a LoRA adapter folder)")
        problems = compatibility_problems(meta, base_fingerprint=self.base_fingerprint,
                                          prompt_version=self.prompt_version)
        if self.max_lora_rank is not None and meta.rank > self.max_lora_rank:
            problems.append(f"adapter rank {meta.rank} exceeds the engine's max_lora_rank "
                            f"{self.max_lora_rank} (restart with a larger one)")
        if problems:
            label = f"adapter '{name}'" if name else f"adapter at {p}"
            raise AdapterRejected(f"{label} refused: " + "; ".join(problems))
        return meta

    # -- mutation ---------------------------------------------------------------------------
    def check_capacity(self, name: str) -> None:
        if (self.max_adapters is not None and name not in self._entries
                and len(self._entries) >= self.max_adapters):
            raise AdapterRejected(f"at most {self.max_adapters} adapters can be loaded; "
                                  "unload one first")

    def put(self, name: str, path: str | Path, meta: AdapterMeta) -> AdapterEntry:
        """Register (or atomically replace) ``name``."""
        with self._lock:
            old = self._entries.get(name)
            entry = AdapterEntry(name=name, path=str(Path(path).resolve()), meta=meta,
                                 version=(old.version + 1) if old else 1)
            entries = dict(self._entries)
            entries[name] = entry
            self._entries = entries  # one reference swap: readers see old or new, never half
        return entry

    def remove(self, name: str) -> AdapterEntry:
        with self._lock:
            if name not in self._entries:
                raise AdapterNotFound(self._unknown(name))
            entries = dict(self._entries)
            entry = entries.pop(name)
            self._entries = entries
        return entry

    # -- lookup -----------------------------------------------------------------------------
    def _unknown(self, name: str) -> str:
        known = ", ".join(sorted(self._entries)) or "none loaded"
        return f"unknown adapter '{name}' (loaded: {known})"

    def get(self, name: str) -> AdapterEntry:
        entry = self._entries.get(name)
        if entry is None:
            raise AdapterNotFound(self._unknown(name))
        return entry

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> list[AdapterEntry]:
        return [self._entries[n] for n in sorted(self._entries)]


def vllm_limits(ranks: list[int], count: int, *, headroom: int = 2) -> tuple[int, int]:
    """``(max_loras, max_lora_rank)`` for vLLM from the adapters known at start: rank rounded up
    to a value vLLM accepts (at least 16, so a retrained adapter of a larger rank still fits),
    and room for ``headroom`` more adapters loaded at run time."""
    want = max([16, *ranks])
    rank = next((r for r in VLLM_LORA_RANKS if r >= want), VLLM_LORA_RANKS[-1])
    return max(1, count + headroom), rank
