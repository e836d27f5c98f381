"""Run an engine over a dataset file and score it (``accellium eval``).

Every record goes through the one pipeline, :func:`server.suggest.suggest` (no fallback engine:
a rejected answer counts as no prediction; ``guard=False`` scores the engine's raw answers
without the safety guard).  Input per record: ``loop_stripped``, ``lang`` and
``enclosing``; with ``workspace="loo"`` the query also carries the project's existing pragmas —
the 8 nearest (``dataset.similarity.nearest`` on ``loop_stripped``) other records of the same
``repo``, loops identical to the evaluated one (normalised ``loop_stripped``) excluded — as the
editor would send them.  ``train_path`` is read and given to the engine as ``train=``; it may
never be the evaluated file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from accellium.dataset.prompt import MAX_EXAMPLES, Example
from accellium.dataset.records import Record, norm_code, read_jsonl, write_jsonl
from accellium.evaluation.compile_check import CompileJob, CompileResult, check_many
from accellium.evaluation.metrics import (
    PairScore,
    confusion_matrix,
    latency_stats,
    per_directive,
    score_pair,
    summarize,
)

__all__ = ["EvalResult", "evaluate", "evaluate_records", "predict", "workspace_examples",
           "WORKSPACES"]

WORKSPACES = ("none", "loo")


@dataclass
class EvalResult:
    engine: str
    data: str
    workspace: str
    train: str | None
    guard: bool
    metrics: dict[str, Any]
    per_directive: dict[str, dict[str, Any]]
    confusion: dict[str, dict[str, int]]
    latency: dict[str, Any]
    timings: dict[str, float]
    predictions: list[dict] = field(default_factory=list, repr=False)
    scores: list[PairScore] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The ``accellium eval --json`` object (DESIGN §4b)."""
        return {
            "engine": self.engine,
            "data": self.data,
            "train": self.train,
            "workspace": self.workspace,
            "guard": self.guard,
            "metrics": self.metrics,
            "per_directive": self.per_directive,
            "confusion": self.confusion,
            "latency": self.latency,
            "timings": self.timings,
        }


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


@lru_cache(maxsize=16384)
def _norm(code: str) -> str:
    return norm_code(code)


def workspace_examples(records: Sequence[Record], k: int = MAX_EXAMPLES
                       ) -> list[tuple[Example, ...]]:
    """For each record, the ``k`` nearest other records of its repository (identical loops
    excluded) as few-shot examples, nearest first."""
    from accellium.dataset.similarity import nearest

    by_repo: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        by_repo.setdefault(r.repo, []).append(i)
    norms = [_norm(r.loop_stripped) for r in records]
    out: list[tuple[Example, ...]] = []
    for i, r in enumerate(records):
        pool = [records[j] for j in by_repo[r.repo] if j != i and norms[j] != norms[i]]
        near = nearest(r.loop_stripped, pool, k=k, key=lambda x: x.loop_stripped)
        out.append(tuple(Example(pragma=x.pragma, loop=x.loop_stripped,
                                 enclosing=tuple(x.enclosing), same_file=x.path == r.path)
                         for x in near))
    return out


def count_unsafe_parallel(records: Sequence[Record], preds: Sequence[str | None]) -> int:
    """Predictions that assert parallelism on a loop whose carried dependence (or early exit)
    the analysis can see, or that share a scratch array between iterations — the safety target is 0 (measured after the guard unless
    ``--no-guard``)."""
    from accellium.dataset.analysis import analyze, compute_construct
    from accellium.dataset.pragma import PragmaError, parse
    from accellium.server.safety import asserts_parallel, missing_private

    n = 0
    for r, p in zip(records, preds, strict=True):
        if p is None:
            continue
        try:
            pragma = parse(p)
        except PragmaError:
            continue
        compute = compute_construct(tuple(r.enclosing))
        if not asserts_parallel(pragma, compute):
            continue
        facts = analyze(r.loop_stripped, r.lang, tuple(r.enclosing))
        if not facts.safe or missing_private(pragma, facts, compute):
            n += 1
    return n


@dataclass
class Predictions:
    """An engine's answers on a list of records: after the guard (``pragmas``, or the raw
    answers when the guard is off) and before it (``raw``)."""

    pragmas: list[str | None]
    raw: list[str | None]
    notes: list[list[str]]
    errors: list[str | None]
    latency_ms: list[float]
    confidence: list[float | None] = field(default_factory=list)
    # the engine's confidence in its own answer, also where the guard changed that answer
    raw_confidence: list[float | None] = field(default_factory=list)


