"""``accellium mine --engine datatrove``: the same dataset as the reference miner, from
repositories or corpus shards, with any number of tasks, resumed after a kill or a failed task;
Slurm and Ray pipelines built (and the sbatch scripts rendered) without running them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dill
import pytest
from _mine_corpus import corpus, write_repos, write_shards
from _mine_util import MIT, SAXPY, c_file, make_repo

from accellium.dataset.mine.license import license_allowed, license_label
from accellium.dataset.mine.pipeline import MineOptions, mine
from accellium.dataset.mine.sources import SourceSpec
from accellium.dataset.mine.trove import TroveError, TroveOptions, mine_datatrove, plan, run
from accellium.dataset.mine.trove_steps import (
    EmptyBodyFilter,
    ExtractPairs,
    MergeStep,
    RecordWriter,
    RepoReader,
)
from accellium.dataset.records import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ["train.jsonl", "test.jsonl", "hidden.jsonl", "stats.json", "near_duplicates.json",
           "README.md"]
MAX_BYTES = 64_000


def records(out: Path) -> list[dict]:
    """Every record of a mined folder, split by split, in file order."""
    return [r.model_dump() for n in ("train", "test", "hidden")
            for r in read_jsonl(out / f"{n}.jsonl")]


def report_core(rep) -> dict:
    d = rep.model_dump()
    for k in ("out_dir", "files_written", "timings_s", "elapsed_s", "options"):
        d.pop(k)
    return d


def cli(*args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "accellium", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# ----------------------------------------------------------------------------------------------
# Repositories on disk: the reference miner's input
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> list[str]:
    """Git repositories (bare and not; a fork with a copied file, an empty loop body), folders
    of a generated corpus, and a URL that fails to clone."""
    root = tmp_path_factory.mktemp("repos")
    out = []
    for k in range(5):
        body = "\n".join(f"#pragma acc parallel loop copy(a[0:n])\n  for (int i = 0; i < n; "
                         f"i++) a[i] = a[i] * {k * 10 + j} + b[i] / {j + 2};" for j in range(3))
        files = {f"src/p{k}.c": c_file(body, f"proj{k}")}
        if k == 0:
            files |= {"saxpy.c": SAXPY, "LICENSE": MIT}
        if k == 3:
            files |= {"vendor/saxpy.c": SAXPY}
        if k == 4:
            files |= {"empty.c": c_file("#pragma acc kernels\n  for (int i = 0; i < n; i++);")}
        path, _ = make_repo(root / f"o+p{k}.git", files, bare=(k % 2 == 0))
        out.append(str(path))
    out += [str(d) for d in write_repos(corpus(n_repos=4, files_per_repo=40, seed=3),
                                        root / "gen")]
    out.append(f"file://{root}/missing-repo")
    return out


def test_local_executor_writes_what_the_reference_miner_writes(repos, tmp_path):
    specs = [SourceSpec(s) for s in repos]
    opts = MineOptions(progress=False, workers=2)
    ref = mine(specs, tmp_path / "ref", opts)
    dt = mine_datatrove(specs, tmp_path / "dt", opts, TroveOptions(tasks=3))
    assert ref.stages["raw_pairs"] > 100 and len(ref.repos_failed) == 1
    a, b = records(tmp_path / "ref"), records(tmp_path / "dt")
    assert len(a) == ref.stages["after_exact_dedup"] and len(b) == len(a)
    for ra, rb in zip(a, b, strict=True):  # record for record, every field
        assert ra == rb
    for name in OUTPUTS:  # the files themselves, data card and statistics included
        assert (tmp_path / "ref" / name).read_bytes() == (tmp_path / "dt" / name).read_bytes()
    assert report_core(dt) == report_core(ref)
    assert dt.timings_s["extract_tasks_total"] > 0
    assert len(list((tmp_path / "dt" / ".datatrove" / "extract" / "completions").iterdir())) == 3


def test_licence_allow_list_same_in_both_engines(repos, tmp_path):
    specs = [SourceSpec(s) for s in repos]
    opts = MineOptions(progress=False, workers=1, near_dup=False, licenses=["MIT", "GPL-3.0"])
    ref = mine(specs, tmp_path / "ref", opts)
    dt = mine_datatrove(specs, tmp_path / "dt", opts, TroveOptions(tasks=2))
    assert ref.stages["license_filtered"] > 0 and ref.stages == dt.stages
    recs = records(tmp_path / "dt")
    assert recs == records(tmp_path / "ref") and {r["license"] for r in recs} <= {"MIT",
                                                                                   "GPL-3.0"}


def test_licence_labels():
    assert license_label(["MIT", "Apache-2.0", "MIT"]) == "Apache-2.0 AND MIT"
    assert license_label([]) == "none" and license_label(None) == "none"
    assert license_allowed("Apache-2.0 AND MIT", ["mit", "apache-2.0"])
    assert not license_allowed("GPL-3.0 AND MIT", ["MIT"]) and license_allowed("x", None)


def test_a_logging_dir_of_other_input_is_refused(repos, tmp_path):
    specs = [SourceSpec(s) for s in repos[:3]]
    opts = MineOptions(progress=False, workers=1, near_dup=False)
    mine_datatrove(specs, tmp_path / "o", opts, TroveOptions(tasks=2))
    with pytest.raises(ValueError, match="other input"):
        mine_datatrove(specs, tmp_path / "o", opts, TroveOptions(tasks=3))
    with pytest.raises(ValueError, match="other input"):
        mine_datatrove(specs[:2], tmp_path / "o", opts, TroveOptions(tasks=2))
    rnd = MineOptions(progress=False, workers=1, near_dup=False, split="random")
    again = mine_datatrove(specs, tmp_path / "o", rnd, TroveOptions(tasks=2))  # reuses the tasks
    assert set(again.splits) == {"train", "test"}


# ----------------------------------------------------------------------------------------------
# Corpus shards (parquet and JSONL) with several tasks; resume
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("corpus")
    rows = corpus(n_repos=12, files_per_repo=160, big_bytes=MAX_BYTES + 1000)
    write_shards(rows, root / "shards", n_shards=6)
    return root / "shards", rows


@pytest.fixture(scope="module")
def single(shards, tmp_path_factory) -> tuple[Path, object]:
    """The shards mined by one task: what every other run must reproduce."""
    out = tmp_path_factory.mktemp("single") / "out"
    rep = mine_datatrove([], out, MineOptions(progress=False, workers=1, max_bytes=MAX_BYTES),
                         TroveOptions(tasks=1, shards=str(shards[0])))
    return out, rep


def test_shards_with_several_tasks_equal_one_task_and_the_reference(shards, single, tmp_path):
    folder, rows = shards
    out1, rep1 = single
    c_files = sum(1 for r in rows if r["path"].endswith((".c", ".cpp", ".h", ".cc")))
    assert len(rows) > 2000 and rep1.files_scanned == c_files - 1  # one over the size cap
    assert rep1.skipped == {"not_c_file": len(rows) - c_files, "too_large": 1}
    assert len({r.repo for r in rep1.repos}) == 12 and rep1.stages["raw_pairs"] > 1000
    assert {r.license for r in rep1.repos} == {"MIT", "Apache-2.0", "GPL-3.0", "BSD-3-Clause",
                                               "none"}
    assert all(rep1.splits.values()) and rep1.leakage.ok
    opts = MineOptions(progress=False, workers=2, max_bytes=MAX_BYTES)
    rep5 = mine_datatrove([], tmp_path / "t5", opts, TroveOptions(tasks=5, shards=str(folder)))
    assert records(tmp_path / "t5") == records(out1)
    assert report_core(rep5) == report_core(rep1)
    # The same files as folders, mined by the reference miner: the same records.
    dirs = write_repos(rows, tmp_path / "repos")
    ref = mine([SourceSpec(str(d)) for d in dirs], tmp_path / "ref", opts)
    assert records(tmp_path / "ref") == records(out1)
    assert ref.stages == rep1.stages and ref.directives == rep1.directives


def _completions(out: Path) -> dict[str, int]:
    d = out / ".datatrove" / "extract" / "completions"
    return {p.name: p.stat().st_mtime_ns for p in d.iterdir()} if d.is_dir() else {}


def test_killed_run_resumes_where_it_stopped(shards, single, tmp_path):
    out = tmp_path / "out"
    args = ["mine", "--shards", str(shards[0]), "--out", str(out), "--tasks", "12",
            "--workers", "1", "--max-bytes", str(MAX_BYTES), "--no-progress", "--json"]
    proc = cli(*args, start_new_session=True)
    deadline = time.monotonic() + 300
    while not _completions(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process tree, as a lost node would be
    proc.communicate()
    before = _completions(out)
    assert 1 <= len(before) < 12, "the run was not stopped midway"
    assert not (out / "train.jsonl").exists()
    proc = cli(*args)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-2000:]
    assert f"Skipping {len(before)} already completed tasks" in stderr
    after = _completions(out)
    assert len(after) == 12 and all(after[k] == v for k, v in before.items())  # not re-run
    assert json.loads(stdout)["stages"] == single[1].stages
    assert records(out) == records(single[0])


def test_failed_task_is_rerun_after_the_fix(shards, single, tmp_path):
    folder = tmp_path / "shards"
    shutil.copytree(shards[0], folder)
    good = (folder / "shard-002.parquet").read_bytes()  # task 1 of 3 reads it
    (folder / "shard-002.parquet").write_bytes(b"PAR1 not a parquet file")
    opts = MineOptions(progress=False, workers=1, max_bytes=MAX_BYTES)
    trove = TroveOptions(tasks=3, shards=str(folder))
    with pytest.raises(TroveError, match="tasks did not complete"):
        mine_datatrove([], tmp_path / "out", opts, trove)
    before = _completions(tmp_path / "out")
    assert list(before) == ["00000"]
    (folder / "shard-002.parquet").write_bytes(good)
    rep = mine_datatrove([], tmp_path / "out", opts, trove)
    after = _completions(tmp_path / "out")
    assert sorted(after) == ["00000", "00001", "00002"] and after["00000"] == before["00000"]
    assert records(tmp_path / "out") == records(single[0]) and rep.stages == single[1].stages


def test_stack_v2_column_names(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "s").mkdir()
    pq.write_table(pa.Table.from_pylist([
        {"repo_name": "o/r", "path": "a.c", "content": SAXPY, "detected_licenses": ["MIT"],
         "revision_id": "abc123"},
        {"repo_name": "o/r", "path": "b.py", "content": "x = 1", "detected_licenses": [],
         "revision_id": "abc123"}]), tmp_path / "s" / "part-0.parquet")
    rep = mine_datatrove([], tmp_path / "out", MineOptions(progress=False, workers=1),
                         TroveOptions(shards=str(tmp_path / "s"), columns={
                             "repo": "repo_name", "license": "detected_licenses",
                             "commit": "revision_id"}))
    (rec,) = records(tmp_path / "out")
    assert (rec["repo"], rec["commit"], rec["license"], rec["function"]) == (
        "o/r", "abc123", "MIT", "saxpy")
    assert rep.skipped == {"not_c_file": 1} and rep.repos[0].files == 1


# ----------------------------------------------------------------------------------------------
# Slurm and Ray: built, pickled, rendered; not run (no cluster here)
# ----------------------------------------------------------------------------------------------


def test_slurm_pipeline_rendered_not_submitted(repos, tmp_path):
    specs = [SourceSpec(s) for s in repos]
    trove = TroveOptions(executor="slurm", partition="cpu", tasks=4, dry_run=True,
                         sbatch_args={"account": "proj42"}, env_command="module load py")
    launch = run(plan(tmp_path / "out", MineOptions(workers=2), trove, specs), trove)
    assert launch.dry_run and launch.tasks == 4 and len(launch.jobs) == 4
    extract, extract_stats, merge, _merge_stats = launch.jobs
    work = tmp_path / "out" / ".datatrove"
    s = extract["script"]
    for line in ["#SBATCH --partition=cpu", "#SBATCH --array=0-3%2", "#SBATCH --account=proj42",
                 "#SBATCH --job-name=accellium-mine", "#SBATCH --mem-per-cpu=2G", "module load py",
                 f"launch_pickled_pipeline {work}/extract/executor.pik"]:
        assert line in s
    assert Path(extract["path"]).read_text() == s and "merge_stats" in extract_stats["script"]
    assert "--dependency=afterok:DRYRUN1" in merge["args"]  # the merge waits for extraction
    assert f"launch_pickled_pipeline {work}/merge/executor.pik" in merge["script"]
    # What Slurm would run: the pickled executors load, with the pipeline we built.
    with open(work / "extract" / "executor.pik", "rb") as fh:
        ex = dill.load(fh)
    assert type(ex).__name__ == "SlurmPipelineExecutor" and ex.world_size == 4
    assert [type(st) for st in ex.pipeline] == [RepoReader, ExtractPairs, EmptyBodyFilter,
                                                RecordWriter]
    assert len(ex.pipeline[0].specs) == len(repos)
    with open(work / "merge" / "executor.pik", "rb") as fh:
        mx = dill.load(fh)
    assert mx.world_size == 1 and type(mx.pipeline[-1]) is MergeStep
    assert not (tmp_path / "out" / "train.jsonl").exists()
    assert not (work / "extract" / "completions").exists()


def test_ray_pipeline_built_not_run(repos, tmp_path):
    from datatrove.executor import RayPipelineExecutor

    specs = [SourceSpec(s) for s in repos]
    trove = TroveOptions(executor="ray", tasks=6, mem_per_cpu_gb=3)
    p = plan(tmp_path / "out", MineOptions(workers=3), trove, specs)
    assert isinstance(p.extract, RayPipelineExecutor)
    assert (p.extract.world_size, p.extract.workers, p.extract.mem_per_cpu_gb) == (6, 3, 3)
    assert [type(st) for st in p.extract.pipeline][1:] == [ExtractPairs, EmptyBodyFilter,
                                                           RecordWriter]
    assert type(dill.loads(dill.dumps(p.extract)).pipeline[0]) is RepoReader
    launch = run(p, trove.model_copy(update={"dry_run": True}))
    assert launch.executor == "ray" and launch.jobs == [] and launch.tasks == 6


def test_cli_datatrove_dry_run_and_bad_input(repos, tmp_path, capsys):
    from accellium.cli import main

    out = tmp_path / "o"
    rc = main(["mine", *repos[:2], "--out", str(out), "--executor", "slurm",
               "--slurm-partition", "gpu", "--tasks", "2", "--dry-run", "--json"])
    launch = json.loads(capsys.readouterr().out)
    assert rc == 0 and launch["executor"] == "slurm" and len(launch["jobs"]) == 4
    (tmp_path / "empty").mkdir()
    (tmp_path / "cols").mkdir()
    (tmp_path / "cols" / "a.jsonl").write_text('{"text": "x", "path": "a.c"}\n')
    bad = [
        ["mine", "--shards", str(tmp_path / "nope"), "--out", str(out)],
        ["mine", "--shards", str(tmp_path / "empty"), "--out", str(out)],
        ["mine", "--shards", str(tmp_path / "cols"), "--out", str(out)],
        ["mine", "--engine", "reference", "--tasks", "3", repos[0], "--out", str(out)],
        ["mine", repos[0], "--shards", str(tmp_path / "cols"), "--out", str(out)],
        ["mine", repos[0], "--out", str(out), "--executor", "slurm"],
        ["bench", "mine", "--engine", "compare", str(tmp_path / "nope")],
    ]
    for argv in bad:
        rc = main(argv)
        err = capsys.readouterr().err.strip()
        assert rc == 2 and len(err.splitlines()) == 1 and "error" in err, (argv, err)
    assert "--columns" in _err_of(main, capsys, bad[2])
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        err = _err_of(main, capsys, ["mine", repos[0], "--out", str(out), "--executor", "ray"])
        assert "pip install 'datatrove[ray]'" in err


def _err_of(main, capsys, argv) -> str:
    main(argv)
    return capsys.readouterr().err


def test_bench_compares_the_two_engines(repos):
    proc = cli("bench", "mine", *repos[:5], "--engine", "compare", "--compare-workers", "1,2",
               "--no-near-dup", "--json")
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-2000:]
    rows = json.loads(stdout)
    assert [(r["engine"], r["workers"]) for r in rows] == [
        ("reference", 1), ("reference", 2), ("datatrove", 1), ("datatrove", 2)]
    assert len({(r["files"], r["mb_scanned"], r["raw_pairs"], r["pairs_kept"]) for r in rows}) == 1
    for r in rows:
        assert r["files_per_s"] > 0 and r["mb_per_s"] > 0 and r["pairs_per_s"] > 0
        assert r["peak_rss_tree_mb"] >= r["peak_rss_proc_mb"] > 10
    assert all(r["mb_per_s_per_worker"] > 0 for r in rows if r["engine"] == "datatrove")
