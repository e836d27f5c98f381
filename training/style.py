"""Fit the ``auto`` engine's style ranker on training pairs (``accellium train --style``).

For every training pair, in two modes — cold (no workspace examples) and loo (the nearest other
pairs of its repository as workspace examples, as the editor sends them) — the engine's own
candidate generator proposes pragmas and each candidate is labelled by how well it matches the
pair's pragma (``evaluation.metrics.score_pair``: 4 = exact match, else 0..3 by score).  The
pair's own repository group is left out of everything the candidates and features come from
(retrieval pool and template statistics), so the rows look like a project the engine has never
seen.  A third kind, own (cold, no workspace examples), leaves out only the pairs of the query's
own loop (identical loops, as a random split keeps them on one side): the known pool holds the
query's own project, as when the engine's training pairs come from the project it is asked
about.

The model's hyper-parameters are fixed (:data:`server.engines.rank.model.PARAMS`, chosen
offline by grouped CV, docs/tuning.md); a build is one fit on all rows plus one fit without an
inner fold of repository groups, whose out-of-fold scores calibrate ``confidence``.  ``grid``
(offline tuning) compares several configurations over all :data:`INNER_FOLDS` inner folds.
Deterministic (fixed seeds): the same rows for any number of worker processes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["build_style", "collect_rows", "GRID", "INNER_FOLDS", "MODES", "can_fork",
           "identical_pairs"]

log = logging.getLogger(__name__)

INNER_FOLDS = 3
MODES = ("cold", "loo", "own")
GRID: tuple[dict, ...] = (
    {"objective": "lambdarank", "num_leaves": 15, "rounds": 150},
    {"objective": "binary", "num_leaves": 15, "rounds": 150},
)


@dataclass
class Rows:
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)  # graded relevance per candidate
    em: list[np.ndarray] = field(default_factory=list)
    dir: list[np.ndarray] = field(default_factory=list)
    score: list[np.ndarray] = field(default_factory=list)
    rec: list[int] = field(default_factory=list)  # the record of each query
    mode: list[str] = field(default_factory=list)


_JOB: dict = {}  # what forked workers inherit (engine, records, groups, examples)


def can_fork() -> bool:
    """Worker processes are forked only from a process with one thread.  A fork copies the
    locks other threads hold at that instant (the logging lock, an allocator's, an event
    loop's) and the child waits on them forever: in the language server or the HTTP server,
    which build on first use inside a worker thread, the build runs in that thread instead."""
    import multiprocessing as mp
    import threading

    return "fork" in mp.get_all_start_methods() and threading.active_count() == 1


def collect_rows(engine, recs: Sequence, groups: dict[str, str],
                 modes: Sequence[str] = MODES, workers: int = 2,
                 identical: dict | None = None) -> Rows:
    """Candidates and features of every training pair (see the module doc), computed by
    ``workers`` forked processes, each given whole repositories (a pair's workspace examples
    come from its own repository: each worker finds them for its own pairs).  Each row depends
    only on its own pair: the result is the same for any number of workers.  ``identical``:
    loop key -> :class:`server.engines.style.Identical`, what the template statistics leave out
    for an own-project query."""
    import multiprocessing as mp

    _JOB.update(engine=engine, recs=recs, groups=groups, modes=modes,
                identical=identical or {})
    try:
        if workers > 1 and len(recs) >= 200 and can_fork():
            with mp.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_rows_of, _by_repository(recs, workers))
        else:
            parts = [_rows_of(list(range(len(recs))))]
    finally:
        _JOB.clear()
    order = sorted(((p, q) for p, part in enumerate(parts) for q in range(len(part.y))),
                   key=lambda pq: (parts[pq[0]].rec[pq[1]], parts[pq[0]].mode[pq[1]]))
    rows = Rows()
    for p, q in order:
        for name in ("x", "y", "em", "dir", "score", "rec", "mode"):
            getattr(rows, name).append(getattr(parts[p], name)[q])
    return rows


def _by_repository(recs: Sequence, workers: int) -> list[list[int]]:
    """The record positions split into ``workers`` parts of whole repositories, largest
    repository first to the smallest part (deterministic)."""
    by_repo: dict[str, list[int]] = {}
    for i, r in enumerate(recs):
        by_repo.setdefault(r.repo, []).append(i)
    parts: list[list[int]] = [[] for _ in range(workers)]
    for repo in sorted(by_repo, key=lambda k: (-len(by_repo[k]), k)):
        min(parts, key=len).extend(by_repo[repo])
    return [sorted(p) for p in parts if p]


def _rows_of(indices: list[int]) -> Rows:
    from accellium.evaluation.metrics import PairScore, score_pair
    from accellium.evaluation.runner import workspace_examples
    from accellium.server.engines.base import LoopQuery
    from accellium.server.engines.rank.folds import loop_key

    engine, recs, groups, modes = _JOB["engine"], _JOB["recs"], _JOB["groups"], _JOB["modes"]
    identical = _JOB["identical"]
    # ``indices`` hold whole repositories: their examples are those of the full record list
    examples = dict(zip(indices, workspace_examples([recs[i] for i in indices]), strict=True)) \
        if "loo" in modes else {}
    pool = engine.retrieval.records
    pool_groups = np.array([groups.get(r.repo, r.repo) for r in pool], dtype=object)
    pool_keys = np.array([loop_key(r.loop_stripped) for r in pool], dtype=object) \
        if "own" in modes else None
    masks: dict[str, np.ndarray] = {}
    rows = Rows()
    for i in indices:
        r = recs[i]
        g = groups.get(r.repo, r.repo)
        if g not in masks:
            masks[g] = pool_groups != g
        scored: dict[str, PairScore] = {}  # candidate text -> its score (modes share many)
        # the parent analysed every loop before forking (analyse_all); without this each
        # worker analysed its loops a second time through LoopQuery.facts()
        analysed = _ANALYSED.get((r.loop_stripped, r.lang, tuple(r.enclosing)))
        for mode in modes:
            ex = examples[i] if mode == "loo" else ()
            if mode == "loo" and not ex:
                continue  # loo: a repository with one pair is the same as cold
            q = LoopQuery(r.loop_stripped, r.lang, tuple(r.enclosing), tuple(ex))
            if analysed is not None:  # analyse_all's facts: the same analyze() call's result
                object.__setattr__(q, "_facts", analysed.copy())
            if mode == "own":
                key = loop_key(r.loop_stripped)
                got = engine.inputs(q, exclude=identical.get(key), mask=pool_keys != key)
            else:
                got = engine.inputs(q, exclude=g, mask=masks[g])
            if got is None or not got[1]:
                continue
            _, cands, x, _ = got
            sc = [scored[c.text] if c.text in scored
                  else scored.setdefault(c.text, score_pair(c.text, r.pragma)) for c in cands]
            rows.x.append(x)
            rows.em.append(np.array([s.exact_match for s in sc], dtype=bool))
            rows.dir.append(np.array([s.directive_match for s in sc], dtype=bool))
            rows.score.append(np.array([s.score for s in sc], dtype=np.float64))
            rows.y.append(np.array([4 if s.exact_match else int(round(3 * s.score))
                                    for s in sc], dtype=np.float32))
            rows.rec.append(i)
            rows.mode.append(mode)
    return rows


def _analyse(keys: list[tuple]) -> list:
    from accellium.dataset.analysis import analyze

    return [analyze(*k) for k in keys]


_ANALYSED: dict = {}  # loops analysed by this process's workers (CV folds share them)


def analyse_all(recs: Sequence, workers: int = 2) -> dict:
    """The analysis of every record's loop, by ``workers`` forked processes."""
    import multiprocessing as mp

    keys = list(dict.fromkeys((r.loop_stripped, r.lang, tuple(r.enclosing)) for r in recs))
    todo = [k for k in keys if k not in _ANALYSED]
    if workers > 1 and len(todo) >= 200 and can_fork():
        with mp.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_analyse, [todo[w::workers] for w in range(workers)])
        facts: list = [None] * len(todo)
        for w, part in enumerate(parts):
            facts[w::workers] = part
    else:
        facts = _analyse(todo)
    if len(_ANALYSED) < 100_000:
        _ANALYSED.update(zip(todo, facts, strict=True))
    return {k: _ANALYSED[k] if k in _ANALYSED else dict(zip(todo, facts, strict=True))[k]
            for k in keys}


