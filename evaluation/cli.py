"""``accellium eval`` and ``accellium bench suggest`` (registered by ``accellium.cli``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["add_parser", "add_bench_parser", "run_eval", "run_bench_suggest", "query_adapter"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="score an engine on a JSONL dataset (DESIGN §6 metrics)",
        description="Run an engine on every record of a dataset file and print the metrics: "
                    "exact_match, directive_match, clause_set_match, clause_f1, arg_f1, score, "
                    "valid, compiles (+ gold), per-directive table, confusion matrix, latency.")
    p.add_argument("--engine", help="engine name (e.g. analysis, retrieval, auto, "
                                    "const, context, hf, vllm); required unless --dynamic")
    p.add_argument("--data", help="JSONL records to evaluate (required unless --dynamic)")
    p.add_argument("--train", help="JSONL records given to the engine as training/retrieval data "
                                   "(never the evaluated file)")
    p.add_argument("--workspace", choices=["none", "loo"], default="none",
                   help="loo: each loop gets the nearest other pragmas of its own repository as "
                        "workspace examples (identical loops excluded)")
    p.add_argument("--predictions-out", help="write every record with its prediction (JSONL; "
                                             "with --cv also its cv_fold and cv_mode)")
    p.add_argument("--report", metavar="DIR", help="write metrics.json, report.md and PNG plots")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--limit", type=int, help="only the first N records")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel compile checks (default: CPU count)")
    p.add_argument("--no-compile", action="store_true", help="skip the gcc compile check")
    p.add_argument("--no-guard", action="store_true",
                   help="score raw engine answers (no safety guard)")
    p.add_argument("--cache-dir", help="compile-check cache (default ~/.cache/accellium/compile)")
    p.add_argument("--cv", type=int, metavar="K",
                   help="grouped K-fold cross-validation on --data (folds by repository group, "
                        "fixed --seed): each fold's held-out repositories evaluated cold and "
                        "with --workspace loo against an engine built on the other folds; "
                        "prints mean ± std per metric and mode (with --json: every fold)")
    p.add_argument("--cv-split", choices=["group", "random"], default="group",
                   help="--cv folds: group (by repository group; cold and loo) or random (at "
                        "random over loops, identical loops on one side, as the data card's "
                        "random split: a project's other loops are in the known pool; cold)")
    p.add_argument("--seed", type=int, default=0, help="fold assignment seed for --cv")
    p.add_argument("--base", help="base model (model engines)")
    p.add_argument("--adapter", action="append", default=[], metavar="NAME=PATH",
                   help="LoRA adapter for model engines (repeatable)")
    p.add_argument("--use-adapter", metavar="NAME",
                   help="adapter the queries name (default: the only --adapter given; "
                        "none = the base model)")
    p.add_argument("--upstream", action="append", default=[], metavar="URL",
                   help="--engine openai: an OpenAI base URL of a vLLM server (repeatable)")
    p.add_argument("--upstream-key", default=None, metavar="KEY",
                   help="--engine openai: the upstreams' key (default: env ACCELLIUM_UPSTREAM_KEY)")
    from accellium.evaluation.dynamic.cli import add_dynamic_arguments

    add_dynamic_arguments(p)
    p.set_defaults(func=run_eval)


def add_bench_parser(bench_sub: argparse._SubParsersAction) -> None:
    p = bench_sub.add_parser("suggest", help="suggest speed on a generated C file")
    p.add_argument("--engine", default="analysis")
    p.add_argument("--lines", type=int, default=10_000, help="size of the generated file")
    p.add_argument("--loops", type=int, help="loop nests in it (default: about one per 12 lines)")
    p.add_argument("--train", help="JSONL records for engines that retrieve/learn")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_bench_suggest)


def _err(cmd: str, msg: str) -> int:
    print(f"accellium {cmd}: {msg}", file=sys.stderr)
    return 2


def _engine_options(args: argparse.Namespace) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if getattr(args, "base", None):
        opts["base"] = args.base
    adapters = {}
    for a in getattr(args, "adapter", None) or []:
        name, sep, path = a.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"--adapter expects NAME=PATH, got '{a}'")
        adapters[name] = path
    if adapters:
        opts["adapters"] = adapters
    if getattr(args, "upstream", None):
        opts["upstreams"] = list(args.upstream)
        opts["api_key"] = args.upstream_key or os.environ.get("ACCELLIUM_UPSTREAM_KEY") or None
    return opts


def query_adapter(args: argparse.Namespace, opts: dict[str, Any]) -> str | None:
    names = list(opts.get("adapters", {}))
    chosen = getattr(args, "use_adapter", None)
    if chosen is not None:
        if chosen not in names and not opts.get("upstreams"):  # upstreams: theirs
            raise ValueError(f"--use-adapter '{chosen}' is not one of the --adapter names "
                             f"({', '.join(names) or 'none given'})")
        return chosen
    return names[0] if len(names) == 1 else None


def run_eval(args: argparse.Namespace) -> int:
    if getattr(args, "run_bundle", None):  # a GPU machine: no engine, no compiler imported
        from accellium.evaluation.dynamic.cli import run_bundle_command

        return run_bundle_command(args)
    from accellium.evaluation.report import (
        confusion_table,
        metrics_table,
        per_directive_table,
        write_report,
    )
    from accellium.evaluation.runner import evaluate
    from accellium.server.engines import EngineError, engine_names

    if getattr(args, "dynamic", None):
        from accellium.evaluation.dynamic.cli import run_dynamic

        return run_dynamic(args, _engine_options)
    if not args.engine or not args.data:
        return _err("eval", "--engine and --data are required (or --dynamic MANIFEST)")
    if args.engine not in engine_names():
        return _err("eval", f"unknown engine '{args.engine}' (choose from "
                            f"{', '.join(engine_names())})")
    if args.limit is not None and args.limit < 1:
        return _err("eval", f"--limit must be >= 1, got {args.limit}")
    if args.jobs < 1:
        return _err("eval", f"--jobs must be >= 1, got {args.jobs}")
    if args.cv is not None:
        return _run_cv(args)
    try:
        opts = _engine_options(args)
        result = evaluate(
            args.engine, args.data, train_path=args.train, workspace=args.workspace,
            limit=args.limit, jobs=args.jobs, compile=not args.no_compile,
            predictions_out=args.predictions_out, engine_options=opts,
            cache_dir=args.cache_dir, progress=sys.stderr.isatty() and not args.json,
            guard=not args.no_guard, adapter=query_adapter(args, opts),
        )
    except (FileNotFoundError, ValueError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        return _err("eval", " ".join(str(msg).split()))
    except EngineError as e:
        return _err("eval", f"engine '{args.engine}' unavailable: {' '.join(str(e).split())}")
    if args.report:
        write_report(result, args.report)
    d = result.to_dict()
    if args.json:
        print(json.dumps(d, indent=2))
    else:
        print(f"engine {d['engine']} on {d['data']} ({d['metrics']['n']} records, workspace "
              f"{d['workspace']}, guard {'on' if d['guard'] else 'off'})")
        print(metrics_table(d))
        print()
        print(per_directive_table(d))
        print()
        print(confusion_table(d))
        print()
        print("time: " + ", ".join(f"{k} {v:.2f}" for k, v in d["timings"].items()))
        if args.report:
            print(f"report written to {args.report}/report.md")
    return 0


def _run_cv(args: argparse.Namespace) -> int:
    from accellium.evaluation.cv import cross_validate, cv_table
    from accellium.server.engines import EngineError

    if args.cv < 2:
        return _err("eval", f"--cv needs at least 2 folds, got {args.cv}")
    if args.train or args.workspace != "none" or args.report or args.limit is not None:
        return _err("eval", "--cv builds each fold's engine from the other folds of --data "
                            "and runs both modes: leave out --train, --workspace, --report "
                            "and --limit")
    try:
        opts = _engine_options(args)
        result = cross_validate(args.engine, args.data, args.cv, seed=args.seed,
                                split=args.cv_split, guard=not args.no_guard, engine_options=opts,
                                compile=not args.no_compile, jobs=args.jobs,
                                progress=sys.stderr.isatty() and not args.json,
                                predictions_out=args.predictions_out)
    except (FileNotFoundError, ValueError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        return _err("eval", " ".join(str(msg).split()))
    except EngineError as e:
        return _err("eval", f"engine '{args.engine}' unavailable: {' '.join(str(e).split())}")
    print(json.dumps(result, indent=2) if args.json else cv_table(result))
    return 0


def run_bench_suggest(args: argparse.Namespace) -> int:
    from accellium.evaluation.bench import bench_suggest, format_bench
    from accellium.server.engines import EngineError, engine_names

    if args.engine not in engine_names():
        return _err("bench suggest", f"unknown engine '{args.engine}'")
    if args.lines < 1 or (args.loops is not None and args.loops < 1):
        return _err("bench suggest", "--lines and --loops must be >= 1")
    opts: dict[str, Any] = {}
    if args.train:
        if not os.path.isfile(args.train):
            return _err("bench suggest", f"no such train file: {args.train}")
        from accellium.dataset.records import read_jsonl

        opts["train"] = read_jsonl(args.train)
    try:
        r = bench_suggest(args.engine, args.lines, args.loops, args.seed, opts)
    except EngineError as e:
        return _err("bench suggest", f"engine '{args.engine}' unavailable: {e}")
    print(json.dumps(r, indent=2) if args.json else format_bench(r))
    return 0