def predict(engine: Any, records: Sequence[Record], examples: Sequence[tuple[Example, ...]],
            *, guard: bool = True, adapter: str | None = None, progress: bool = False,
            desc: str = "eval") -> Predictions:
    """Run every record through the one pipeline (:func:`server.suggest.suggest`, the guard
    on when ``guard``), keeping the answer after the guard and the engine's answer before it."""
    from accellium.dataset.pragma import PragmaError
    from accellium.server.engines import EngineError, LoopQuery
    from accellium.server.suggest import suggest

    out = Predictions([], [], [], [], [])
    iterator: Any = range(len(records))
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, desc=desc, unit="loop", leave=False)
    for i in iterator:
        r = records[i]
        q = LoopQuery(code=r.loop_stripped, lang=r.lang, enclosing=tuple(r.enclosing),
                      examples=examples[i], adapter=adapter)
        ts = time.perf_counter()
        try:
            s = suggest(q, engine, fallback=None, guard=guard)
            raw, text, notes, err, conf = s.unguarded, s.pragma, list(s.notes), None, s.confidence
        except (PragmaError, EngineError) as e:
            raw, text, notes, err, conf = None, None, [], f"{type(e).__name__}: {e}", None
        out.latency_ms.append((time.perf_counter() - ts) * 1000)
        out.raw.append(raw)
        out.pragmas.append(text)
        out.confidence.append(conf if text == raw else None)
        out.raw_confidence.append(conf)
        out.notes.append(notes)
        out.errors.append(err)
    return out


def calibration(conf: Sequence[float | None], hit: Sequence[bool], bins: int = 10
                ) -> dict[str, Any]:
    """How well an engine's ``confidence`` predicts an exact match: its mean next to the
    exact-match rate, the Brier score and the expected calibration error (equal-width bins),
    over the answers that carry one (nothing when none does)."""
    pairs = [(c, float(h)) for c, h in zip(conf, hit, strict=True) if c is not None]
    if not pairs:
        return {}
    n = len(pairs)
    ece = 0.0
    for b in range(bins):
        inb = [(c, h) for c, h in pairs if b / bins <= c < (b + 1) / bins or (b == bins - 1
                                                                           and c == 1.0)]
        if inb:
            ece += len(inb) / n * abs(sum(c for c, _ in inb) / len(inb)
                                      - sum(h for _, h in inb) / len(inb))
    return {"confidence_n": n, "confidence_mean": sum(c for c, _ in pairs) / n,
            "confidence_em_rate": sum(h for _, h in pairs) / n,
            "confidence_brier": sum((c - h) ** 2 for c, h in pairs) / n,
            "confidence_ece": ece}


def safety_figures(records: Sequence[Record], preds: Predictions) -> dict[str, Any]:
    """``unsafe_parallel`` of the scored answers and of the raw engine by the independent
    check (:mod:`evaluation.depcheck`), per kind; how many answers the guard changed; the
    same check on the gold pragmas (how often human pragmas trip it: its false-alarm scale),
    read on the loop as its authors wrote it (``loop``: with the ``atomic`` directives inside it
    that their pragma relies on; the answers are read on the loop they were given)."""
    from accellium.evaluation.depcheck import DEFINITE, POSSIBLE, unsafe_kinds

    def count(pragmas: Sequence[str | None], as_written: bool = False
              ) -> tuple[int, int, dict[str, int]]:
        n_def = n_pos = 0
        kinds: dict[str, int] = {}
        for r, p in zip(records, pragmas, strict=True):
            k = unsafe_kinds(r.loop if as_written else r.loop_stripped, p, tuple(r.enclosing))
            if any(x in DEFINITE for x in k):
                n_def += 1
            if any(x in POSSIBLE for x in k):
                n_pos += 1
            for x in k:
                kinds[x] = kinds.get(x, 0) + 1
        return n_def, n_pos, dict(sorted(kinds.items()))

    u, up, kinds = count(preds.pragmas)
    ur, urp, kinds_raw = count(preds.raw)
    ug, _, _ = count([r.pragma for r in records], as_written=True)
    return {"unsafe_parallel": u, "unsafe_parallel_possible": up, "unsafe_kinds": kinds,
            "unsafe_parallel_raw": ur, "unsafe_parallel_raw_possible": urp,
            "unsafe_kinds_raw": kinds_raw,
            "guard_changed": sum(a != b for a, b in zip(preds.raw, preds.pragmas, strict=True)),
            "unsafe_parallel_gold": ug,
            "unsafe_parallel_analysis": count_unsafe_parallel(records, preds.pragmas)}


