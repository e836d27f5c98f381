"""``accellium mine`` and ``accellium bench mine``: thin layers over :func:`mine`."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from accellium.dataset.mine.sources import DEFAULT_URL_TEMPLATE
from pydantic import ValidationError

if TYPE_CHECKING:  # the pipeline (pydantic models, multiprocessing) loads only when mining
    from accellium.dataset.mine.pipeline import MineOptions, MineReport

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
    p.set_defaults(func=run_mine)


def _options(args: argparse.Namespace, **extra: object) -> MineOptions:
    kw: dict[str, object] = {
        "workers": args.workers, "max_bytes": args.max_bytes, "near_dup": not args.no_near_dup,
        "near_dup_threshold": args.near_dup_threshold, "progress": not args.no_progress,
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


def run_mine(args: argparse.Namespace) -> int:
    try:
        from accellium.dataset.mine.pipeline import mine, resolve

        specs = resolve(args.sources, args.repos, args.url_template)
        opts = _options(args, split=args.split, ratios=args.ratios, seed=args.seed)
    except ValueError as e:  # includes pydantic's ValidationError
        return _fail(_one_line(e))
    try:
        rep = mine(specs, args.out, opts)
    except OSError as e:
        return _fail(f"cannot write {args.out}: {e.strerror or e}")
    if args.json:
        print(rep.model_dump_json(indent=1))
    else:
        print(_summary(rep))
    if rep.repos and len(rep.repos_failed) == len(rep.repos):
        return 1
    return 0 if rep.leakage.ok else 1


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
    p = bench_sub.add_parser("mine", help="mining throughput (MB/s scanned, pairs/s)")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=run_bench_mine)


def run_bench_mine(args: argparse.Namespace) -> int:
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