def _stack(rows: Rows, qs: Sequence[int]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    return (np.concatenate([rows.x[q] for q in qs]), np.concatenate([rows.y[q] for q in qs]),
            [len(rows.y[q]) for q in qs])


def _inner_cv(rows: Rows, params: dict, folds: list[int], held: Sequence[int]
              ) -> tuple[float, dict, np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold (criterion, metrics, top score, margin, top hit) of one configuration over
    the queries of the ``held`` inner folds (each predicted by a model fit without its fold)."""
    from accellium.server.engines.rank.model import fit_booster

    nq = len(rows.y)
    top, margin, hit = [], [], []
    em = dr = sc = 0.0
    n_held = 0
    for f in held:
        tr = [q for q in range(nq) if folds[rows.rec[q]] != f]
        te = [q for q in range(nq) if folds[rows.rec[q]] == f]
        if not tr or not te:
            continue
        x, y, g = _stack(rows, tr)
        booster = fit_booster(x, y, g, params)
        xt, _, gt = _stack(rows, te)
        s = booster.predict(xt, num_threads=2)
        k = 0
        for q, n in zip(te, gt, strict=True):
            part = s[k:k + n]
            k += n
            b = int(np.argmax(part))
            srt = np.sort(part)[::-1]
            top.append(srt[0])
            margin.append((srt[0] - srt[1]) if n > 1 else 1.0)
            hit.append(bool(rows.em[q][b]))
            em += rows.em[q][b]
            dr += rows.dir[q][b]
            sc += rows.score[q][b]
        n_held += len(te)
    n_held = max(n_held, 1)
    m = {"exact_match": em / n_held, "directive_match": dr / n_held, "score": sc / n_held}
    return (sum(m.values()), m, np.array(top), np.array(margin), np.array(hit, dtype=bool))


def identical_pairs(stat_rows: Sequence[tuple], keys: Sequence[str]) -> dict:
    """Loop key -> the template-statistics rows of the pairs with that loop, each with the
    weight 1 :func:`server.engines.style.build_stats` counted it with (what an own-project
    query of that loop leaves out)."""
    from accellium.server.engines.style import Identical

    by_key: dict[str, list] = {}
    for (g, f, tpl), key in zip(stat_rows, keys, strict=True):
        by_key.setdefault(key, []).append((f, tpl, g, 1.0))
    return {k: Identical(tuple(v)) for k, v in by_key.items()}


def build_style(recs: Sequence, *, grid: Sequence[dict] | None = None, progress: bool = False):
    """(retrieval engine, template statistics, ranker) fit on ``recs`` (module doc).

    The model's parameters are :data:`server.engines.rank.model.PARAMS`; ``grid`` (offline
    tuning only) chooses among several configurations by the inner grouped CV instead.  The
    inner CV's out-of-fold scores fit the calibration of ``confidence``."""
    from accellium.server.engines.auto import AutoEngine
    from accellium.server.engines.rank.features import NAMES
    from accellium.server.engines.rank.folds import group_folds, loop_key, repo_groups
    from accellium.server.engines.rank.model import PARAMS, Calibration, Ranker, fit_booster
    from accellium.server.engines.retrieval import RetrievalEngine
    from accellium.server.engines.style import build_stats, record_row

    t0 = time.perf_counter()
    recs = list(recs)
    groups = repo_groups(recs)
    known = analyse_all(recs)
    t_analysis = time.perf_counter() - t0
    retrieval = RetrievalEngine(recs, known=known)
    stat_rows, keys = [], []
    for r in recs:
        row = record_row(r, known.get((r.loop_stripped, r.lang, tuple(r.enclosing))))
        if row is not None:
            stat_rows.append((groups[r.repo], *row))
            keys.append(loop_key(r.loop_stripped))
    stats = build_stats(stat_rows)
    engine = AutoEngine(None, templates=stats, retrieval=retrieval, cache=False)
    rows = collect_rows(engine, recs, groups, identical=identical_pairs(stat_rows, keys))
    t_rows = time.perf_counter() - t0
    n_groups = len(set(groups.values()))
    if not rows.y:
        raise ValueError("no training rows: the records give no candidates")
    best: tuple | None = None
    tried = []
    grid = list(grid or [PARAMS])
    if n_groups >= INNER_FOLDS:
        folds = group_folds(recs, INNER_FOLDS, seed=0)
        # one configuration: one held-out inner fold is enough to calibrate (a third of the
        # queries); choosing among several uses every fold
        held = range(INNER_FOLDS) if len(grid) > 1 else (0,)
        for params in grid:
            crit, m, top, margin, hit = _inner_cv(rows, params, folds, held)
            tried.append({"params": params, **{k: round(v, 4) for k, v in m.items()}})
            if best is None or crit > best[0] + 1e-12:
                best = (crit, params, top, margin, hit)
    params = best[1] if best else grid[0]
    t_fit = time.perf_counter()
    x, y, g = _stack(rows, range(len(rows.y)))
    booster = fit_booster(x, y, g, params)
    t_fit = time.perf_counter() - t_fit
    cal = Calibration.fit(best[2], best[3], best[4]) if best else Calibration(0.0, 0.0, 0.0)
    log.info("style ranker: %d queries, %d rows, rows %.1fs, total %.1fs", len(rows.y), len(y),
             t_rows, time.perf_counter() - t0)
    ranker = Ranker.from_booster(
        booster, len(NAMES), calibration=cal, params=dict(params),
        cv={"inner_folds": INNER_FOLDS, "held_out_folds": len(held) if best else 0,
            "tried": tried, "queries": len(rows.y),
            "rows": int(len(y)), "analysis_seconds": round(t_analysis, 1),
            "rows_seconds": round(t_rows, 1), "final_fit_seconds": round(t_fit, 1),
            "seconds": round(time.perf_counter() - t0, 1)})
    return retrieval, stats, ranker
