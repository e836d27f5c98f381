"""The ranker's features: of the loop and its context, of the analysis facts, and of each
candidate (its form, which sources proposed it, how often its form is written in this context,
how many of the nearest loops agree with it).  One fixed list of names, :data:`NAMES`."""

from __future__ import annotations

import math

import numpy as np

from accellium.dataset.pragma import Pragma
from accellium.server.engines.adapt import parse_or_none
from accellium.server.engines.rank.candidates import Candidate, QueryContext
from accellium.server.engines.style import (
    LEVELS,
    Exclude,
    TemplateStats,
    data_tokens,
    strip_data,
    template,
    tpl_key,
)

__all__ = ["NAMES", "QueryStats", "query_stats", "matrix"]

_DIRECTIVES = ("loop", "parallel loop", "kernels", "kernels loop", "parallel", "serial loop")
_CLAUSES = ("gang", "worker", "vector", "seq", "independent", "auto", "collapse", "reduction",
            "private", "firstprivate", "present", "deviceptr", "copyin", "copyout", "copy",
            "create", "num_gangs", "num_workers", "vector_length", "tile", "default", "if")
_PARENTS = ("none", "plain", "gang", "vector", "seq", "worker")
_SRC = ("analysis", "analysis_nodata", "template_rank", "ws_n", "ws_sim", "ws_best",
        "ws_same_file", "ws_orphan", "nb_n", "nb_sim", "nb_best", "nb_same_file", "nb_orphan")

NAMES: tuple[str, ...] = (
    "q_in_region", *[f"q_compute_{c}" for c in ("none", "parallel", "kernels", "serial")],
    *[f"q_parent_{p}" for p in _PARENTS], "q_parent_combined", "q_data", "q_inner",
    "q_collapsible", "q_short", "q_reduction", "q_unsafe", "q_private", "q_arrays",
    "q_justified", "q_justified_frac", "q_examples", "q_examples_same_file", "q_calls",
    "q_indirect", *[f"q_level{i}_w" for i in range(len(LEVELS))],
    *[f"q_level{i}_groups" for i in range(len(LEVELS))],
    *[f"c_dir_{d}" for d in _DIRECTIVES], *[f"c_{c}" for c in _CLAUSES], "c_n_clauses",
    "c_has_data", *[f"s_{s}" for s in _SRC],
    *[f"t_level{i}_share" for i in range(len(LEVELS))], "t_data_share",
    "a_ws_dir", "a_ws_tpl", "a_ws_data", "a_ws_exact", "a_nb_dir", "a_nb_tpl", "a_nb_data",
    "a_nb_exact", "c_is_portable_dir", "c_candidates",
)
_INDEX = {n: i for i, n in enumerate(NAMES)}


class QueryStats:
    """What the features need once per query: the template shares per level and the forms
    of the nearest loops."""

    def __init__(self, ctx: QueryContext, stats: TemplateStats | None, exclude: Exclude):
        self.levels = stats.levels(ctx.feats, exclude) if stats is not None else \
            [({}, 0.0, 0)] * len(LEVELS)
        self.stats = stats
        self.exclude = exclude
        self.forms: dict[str, list[tuple[float, str, str, str, str]]] = {"ws": [], "nb": []}
        for nb in ctx.neighbours:
            p = parse_or_none(nb.pragma)
            if p is None:
                continue
            t = template(p)
            self.forms["ws" if nb.workspace else "nb"].append(
                (max(nb.score, 0.0), p.directive, tpl_key(strip_data(t)),
                 _data_kinds(t), " ".join(p.render().split())))


def query_stats(ctx: QueryContext, stats: TemplateStats | None, exclude: Exclude = None
                ) -> QueryStats:
    return QueryStats(ctx, stats, exclude)


def _data_kinds(t: tuple[str, ...]) -> str:
    import re

    return " ".join(re.split(r"[(\[]", x, maxsplit=1)[0] for x in data_tokens(t))


def _agree(forms: list[tuple[float, str, str, str, str]], k: int, value: str) -> float:
    total = sum(w for w, *_ in forms)
    if not total:
        return 0.0
    return sum(w for w, *rest in forms if rest[k] == value) / total


