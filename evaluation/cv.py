"""Grouped cross-validation on one data file (``accellium eval --cv K``): the tuning protocol.

The records are split into ``K`` folds by repository group (:func:`server.engines.rank.folds.
group_folds`: repositories that share a loop, or list each other in ``also_in``, stay in one
fold; fixed seed).  For each fold the engine is built on the other folds and evaluated on the
held-out repositories cold (no workspace examples) and with ``--workspace loo`` (each loop gets
the nearest other pragmas of its own repository).  The result has every metric per fold and
mode, and per mode its mean, standard deviation (over folds), min and max, and the metrics
pooled over all held-out records.  ``predictions_out`` writes every held-out record with its
prediction, fold and mode (JSONL), for paired comparisons of two engines' answers.

``split="random"`` (``--cv-split random``) mirrors the data card's paper-comparable random
split instead: folds at random over loops (:func:`server.engines.rank.folds.random_folds`,
records with identical loops on one side), so a held-out loop's own project is in the other
folds, the engine's known pool.  Only cold mode: the project's other loops are already known.

Every rule, constant and model choice of the embedded engines is decided on this figure over
``train.jsonl``; ``test.jsonl`` is for reporting only (``docs/tuning.md``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accellium.dataset.records import read_jsonl, write_jsonl
from accellium.evaluation.metrics import summarize

__all__ = ["cross_validate", "summarize_folds", "cv_table", "paired", "MODES", "SPLITS"]

MODES = {"cold": "none", "loo": "loo"}
SPLITS = ("group", "random")
_SUMMED = ("unsafe_parallel", "unsafe_parallel_possible", "unsafe_parallel_raw",
           "unsafe_parallel_raw_possible", "guard_changed", "unsafe_parallel_gold",
           "unsafe_parallel_analysis")


def cross_validate(engine_name: str, data_path: str | Path, k: int = 5, *, seed: int = 0,
                   modes: Sequence[str] | None = None, split: str = "group", guard: bool = True,
                   engine_options: dict[str, Any] | None = None, compile: bool = False,
                   jobs: int = 1, progress: bool = False,
                   predictions_out: str | Path | None = None) -> dict[str, Any]:
    """K-fold cross-validation of ``engine_name`` on ``data_path`` (see the module doc);
    ``modes`` default to cold and loo (``split="group"``) or cold (``"random"``).  Raises
    ``FileNotFoundError``, ``ValueError`` (too few groups, unknown mode or split, loo with the
    random split), ``KeyError`` (unknown engine)."""
    from accellium.evaluation.runner import evaluate_records, workspace_examples
    from accellium.server.engines import get_engine
    from accellium.server.engines.rank.folds import group_folds, random_folds, repo_groups

    if split not in SPLITS:
        raise ValueError(f"unknown CV split '{split}' (choose from {', '.join(SPLITS)})")
    modes = tuple(modes or (("cold", "loo") if split == "group" else ("cold",)))
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise ValueError(f"unknown CV mode '{bad[0]}' (choose from {', '.join(MODES)})")
    if split == "random" and "loo" in modes:
        raise ValueError("the random CV split evaluates cold only: a held-out loop's project "
                         "is already in the other folds")
    data_path = Path(data_path)
    if not data_path.is_file():
        raise FileNotFoundError(f"no such data file: {data_path}")
    records = read_jsonl(data_path)
    folds = (group_folds if split == "group" else random_folds)(records, k, seed)
    groups = repo_groups(records)
    t_start = time.perf_counter()
    # Examples come from a record's own repository, which is wholly in its fold: computed once.
    loo = dict(zip((r.id for r in records), workspace_examples(records), strict=True)) \
        if "loo" in modes else {}
    per_fold: list[dict[str, Any]] = []
    scores: dict[str, list] = {m: [] for m in modes}
    rows: list[dict[str, Any]] = []
    for f in range(k):
        train = [r for r, x in zip(records, folds, strict=True) if x != f]
        held = [r for r, x in zip(records, folds, strict=True) if x == f]
        t0 = time.perf_counter()
        engine = get_engine(engine_name, train=train, cache=False,
                            **dict(engine_options or {}))
        row: dict[str, Any] = {"fold": f, "n": len(held), "n_train": len(train),
                               "groups": len({groups[r.repo] for r in held}),
                               "repos": sorted({r.repo for r in held}),
                               "build_s": round(time.perf_counter() - t0, 2), "modes": {}}
        for m in modes:
            res = evaluate_records(engine, held, workspace=MODES[m], guard=guard,
                                   compile=compile, jobs=jobs, progress=progress,
                                   desc=f"cv {engine_name} fold {f} {m}",
                                   examples=[loo[r.id] for r in held] if m == "loo" else None)
            row["modes"][m] = res.metrics
            if predictions_out is not None:
                rows.extend({**p, "cv_fold": f, "cv_mode": m} for p in res.predictions)
            scores[m].append((res.scores, res.metrics))
        per_fold.append(row)
    if predictions_out is not None:
        write_jsonl(predictions_out, rows)
    summary = {m: summarize_folds([r["modes"][m] for r in per_fold]) for m in modes}
    pooled: dict[str, Any] = {}
    for m in modes:
        all_scores = [s for sc, _ in scores[m] for s in sc]
        pooled[m] = summarize(all_scores)
        for key in _SUMMED:
            pooled[m][key] = sum(met.get(key, 0) or 0 for _, met in scores[m])
    return {"engine": engine_name, "data": str(data_path), "k": k, "seed": seed, "split": split,
            "guard": guard, "modes": list(modes), "summary": summary, "pooled": pooled,
            "folds": per_fold, "total_s": round(time.perf_counter() - t_start, 1)}


def summarize_folds(metrics: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per numeric metric: mean, std (sample, over folds), min and max."""
    out: dict[str, dict[str, float]] = {}
    names = [k for k, v in metrics[0].items() if isinstance(v, int | float)
             and not isinstance(v, bool)]
    for name in names:
        vals = [float(m[name]) for m in metrics if isinstance(m.get(name), int | float)]
        if not vals:
            continue
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1) if len(vals) > 1 else 0.0
        out[name] = {"mean": mean, "std": math.sqrt(var), "min": min(vals), "max": max(vals)}
    return out


