"""GPU mode in two steps: ``--mode gpu --bundle DIR`` builds every variant (serial, the
authors', the engine's, the offload plan) with the nvptx offload compiler into a folder that
``--run-bundle DIR`` runs on a GPU machine without the compiler or an engine.  Here (no GPU)
the run verifies the serial builds, reports the GPU variants as built and not run with the
probe's reason, and every bad input is a one-line error (CI installs gcc-12-offload-nvptx)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from accellium.evaluation.dynamic.gpu_bundle import Bundle, load_bundle, run_bundle

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "evaluation" / "programs"
PROGRAMS = "saxpy,heat_steps,wrong_copyin_output"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accellium", "eval", *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env=env)


def _build(tmp_path: Path) -> Path:
    dest = tmp_path / "bundle"
    p = _cli("--dynamic", str(SUITE), "--mode", "gpu", "--engine", "analysis", "--offload",
             "--programs", PROGRAMS, "--bundle", str(dest), "--json")
    assert p.returncode == 0, p.stderr
    built = json.loads(p.stdout)
    assert built["offload_compiler"] is True and built["reason"] == "not run: build only"
    assert built["metrics"]["built_original"] == 1.0
    return dest


def test_a_bundle_holds_every_variant_the_runtime_and_runs_without_the_toolchain(tmp_path):
    dest = _build(tmp_path)
    root, b = load_bundle(dest)
    assert sorted(bp.program.name for bp in b.programs) == sorted(PROGRAMS.split(","))
    assert set(b.libs) == {"libgomp.so.1", "libgomp-plugin-nvptx.so.1"}
    assert (root / "probe").is_file() and "gcc" in b.compiler
    labels = {v.label for bp in b.programs for v in bp.variants}
    assert labels == {"serial", "original", "engine", "plan"}
    for bp in b.programs:
        for v in bp.variants:
            assert v.built, (bp.program.name, v.label, v.reason)
            # the GPU builds carry the device code (PTX for sm_80) inside the executable
            if v.label != "serial":
                assert b".target\tsm_80" in (root / v.dir / v.binary).read_bytes() or \
                    b".target sm_80" in (root / v.dir / v.binary).read_bytes()
    # moved elsewhere and run with no compiler on PATH: only the bundle and Python are used
    moved = tmp_path / "elsewhere"
    shutil.move(str(dest), moved)
    rows = tmp_path / "rows.jsonl"
    env = {"PATH": os.path.dirname(sys.executable), "HOME": str(tmp_path)}
    p = _cli("--run-bundle", str(moved), "--runs", "1", "--rows-out", str(rows), "--json",
             "--jobs-gpu", "2", "--report", str(tmp_path / "rep"), env=env)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    # two programs at a time; the result keeps the bundle's order, the rows file their ends'
    assert r["jobs"] == 2
    assert [row["name"] for row in r["programs"]] == [bp.program.name for bp in b.programs]
    assert sorted(json.loads(x)["name"] for x in rows.read_text().splitlines()) == \
        sorted(row["name"] for row in r["programs"])
    for row in r["programs"]:
        assert row["serial"]["verified"], row["serial"]
        for k in ("original", "engine", "plan"):
            if r["gpu"]:
                assert row[k]["verified"] is (k != "original" or row["original_pragmas_ok"])
            else:
                assert row[k]["status"] == "built"
                assert row[k]["reason"].startswith("not run: no GPU"), row[k]
    if not r["gpu"]:
        assert r["metrics"]["verified"] is None and r["metrics"]["built_plan"] == 1.0
    report = (tmp_path / "rep" / "report.md").read_text()
    assert "GPU mode" in report and "heat_steps" in report


def test_a_deadline_leaves_the_rest_not_run(tmp_path):
    dest = _build(tmp_path)
    r = run_bundle(dest, runs=1, deadline_s=1e-9)
    assert r["programs"] == [] and sorted(r["not_run"]) == sorted(PROGRAMS.split(","))
    assert r["metrics"]["not_run"] == 3


def test_bad_bundles_and_flags_are_one_line_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    p = _cli("--run-bundle", str(empty))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "no bundle" in p.stderr
    p = _cli("--run-bundle", str(empty), "--jobs-gpu", "0")
    assert p.returncode == 2 and "--jobs-gpu" in p.stderr
    p = _cli("--dynamic", str(SUITE), "--bundle", str(tmp_path / "b"))
    assert p.returncode == 2 and "--bundle needs --mode gpu" in p.stderr
    dest = _build(tmp_path)
    # a bundle folder is never written over
    p = _cli("--dynamic", str(SUITE), "--mode", "gpu", "--engine", "analysis",
             "--programs", "saxpy", "--bundle", str(dest))
    assert p.returncode == 2 and "not empty" in p.stderr
    b = Bundle.model_validate_json((dest / "bundle.json").read_text())
    v = next(v for v in b.programs[0].variants if v.binary)
    (dest / v.dir / v.binary).unlink()
    p = _cli("--run-bundle", str(dest))
    assert p.returncode == 2 and "is missing" in p.stderr and p.stderr.count("\n") == 1
    (dest / "bundle.json").write_text('{"format": 2}')
    p = _cli("--run-bundle", str(dest))
    assert p.returncode == 2 and "not a bundle" in p.stderr
