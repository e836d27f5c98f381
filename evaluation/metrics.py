"""The one place evaluation metrics live (DESIGN §6).

Per record, :func:`score_pair` compares a predicted pragma with the gold pragma:

``exact_match``
    The whitespace-normalised strings are equal (``dataset.pragma.normalize_text``; clause
    order and variable order matter — the ACCeLLiuM paper's metric).  Separator commas between
    clauses (``loop gang, vector``) are not significant: when both sides parse, the canonical
    renderings are compared as well.
``directive_match``
    Same primary directive (``loop``, ``parallel loop``, ``kernels``, ...).
``clause_set_match``
    Same directive and the same multiset of (clause, argument) items
    (:meth:`dataset.pragma.Pragma.clause_items`), order ignored; ``reduction(+:a,b)`` is the
    items ``('reduction', '+:a'), ('reduction', '+:b')``.
``clause_f1``
    F1 over the *sets* {directive} ∪ {clause names}.  ``kernels copy(A)`` vs
    ``parallel loop copy(A)`` → {kernels, copy} vs {parallel loop, copy} → 0.5.
``arg_f1``
    F1 over the (clause, argument) *multisets* of :meth:`Pragma.clause_items`, restricted to the
    clauses **both** pragmas have (the directive counts as one): arguments are compared where
    the clause was predicted; a missing or extra clause is already charged by ``clause_f1``.
    Argument-less clauses such as ``gang`` count as the item ``('gang', '')``.
    ``private(i,j)`` vs ``private(i)`` → P = 1, R = 1/2 → 0.667.  Shared clauses but no
    items on either side (``loop`` vs ``loop``, ``kernels copy(A)`` vs ``kernels``) → 1.0;
    nothing shared (``parallel loop`` vs ``kernels``) → 0.0.  This is the definition that
    reproduces the reference calibration (context baseline on ``test.jsonl``: score 0.58).
``score``
    ``0.6 * clause_f1 + 0.4 * arg_f1``.
``valid``
    The prediction parses and passes ``dataset.pragma.validate``.

A prediction that is ``None`` (no pragma advised), does not parse, or fails validation scores
0 on every metric (``valid`` False).  ``compiles`` / ``gold_compiles`` are filled in by the
runner (they need the loop) and are ``None`` when not measured; aggregation averages them over
the records where they were measured.

Aggregation: :func:`summarize` gives the means, :func:`per_directive` a table keyed by gold
directive, :func:`confusion_matrix` gold directive × predicted directive (``"none"`` for no or
an invalid prediction), :func:`latency_stats` mean/p50/p95.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

from accellium.dataset.pragma import Pragma, PragmaError, normalize_text, parse, validate

__all__ = [
    "METRIC_NAMES",
    "NO_PREDICTION",
    "PairScore",
    "score_pair",
    "f1",
    "arg_f1",
    "summarize",
    "per_directive",
    "confusion_matrix",
    "latency_stats",
    "percentile",
]

#: Mean metrics in report order (``compiles`` / ``gold_compiles`` only when measured).
METRIC_NAMES = ("exact_match", "directive_match", "clause_set_match", "clause_f1", "arg_f1",
                "score", "valid", "compiles", "gold_compiles", "compiles_where_gold_compiles")
#: Confusion-matrix label for "no (valid) prediction".
NO_PREDICTION = "none"


@dataclass(frozen=True)
class PairScore:
    exact_match: bool
    directive_match: bool
    clause_set_match: bool
    clause_f1: float
    arg_f1: float
    score: float
    valid: bool
    gold_directive: str
    pred_directive: str | None = None  # None: no valid prediction
    compiles: bool | None = None
    gold_compiles: bool | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def f1(pred: Counter, gold: Counter, *, both_empty: float = 1.0) -> float:
    """F1 of two multisets (Counters; a set is a Counter of ones)."""
    if not pred and not gold:
        return both_empty
    tp = sum((pred & gold).values())
    if tp == 0:
        return 0.0
    p = tp / sum(pred.values())
    r = tp / sum(gold.values())
    return 2 * p * r / (p + r)


def _names(p: Pragma) -> Counter:
    return Counter({p.directive: 1} | {c.name.lower(): 1 for c in p.clauses})


def arg_f1(p: Pragma, g: Pragma) -> float:
    """F1 of the (clause, argument) items of the clauses both pragmas have."""
    shared = set(_names(p)) & set(_names(g))
    if not shared:
        return 0.0
    ip = Counter({k: v for k, v in p.clause_items().items() if k[0] in shared})
    ig = Counter({k: v for k, v in g.clause_items().items() if k[0] in shared})
    return f1(ip, ig)


def _parse_gold(gold: str) -> Pragma | None:
    try:
        return parse(gold)
    except PragmaError:
        return None


@lru_cache(maxsize=65536)
def score_pair(pred: str | None, gold: str) -> PairScore:
    """Score one prediction against its gold pragma (see the module docstring)."""
    g = _parse_gold(gold)
    gold_dir = g.directive if g is not None else NO_PREDICTION
    zero = PairScore(False, False, False, 0.0, 0.0, 0.0, False, gold_dir)
    if pred is None:
        return zero
    try:
        p = parse(pred)
    except PragmaError:
        return zero
    if any(x.severity == "error" for x in validate(p)):
        return zero
    if g is None:  # an unparseable gold: only the string comparison can hold
        em = normalize_text(pred) == normalize_text(gold)
        return PairScore(em, False, False, 0.0, 0.0, 0.0, True, gold_dir, p.directive)
    exact = normalize_text(pred) == normalize_text(gold) or p.same_exact(g)
    cf1 = f1(_names(p), _names(g))
    af1 = arg_f1(p, g)
    return PairScore(
        exact_match=exact,
        directive_match=p.directive == g.directive,
        clause_set_match=p.same_set(g),
        clause_f1=cf1,
        arg_f1=af1,
        score=0.6 * cf1 + 0.4 * af1,
        valid=True,
        gold_directive=gold_dir,
        pred_directive=p.directive,
    )


def _mean(values: Iterable[float | bool | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def summarize(scores: Sequence[PairScore]) -> dict[str, float | int | None]:
    """Mean of every metric (``n`` = number of records). Compile rates are over measured
    records and omitted when none was measured."""
    out: dict[str, float | int | None] = {"n": len(scores)}
    for name in METRIC_NAMES:
        if name == "compiles_where_gold_compiles":
            continue  # derived below
        m = _mean(getattr(s, name) for s in scores)
        if m is None and name in ("compiles", "gold_compiles"):
            continue
        out[name] = m
    # The compile target: of the loops whose gold pragma compiles in the harness, how
    # many predictions compile (the harness's own blind spots are not charged to the engine).
    both = [s.compiles for s in scores if s.gold_compiles and s.compiles is not None]
    if both:
        out["compiles_where_gold_compiles"] = sum(both) / len(both)
    return out


def per_directive(scores: Sequence[PairScore]) -> dict[str, dict[str, float | int | None]]:
    """:func:`summarize` per gold directive, largest group first."""
    groups: dict[str, list[PairScore]] = {}
    for s in scores:
        groups.setdefault(s.gold_directive, []).append(s)
    return {d: summarize(g) for d, g in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))}


def confusion_matrix(scores: Sequence[PairScore]) -> dict[str, dict[str, int]]:
    """``{gold_directive: {predicted_directive: count}}``; no/invalid prediction → ``"none"``."""
    m: dict[str, Counter] = {}
    for s in scores:
        m.setdefault(s.gold_directive, Counter())[s.pred_directive or NO_PREDICTION] += 1
    order = sorted(m, key=lambda d: (-sum(m[d].values()), d))
    return {d: dict(m[d].most_common()) for d in order}


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100), as numpy's default."""
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def latency_stats(ms: Sequence[float]) -> dict[str, float | int | None]:
    """Mean, p50, p95 and max of per-record latencies in milliseconds."""
    return {
        "n": len(ms),
        "mean_ms": (sum(ms) / len(ms)) if ms else None,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms) if ms else None,
    }