PAIRED = ("exact_match", "directive_match", "score")


def paired(a: dict[str, Any], b: dict[str, Any], metrics: Sequence[str] = PAIRED
           ) -> dict[str, dict[str, dict[str, Any]]]:
    """The protocol's comparison of two CV results (``--json``) of the same folds: per mode
    and metric, the per-fold differences ``a - b``, their mean and sample std, and whether
    the mean is larger than the std (``beats_spread``).  ``ValueError`` when the folds
    differ."""
    if (a.get("k"), a.get("seed"), a.get("split", "group"), [f["n"] for f in a["folds"]]) != \
            (b.get("k"), b.get("seed"), b.get("split", "group"), [f["n"] for f in b["folds"]]):
        raise ValueError("paired: the two results do not have the same folds")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for m in [m for m in a["modes"] if m in b["modes"]]:
        out[m] = {}
        for name in metrics:
            d = [fa["modes"][m][name] - fb["modes"][m][name]
                 for fa, fb in zip(a["folds"], b["folds"], strict=True)]
            s = summarize_folds([{"d": x} for x in d])["d"]
            out[m][name] = {"folds": d, "mean": s["mean"], "std": s["std"],
                            "beats_spread": abs(s["mean"]) > s["std"]}
    return out


_ROWS = ("exact_match", "directive_match", "clause_set_match", "clause_f1", "arg_f1", "score",
         "valid", "compiles_where_gold_compiles", "unsafe_parallel", "unsafe_parallel_raw",
         "guard_changed", "latency_p95_ms")


def cv_table(result: dict[str, Any]) -> str:
    """The summary as a text table: metric x mode, ``mean ± std`` over folds, and pooled."""
    from accellium.evaluation.report import format_table

    modes = result["modes"]
    headers = ["metric", *[f"{m} mean ± std" for m in modes], *[f"{m} pooled" for m in modes]]
    rows = []
    for name in _ROWS:
        cells: list[Any] = [name]
        if not any(name in result["summary"][m] for m in modes):
            continue
        for m in modes:
            s = result["summary"][m].get(name)
            cells.append("-" if s is None else f"{s['mean']:.3f} ± {s['std']:.3f}")
        for m in modes:
            cells.append(result["pooled"][m].get(name))
        rows.append(cells)
    sizes = ", ".join(f"{r['n']}" for r in result["folds"])
    kind = "random (identical loops on one side)" if result.get("split") == "random" \
        else "grouped"
    return (f"engine {result['engine']} on {result['data']}: {result['k']}-fold {kind} CV "
            f"(seed {result['seed']}, fold sizes {sizes}, guard "
            f"{'on' if result['guard'] else 'off'}, {result['total_s']} s)\n"
            + format_table(headers, rows))
