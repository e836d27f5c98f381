"""``accellium mine --engine datatrove``: the miner as two datatrove pipelines.

1. *extract* — ``--tasks`` tasks (datatrove ranks), run by a local, Slurm or Ray executor: read
   repositories or corpus shards, extract pairs, filter, write each task's records
   (:mod:`dataset.mine.trove_steps`). Resumable: datatrove marks each finished task in
   ``<work>/extract/completions`` and skips it on the next run (``skip_completed``).
2. *merge* — one task after all of them: exact dedup, near-duplicates, split, leakage check and
   data card over every record (the reference miner's :func:`pipeline.finish`).

``<work>`` (``--logging-dir``, default ``<out>/.datatrove``) holds datatrove's logs, stats and
completion markers, the per-task records and counters, ``plan.json`` (what the extraction
tasks were built from: a later run with other input or another task count is refused, so a
resumed run never mixes two inputs) and ``report.json``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor
from datatrove.executor.base import PipelineExecutor
from datatrove.io import DataFolder, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers import JsonlReader, ParquetReader
from pydantic import BaseModel, Field

from accellium.dataset.mine.pipeline import MineOptions, MineReport
from accellium.dataset.mine.sources import SourceSpec
from accellium.dataset.mine.trove_steps import (
    DEFAULT_COLUMNS,
    CodeFileFilter,
    EmptyBodyFilter,
    ExtractPairs,
    LicenseFilter,
    MergeStep,
    RecordWriter,
    RepoReader,
    ShardAdapter,
)

__all__ = ["TroveOptions", "TroveLaunch", "TrovePlan", "TroveError", "plan", "run",
           "mine_datatrove", "shard_files"]

PARQUET_SUFFIXES = (".parquet",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".json.gz")


class TroveError(RuntimeError):
    """Extraction tasks that did not complete (run the same command again to resume)."""


class TroveOptions(BaseModel):
    executor: Literal["local", "slurm", "ray"] = "local"
    tasks: int = Field(0, ge=0)  # 0: automatic (see plan())
    logging_dir: str | None = None  # default <out>/.datatrove
    shards: str | None = None  # a folder of parquet/JSONL shards instead of repositories
    columns: dict[str, str] = Field(default_factory=dict)  # content/path/repo/license/commit
    dry_run: bool = False
    #: how local workers start: fork (as the reference miner) needs no importable __main__
    start_method: Literal["fork", "forkserver", "spawn"] = "fork" if os.name == "posix" else "spawn"
    # Slurm
    partition: str | None = None
    time: str = "04:00:00"
    cpus_per_task: int = Field(1, ge=1)
    mem_per_cpu_gb: int = Field(2, ge=1)
    merge_mem_gb: int = Field(8, ge=1)
    qos: str = ""
    env_command: str | None = None  # default: activate this Python's virtual environment
    sbatch_args: dict[str, str] = Field(default_factory=dict)
    job_name: str = "accellium-mine"
    # Ray
    ray_address: str | None = None


class TroveLaunch(BaseModel):
    """What a Slurm launch or a dry run did (no dataset yet)."""

    executor: str
    dry_run: bool
    tasks: int
    workers: int
    logging_dir: str
    pipeline: list[str]
    merge_pipeline: list[str]
    jobs: list[dict[str, Any]] = Field(default_factory=list)  # Slurm: name, args, script


@dataclass
class TrovePlan:
    mode: str  # "repos" or "shards"
    tasks: int
    workers: int
    work: DataFolder
    fingerprint: dict[str, Any]
    extract: PipelineExecutor
    merge: PipelineExecutor
    merge_local: PipelineExecutor  # the merge on this machine (after Ray)


def shard_files(folder: str) -> tuple[list[str], list[str]]:
    """Parquet and JSONL files under ``folder`` (recursively, sorted, relative paths)."""
    df = get_datafolder(folder)
    if not df.isdir(""):
        raise ValueError(f"shard folder not found: {folder}")
    files = df.list_files(recursive=True)
    parquet = [f for f in files if f.lower().endswith(PARQUET_SUFFIXES)]
    jsonl = [f for f in files if f.lower().endswith(JSONL_SUFFIXES)]
    if not parquet and not jsonl:
        raise ValueError(f"no .parquet or .jsonl[.gz|.zst] files under {folder}")
    return parquet, jsonl


def _check_columns(folder: str, parquet: list[str], jsonl: list[str],
                   columns: dict[str, str]) -> None:
    """The first shard of each format must have the content, path and repo columns."""
    df = get_datafolder(folder)
    need = [columns[k] for k in ("content", "path", "repo")]
    found: list[tuple[str, set[str]]] = []
    if parquet:
        import pyarrow.parquet as pq

        with df.open(parquet[0], "rb") as fh:
            found.append((parquet[0], set(pq.read_schema(fh).names)))
    if jsonl:
        with df.open(jsonl[0], "rt", compression="infer") as fh:
            line = fh.readline()
        try:
            keys = set(json.loads(line)) if line.strip() else set(need)
        except ValueError:
            raise ValueError(f"{jsonl[0]}: first line is not JSON") from None
        found.append((jsonl[0], keys))
    for name, keys in found:
        missing = [c for c in need if c not in keys]
        if missing:
            raise ValueError(f"{name}: no column {', '.join(missing)} (has {', '.join(sorted(keys))};"
                             " map names with --columns, e.g. repo=repo_name)")


def _auto_tasks(executor: str, units: int, workers: int) -> int:
    if executor == "local":
        return max(1, min(units, 4 * max(workers, 1)))
    return max(1, min(units, 1000))


def _extract_pipeline(mode: str, specs: Sequence[SourceSpec], work: str, options: MineOptions,
                      t: TroveOptions, parquet: list[str], jsonl: list[str]
                      ) -> list[PipelineStep]:
    steps: list[PipelineStep]
    if mode == "repos":
        steps = [RepoReader(list(specs), work, options.max_bytes)]
    else:
        columns = {**DEFAULT_COLUMNS, **t.columns}
        adapter = ShardAdapter(columns)
        steps = []
        if parquet:
            steps.append(ParquetReader(t.shards, paths_file=f"{work}/parquet_files.txt",
                                       adapter=adapter, text_key=columns["content"]))
        if jsonl:
            steps.append(JsonlReader(t.shards, paths_file=f"{work}/jsonl_files.txt",
                                     adapter=adapter, text_key=columns["content"]))
        steps.append(CodeFileFilter(work, options.max_bytes))
    steps += [ExtractPairs(work), EmptyBodyFilter(work)]
    if options.licenses is not None:
        steps.append(LicenseFilter(work, options.licenses))
    steps.append(RecordWriter(f"{work}/records"))
    return steps


def _merge_pipeline(work: str, out_dir: str, options: MineOptions, tasks: int,
                    mode: str) -> list[PipelineStep]:
    return [JsonlReader(f"{work}/records", glob_pattern="*.jsonl.gz"),
            MergeStep(work, out_dir, options.model_dump(mode="json"), tasks, mode)]


def _env_command(t: TroveOptions) -> str | None:
    if t.env_command is not None:
        return t.env_command
    if sys.prefix != sys.base_prefix:
        return f"source {sys.prefix}/bin/activate"
    return None


def _slurm(pipeline: list[PipelineStep], tasks: int, workers: int, logging_dir: str,
           t: TroveOptions, name: str, mem_gb: int, depends: Any = None,
           skip_completed: bool = True) -> SlurmPipelineExecutor:
    if not t.partition:
        raise ValueError("--executor slurm needs --slurm-partition")
    return SlurmPipelineExecutor(
        pipeline, tasks=tasks, workers=workers if workers > 0 else -1, time=t.time,
        partition=t.partition, cpus_per_task=t.cpus_per_task, mem_per_cpu_gb=mem_gb,
        job_name=name, qos=t.qos, env_command=_env_command(t), sbatch_args=dict(t.sbatch_args),
        logging_dir=logging_dir, depends=depends, skip_completed=skip_completed)


def plan(out_dir: str | Path, options: MineOptions, trove: TroveOptions,
         specs: Sequence[SourceSpec] = ()) -> TrovePlan:
    """Build the two executors (nothing runs). ``specs`` for repositories, or ``trove.shards``."""
    out = str(Path(out_dir).resolve())
    work = trove.logging_dir or f"{out}/.datatrove"
    if "://" not in work:
        work = str(Path(work).resolve())
    parquet: list[str] = []
    jsonl: list[str] = []
    if trove.shards:
        if specs:
            raise ValueError("give repositories or --shards, not both")
        parquet, jsonl = shard_files(trove.shards)
        _check_columns(trove.shards, parquet, jsonl, {**DEFAULT_COLUMNS, **trove.columns})
        mode, units = "shards", max(len(parquet), len(jsonl))
        inputs: Any = {"shards": trove.shards, "parquet": parquet, "jsonl": jsonl,
                       "columns": {**DEFAULT_COLUMNS, **trove.columns}}
    elif specs:
        mode, units = "repos", len(specs)
        inputs = [[s.location, s.repo_name(), s.commit] for s in specs]
    else:
        raise ValueError("no sources given")
    workers = options.workers or (min(2, os.cpu_count() or 1) if trove.executor == "local" else 0)
    tasks = trove.tasks or _auto_tasks(trove.executor, units, workers)
    fingerprint = {"mode": mode, "inputs": inputs, "tasks": tasks, "max_bytes": options.max_bytes,
                   "licenses": options.licenses}
    steps = _extract_pipeline(mode, specs, work, options, trove, parquet, jsonl)
    merge_steps = _merge_pipeline(work, out, options, tasks, mode)
    merge_local = LocalPipelineExecutor(
        merge_steps, tasks=1, workers=1, logging_dir=f"{work}/merge", skip_completed=False)
    if trove.executor == "slurm":
        extract = _slurm(steps, tasks, workers, f"{work}/extract", trove, trove.job_name,
                         trove.mem_per_cpu_gb)
        merge = _slurm(_merge_pipeline(work, out, options, tasks, mode), 1, 1, f"{work}/merge",
                       trove, f"{trove.job_name}-merge", trove.merge_mem_gb, depends=extract,
                       skip_completed=False)
    elif trove.executor == "ray":
        from datatrove.executor import RayPipelineExecutor

        extract = RayPipelineExecutor(steps, tasks=tasks, workers=workers if workers > 0 else -1,
                                      logging_dir=f"{work}/extract",
                                      cpus_per_task=trove.cpus_per_task,
                                      mem_per_cpu_gb=trove.mem_per_cpu_gb)
        merge = merge_local
    else:
        extract = LocalPipelineExecutor(steps, tasks=tasks, workers=workers,
                                        logging_dir=f"{work}/extract",
                                        start_method=trove.start_method)
        merge = merge_local
    return TrovePlan(mode, tasks, workers, get_datafolder(work), fingerprint, extract, merge,
                     merge_local)


def _check_plan(p: TrovePlan, write: bool) -> None:
    """Refuse to resume a logging dir made for other input; record the plan otherwise."""
    if p.work.isfile("plan.json"):
        with p.work.open("plan.json", "r") as fh:
            old = json.load(fh)
        if old != json.loads(json.dumps(p.fingerprint)):
            raise ValueError(f"{p.work.path} holds a run with other input, task count or "
                             "filters; give a new --logging-dir (or remove that one)")
    elif write:
        with p.work.open("plan.json", "w") as fh:
            json.dump(p.fingerprint, fh, indent=1)
        inputs = p.fingerprint["inputs"]
        if p.mode == "shards":
            for kind in ("parquet", "jsonl"):
                with p.work.open(f"{kind}_files.txt", "w") as fh:
                    fh.write("".join(f"{f}\n" for f in inputs[kind]))


@contextmanager
def _capture_sbatch(jobs: list[dict[str, Any]]) -> Iterator[None]:
    """Dry run: datatrove builds, pickles and renders everything; ``sbatch`` is not called."""
    import datatrove.executor.slurm as slurm

    real = slurm.launch_slurm_job

    def fake(contents: str, _retriever: Any, *args: str) -> str:
        jobs.append({"args": list(args), "script": contents})
        return f"DRYRUN{len(jobs)}"

    slurm.launch_slurm_job = fake
    try:
        yield
    finally:
        slurm.launch_slurm_job = real


def _launch(p: TrovePlan, trove: TroveOptions) -> TroveLaunch:
    launch = TroveLaunch(executor=trove.executor, dry_run=trove.dry_run, tasks=p.tasks,
                         workers=p.workers, logging_dir=p.work.path,
                         pipeline=[repr(s) for s in p.extract.pipeline],
                         merge_pipeline=[repr(s) for s in p.merge.pipeline])
    if trove.executor != "slurm" or not trove.dry_run:
        if trove.executor == "slurm":
            p.merge.run()  # launches the extraction array first, the merge after it (afterok)
        return launch
    with _capture_sbatch(launch.jobs):
        p.merge.run()
    for k, job in enumerate(launch.jobs):
        name = next((ln.split("=", 1)[1] for ln in job["script"].splitlines()
                     if ln.startswith("#SBATCH --job-name=")), f"job{k}")
        job["name"] = name + ("-stats" if "merge_stats " in job["script"] else "")
        path = f"slurm-dry-run/{k:02d}-{job['name']}.sbatch"
        with p.work.open(path, "w") as fh:
            fh.write(job["script"])
        job["path"] = p.work.resolve_paths(path)
    return launch


def run(p: TrovePlan, trove: TroveOptions) -> MineReport | TroveLaunch:
    """Run a plan: a MineReport when the dataset was written here (local, Ray), a TroveLaunch
    for Slurm (jobs submitted, or rendered with ``dry_run``) and dry runs."""
    if trove.executor == "ray" and not trove.dry_run and importlib.util.find_spec("ray") is None:
        raise ValueError("--executor ray needs Ray: pip install 'datatrove[ray]'")
    _check_plan(p, write=not trove.dry_run)
    if trove.dry_run or trove.executor == "slurm":
        return _launch(p, trove)
    t0 = time.perf_counter()
    if trove.executor == "ray":
        import ray

        if not ray.is_initialized():
            ray.init(address=trove.ray_address)
    failure = ""
    try:
        p.extract.run()
    except Exception as e:
        failure = f" ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
    incomplete = p.extract.get_incomplete_ranks()
    if incomplete:
        raise TroveError(f"{len(incomplete)} of {p.tasks} tasks did not complete{failure}; logs "
                         f"in {p.work.path}/extract/logs; run the same command to resume")
    t_extract = time.perf_counter()
    p.merge_local.run()
    with p.work.open("report.json", "r") as fh:
        report = MineReport.model_validate_json(fh.read())
    report.timings_s = {"extract": round(t_extract - t0, 3), **{
        k: v for k, v in report.timings_s.items() if k != "extract"}}
    report.elapsed_s = round(time.perf_counter() - t0, 3)
    with p.work.open("report.json", "w") as fh:
        fh.write(report.model_dump_json(indent=1))
    return report


def mine_datatrove(sources: Sequence[SourceSpec], out_dir: str | Path,
                   options: MineOptions | None = None, trove: TroveOptions | None = None
                   ) -> MineReport | TroveLaunch:
    """``mine()`` on datatrove: same records and outputs, run as resumable tasks."""
    options = options or MineOptions()
    trove = trove or TroveOptions()
    return run(plan(out_dir, options, trove, sources), trove)
