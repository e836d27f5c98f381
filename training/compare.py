"""Base model zero-shot vs fine-tuned adapters in one report.

``compare(base, {"name": PATH, ...}, data)`` loads the ``hf`` engine once (base + all adapters),
then runs the evaluation harness (:func:`evaluation.runner.evaluate`, DESIGN §6 metrics) for the
plain base and for every adapter, each request naming its adapter, and writes ``compare.json``
and ``compare.md`` (one metrics table, one row per model) plus, optionally, each run's full
``accellium eval`` report folder.

CLI: ``accellium compare --base BASE --adapter NAME=PATH [...] --data ../shared/data/test.jsonl
--limit 100 --out build/compare`` (or ``python -m accellium.training.compare ...``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

__all__ = ["compare", "AdapterSelect", "add_parser", "run_compare", "BASE_LABEL"]

BASE_LABEL = "base (zero-shot)"
_ENGINE_NAME = "hf-select"
_COLUMNS = ("n", "exact_match", "directive_match", "clause_set_match", "clause_f1", "arg_f1",
            "score", "valid", "compiles", "gold_compiles", "latency_p50_ms")


class AdapterSelect:
    """An engine that forwards to a loaded ``hf`` (or ``vllm``) engine with a fixed adapter
    (None: the plain base), so the evaluation harness can score each adapter of one engine."""

    def __init__(self, engine: Any, adapter: str | None = None, **_ignored: Any):
        self.engine = engine
        self.adapter = adapter
        self.name = getattr(engine, "name", "hf")

    def suggest(self, query: Any) -> Any:
        return self.engine.suggest(replace(query, adapter=self.adapter))


def _register() -> None:
    from accellium.server.engines import register

    register(_ENGINE_NAME, "accellium.training.compare:AdapterSelect")


def _markdown(report: dict[str, Any]) -> str:
    from accellium.evaluation.report import fmt_value

    lines = [f"# Base vs fine-tuned: {report['base']}", "",
             f"Data: `{report['data']}` (first {report['n']} records), workspace "
             f"`{report['workspace']}`, engine `{report['engine']}`, guard "
             f"{'on' if report['guard'] else 'off'}.", "",
             "| model | " + " | ".join(_COLUMNS) + " |",
             "|---|" + "---|" * len(_COLUMNS)]
    for label, run in report["runs"].items():
        m = run["metrics"]
        lines.append(f"| {label} | " + " | ".join(fmt_value(m.get(c)) for c in _COLUMNS) + " |")
    lines.append("")
    for label, run in report["runs"].items():
        meta = run.get("adapter_meta")
        if meta:
            lines.append(f"- `{label}`: rank {meta.get('rank')}, prompt "
                         f"{meta.get('prompt_version')}, data {meta.get('data_hash')}, "
                         f"{meta.get('train_records')} train pairs, trained {meta.get('created')}")
    return "\n".join(lines) + "\n"


def compare(base: str, adapters: Mapping[str, str], data: str | Path, *,
            limit: int | None = 100, workspace: str = "none", compile: bool = False,
            include_base: bool = True, out_dir: str | Path | None = None,
            full_reports: bool = False, guard: bool = True, jobs: int | None = None,
            engine: str = "hf", engine_options: Mapping[str, Any] | None = None,
            progress: bool = False) -> dict[str, Any]:
    """Evaluate the base zero-shot and each adapter on ``data``; returns the report dict (and
    writes ``compare.json`` / ``compare.md`` into ``out_dir`` when given)."""
    from accellium.dataset.adapters import load_meta
    from accellium.evaluation.runner import evaluate
    from accellium.server.engines import get_engine

    metas = {}
    for name, path in adapters.items():
        metas[name] = load_meta(path).model_dump(mode="json")  # fail early on a bad folder
    if not include_base and not adapters:
        raise ValueError("nothing to compare: give adapters or include the base")
    _register()
    t0 = time.perf_counter()
    eng = get_engine(engine, base=base, adapters=dict(adapters), **dict(engine_options or {}))
    load_s = time.perf_counter() - t0
    runs: dict[str, Any] = {}
    labels: list[tuple[str, str | None]] = ([(BASE_LABEL, None)] if include_base else [])
    labels += [(name, name) for name in adapters]
    out = Path(out_dir) if out_dir is not None else None
    try:
        for label, adapter in labels:
            res = evaluate(_ENGINE_NAME, data, workspace=workspace, limit=limit, jobs=jobs,
                           compile=compile, engine_options={"engine": eng, "adapter": adapter},
                           progress=progress, guard=guard)
            d = res.to_dict()
            d["engine"] = engine
            d["adapter"] = adapter
            if adapter is not None:
                d["adapter_meta"] = {k: metas[adapter].get(k) for k in (
                    "name", "base_model", "rank", "prompt_version", "data_hash",
                    "train_records", "created")}
            runs[label] = d
            if out is not None and full_reports:
                from accellium.evaluation.report import write_report

                slug = "base" if adapter is None else f"adapter-{adapter}"
                write_report(res, out / slug)
    finally:
        close = getattr(eng, "close", None)
        if close is not None:
            close()
    first = next(iter(runs.values()))
    report = {
        "base": base, "data": str(data), "n": first["metrics"].get("n"), "workspace": workspace,
        "engine": engine, "guard": guard, "load_s": round(load_s, 2),
        "runs": {k: {kk: v[kk] for kk in ("adapter", "metrics", "per_directive", "latency",
                                          "timings", "adapter_meta") if kk in v}
                 for k, v in runs.items()},
    }
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "compare.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        (out / "compare.md").write_text(_markdown(report), encoding="utf-8")
    return report


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="base zero-shot vs fine-tuned adapters, one report",
        description="Evaluate a base model zero-shot and each LoRA adapter on a dataset with the "
                    "evaluation harness (hf engine, DESIGN §6 metrics) and write one report.")
    p.add_argument("--base", required=True, help="base model folder or hub id")
    p.add_argument("--adapter", action="append", default=[], metavar="NAME=PATH",
                   help="adapter to compare (repeatable)")
    p.add_argument("--data", required=True, help="JSONL records (e.g. ../shared/data/test.jsonl)")
    p.add_argument("--limit", type=int, default=100, help="first N records (default 100)")
    p.add_argument("--workspace", choices=["none", "loo"], default="none")
    p.add_argument("--compile", action="store_true", help="also run the gcc compile check")
    p.add_argument("--no-base", action="store_true", help="skip the base zero-shot run")
    p.add_argument("--no-guard", action="store_true", help="score raw answers (no safety guard)")
    p.add_argument("--engine", default="hf", help="model engine (hf; vllm in its own env)")
    p.add_argument("--device", help="hf engine device (cpu, cuda)")
    p.add_argument("--out", help="write compare.json and compare.md here")
    p.add_argument("--full-reports", action="store_true",
                   help="also write each run's accellium eval report under --out")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_compare)


def _err(msg: str) -> int:
    print(f"accellium compare: {' '.join(str(msg).split())}", file=sys.stderr)
    return 2


def run_compare(args: argparse.Namespace) -> int:
    adapters: dict[str, str] = {}
    for a in args.adapter:
        name, sep, path = a.partition("=")
        if not sep or not name or not path:
            return _err(f"--adapter expects NAME=PATH, got '{a}'")
        adapters[name] = path
    if args.limit is not None and args.limit < 1:
        return _err(f"--limit must be >= 1, got {args.limit}")
    try:
        from accellium.server.engines import EngineError
    except ImportError as e:  # pragma: no cover
        return _err(f"the server package is needed: {e}")
    opts = {"device": args.device} if args.device else {}
    try:
        rep = compare(args.base, adapters, args.data, limit=args.limit,
                      workspace=args.workspace, compile=args.compile,
                      include_base=not args.no_base, out_dir=args.out,
                      full_reports=args.full_reports, guard=not args.no_guard,
                      engine=args.engine, engine_options=opts)
    except (FileNotFoundError, ValueError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        return _err(msg)
    except EngineError as e:
        return _err(f"engine '{args.engine}' unavailable: {e}")
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print(_markdown(rep), end="")
        if args.out:
            print(f"report written to {args.out}/compare.md")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m accellium.training.compare")
    sub = ap.add_subparsers(dest="cmd")
    add_parser(sub)
    args = ap.parse_args(["compare", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
