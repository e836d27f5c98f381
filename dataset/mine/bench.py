"""``accellium bench mine --engine compare``: today's miner and the datatrove one on the same
input, with 1 and 2 workers (or ``--compare-workers``): files/s, MB/s, pairs/s and peak memory.

Wall-clock figures depend on what else the machine runs; ``cpu_s`` (CPU seconds of the run's
processes, workers and git included) and ``mb_per_cpu_s`` do much less, and datatrove's
``mb_per_cpu_s_per_worker`` (bytes over the CPU seconds of the extraction tasks) is the rate of
one worker on a core of its own: the figure for capacity planning.

Every configuration runs in a fresh Python process (``python -m accellium.dataset.mine.bench
child CONFIG``) so that imports, caches and memory of one run never help another; this process
samples the resident memory of that process tree every 100 ms. ``peak_rss_tree_mb`` is the peak
of the tree's summed RSS (pages shared after ``fork`` are counted in every process, so it is an
upper bound); ``peak_rss_proc_mb`` the largest single process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["bench_compare", "run_child", "figures_of", "export_shards"]


def figures_of(rep: Any, workers: int) -> dict[str, Any]:
    """Throughput figures of one mining report (extraction time = reading + extraction)."""
    extract_s = rep.timings_s.get("extract", rep.elapsed_s) or 1e-9
    raw = rep.stages.get("raw_pairs", 0)
    out = {
        "repos": len(rep.repos),
        "files": rep.files_scanned,
        "mb_scanned": round(rep.bytes_scanned / 1e6, 3),
        "raw_pairs": raw,
        "pairs_kept": rep.stages.get("after_exact_dedup", 0),
        "workers": workers,
        "extract_s": round(extract_s, 3),
        "total_s": rep.elapsed_s,
        "files_per_s": round(rep.files_scanned / extract_s, 1),
        "mb_per_s": round(rep.bytes_scanned / 1e6 / extract_s, 3),
        "pairs_per_s": round(raw / extract_s, 1),
    }
    task_s = rep.timings_s.get("extract_tasks_total")
    if task_s:  # datatrove: seconds summed over tasks -> what one worker does per second
        out["extract_tasks_total_s"] = task_s
        out["mb_per_s_per_worker"] = round(rep.bytes_scanned / 1e6 / task_s, 3)
    task_cpu = rep.timings_s.get("extract_tasks_cpu")
    if task_cpu:  # CPU seconds of the tasks' processes: a worker on a core of its own
        out["extract_tasks_cpu_s"] = task_cpu
        out["mb_per_cpu_s_per_worker"] = round(rep.bytes_scanned / 1e6 / task_cpu, 3)
    return out


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (workers, git)."""
    import resource

    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def run_child(cfg: dict[str, Any]) -> dict[str, Any]:
    """One configuration, in this process (called in a fresh child by :func:`bench_compare`)."""
    from accellium.dataset.mine.pipeline import MineOptions, MineReport, mine, resolve

    specs = resolve(cfg["sources"], cfg.get("repos_file"), cfg.get("url_template")) \
        if cfg["sources"] or cfg.get("repos_file") else []
    opts = MineOptions(workers=cfg["workers"], near_dup=cfg.get("near_dup", True),
                       progress=False)
    cpu0 = _cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="accellium-bench-mine-") as tmp:
        if cfg["engine"] == "reference":
            rep = mine(specs, tmp, opts)
        else:
            from accellium.dataset.mine.trove import TroveOptions, mine_datatrove

            got = mine_datatrove(specs, tmp, opts, TroveOptions(
                tasks=cfg.get("tasks", 0), shards=cfg.get("shards"),
                columns=cfg.get("columns") or {}))
            if not isinstance(got, MineReport):  # the local executor writes the dataset here
                raise RuntimeError("datatrove benchmark: expected a local run, got a launch")
            rep = got
    cpu = _cpu_seconds() - cpu0
    return {"engine": cfg["engine"], **figures_of(rep, cfg["workers"]), "cpu_s": round(cpu, 2),
            "mb_per_cpu_s": round(rep.bytes_scanned / 1e6 / (cpu or 1e-9), 3)}


def _sample(proc: subprocess.Popen) -> tuple[float, float]:
    """Peak summed RSS of the process tree and peak RSS of one process, in MB."""
    import psutil

    root = psutil.Process(proc.pid)
    peak_tree = peak_proc = 0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rss = []
        for p in procs:
            try:
                rss.append(p.memory_info().rss)
            except psutil.Error:
                pass
        peak_tree = max(peak_tree, sum(rss))
        peak_proc = max(peak_proc, max(rss, default=0))
        time.sleep(0.1)
    return round(peak_tree / 1e6, 1), round(peak_proc / 1e6, 1)


