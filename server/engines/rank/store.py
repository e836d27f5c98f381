"""The ``auto`` engine's on-disk cache: safe formats only, checked before use, rebuilt on any
damage.

What is cached (keyed by a hash of the engine code and of the training records): the analysis
of every known loop, the template statistics and the retrieval pool (its similarity index as
numeric arrays, base64 of raw little-endian numbers of a fixed set of dtypes, inside one JSON
file), and the ranking model (LightGBM's text format behind a JSON header).  Nothing is ever unpickled: a file planted at
the cache path can at worst be refused.

Before a cache file is read: the cache folder must be ours (owned by this user, not writable
by group or others — it is created ``0700``), the file a regular file (not a symlink) owned by
this user and not writable by others.  A file that fails a check, does not parse, or has the
wrong shape is ignored and rebuilt; a cache that cannot be written only costs start-up time.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import logging
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from accellium.dataset.analysis.facts import (
    Dependence,
    DepKind,
    Exit,
    ExitKind,
    HeldMember,
    LoopFacts,
    Note,
    NoteKind,
)
from accellium.server.engines.style import TemplateStats, code_digest, records_digest

__all__ = ["cache_dir", "load_or_build", "state_paths", "facts_to_json", "facts_from_json",
           "load_cached", "read_checked"]

log = logging.getLogger(__name__)
_VERSION = "auto-v4"
_MAX_BYTES = 256 * 2**20


def cache_dir(explicit: str | Path | None = None) -> Path:
    """Where derived data is cached (``$ACCELLIUM_CACHE``, else ``~/.cache/accellium``)."""
    return Path(explicit or os.environ.get("ACCELLIUM_CACHE")
                or Path.home() / ".cache" / "accellium")


def state_paths(recs: Sequence) -> tuple[Path, Path]:
    stem = f"{_VERSION}-{code_digest()}-{records_digest(recs)}"
    base = cache_dir()
    return base / f"{stem}.state.json", base / f"{stem}.model.txt"


# -- LoopFacts as JSON -------------------------------------------------------------------------

def facts_to_json(f: LoopFacts) -> dict:
    d = {}
    for fld in dataclasses.fields(LoopFacts):
        v = getattr(f, fld.name)
        if fld.name in ("carried", "exits", "held"):
            v = [dataclasses.asdict(x) for x in v]
        elif fld.name == "notes":
            v = [{"message": n.message, "kind": n.kind.value, "variable": n.variable,
                  "line": n.line} if isinstance(n, Note) else str(n) for n in v]
        d[fld.name] = v
    return d


def facts_from_json(d: dict) -> LoopFacts:
    """``ValueError`` / ``TypeError`` on a wrong shape."""
    if not isinstance(d, dict):
        raise ValueError("facts: not an object")
    names = {f.name for f in dataclasses.fields(LoopFacts)}
    if set(d) != names:
        raise ValueError("facts: other fields")
    kw = {}
    for k, v in d.items():
        if k == "carried":
            v = [Dependence(**{**x, "kind": DepKind(x.get("kind", DepKind.ARRAY))}) for x in v]
        elif k == "exits":
            v = [Exit(ExitKind(x["kind"]), x["line"], x.get("call", "")) for x in v]
        elif k == "held":
            v = [HeldMember(**x) for x in v]
        elif k == "notes":
            v = [Note(x["message"], NoteKind(x["kind"]), x["variable"], x["line"])
                 if isinstance(x, dict) else Note.of(str(x)) for x in v]
        elif isinstance(v, list):
            v = [tuple(x) if isinstance(x, list) else x for x in v]
        kw[k] = v
    f = LoopFacts(**kw)
    if not isinstance(f.arrays, dict) or not isinstance(f.index_vars, list):
        raise ValueError("facts: wrong types")
    return f


class _LazyFacts(dict):
    """Loop key -> :class:`LoopFacts`, each read from its JSON form when first asked for (a
    server asks for a few; reading all of them is most of a cache load).  A stored entry that
    does not read back is analysed afresh."""

    def __getitem__(self, key):
        v = super().__getitem__(key)
        if isinstance(v, LoopFacts):
            return v
        try:
            f = facts_from_json(v)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            from accellium.dataset.analysis import analyze

            f = analyze(*key)
        super().__setitem__(key, f)
        return f

    def get(self, key, default=None):
        return self[key] if key in self else default

    def values(self):
        return [self[k] for k in self]

    def items(self):
        return [(k, self[k]) for k in self]


# -- numeric arrays as JSON -------------------------------------------------------------------

_DTYPES = {"<f8": np.float64, "<i8": np.int64, "|b1": np.bool_}


def array_to_json(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    dt = a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype
    if dt.str not in _DTYPES:
        raise ValueError(f"array: dtype {a.dtype} is not stored")
    return {"dtype": dt.str, "shape": list(a.shape),
            "data": base64.b64encode(a.astype(dt).tobytes()).decode("ascii")}


def array_from_json(d: dict) -> np.ndarray:
    """``ValueError`` / ``TypeError`` / ``KeyError`` on a wrong shape (raw numbers only: no
    object dtype, nothing executed)."""
    dtype = _DTYPES[d["dtype"]]
    shape = d["shape"]
    if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise ValueError("array: bad shape")
    a = np.frombuffer(base64.b64decode(d["data"], validate=True), dtype=np.dtype(d["dtype"]))
    return a.astype(dtype).reshape(shape)


# -- checks ------------------------------------------------------------------------------------

def _dir_ok(path: Path) -> bool:
    try:
        st = path.lstat()
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def read_checked(path: Path) -> str | None:
    """The file's text when it passes the ownership and permission checks, else None (a
    folder that does not exist yet, the first start on a machine, is no warning)."""
    if not path.parent.exists():
        return None
    if not _dir_ok(path.parent):
        log.warning("engine cache folder %s is not private to this user: not used",
                    path.parent)
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() \
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or st.st_size > _MAX_BYTES:
            log.warning("engine cache file %s fails the ownership/permission checks", path)
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = fh.read(_MAX_BYTES + 1)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def _write(path: Path, text: str) -> bool:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _dir_ok(path.parent):
            log.warning("engine cache folder %s is not private to this user: not written",
                        path.parent)
            return False
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        # the same records' state from older engine code is dead weight
        tail = path.name.split("-", 3)[-1]  # "<records digest>.<kind>"
        for old in path.parent.glob(f"{_VERSION}-*-{tail}"):
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
        return True
    except OSError as e:
        log.info("engine cache not written: %s", e)
        return False


# -- load or build -----------------------------------------------------------------------------

def load_cached(recs: Sequence):
    from accellium.server.engines.rank.features import NAMES
    from accellium.server.engines.rank.model import Ranker
    from accellium.server.engines.retrieval import Pool, RetrievalEngine

    state_path, model_path = state_paths(recs)
    st_text, model_text = read_checked(state_path), read_checked(model_path)
    if st_text is None or model_text is None:
        return None
    try:
        d = json.loads(st_text)
        known = _LazyFacts()
        for loop, lang, enc, fd in d["facts"]:
            if not (isinstance(loop, str) and isinstance(lang, str) and isinstance(fd, dict)
                    and isinstance(enc, list) and all(isinstance(e, str) for e in enc)):
                raise ValueError("facts: wrong shape")
            dict.__setitem__(known, (loop, lang, tuple(enc)), fd)
        stats = TemplateStats.from_json(d["stats"])
        ranker = Ranker.from_text(model_text, NAMES)
        p = d["pool"]
        usable = p["usable"]
        if not isinstance(usable, list):
            raise ValueError("pool: bad positions")
        records = [recs[i] for i in usable if isinstance(i, int) and 0 <= i < len(recs)]
        pool = Pool.from_store(records, {k: array_from_json(v) for k, v in p["arrays"].items()},
                               p["strings"]) if records else None
        retrieval = RetrievalEngine(recs, known=known, pool=pool, usable=usable)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        log.warning("engine cache %s is damaged (%s): rebuilding", state_path, e)
        return None
    return retrieval, stats, ranker


def load_or_build(recs: Sequence, *, cache: bool = True):
    """(retrieval engine, template statistics, ranker) for these training records: from the
    cache when it is intact, else built (and cached)."""
    if cache:
        got = load_cached(recs)
        if got is not None:
            return got
    # Fitting lives with the training code (it scores candidates with the benchmark's
    # metric); the server only calls it on first use with a new set of training pairs.
    from accellium.training.style import build_style

    retrieval, stats, ranker = build_style(recs)
    if cache:
        _store(recs, retrieval, stats, ranker)
    return retrieval, stats, ranker


def _store(recs: Sequence, retrieval, stats: TemplateStats, ranker) -> list[Path]:
    from accellium.server.engines.rank.features import NAMES

    state_path, model_path = state_paths(recs)
    facts = [[k[0], k[1], list(k[2]), facts_to_json(v)] for k, v in retrieval.known.items()]
    pool: dict = {"usable": retrieval.usable, "arrays": {}, "strings": {}}
    if retrieval.pool is not None:
        arrays, strings = retrieval.pool.to_store()
        pool.update(arrays={k: array_to_json(v) for k, v in arrays.items()}, strings=strings)
    ok = _write(state_path, json.dumps({"facts": facts, "stats": stats.to_json(),
                                        "pool": pool}))
    ok = _write(model_path, ranker.to_text(NAMES)) and ok
    return [state_path, model_path] if ok else []


def build_and_store(recs: Sequence):
    """Fit the style ranker on ``recs`` and write the engine cache (``accellium train
    --style``); returns the ranker and the files written."""
    from accellium.training.style import build_style

    retrieval, stats, ranker = build_style(recs)
    return ranker, _store(recs, retrieval, stats, ranker)
