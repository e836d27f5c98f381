"""``accellium eval --dynamic MANIFEST ...``: the arguments and the command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["add_dynamic_arguments", "run_dynamic"]


def add_dynamic_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("dynamic evaluation (run the annotated programs)")
    g.add_argument("--dynamic", metavar="MANIFEST",
                   help="a program suite (DESIGN §8 manifest.json or its folder): strip the "
                        "pragmas, let the engine annotate, build, run and verify each program "
                        "(engine default: auto)")
    g.add_argument("--threads", type=int, default=4, help="threads per run (gangs x lanes)")
    g.add_argument("--runs", type=int, default=3,
                   help="runs per variant, iteration orders in turn (forward, reversed, "
                        "serialised and scrambled)")
    g.add_argument("--mode", choices=["cpu", "gpu"], default="cpu",
                   help="cpu: OpenMP emulation (any machine); gpu: gcc -foffload=nvptx-none")
    g.add_argument("--programs", help="only these programs (comma-separated names)")
    g.add_argument("--no-mutations", action="store_true", help="skip the planted mutations")
    g.add_argument("--work-dir", help="keep the built variants here (default: a temp dir)")
    g.add_argument("--tsan", action="store_true",
                   help="a second race signal: build every variant that verifies with clang "
                        "-fsanitize=thread and run it with LLVM's Archer (OMPT); a reported "
                        "race is a `race` failure (Debian: clang-14 libomp-14-dev "
                        "libclang-rt-14-dev)")
    g.add_argument("--offload", action="store_true",
                   help="also apply the offload plan to every function (one data region per "
                        "function, `accellium suggest --offload`) and compare it with the "
                        "authors' pragmas and the per-loop suggestions: verification, bytes "
                        "moved")
    g.add_argument("--bundle", metavar="DIR",
                   help="gpu mode: build every variant into DIR (an empty folder) and stop; "
                        "run it on a GPU machine with --run-bundle DIR")
    g.add_argument("--run-bundle", metavar="DIR",
                   help="run a bundle built with --mode gpu --bundle on this machine's GPU "
                        "(needs no compiler or engine here), verify and time every variant")
    g.add_argument("--deadline", type=float, metavar="SECONDS",
                   help="--run-bundle: start no program after this many seconds")
    g.add_argument("--rows-out", metavar="JSONL",
                   help="--run-bundle: append each program's row here as it finishes")
    g.add_argument("--jobs-gpu", type=int, default=1, metavar="N",
                   help="--run-bundle: programs run at once (N > 1 shares the GPU: for "
                        "verification; the times are then not each program's alone)")
    g.add_argument("--annotate-drivers", action="store_true",
                   help="annotate every source of each program, its drivers too (the tool "
                        "then also plans `main` and the set-up and check code around the "
                        "kernels, as when a benchmark keeps them in one file); cpu mode")


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _only(args: argparse.Namespace) -> list[str] | None:
    """``--programs``: the names given, or None for every program."""
    return [x.strip() for x in args.programs.split(",") if x.strip()] if args.programs else None


def _emit(result: dict[str, Any], args: argparse.Namespace) -> int:
    """Write the report (``--report``) and print the result (``--json`` or the summary)."""
    from accellium.evaluation.dynamic.report import summary_text, write_dynamic_report

    if args.report:
        write_dynamic_report(result, args.report)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(summary_text(result))
        if args.report:
            print(f"report written to {args.report}/report.md")
    return 0


def run_bundle_command(args: argparse.Namespace) -> int:
    """``accellium eval --run-bundle DIR``: run a GPU-mode bundle here."""
    from accellium.evaluation.dynamic.gpu_bundle import run_bundle
    from accellium.evaluation.dynamic.manifest import ManifestError

    if args.dynamic:
        print("accellium eval: give --dynamic MANIFEST or --run-bundle DIR, not both",
              file=sys.stderr)
        return 2
    if args.runs < 1 or args.jobs_gpu < 1 or (args.deadline is not None and args.deadline <= 0):
        print("accellium eval: --runs, --jobs-gpu and --deadline must be > 0", file=sys.stderr)
        return 2
    only = _only(args)
    try:
        result = run_bundle(args.run_bundle, runs=args.runs, only=only,
                            deadline_s=args.deadline, rows_jsonl=args.rows_out,
                            jobs=args.jobs_gpu,
                            progress=None if args.json else _progress)
    except ManifestError as e:
        print(f"accellium eval: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    return _emit(result, args)


def run_dynamic(args: argparse.Namespace,
                engine_options: Callable[[argparse.Namespace], dict[str, Any]]) -> int:
    from accellium.evaluation.dynamic.manifest import ManifestError
    from accellium.server.engines import EngineError, engine_names

    engine = args.engine or "auto"
    if engine not in engine_names() and engine != "none":
        print(f"accellium eval: unknown engine '{engine}' (choose from "
              f"{', '.join(engine_names())}, none)", file=sys.stderr)
        return 2
    if args.tsan and args.mode == "gpu":
        print("accellium eval: --tsan needs --mode cpu", file=sys.stderr)
        return 2
    if args.offload and engine == "none":
        print("accellium eval: --offload needs an engine (not none)", file=sys.stderr)
        return 2
    if args.bundle and args.mode != "gpu":
        print("accellium eval: --bundle needs --mode gpu", file=sys.stderr)
        return 2
    if args.threads < 1 or args.runs < 1:
        print("accellium eval: --threads and --runs must be >= 1", file=sys.stderr)
        return 2
    if args.annotate_drivers and (engine == "none" or args.mode == "gpu"):
        print("accellium eval: --annotate-drivers needs an engine (not none) and --mode cpu",
              file=sys.stderr)
        return 2
    only = _only(args)
    try:
        opts = engine_options(args)
        if getattr(args, "train", None):
            from accellium.server.defaults import engine_options as default_options

            opts.update(default_options(engine, args.train))
        if args.mode == "gpu":
            from accellium.evaluation.dynamic.gpu import evaluate_gpu

            result = evaluate_gpu(args.dynamic, None if engine == "none" else engine,
                                  engine_options=opts, only=only, runs=args.runs,
                                  offload=args.offload, bundle=args.bundle,
                                  build_only=bool(args.bundle),
                                  progress=None if args.json else _progress)
        else:
            from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

            result = evaluate_dynamic(
                args.dynamic, None if engine == "none" else engine, threads=args.threads,
                runs=args.runs, engine_options=opts, with_mutations=not args.no_mutations,
                work_dir=args.work_dir, only=only, progress=_progress,
                offload=args.offload, tsan=args.tsan, annotate_drivers=args.annotate_drivers)
    except (ManifestError, ValueError, FileNotFoundError) as e:
        print(f"accellium eval: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    except EngineError as e:
        print(f"accellium eval: engine '{engine}' unavailable: {' '.join(str(e).split())}",
              file=sys.stderr)
        return 3
    return _emit(result, args)