def evaluate(
    engine_name: str,
    data_path: str | Path,
    train_path: str | Path | None = None,
    workspace: str = "none",
    limit: int | None = None,
    jobs: int | None = None,
    compile: bool = True,
    predictions_out: str | Path | None = None,
    *,
    engine_options: dict[str, Any] | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    guard: bool = True,
    adapter: str | None = None,
) -> EvalResult:
    """Evaluate ``engine_name`` on ``data_path``.

    Raises ``FileNotFoundError`` (missing file), ``ValueError`` (bad workspace, train file is
    the evaluated file, bad records), ``KeyError`` (unknown engine) and
    ``server.engines.EngineUnavailable`` (engine cannot load here).
    """
    from accellium.server.engines import get_engine

    if workspace not in WORKSPACES:
        raise ValueError(f"unknown workspace mode '{workspace}' (choose from {', '.join(WORKSPACES)})")
    data_path = Path(data_path)
    if not data_path.is_file():
        raise FileNotFoundError(f"no such data file: {data_path}")
    if train_path is not None:
        if not Path(train_path).is_file():
            raise FileNotFoundError(f"no such train file: {train_path}")
        if _same_file(train_path, data_path):
            raise ValueError("--train is the evaluated file; give the engine other data")
    jobs = max(1, jobs or os.cpu_count() or 1)
    t_start = time.perf_counter()
    records = read_jsonl(data_path)
    if limit is not None:
        records = records[: max(0, limit)]
    options = dict(engine_options or {})
    if train_path is not None:
        options["train"] = read_jsonl(train_path)
    t0 = time.perf_counter()
    engine = get_engine(engine_name, **options)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = evaluate_records(engine, records, workspace=workspace, guard=guard,
                              adapter=adapter, progress=progress, compile=compile, jobs=jobs,
                              cache_dir=cache_dir, desc=f"eval {engine_name}")
    t_suggest = time.perf_counter() - t0 - result.timings["compile_s"]
    if predictions_out is not None:
        write_jsonl(predictions_out, result.predictions)
    result.engine = engine_name
    result.data = str(data_path)
    result.train = str(train_path) if train_path is not None else None
    result.timings = {"load_s": round(t_load, 3), "suggest_s": round(t_suggest, 3),
                      "compile_s": result.timings["compile_s"],
                      "total_s": round(time.perf_counter() - t_start, 3)}
    return result


def evaluate_records(engine: Any, records: Sequence[Record], *, workspace: str = "none",
                     guard: bool = True, adapter: str | None = None, progress: bool = False,
                     compile: bool = False, jobs: int = 1, cache_dir: str | Path | None = None,
                     desc: str = "eval",
                     examples: Sequence[tuple[Example, ...]] | None = None) -> EvalResult:
    """Score a built engine on records already read (the body of :func:`evaluate`, also
    used per fold by :mod:`evaluation.cv`); ``examples``: the loo examples, when the caller
    has them already."""
    if workspace != "loo":
        examples = [()] * len(records)
    elif examples is None:
        examples = workspace_examples(records)
    preds = predict(engine, records, examples, guard=guard, adapter=adapter,
                    progress=progress, desc=desc)
    scores = [score_pair(p, r.pragma) for p, r in zip(preds.pragmas, records, strict=True)]
    t_compile = 0.0
    pres: list[CompileResult | None] = [None] * len(records)
    gres: list[CompileResult | None] = [None] * len(records)
    if compile:
        t0 = time.perf_counter()
        cjobs = [CompileJob(r.loop_stripped, p, r.lang, tuple(r.enclosing))
                 for p, r in zip(preds.pragmas, records, strict=True)]
        gjobs = [CompileJob(r.loop_stripped, r.pragma, r.lang, tuple(r.enclosing))
                 for r in records]
        res = check_many(cjobs + gjobs, workers=jobs, cache_dir=cache_dir, progress=progress)
        pres, gres = list(res[: len(records)]), list(res[len(records):])
        scores = [replace(s, compiles=pr.ok, gold_compiles=gr.ok)
                  for s, pr, gr in zip(scores, res[: len(records)], res[len(records):],
                                       strict=True)]
        t_compile = time.perf_counter() - t0

    rows: list[dict] = []
    for i, (r, p, s, pr, gr) in enumerate(zip(records, preds.pragmas, scores, pres, gres,
                                             strict=True)):
        d = r.model_dump(mode="json")
        d.update(prediction=p, raw_prediction=preds.raw[i], notes=preds.notes[i],
                 confidence=preds.confidence[i], raw_confidence=preds.raw_confidence[i],
                 error=preds.errors[i], elapsed_ms=round(preds.latency_ms[i], 3),
                 score=s.as_dict())
        if pr is not None and gr is not None:
            d["compile_error"] = pr.error
            d["gold_compile_error"] = gr.error
        rows.append(d)

    metrics = summarize(scores)
    metrics.update(safety_figures(records, preds))
    metrics.update(calibration(preds.confidence, [s.exact_match for s in scores]))
    lat_stats = latency_stats(preds.latency_ms)
    metrics.update({"latency_mean_ms": lat_stats["mean_ms"], "latency_p50_ms": lat_stats["p50_ms"],
                    "latency_p95_ms": lat_stats["p95_ms"]})
    return EvalResult(
        engine=getattr(engine, "name", str(engine)), data="", workspace=workspace, train=None,
        guard=guard, metrics=metrics, per_directive=per_directive(scores),
        confusion=confusion_matrix(scores), latency=lat_stats,
        timings={"compile_s": round(t_compile, 3)}, predictions=rows, scores=scores)
