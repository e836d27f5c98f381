"""The server's registry of named LoRA adapters (DESIGN §4–5).

Requests name adapters, never paths. A maintainer loads ``{name, path}`` at run time
(``POST /v1/adapters`` or ``--adapter name=PATH``); the registry reads ``accellium.json``
(:mod:`dataset.adapters`), refuses an adapter whose base fingerprint or prompt version does not
match the loaded base and :data:`dataset.prompt.PROMPT_VERSION` (with the reason), and swaps a
name atomically: requests in flight keep the version they started with, later ones get the new
one. The model engine does the actual loading; this module imports no ML library.

Paths from clients (``POST /v1/adapters``) are confined to the server's ``--adapter-root``
folders (:func:`resolve_adapter_dir`): the path is resolved (``..`` and symlinks) and must land
inside a root; a path that is missing, not a folder or outside every root gets one and the same
message, so the endpoint is no oracle for what exists on the server. The files read in the
folder (``accellium.json``, ``adapter_config.json``) must be regular files inside the same root
(a symlink out of it is refused), at most :data:`MAX_META_BYTES` each; the weights must be
``adapter_model.safetensors`` (no pickled ``.bin`` weights are ever loaded).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from accellium.dataset.adapters import (
    META_FILENAME,
    AdapterMeta,
    compatibility_problems,
)
from accellium.dataset.prompt import PROMPT_VERSION

__all__ = ["AdapterError", "AdapterNotFound", "AdapterRejected", "AdapterEntry",
           "AdapterRegistry", "parse_adapter_spec", "resolve_roots", "resolve_adapter_dir",
           "VLLM_LORA_RANKS", "MAX_META_BYTES", "ADAPTER_CONFIG", "ADAPTER_WEIGHTS"]

#: size cap of each small file read from an adapter folder (accellium.json, adapter_config.json)
MAX_META_BYTES = 64 * 1024
ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"

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


def resolve_roots(roots: Iterable[str | os.PathLike[str]]) -> tuple[Path, ...]:
    """The ``--adapter-root`` folders, resolved; raises ValueError for one that is not a folder."""
    out = []
    for r in roots:
        p = Path(os.path.realpath(os.path.expanduser(r)))
        if not p.is_dir():
            raise ValueError(f"--adapter-root {r}: not a folder")
        out.append(p)
    return tuple(out)


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def resolve_adapter_dir(path: str, roots: tuple[Path, ...]) -> tuple[Path, Path]:
    """``(folder, root)``: the real folder that a client's ``path`` names, and the root that
    holds it. Absolute paths are resolved as given, relative ones under each root in turn.
    Raises :class:`AdapterRejected` with the same message whether the folder is missing, not a
    folder, or outside every root (no existence oracle)."""
    if not roots:
        raise AdapterRejected("loading adapters at run time is off on this server (start it with "
                              "--adapter-root DIR to allow folders under DIR)")
    refused = AdapterRejected(f"adapter path '{path}' is not an adapter folder under the "
                              "server's --adapter-root folders")
    if "\0" in path:
        raise refused
    given = Path(os.path.expanduser(path)) if path.startswith("~") else Path(path)
    candidates = [given] if given.is_absolute() else [r / given for r in roots]
    for cand in candidates:
        real = Path(os.path.realpath(cand))
        root = next((r for r in roots if _inside(real, r)), None)
        if root is not None and real.is_dir():
            return real, root
    raise refused


def read_capped(folder: Path, name: str, root: Path | None,
                cap: int = MAX_META_BYTES) -> bytes:
    """The bytes of ``folder/name``: a regular file (not a FIFO or device), inside ``root``
    after resolving symlinks (when a root is given), at most ``cap`` bytes. Raises
    :class:`AdapterRejected` with the reason."""
    real = Path(os.path.realpath(folder / name))
    if root is not None and not _inside(real, root):
        raise AdapterRejected(f"{name} in the adapter folder links outside the adapter root")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise AdapterRejected(f"the adapter folder has no {name}") from None
    except OSError as e:
        raise AdapterRejected(f"{name} in the adapter folder cannot be read ({e.strerror})") \
            from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise AdapterRejected(f"{name} in the adapter folder is not a regular file")
        if st.st_size > cap:
            raise AdapterRejected(f"{name} is {st.st_size} bytes, over the {cap}-byte limit")
        chunks, left = [], cap + 1
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > cap:
        raise AdapterRejected(f"{name} is over the {cap}-byte limit")
    return data


def _parse_meta(data: bytes) -> AdapterMeta:
    try:
        return AdapterMeta.model_validate_json(data)
    except ValidationError as e:
        errs = "; ".join(f"{'.'.join(str(x) for x in err['loc']) or '(root)'}: {err['msg']}"
                         for err in e.errors()[:5])
        raise AdapterRejected(f"{META_FILENAME}: invalid adapter metadata: {errs}") from None


def _check_weights(folder: Path, root: Path | None) -> None:
    real = Path(os.path.realpath(folder / ADAPTER_WEIGHTS))
    if root is not None and not _inside(real, root):
        raise AdapterRejected(f"{ADAPTER_WEIGHTS} links outside the adapter root")
    try:
        st = os.stat(real)
    except OSError:
        raise AdapterRejected(f"the adapter folder has no {ADAPTER_WEIGHTS} (only safetensors "
                              "weights are loaded, never pickled .bin files)") from None
    if not stat.S_ISREG(st.st_mode):
        raise AdapterRejected(f"{ADAPTER_WEIGHTS} is not a regular file")


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
    def inspect(self, path: str | Path, name: str | None = None, *,
                root: Path | None = None) -> AdapterMeta:
        """Read and check an adapter folder; raises :class:`AdapterRejected` with the reason.
        With ``root``, every file read must resolve inside it (see :func:`read_capped`); the
        folder itself is the operator's (``--adapter``) or already confined by
        :func:`resolve_adapter_dir`."""
        p = Path(path)
        if not p.is_dir():
            raise AdapterRejected(f"adapter folder not found: {p}")
        meta = _parse_meta(read_capped(p, META_FILENAME, root))
        read_capped(p, ADAPTER_CONFIG, root)
        _check_weights(p, root)
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
                raise AdapterNotFound(self.unknown(name))
            entries = dict(self._entries)
            entry = entries.pop(name)
            self._entries = entries
        return entry

    # -- lookup -----------------------------------------------------------------------------
    def unknown(self, name: str) -> str:
        """The message for a name that is not loaded (lists the loaded ones)."""
        known = ", ".join(sorted(self._entries)) or "none loaded"
        return f"unknown adapter '{name}' (loaded: {known})"

    def get(self, name: str) -> AdapterEntry:
        entry = self._entries.get(name)
        if entry is None:
            raise AdapterNotFound(self.unknown(name))
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
