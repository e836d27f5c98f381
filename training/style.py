"""Fit the ``auto`` engine's style ranker on training pairs (``accellium train --style``).

For every training pair, in two modes — cold (no workspace examples) and loo (the nearest other
pairs of its repository as workspace examples, as the editor sends them) — the engine's own
candidate generator proposes pragmas and each candidate is labelled by how well it matches the
pair's pragma (``evaluation.metrics.score_pair``: 4 = exact match, else 0..3 by score).  The
pair's own repository group is left out of everything the candidates and features come from
(retrieval pool and template statistics), so the rows look like a project the engine has never
seen.

The model's hyper-parameters are chosen by grouped cross-validation over these rows (folds by
repository group, :data:`INNER_FOLDS`), on the selection criterion EM + directive + score of
the top-ranked candidate; the same out-of-fold scores fit the calibration of ``confidence``.
Deterministic (fixed seeds, two threads); the default training pairs take about a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["build_style", "collect_rows", "GRID", "INNER_FOLDS"]

log = logging.getLogger(__name__)

INNER_FOLDS = 3
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


def collect_rows(engine, recs: Sequence, groups: dict[str, str],
                 modes: Sequence[str] = ("cold", "loo"), workers: int = 2) -> Rows:
    """Candidates and features of every training pair (see the module doc), computed by
    ``workers`` forked processes (each row depends only on its own pair: the result is the
    same for any number of workers)."""
    import multiprocessing as mp

    from accellium.evaluation.runner import workspace_examples

    examples = workspace_examples(recs) if "loo" in modes else [()] * len(recs)
    _JOB.update(engine=engine, recs=recs, groups=groups, examples=examples, modes=modes)
    try:
        if workers > 1 and len(recs) >= 200 and "fork" in mp.get_all_start_methods():
            with mp.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_rows_of, [list(range(w, len(recs), workers))
                                            for w in range(workers)])
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


def _rows_of(indices: list[int]) -> Rows:
    from accellium.evaluation.metrics import score_pair
    from accellium.server.engines.base import LoopQuery

    engine, recs, groups = _JOB["engine"], _JOB["recs"], _JOB["groups"]
    examples, modes = _JOB["examples"], _JOB["modes"]
    pool_groups = np.array([groups.get(r.repo, r.repo) for r in engine.retrieval.records],
                           dtype=object)
    masks: dict[str, np.ndarray] = {}
    rows = Rows()
    for i in indices:
        r = recs[i]
        g = groups.get(r.repo, r.repo)
        if g not in masks:
            masks[g] = pool_groups != g
        for mode in modes:
            ex = examples[i] if mode == "loo" else ()
            if mode == "loo" and not ex:
                continue  # a repository with one pair: the same as cold
            q = LoopQuery(r.loop_stripped, r.lang, tuple(r.enclosing), tuple(ex))
            got = engine.inputs(q, exclude=g, mask=masks[g])
            if got is None or not got[1]:
                continue
            _, cands, x, _ = got
            sc = [score_pair(c.text, r.pragma) for c in cands]
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
    if workers > 1 and len(todo) >= 200 and "fork" in mp.get_all_start_methods():
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


def _inner_cv(rows: Rows, recs: Sequence, params: dict, folds: list[int]
              ) -> tuple[float, dict, np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold (criterion, metrics, top score, margin, top hit) of one configuration."""
    from accellium.server.engines.rank.model import fit_booster

    nq = len(rows.y)
    top, margin, hit = np.zeros(nq), np.zeros(nq), np.zeros(nq, dtype=bool)
    em = dr = sc = 0.0
    for f in range(INNER_FOLDS):
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
            top[q], margin[q] = srt[0], (srt[0] - srt[1]) if n > 1 else 1.0
            hit[q] = rows.em[q][b]
            em += rows.em[q][b]
            dr += rows.dir[q][b]
            sc += rows.score[q][b]
    m = {"exact_match": em / nq, "directive_match": dr / nq, "score": sc / nq}
    return sum(m.values()), m, top, margin, hit


def build_style(recs: Sequence, *, grid: Sequence[dict] = GRID, progress: bool = False):
    """(retrieval engine, template statistics, ranker) fit on ``recs`` (module doc)."""
    from accellium.server.engines.auto import AutoEngine
    from accellium.server.engines.rank.folds import group_folds, repo_groups
    from accellium.server.engines.rank.model import Calibration, Ranker, fit_booster
    from accellium.server.engines.retrieval import RetrievalEngine
    from accellium.server.engines.style import build_stats, record_row

    t0 = time.perf_counter()
    recs = list(recs)
    groups = repo_groups(recs)
    known = analyse_all(recs)
    retrieval = RetrievalEngine(recs, known=known)
    stat_rows = []
    for r in recs:
        row = record_row(r, known.get((r.loop_stripped, r.lang, tuple(r.enclosing))))
        if row is not None:
            stat_rows.append((groups[r.repo], *row))
    stats = build_stats(stat_rows)
    engine = AutoEngine(None, templates=stats, retrieval=retrieval, cache=False)
    rows = collect_rows(engine, recs, groups)
    t_rows = time.perf_counter() - t0
    n_groups = len(set(groups.values()))
    if not rows.y:
        raise ValueError("no training rows: the records give no candidates")
    best: tuple | None = None
    tried = []
    if n_groups >= INNER_FOLDS and len(grid) > 1:
        folds = group_folds(recs, INNER_FOLDS, seed=0)
        for params in grid:
            crit, m, top, margin, hit = _inner_cv(rows, recs, params, folds)
            tried.append({"params": params, **{k: round(v, 4) for k, v in m.items()}})
            if best is None or crit > best[0] + 1e-12:
                best = (crit, params, top, margin, hit)
    params = best[1] if best else grid[0]
    x, y, g = _stack(rows, range(len(rows.y)))
    booster = fit_booster(x, y, g, params)
    cal = Calibration.fit(best[2], best[3], best[4]) if best else Calibration(0.0, 0.0, 0.0)
    log.info("style ranker: %d queries, %d rows, rows %.1fs, total %.1fs", len(rows.y), len(y),
             t_rows, time.perf_counter() - t0)
    ranker = Ranker(booster, cal, dict(params),
                    {"inner_folds": INNER_FOLDS, "tried": tried, "queries": len(rows.y),
                     "rows": int(len(y)), "seconds": round(time.perf_counter() - t0, 1)})
    return retrieval, stats, ranker
