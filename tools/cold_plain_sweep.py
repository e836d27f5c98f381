"""Offline sweep of a cold-mode rule "below a confidence tau, drop these clauses from the
answer" over one ``accellium eval --cv K --predictions-out P`` file (docs/tuning.md, change 7).

For each clause subset and tau: the per-fold difference (rule - engine) of EM and score, cold
records only, with the protocol's mean ± std over folds; then a nested choice: for each fold,
the (subset, tau) that is best on the other folds (mean dEM + dscore), applied to that fold,
so that the choice itself is cross-validated.  The rule is applied to the guarded answer (the
guard only adds or changes safety clauses, which the rule keeps).

Usage: python tools/cold_plain_sweep.py PREDICTIONS.jsonl
"""

from __future__ import annotations

import json
import math
import sys

from accellium.dataset.pragma import Pragma, parse
from accellium.evaluation.metrics import score_pair

_SIZES = ("num_gangs", "num_workers", "vector_length")
SUBSETS = {"all": ("independent", "gang", "worker", "vector", *_SIZES),
           "independent": ("independent",), "gang": ("gang",),
           "gang+worker": ("gang", "worker"), "levels": ("gang", "worker", "vector", *_SIZES)}
TAUS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.01)
METRICS = ("exact_match", "score")


def drop(text: str | None, names: tuple[str, ...]) -> str | None:
    if text is None:
        return None
    p = parse(text)
    kept = []
    for c in p.clauses:
        if c.name.lower() in ("device_type", "dtype"):
            break  # the device-specific clauses after it go with it
        if c.name.lower() not in names:
            kept.append(c)
    return Pragma(p.directive, tuple(kept)).render()


def fold_means(rows: list[dict], answers: list[str | None]) -> dict[int, dict[str, float]]:
    acc: dict[int, dict[str, list[float]]] = {}
    for r, a in zip(rows, answers, strict=True):
        s = score_pair(a, r["pragma"])
        d = acc.setdefault(r["cv_fold"], {m: [] for m in METRICS})
        for m in METRICS:
            d[m].append(float(getattr(s, m)))
    return {f: {m: sum(v) / len(v) for m, v in d.items()} for f, d in sorted(acc.items())}


def mean_std(v: list[float]) -> tuple[float, float]:
    m = sum(v) / len(v)
    return m, math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


def main(path: str) -> None:
    rows = [r for r in map(json.loads, open(path, encoding="utf-8")) if r["cv_mode"] == "cold"]
    base = fold_means(rows, [r["prediction"] for r in rows])
    folds = sorted(base)
    delta: dict[tuple[str, float], dict[int, dict[str, float]]] = {}
    for name, names in SUBSETS.items():
        alt = [drop(r["prediction"], names) for r in rows]
        for tau in TAUS:
            conf = [r.get("raw_confidence", r["confidence"]) for r in rows]
            ans = [a if c is None or c < tau else r["prediction"]
                   for r, a, c in zip(rows, alt, conf, strict=True)]
            got = fold_means(rows, ans)
            delta[(name, tau)] = {f: {m: got[f][m] - base[f][m] for m in METRICS}
                                  for f in folds}
            line = f"{name:12s} tau {tau:<5}"
            for m in METRICS:
                v = [delta[(name, tau)][f][m] for f in folds]
                mm, sd = mean_std(v)
                line += f" | {m} {mm:+.3f} ± {sd:.3f} (" + " ".join(f"{x:+.3f}" for x in v) + ")"
            print(line)
    nested = {m: [] for m in METRICS}
    for f in folds:
        others = [g for g in folds if g != f]
        best = max(delta, key=lambda k: sum(delta[k][g][m] for g in others for m in METRICS))
        for m in METRICS:
            nested[m].append(delta[best][f][m])
        print(f"nested: fold {f} chooses {best}")
    for m in METRICS:
        mm, sd = mean_std(nested[m])
        print(f"nested {m}: {mm:+.3f} ± {sd:.3f} (" + " ".join(f"{x:+.3f}" for x in nested[m])
              + ")")


if __name__ == "__main__":
    main(sys.argv[1])
