"""``accellium mine`` and ``accellium bench mine``: thin layers over :func:`mine`."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from accellium.dataset.mine.sources import DEFAULT_URL_TEMPLATE

if TYPE_CHECKING:  # the pipeline (pydantic models, multiprocessing) loads only when mining
    from accellium.dataset.mine.pipeline import MineOptions, MineReport
    from accellium.dataset.mine.trove import TroveLaunch, TroveOptions

__all__ = ["add_parser", "add_bench_parser", "run_mine", "bench_mine", "run_bench_mine"]


def _ratios(text: str) -> dict[str, float]:
    """``train=0.7,test=0.15,hidden=0.15`` or ``0.8,0.2`` (names train, test, hidden)."""
    out: dict[str, float] = {}
    default_names = ["train", "test", "hidden"]
    for k, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        name, _, value = part.rpartition("=")
        if not name:
            if k >= len(default_names):
                raise argparse.ArgumentTypeError("name the splits: train=0.7,test=0.2,dev=0.1")
            name = default_names[k]
        try:
            out[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not out:
        raise argparse.ArgumentTypeError("empty ratios")
    return out


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="local folder, git directory (bare or not), git URL, or owner/name "
                        "(expanded with --url-template)")
    p.add_argument("--repos", metavar="FILE",
                   help="file with 'owner/name [commit]' per line (# comments allowed)")
    p.add_argument("--url-template", default=DEFAULT_URL_TEMPLATE,
                   help="URL or path of owner/name sources: {repo}, {owner}, {name} "
                        f"(default {DEFAULT_URL_TEMPLATE})")
    p.add_argument("--workers", type=int, default=0,
                   help="processes (default: min(2, CPUs))")
    p.add_argument("--max-bytes", type=int, default=2 * 1024 * 1024,
                   help="skip files larger than this (default 2 MiB)")
    p.add_argument("--no-near-dup", action="store_true", help="skip MinHash near-duplicates")
    p.add_argument("--near-dup-threshold", type=float, default=0.9,
                   help="Jaccard similarity of token 3-grams for near-duplicate loops "
                        "(default 0.9)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--licenses", type=_names, metavar="A,B",
                   help="keep only pairs whose licence label is one of these (e.g. "
                        "MIT,BSD-3-Clause,Apache-2.0; default: keep all)")


def _names(text: str) -> list[str]:
    out = [x.strip() for x in text.split(",") if x.strip()]
    if not out:
        raise argparse.ArgumentTypeError("empty list")
    return out


def _pairs(text: str) -> dict[str, str]:
    """``a=b,c=d`` -> {a: b, c: d}."""
    out: dict[str, str] = {}
    for part in (x.strip() for x in text.split(",") if x.strip()):
        key, sep, value = part.partition("=")
        if not sep or not key or not value:
            raise argparse.ArgumentTypeError(f"expected name=value, got {part!r}")
        out[key.strip()] = value.strip()
    return out


def _add_datatrove(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "datatrove engine", "resumable tasks on a local, Slurm or Ray executor (pip install "
        "'accellium[mine]'); any of these options selects --engine datatrove")
    g.add_argument("--shards", metavar="DIR",
                   help="read a code corpus: .parquet / .jsonl[.gz|.zst] files with content, path, "
                        "repo and (optional) license, commit columns, instead of repositories")
    g.add_argument("--columns", type=_pairs, metavar="K=COL,...",
                   help="corpus column names, e.g. repo=repo_name,license=license_type,"
                        "commit=revision_id (The Stack v2)")
    g.add_argument("--executor", choices=["local", "slurm", "ray"], help="default local")
    g.add_argument("--tasks", type=int, metavar="N",
                   help="datatrove tasks (units of resumption; default local: min(inputs, "
                        "4 x workers), slurm/ray: min(inputs, 1000))")
    g.add_argument("--logging-dir", metavar="DIR",
                   help="datatrove logs, completion markers, per-task records "
                        "(default OUT/.datatrove); run again with the same one to resume")
    g.add_argument("--dry-run", action="store_true",
                   help="build the pipelines and (Slurm) render the sbatch scripts; run nothing")
    g.add_argument("--slurm-partition")
    g.add_argument("--slurm-time", default="04:00:00")
    g.add_argument("--mem-per-cpu-gb", type=int, default=2,
                   help="memory per task (Slurm, Ray; default 2)")
    g.add_argument("--slurm-qos", default="")
    g.add_argument("--slurm-env-command",
                   help="shell line that activates the environment on the nodes "
                        "(default: this Python's virtual environment)")
    g.add_argument("--slurm-sbatch-args", type=_pairs, metavar="K=V,...",
                   help="extra #SBATCH lines, e.g. account=proj,constraint=cpu")
    g.add_argument("--ray-address", help="Ray cluster address (default: RAY_ADDRESS or local)")


_TROVE_ONLY = ["shards", "columns", "executor", "tasks", "logging_dir", "slurm_partition",
               "slurm_sbatch_args", "slurm_env_command", "ray_address"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mine", help="mine OpenACC pragma-loop pairs from C/C++ repositories",
        description="Mine '#pragma acc' + for-loop pairs from folders, git directories or git "
                    "URLs into a deduplicated, split dataset with a data card.")
    _add_common(p)
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--split", choices=["group", "random"], default="group",
                   help="group: no repository or loop in two splits (70/15/15); random: "
                        "paper-style 80/20 with identical loops on one side")
    p.add_argument("--ratios", type=_ratios,
                   help="split shares, e.g. train=0.7,test=0.15,hidden=0.15")
    p.add_argument("--seed", type=int, default=20260126)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--engine", choices=["reference", "datatrove"],
                   help="reference: the in-process miner (default); datatrove: the same mining "
                        "as datatrove pipelines (default when a datatrove option is given)")
    _add_datatrove(p)
    p.set_defaults(func=run_mine)


def _options(args: argparse.Namespace, **extra: object) -> MineOptions:
    kw: dict[str, Any] = {
        "workers": args.workers, "max_bytes": args.max_bytes, "near_dup": not args.no_near_dup,
        "near_dup_threshold": args.near_dup_threshold, "progress": not args.no_progress,
        "licenses": args.licenses,
    }
    kw.update(extra)
    from accellium.dataset.mine.pipeline import MineOptions

    return MineOptions(**kw)


def _fail(msg: str) -> int:
    print(f"accellium mine: error: {msg}", file=sys.stderr)
    return 2


def _summary(rep: MineReport) -> str:
    st = rep.stages
    lines = [
        f"repositories: {len(rep.repos)} ({len(rep.repos_failed)} failed); files "
        f"{rep.files_scanned:,}, {rep.bytes_scanned / 1e6:.1f} MB",
        f"directives {st.get('directives', 0):,} -> raw pairs {st.get('raw_pairs', 0):,} -> "
        f"non-empty {st.get('after_empty_body', 0):,} -> deduplicated "
        f"{st.get('after_exact_dedup', 0):,}",
        "splits: " + ", ".join(f"{k} {v:,}" for k, v in rep.splits.items())
        + f"; leakage check {'passed' if rep.leakage.ok else 'FAILED'}",
        f"near-duplicate groups: {rep.near_dup_groups} ({rep.near_dup_pairs} pairs)",
        f"time {rep.elapsed_s:.1f} s; wrote {', '.join(rep.files_written)}",
    ]
    lines += [f"failed: {x}" for x in rep.repos_failed[:10]]
    return "\n".join(lines)


def _engine(args: argparse.Namespace) -> str:
    """--engine, or datatrove when one of its options is given; ValueError on a mix."""
    given = [k for k in _TROVE_ONLY if getattr(args, k, None)] + (
        ["dry_run"] if getattr(args, "dry_run", False) else [])
    engine = args.engine or ("datatrove" if given else "reference")
    if engine == "reference" and given:
        raise ValueError(f"--{given[0].replace('_', '-')} needs --engine datatrove")
    if engine == "datatrove" and importlib.util.find_spec("datatrove") is None:
        raise ValueError("--engine datatrove needs datatrove: pip install 'accellium[mine]'")
    return engine


def _trove_options(args: argparse.Namespace) -> TroveOptions:
    from accellium.dataset.mine.trove import TroveOptions

    return TroveOptions(
        executor=args.executor or "local", tasks=args.tasks or 0, logging_dir=args.logging_dir,
        shards=args.shards, columns=args.columns or {}, dry_run=args.dry_run,
        partition=args.slurm_partition, time=args.slurm_time,
        mem_per_cpu_gb=args.mem_per_cpu_gb, qos=args.slurm_qos,
        env_command=args.slurm_env_command, sbatch_args=args.slurm_sbatch_args or {},
        ray_address=args.ray_address)


def run_mine(args: argparse.Namespace) -> int:
    try:
        from accellium.dataset.mine.pipeline import mine, resolve

        engine = _engine(args)
        shards = engine == "datatrove" and args.shards
        if shards and (args.sources or args.repos):
            raise ValueError("give repositories or --shards, not both")
        specs = [] if shards else resolve(args.sources, args.repos, args.url_template)
        opts = _options(args, split=args.split, ratios=args.ratios, seed=args.seed)
        if engine == "datatrove":
            from accellium.dataset.mine import trove

            topts = _trove_options(args)
            plan = trove.plan(args.out, opts, topts, specs)
    except ValueError as e:  # includes pydantic's ValidationError
        return _fail(_one_line(e))
    try:
        if engine == "datatrove":
            rep = trove.run(plan, topts)
        else:
            rep = mine(specs, args.out, opts)
    except OSError as e:
        return _fail(f"cannot write {args.out}: {e.strerror or e}")
    except ValueError as e:  # a logging dir of another run, Ray missing
        return _fail(_one_line(e))
    except RuntimeError as e:  # tasks that did not complete
        print(f"accellium mine: {_one_line(e)}", file=sys.stderr)
        return 1
    from accellium.dataset.mine.trove import TroveLaunch

    if isinstance(rep, TroveLaunch):  # a Slurm launch or a dry run
        print(rep.model_dump_json(indent=1) if args.json else _launch_summary(rep))
        return 0
    if args.json:
        print(rep.model_dump_json(indent=1))
    else:
        print(_summary(rep))
    if rep.repos and len(rep.repos_failed) == len(rep.repos):
        return 1
    return 0 if rep.leakage.ok else 1


def _launch_summary(launch: TroveLaunch) -> str:
    what = "dry run" if launch.dry_run else "launched"
    lines = [f"datatrove {launch.executor} {what}: {launch.tasks} tasks, "
             f"{launch.workers or 'unlimited'} workers, logging dir {launch.logging_dir}",
             "extract: " + " -> ".join(launch.pipeline),
             "merge: " + " -> ".join(launch.merge_pipeline)]
    lines += [f"sbatch {' '.join(j['args'])} {j.get('path', '')}".rstrip() for j in launch.jobs]
    return "\n".join(lines)


def _one_line(e: Exception) -> str:
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        return f"{loc}: {err['msg']}" if loc else err["msg"]
    return str(e).splitlines()[0] if str(e) else type(e).__name__


# ----------------------------------------------------------------------------------------------
# bench
# ----------------------------------------------------------------------------------------------


def bench_mine(sources: Sequence[str], repos_file: str | None = None,
               url_template: str = DEFAULT_URL_TEMPLATE, workers: int = 0,
               near_dup: bool = True, progress: bool = False) -> dict[str, float | int]:
    """Mine everything into a temporary folder; return throughput figures."""
    from accellium.dataset.mine.pipeline import MineOptions, mine, resolve

    specs = resolve(sources, repos_file, url_template)
    with tempfile.TemporaryDirectory(prefix="accellium-bench-mine-") as tmp:
        rep = mine(specs, tmp, MineOptions(workers=workers, near_dup=near_dup,
                                           progress=progress))
    extract_s = rep.timings_s.get("extract", rep.elapsed_s) or 1e-9
    return {
        "repos": len(rep.repos),
        "repos_failed": len(rep.repos_failed),
        "files": rep.files_scanned,
        "mb_scanned": round(rep.bytes_scanned / 1e6, 2),
        "raw_pairs": rep.stages.get("raw_pairs", 0),
        "pairs_kept": rep.stages.get("after_exact_dedup", 0),
        "workers": workers or _default_workers(),
        "extract_s": round(extract_s, 3),
        "total_s": rep.elapsed_s,
        "mb_per_s": round(rep.bytes_scanned / 1e6 / extract_s, 2),
        "pairs_per_s": round(rep.stages.get("raw_pairs", 0) / extract_s, 1),
        "mb_per_s_total": round(rep.bytes_scanned / 1e6 / (rep.elapsed_s or 1e-9), 2),
        **{f"{k}_s": v for k, v in rep.timings_s.items() if k != "extract"},
    }


def _default_workers() -> int:
    import os

    return min(2, os.cpu_count() or 1)


def add_bench_parser(bench_sub: argparse._SubParsersAction) -> None:
    p = bench_sub.add_parser(
        "mine", help="mining throughput (files/s, MB/s, pairs/s; --engine compare: today's "
                     "miner vs datatrove, with peak memory)")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--engine", choices=["reference", "datatrove", "compare"],
                   default="reference",
                   help="compare: both engines, each worker count of --compare-workers, each "
                        "in a fresh process with its peak memory")
    p.add_argument("--compare-workers", type=_ints, default=[1, 2], metavar="1,2")
    p.add_argument("--tasks", type=int, default=0, help="datatrove tasks (default automatic)")
    p.add_argument("--shards", metavar="DIR", help="corpus shards (datatrove only)")
    p.add_argument("--columns", type=_pairs, metavar="K=COL,...")
    p.set_defaults(func=run_bench_mine)


def _ints(text: str) -> list[int]:
    try:
        out = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError("worker counts are positive numbers")
    return out


def run_bench_mine(args: argparse.Namespace) -> int:
    if args.engine != "reference":
        return _run_bench_engines(args)
    try:
        figures = bench_mine(args.sources, args.repos, args.url_template, args.workers,
                             near_dup=not args.no_near_dup, progress=not args.no_progress)
    except ValueError as e:
        return _fail(_one_line(e))
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(f"mine: {figures['repos']} repos, {figures['files']:,} files, "
              f"{figures['mb_scanned']} MB in {figures['extract_s']} s extraction "
              f"({figures['mb_per_s']} MB/s, {figures['pairs_per_s']} pairs/s, "
              f"{figures['workers']} workers); whole run {figures['total_s']} s")
    return 0


def _run_bench_engines(args: argparse.Namespace) -> int:
    from accellium.dataset.mine.bench import bench_compare, table

    if importlib.util.find_spec("datatrove") is None:
        return _fail("the datatrove engine needs datatrove: pip install 'accellium[mine]'")
    try:
        if args.shards and (args.sources or args.repos):
            raise ValueError("give repositories or --shards, not both")
        if not args.shards:
            from accellium.dataset.mine.pipeline import resolve

            resolve(args.sources, args.repos, args.url_template)  # bad input: one line, exit 2
        elif not Path(args.shards).is_dir():
            raise ValueError(f"shard folder not found: {args.shards}")
        engines = ["reference", "datatrove"] if args.engine == "compare" else ["datatrove"]
        workers = args.compare_workers if args.engine == "compare" else [args.workers or 1]
        rows = bench_compare(args.sources, args.repos, args.url_template, workers, engines,
                             args.tasks, args.shards, args.columns, not args.no_near_dup)
    except ValueError as e:
        return _fail(_one_line(e))
    except RuntimeError as e:
        print(f"accellium bench mine: {_one_line(e)}", file=sys.stderr)
        return 1
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0