def bench_compare(sources: Sequence[str] = (), repos_file: str | None = None,
                  url_template: str | None = None, workers_list: Sequence[int] = (1, 2),
                  engines: Sequence[str] = ("reference", "datatrove"), tasks: int = 0,
                  shards: str | None = None, columns: dict[str, str] | None = None,
                  near_dup: bool = True) -> list[dict[str, Any]]:
    """One row per (engine, workers); shards can only be read by the datatrove engine."""
    rows = []
    for engine in engines:
        if shards and engine == "reference":
            continue
        for workers in workers_list:
            cfg = {"engine": engine, "workers": workers, "sources": list(sources),
                   "repos_file": repos_file, "url_template": url_template, "tasks": tasks,
                   "shards": shards, "columns": columns, "near_dup": near_dup}
            with tempfile.TemporaryDirectory(prefix="accellium-bench-") as tmp:
                out = Path(tmp) / "figures.json"
                cmd = [sys.executable, "-m", "accellium.dataset.mine.bench", "child",
                       json.dumps(cfg), str(out)]
                with open(Path(tmp) / "log.txt", "wb") as log:
                    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                            env=dict(os.environ))
                    tree_mb, proc_mb = _sample(proc)
                if proc.wait() != 0 or not out.is_file():
                    tail = (Path(tmp) / "log.txt").read_text(errors="replace")[-400:]
                    raise RuntimeError(f"{engine} with {workers} workers failed: {tail}")
                row = json.loads(out.read_text())
            row["peak_rss_tree_mb"] = tree_mb
            row["peak_rss_proc_mb"] = proc_mb
            rows.append(row)
    return rows


def table(rows: Sequence[dict[str, Any]]) -> str:
    head = ["engine", "workers", "files", "MB", "pairs", "extract s", "files/s", "MB/s",
            "pairs/s", "MB/s/worker", "CPU s", "MB/CPU-s", "MB/CPU-s/worker (tasks)",
            "peak RSS tree MB", "peak RSS proc MB"]
    keys = ["engine", "workers", "files", "mb_scanned", "raw_pairs", "extract_s", "files_per_s",
            "mb_per_s", "pairs_per_s", "mb_per_s_per_worker", "cpu_s", "mb_per_cpu_s",
            "mb_per_cpu_s_per_worker", "peak_rss_tree_mb", "peak_rss_proc_mb"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r.get(k, "-")) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def export_shards(sources: Sequence[str], out: str | Path, shards: int = 8,
                  without_acc: bool = False) -> dict[str, int]:
    """Write the C/C++ files of repositories as parquet shards in the corpus layout (content,
    path, repo, license, commit), to benchmark the shard reader on known input.
    ``without_acc`` keeps only files with no OpenACC directive (the bulk of a code corpus)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from accellium.dataset.mine.extract import has_acc
    from accellium.dataset.mine.pipeline import RepoSummary, iter_source_files, resolve
    from accellium.dataset.mine.sources import SourceStats

    rows = []
    for spec in resolve(list(sources)):
        summary = RepoSummary(repo=spec.repo_name())
        for sf in iter_source_files(spec, summary, SourceStats()):
            if without_acc and has_acc(sf.data):
                continue
            rows.append({"content": sf.data.decode("utf-8", "replace"), "path": sf.path,
                         "repo": summary.repo, "license": summary.license,
                         "commit": summary.commit})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per = max(1, -(-len(rows) // shards))
    for k in range(0, len(rows), per):
        pq.write_table(pa.Table.from_pylist(rows[k:k + per]), out / f"shard-{k // per:03d}.parquet")
    return {"files": len(rows), "bytes": sum(len(r["content"].encode()) for r in rows)}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":  # the child of bench_compare
        Path(sys.argv[3]).write_text(json.dumps(run_child(json.loads(sys.argv[2]))))
    elif len(sys.argv) >= 4 and sys.argv[1] in {"shards", "shards-without-acc"}:
        print(json.dumps(export_shards(sys.argv[3:], sys.argv[2],
                                       without_acc=sys.argv[1] == "shards-without-acc")))
    else:
        sys.exit("usage: python -m accellium.dataset.mine.bench child CONFIG_JSON OUT\n"
                 "       python -m accellium.dataset.mine.bench shards[-without-acc] OUT_DIR "
                 "SOURCES...")