def _query_part(ctx: QueryContext, qs: QueryStats, v: np.ndarray) -> None:
    f, qf = ctx.feats, ctx.facts
    v[_INDEX["q_in_region"]] = f.in_region
    v[_INDEX[f"q_compute_{f.compute}"]] = 1.0
    parent = f.parent if f"q_parent_{f.parent}" in _INDEX else "plain"
    v[_INDEX[f"q_parent_{parent}"]] = 1.0
    v[_INDEX["q_parent_combined"]] = f.parent_combined
    v[_INDEX["q_data"]] = f.data
    v[_INDEX["q_inner"]] = f.inner
    v[_INDEX["q_collapsible"]] = f.collapsible
    v[_INDEX["q_short"]] = f.short
    v[_INDEX["q_reduction"]] = f.reduction
    v[_INDEX["q_unsafe"]] = f.unsafe
    v[_INDEX["q_private"]] = f.private
    v[_INDEX["q_arrays"]] = len(qf.arrays)
    v[_INDEX["q_justified"]] = len(ctx.justified)
    v[_INDEX["q_justified_frac"]] = len(ctx.justified) / max(len(qf.arrays), 1)
    ws = [n for n in ctx.neighbours if n.workspace]
    v[_INDEX["q_examples"]] = len(ws)
    v[_INDEX["q_examples_same_file"]] = sum(n.same_file for n in ws)
    v[_INDEX["q_calls"]] = len(qf.calls)
    v[_INDEX["q_indirect"]] = len(qf.indirect_writes)
    for i, (_, w, groups) in enumerate(qs.levels):
        v[_INDEX[f"q_level{i}_w"]] = math.log1p(w)
        v[_INDEX[f"q_level{i}_groups"]] = groups


def _candidate_part(c: Candidate, ctx: QueryContext, qs: QueryStats, v: np.ndarray,
                    portable: Pragma | None) -> None:
    p = c.pragma
    if f"c_dir_{p.directive}" in _INDEX:
        v[_INDEX[f"c_dir_{p.directive}"]] = 1.0
    names = {x.name.lower() for x in p.clauses}
    for n in names:
        key = {"pcopy": "copy", "pcopyin": "copyin", "pcopyout": "copyout",
               "pcreate": "create"}.get(n, n)
        if f"c_{key}" in _INDEX:
            v[_INDEX[f"c_{key}"]] = 1.0
    v[_INDEX["c_n_clauses"]] = len(p.clauses)
    t = template(p)
    kinds = _data_kinds(t)
    v[_INDEX["c_has_data"]] = bool(kinds)
    for s in _SRC:
        v[_INDEX[f"s_{s}"]] = c.src.get(s, 0.0)
    key = tpl_key(strip_data(t))
    for i, (dist, _, _) in enumerate(qs.levels):
        v[_INDEX[f"t_level{i}_share"]] = dist.get(key, 0.0)
    if qs.stats is not None:
        v[_INDEX["t_data_share"]] = qs.stats.data_share(p.directive, ctx.feats.data,
                                                        qs.exclude).get(kinds, 0.0)
    text = " ".join(c.text.split())
    for kind in ("ws", "nb"):
        forms = qs.forms[kind]
        v[_INDEX[f"a_{kind}_dir"]] = _agree(forms, 0, p.directive)
        v[_INDEX[f"a_{kind}_tpl"]] = _agree(forms, 1, key)
        v[_INDEX[f"a_{kind}_data"]] = _agree(forms, 2, kinds)
        v[_INDEX[f"a_{kind}_exact"]] = _agree(forms, 3, text)
    v[_INDEX["c_is_portable_dir"]] = portable is not None and portable.directive == p.directive


def matrix(cands: list[Candidate], ctx: QueryContext, qs: QueryStats,
           portable: Pragma | None) -> np.ndarray:
    """One row of :data:`NAMES` per candidate."""
    x = np.zeros((len(cands), len(NAMES)), dtype=np.float32)
    if not cands:
        return x
    q = np.zeros(len(NAMES), dtype=np.float32)
    _query_part(ctx, qs, q)
    q[_INDEX["c_candidates"]] = len(cands)
    for i, c in enumerate(cands):
        x[i] = q
        _candidate_part(c, ctx, qs, x[i], portable)
    return x
