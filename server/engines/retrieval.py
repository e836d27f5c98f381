"""The ``retrieval`` engine: the nearest known loop's pragma, adapted to the query.

An :class:`~dataset.similarity.Index` over the training pairs plus, per query, the workspace
examples (``query.examples``, the user's own project, which outweigh the training set).
Neighbours are restricted by context (inside a compute region / under an annotated loop or
not).  The neighbour's pragma is adapted: variables renamed by role (loop indices by nesting
position, arrays by access pattern, reduction and private scalars by order), data clauses
re-derived for the query's arrays, clauses naming variables the query lacks dropped, and
``collapse`` fitted to the query's nest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter

import numpy as np

from accellium.dataset.analysis import LoopFacts, Note, analyze, enclosing_context
from accellium.dataset.pragma import (
    Pragma,
)
from accellium.dataset.similarity import Index, rank
from accellium.server.engines.adapt import (  # noqa: F401 - the adaptation's names, re-exported
    adapt,
    parse_or_none,
    project_spellings,
    split_args,
    usable_pragma,
)
from accellium.server.engines.base import EngineAnswer, LoopQuery

__all__ = ["RetrievalEngine", "Neighbour", "adapt", "context_key"]

# Context bonuses on the similarity of the nearest loops (their CV evidence under the ranker:
# docs/tuning.md).  The same innermost enclosing construct (a loop under
# `gang` gets `vector`, one under `vector` gets `seq`) (ranking only, Neighbour.context);
# identical enclosing lines (a data region naming the same arrays: change 16 removed it on a CV
# tie, 16r restored it — without it the program suite loses a parallel loop); the query's own
# file.
# (Removed by CV, docs/tuning.md change 6: a known loop's bonus for the same nest depth, for
# the same kind of place — inside a region or not — and for being directly under an annotated
# loop.  The Pool still stores those columns.  Change 9: a flat bonus for every workspace
# example.  Change 14: a ranking bonus for the very same enclosing directives.)
_PARENT_BONUS = 0.3
_SAME_ENCLOSING = 0.4
_SAME_FILE = 0.1


def context_key(enclosing: Sequence[str]) -> tuple[bool, bool]:
    """(inside a compute region or annotated loop, directly under an annotated loop)."""
    return _context_key(tuple(enclosing))


@lru_cache(maxsize=16384)
def _context_key(enclosing: tuple[str, ...]) -> tuple[bool, bool]:
    in_region, _, parsed = enclosing_context(enclosing)
    under_loop = bool(parsed) and parsed[-1].directive in ("loop", "parallel loop",
                                                            "kernels loop", "serial loop")
    return in_region, under_loop


def parent_signature(enclosing: Sequence[str]) -> str:
    """The innermost enclosing construct in abstract form: its directive and level clauses
    (``parallel loop:gang``, ``loop:vector``, ``kernels:``), or ``""`` outside any."""
    return _parent_signature(tuple(enclosing))


@lru_cache(maxsize=16384)
def _parent_signature(enclosing: tuple[str, ...]) -> str:
    _, _, parsed = enclosing_context(enclosing)
    for p in reversed(parsed):
        if p.directive == "data":
            continue
        levels = sorted({c.name.lower() for c in p.clauses
                         if c.name.lower() in ("gang", "worker", "vector", "seq")})
        return f"{p.directive}:{'+'.join(levels)}"
    return ""


def _enclosing_norm(enclosing: Sequence[str]) -> str:
    return "\n".join(re.sub(r"\s+", "", e) for e in enclosing)


@dataclass(frozen=True)
class Neighbour:
    pragma: str
    loop: str
    lang: str
    enclosing: tuple[str, ...]
    score: float  # similarity (+ the context bonuses of RetrievalEngine.neighbours)
    workspace: bool
    context: float = 0.0  # how well its enclosing directives match the query's (ranking only)
    context_known: bool = True  # False: a workspace example sent without its enclosing
    same_file: bool = False  # a workspace example from the query's own file

    @property
    def rank(self) -> float:
        return self.score + self.context


@lru_cache(maxsize=16384)
def _facts(loop: str, lang: str, enclosing: tuple[str, ...]) -> LoopFacts:
    return analyze(loop, lang, enclosing)


@dataclass
class Pool:
    """What the engine precomputes over its known records, one entry per usable record
    (stored in the ``auto`` engine's cache as plain arrays and strings): the similarity
    index, whether each record is inside a region / directly under an annotated loop, its
    innermost enclosing construct (:func:`parent_signature`), nest depth and enclosing
    directives (whitespace removed)."""

    index: Index
    in_region: np.ndarray
    under_loop: np.ndarray
    parent: np.ndarray  # str objects
    depth: np.ndarray
    enc: np.ndarray  # str objects

    @classmethod
    def build(cls, records: Sequence, known: dict, vectors: Sequence | None = None) -> Pool:
        keys = [context_key(tuple(r.enclosing)) for r in records]
        return cls(
            Index(records, key=attrgetter("loop_stripped"), vectors=vectors),
            np.array([k[0] for k in keys], dtype=bool),
            np.array([k[1] for k in keys], dtype=bool),
            np.array([parent_signature(tuple(r.enclosing)) for r in records], dtype=object),
            np.array([min(max(known[(r.loop_stripped, r.lang, tuple(r.enclosing))].loop_depth,
                              1), 3) for r in records], dtype=np.int64),
            np.array([_enclosing_norm(tuple(r.enclosing)) for r in records], dtype=object))

    def to_store(self) -> tuple[dict[str, np.ndarray], dict]:
        """(numeric arrays, JSON-able strings) for the cache."""
        arrays, vocab = self.index.arrays()
        return ({**{f"index_{k}": v for k, v in arrays.items()}, "in_region": self.in_region,
                 "under_loop": self.under_loop, "depth": self.depth},
                {"vocab": vocab, "parent": list(self.parent), "enc": list(self.enc)})

    @classmethod
    def from_store(cls, records: Sequence, arrays: dict[str, np.ndarray], strings: dict
                   ) -> Pool:
        """``ValueError`` when the stored pool does not fit ``records``."""
        n = len(records)
        if not all(isinstance(strings.get(k), list) for k in ("vocab", "parent", "enc")):
            raise ValueError("retrieval pool: bad strings")
        index = Index.from_arrays(
            records, {k[6:]: v for k, v in arrays.items() if k.startswith("index_")},
            strings["vocab"], key=attrgetter("loop_stripped"))
        parent, enc = strings["parent"], strings["enc"]
        cols = [np.asarray(arrays[k]) for k in ("in_region", "under_loop", "depth")]
        if not (all(c.shape == (n,) for c in cols) and len(parent) == n and len(enc) == n
                and all(isinstance(x, str) for x in [*parent, *enc])
                and cols[0].dtype == bool and cols[1].dtype == bool
                and cols[2].dtype.kind == "i"):
            raise ValueError("retrieval pool: does not fit the records")
        return cls(index, cols[0], cols[1], np.array(parent, dtype=object), cols[2],
                   np.array(enc, dtype=object))


class RetrievalEngine:
    """Nearest training/workspace loop, its pragma adapted to the query."""

    name = "retrieval"
    analysis_decides = False

    def __init__(self, train: Sequence | None = None, *, known: dict | None = None,
                 pool: Pool | None = None, vectors: Sequence | None = None,
                 usable: Sequence[int] | None = None, **_: object):
        # known: the training loops' analysis (the engine keeps this very mapping, which may
        # read its entries lazily, and adds the loops it lacks); pool and usable (the
        # positions of the records with a usable pragma): what an earlier build computed
        recs = list(train or [])
        if usable is None:
            usable = [i for i, r in enumerate(recs) if usable_pragma(getattr(r, "pragma", ""))]
        elif any(not (isinstance(i, int) and 0 <= i < len(recs)) for i in usable):
            raise ValueError("retrieval: record positions out of range")
        self.usable = list(usable)
        self.records = [recs[i] for i in self.usable]
        self.index: Index | None = None
        self.pool: Pool | None = None
        # every known loop's analysis, by (loop, language, enclosing lines): analysed once
        # here (and kept in the engine's on-disk state), so that adapting a neighbour costs no
        # analysis at query time
        self.known: dict[tuple[str, str, tuple[str, ...]], LoopFacts] = \
            known if known is not None else {}
        if self.records:
            for r in self.records:
                key = (r.loop_stripped, r.lang, tuple(r.enclosing))
                if key not in self.known:
                    self.known[key] = analyze(*key)
            self.pool = pool if pool is not None else Pool.build(self.records, self.known,
                                                                 vectors)
            self.index = self.pool.index

    def facts(self, nb: Neighbour) -> LoopFacts:
        """The analysis of a neighbour's loop (precomputed for training loops)."""
        known = self.known.get((nb.loop, nb.lang, nb.enclosing))
        return known if known is not None else _facts(nb.loop, nb.lang, nb.enclosing)

    # -- neighbours ---------------------------------------------------------------------------
    def neighbours(self, query: LoopQuery, k: int = 5, mask: np.ndarray | None = None
                   ) -> list[Neighbour]:
        """Nearest loops; ``mask`` (over the training records) leaves the False ones out."""
        code = query.stripped
        in_region, _ = context_key(query.enclosing)
        out: list[Neighbour] = []
        exs = [e for e in query.examples if usable_pragma(getattr(e, "pragma", ""))]
        if exs:
            s = rank(code, [e.loop for e in exs])
            q_parent = parent_signature(query.enclosing)
            q_enc = _enclosing_norm(query.enclosing)
            for e, sc in zip(exs, s, strict=True):
                enc = getattr(e, "enclosing", None)
                known = enc is not None
                enc = tuple(x for x in (enc or ()) if isinstance(x, str))
                d = parse_or_none(e.pragma).directive  # type: ignore[union-attr]
                # written in the same kind of place (inside a region or not) as the query
                fits = (context_key(enc)[0] if known else d == "loop") == in_region
                ctx = _PARENT_BONUS if known and parent_signature(enc) == q_parent else 0.0
                # under the very same directives (one data region: the same function)
                same = known and bool(enc) and _enclosing_norm(enc) == q_enc
                out.append(Neighbour(e.pragma, e.loop, query.lang, enc, float(sc)
                                     + (0.3 if fits else 0.0)
                                     + (_SAME_ENCLOSING if same else 0.0)
                                     + (_SAME_FILE if getattr(e, "same_file", None) else 0.0),
                                     True,
                                     ctx, known,
                                     bool(getattr(e, "same_file", None))))
        if self.pool is not None:
            pool = self.pool
            s = pool.index.scores(code)
            ctxs = np.zeros(len(s))
            if query.enclosing:
                ctxs += np.where(pool.parent == parent_signature(query.enclosing),
                                 _PARENT_BONUS, 0.0)
                same_enc = pool.enc == _enclosing_norm(query.enclosing)
                s = s + np.where(same_enc, _SAME_ENCLOSING, 0.0)
            if mask is not None:
                s = np.where(mask, s, -np.inf)
            top = [i for i in np.argsort(-(s + ctxs), kind="stable")[:k] if np.isfinite(s[i])]
            for i in top:
                r = self.records[int(i)]
                out.append(Neighbour(r.pragma, r.loop_stripped, r.lang, tuple(r.enclosing),
                                     float(s[i]), False, float(ctxs[i])))
        # The workspace examples among the k most similar; training loops after them in
        # the order of their rank (similarity + how well their context matches).
        out.sort(key=lambda n: -n.score)
        ws = [n for n in out[:k] if n.workspace]
        train = sorted((n for n in out if not n.workspace), key=lambda n: -n.rank)
        return sorted(ws + train[:max(k - len(ws), 1)], key=lambda n: -n.rank)

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        qf = analyze(query.stripped, query.lang, query.enclosing)
        nbs = self.neighbours(query)
        if not nbs:
            return EngineAnswer(None, [Note.of("no similar loop known")])
        # The user's own project outweighs the training set.
        nb = next((n for n in nbs if n.workspace), nbs[0])
        p0 = parse_or_none(nb.pragma)
        assert p0 is not None
        nf = self.facts(nb)
        p, notes = adapt(p0, nf, qf, query.stripped, analysis_decides=self.analysis_decides)
        src = "workspace example" if nb.workspace else "training loop"
        notes = [f"style of the nearest {src} (similarity {min(nb.score, 9.99):.2f}): "
                 f"`{' '.join(nb.pragma.split())}`", *notes]
        alts: list[Pragma | str] = []
        for other in [n for n in nbs if n is not nb][:2]:
            po = parse_or_none(other.pragma)
            if po is None:
                continue
            pa, _ = adapt(po, self.facts(other), qf,
                          query.stripped, analysis_decides=self.analysis_decides)
            if pa.render() != p.render() and pa.render() not in alts:
                alts.append(pa.render())
        return EngineAnswer(p.render(), [Note.of(n) for n in notes], alternatives=alts)
