"""A GPU-mode bundle: the variants of every program built for ``nvptx-none``, with their run
folders, the libgomp runtime and offload plugin they were linked with, and a probe binary,
described by ``bundle.json``.  It is built where the offload compiler is (``accellium eval
--dynamic M --mode gpu --bundle DIR``) and run where the GPU is (``accellium eval
--run-bundle DIR``), which needs neither the compiler nor an engine: only Python, pydantic and
the GPU driver.  A GPU node of a cluster rarely has the offload compiler; a build machine
rarely has a GPU."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from accellium.evaluation.dynamic.build import run_binary
from accellium.evaluation.dynamic.manifest import (
    ManifestError,
    Program,
    Verify,
    check_output,
    serial_reference,
)

__all__ = ["PROBE_SOURCE", "BundleVariant", "BundleProgram", "Bundle", "write_bundle",
           "load_bundle", "probe_gpu", "run_bundle", "gpu_metrics"]

PROBE_SOURCE = b"int main(void){int a[64];\n#pragma acc parallel loop copyout(a[0:64])\n" \
               b"for(int i=0;i<64;i++)a[i]=i;\nreturn a[63]==63?0:1;}\n"
# The runtime a GPU build needs besides the C library: libgomp and its nvptx plugin, which
# must come from the same gcc (libgomp dlopens the plugin by this name from its search path).
RUNTIME_LIBS = ("libgomp.so.1", "libgomp-plugin-nvptx.so.1")
_LABELS = ("serial", "original", "engine", "plan")


class BundleVariant(BaseModel):
    label: Literal["serial", "original", "engine", "plan"]
    built: bool
    build_s: float = 0.0
    dir: str
    binary: str | None = None
    reason: str | None = None


class BundleProgram(BaseModel):
    program: Program
    variants: list[BundleVariant] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)


class Bundle(BaseModel):
    format: Literal[1] = 1
    manifest: str
    engine: str | None
    offload: bool = False
    compiler: str = ""
    probe_built: bool
    probe_log: str = ""
    libs: list[str] = Field(default_factory=list)
    programs: list[BundleProgram]


def _runtime_dir(binary: Path) -> Path | None:
    """The folder of the libgomp ``binary`` loads (``ldd``)."""
    try:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"libgomp\.so\.1 => (\S+)", out)
    return Path(m.group(1)).resolve().parent if m else None


def write_bundle(dest: Path, manifest: str, engine: str | None, offload: bool,
                 programs: list[BundleProgram], probe_built: bool, probe_log: str) -> Bundle:
    """Write ``dest/bundle.json`` and copy the runtime libraries into ``dest/lib``."""
    libs: list[str] = []
    src = _runtime_dir(dest / "probe") if probe_built else None
    if src is not None:
        (dest / "lib").mkdir(exist_ok=True)
        for name in RUNTIME_LIBS:
            if (src / name).is_file():
                shutil.copy2(src / name, dest / "lib" / name, follow_symlinks=True)
                libs.append(name)
    try:
        cc = subprocess.run(["gcc", "--version"], capture_output=True, text=True,
                            timeout=30).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        cc = ""
    b = Bundle(manifest=manifest, engine=engine, offload=offload, compiler=cc,
               probe_built=probe_built, probe_log=probe_log[-2000:], libs=libs,
               programs=programs)
    (dest / "bundle.json").write_text(b.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return b


def load_bundle(folder: str | Path) -> tuple[Path, Bundle]:
    """The bundle in ``folder``; raises :class:`ManifestError` with a one-line reason."""
    root = Path(folder)
    p = root / "bundle.json"
    if not p.is_file():
        raise ManifestError(f"no bundle in {folder} (no bundle.json: build one with "
                            "`accellium eval --dynamic M --mode gpu --bundle DIR`)")
    try:
        b = Bundle.model_validate_json(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValidationError) as e:
        raise ManifestError(f"{p}: not a bundle: {' '.join(str(e).split())[:300]}") from None
    for bp in b.programs:
        for v in bp.variants:
            if v.binary and not (root / v.dir / v.binary).is_file():
                raise ManifestError(f"{p}: {v.dir}/{v.binary} is missing")
    return root, b


def _env(root: Path, b: Bundle, gpu: bool) -> dict[str, str]:
    env: dict[str, str] = {"ACC_DEVICE_TYPE": "nvidia"} if gpu else {}
    if b.libs:
        lib = str((root / "lib").resolve())
        env["LD_LIBRARY_PATH"] = lib + (":" + os.environ["LD_LIBRARY_PATH"]
                                        if os.environ.get("LD_LIBRARY_PATH") else "")
    return env


def probe_gpu(exe: Path, env: dict[str, str] | None = None, runs: int = 1) -> dict[str, Any]:
    """Whether the probe binary runs on a GPU (``gpu``, with the ``reason`` when not); when it
    does, ``startup_s``: the median wall time of ``runs`` runs of the probe, one 64-element
    loop -- what any GPU variant pays before its own work (process, runtime and context
    start-up, the device image's load)."""
    e = {"PATH": "/usr/bin:/bin", "ACC_DEVICE_TYPE": "nvidia", **(env or {})}
    times = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        try:
            r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, env=e)
        except (OSError, subprocess.SubprocessError) as x:
            return {"gpu": False, "reason": f"no GPU: the probe did not run: {x}"}
        if r.returncode != 0:
            return {"gpu": False, "reason": "no GPU: " + (r.stderr.strip().splitlines()
                                                          or ["probe failed"])[-1]}
        times.append(time.perf_counter() - t0)
    return {"gpu": True, "reason": "", "startup_s": round(statistics.median(times), 4)}


def _run(v: BundleVariant, prog: Program, root: Path, b: Bundle, status: dict[str, Any],
         runs: int, execute: bool) -> tuple[dict[str, Any], Verify]:
    """The variant's row and the verification the next variants use: the serial build's
    output becomes the reference of a ``differential`` one (two runs at least)."""
    gpu = v.label != "serial"
    verify = prog.verify
    if v.label == "serial" and verify.kind == "differential":
        runs = max(runs, 2)
    out: dict[str, Any] = {"label": v.label, "built": v.built, "build_s": v.build_s}
    if not v.built or v.binary is None:
        out.update(status="compile", reason=v.reason or "", verified=False)
        return out, verify
    if not execute:
        out.update(status="built", verified=None, reason="not run: build only")
        return out, verify
    if gpu and not status["gpu"]:
        out.update(status="built", verified=None, reason="not run: " + status["reason"])
        return out, verify
    work = root / v.dir
    times = []
    outputs: list[tuple[int, str]] = []
    for _ in range(runs):
        r = run_binary(prog, work, work / v.binary, _env(root, b, gpu),
                       max(30.0, prog.timeout_s * 3))
        outputs.append((r.returncode, r.stdout))
        if verify.kind == "differential" and not r.timed_out:
            times.append(r.seconds)
            continue
        ok, why = check_output(verify, r.returncode, r.stdout)
        if r.timed_out or not ok:
            out.update(status="timeout" if r.timed_out else "wrong", verified=False,
                       reason=(why + " " + r.stderr.strip()[-300:]).strip(),
                       stdout_tail=r.stdout[-400:])
            return out, verify
        times.append(r.seconds)
    if verify.kind == "differential":
        verify, why = serial_reference(verify, outputs)
        if why:
            out.update(status="wrong", verified=False, reason=why)
            return out, verify
    out.update(status="verified", verified=True, seconds=round(statistics.median(times), 4),
               all_seconds=[round(t, 4) for t in times])
    return out, verify


def _program_row(bp: BundleProgram, root: Path, b: Bundle, status: dict[str, Any], runs: int,
                 execute: bool) -> dict[str, Any]:
    prog = bp.program
    row: dict[str, Any] = {"name": prog.name, "original_pragmas_ok": prog.original_pragmas_ok,
                           "original_pragma_issue": prog.original_pragma_issue, **bp.facts}
    for v in sorted(bp.variants, key=lambda v: _LABELS.index(v.label)):
        row[v.label], verify = _run(v, prog, root, b, status, runs, execute)
        if v.label == "serial":
            prog = prog.model_copy(update={"verify": verify})
    serial_s = (row.get("serial") or {}).get("seconds")
    for k in _LABELS[1:]:
        if (row.get(k) or {}).get("seconds") and serial_s:
            row[f"speedup_{k}"] = round(serial_s / row[k]["seconds"], 3)
    return row


def _frac(xs: list[bool]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def _median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 4) if xs else None


def _time_ratio(rows: list[dict], a: str, b: str) -> tuple[float | None, int]:
    """Median over programs where both verified of ``a``'s run time over ``b``'s."""
    xs = [r[a]["seconds"] / r[b]["seconds"] for r in rows
          if (r.get(a) or {}).get("verified") and (r.get(b) or {}).get("verified")
          and r[b].get("seconds")]
    return _median(xs), len(xs)


def gpu_metrics(rows: list[dict], has: set[str], ran: bool) -> dict[str, Any]:
    """The GPU mode's metrics over program rows (``has``: the variants built)."""
    ok_rows = [r for r in rows if r["original_pragmas_ok"]]
    bad_rows = [r for r in rows if not r["original_pragmas_ok"]]
    m: dict[str, Any] = {
        "programs": len(rows),
        "built_original": _frac([r["original"]["built"] for r in rows]),
        "built_engine": _frac([r["engine"]["built"] for r in rows]) if "engine" in has else None,
        "verified": _frac([bool(r["engine"]["verified"]) for r in rows])
        if "engine" in has and ran else None,
        "calibration_verified": _frac([bool(r["original"]["verified"]) for r in ok_rows])
        if ran else None,
        "calibration_caught": _frac([not r["original"]["verified"] for r in bad_rows])
        if ran else None,
    }
    if "plan" in has:
        m["built_plan"] = _frac([r["plan"]["built"] for r in rows])
        m["plan_verified"] = _frac([bool(r["plan"]["verified"]) for r in rows]) if ran else None
    if ran:
        for k in ("original", "engine", "plan"):
            if k in has:
                m[f"speedup_{k}_median"] = _median([r[f"speedup_{k}"] for r in rows
                                                    if f"speedup_{k}" in r])
        if "plan" in has:
            m["time_plan_vs_per_loop"], m["time_plan_vs_per_loop_n"] = \
                _time_ratio(rows, "plan", "engine")
            m["time_plan_vs_original"], m["time_plan_vs_original_n"] = \
                _time_ratio(rows, "plan", "original")
    return m


def run_bundle(folder: str | Path, *, runs: int = 3, only: list[str] | None = None,
               execute: bool = True, deadline_s: float | None = None,
               rows_jsonl: str | Path | None = None, jobs: int = 1,
               progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every built variant of the bundle on this machine's GPU, verify and time it.
    ``deadline_s``: start no program after this many seconds (the rest are counted as
    ``not_run``); ``rows_jsonl``: append each program's row there as it finishes; ``jobs``:
    programs run at once (more than 1 shares the GPU and the cores between them: for
    verification, its times are not each program's alone, ``"jobs"`` in the result says so)."""
    t0 = time.perf_counter()
    root, b = load_bundle(folder)
    programs = [bp for bp in b.programs if not only or bp.program.name in set(only)]
    if not b.probe_built:
        status = {"offload_compiler": False, "gpu": False,
                  "reason": "no nvptx offload compiler (apt-get install gcc-12-offload-nvptx "
                            "nvptx-tools libgomp-plugin-nvptx1): " + b.probe_log[-300:]}
    elif not execute:
        status = {"offload_compiler": True, "gpu": False, "reason": "not run: build only"}
    else:
        status = {"offload_compiler": True,
                  **probe_gpu(root / "probe", _env(root, b, True), runs=3)}
    sink = Path(rows_jsonl) if rows_jsonl else None
    lock = threading.Lock()

    def one(i: int, bp: BundleProgram) -> dict[str, Any] | None:
        if deadline_s is not None and time.perf_counter() - t0 > deadline_s:
            return None
        if progress and execute:
            progress(f"run [{i + 1}/{len(programs)}] {bp.program.name}")
        row = _program_row(bp, root, b, status, runs, execute)
        if sink is not None:
            with lock, sink.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(lambda a: one(*a), enumerate(programs)))
    rows = [r for r in done if r is not None]
    not_run = [bp.program.name for bp, r in zip(programs, done, strict=True) if r is None]
    has: set[str] = {v.label for bp in programs for v in bp.variants}
    ran = bool(status["gpu"]) and execute
    metrics = gpu_metrics(rows, has, ran) if rows else {"programs": 0}
    metrics["not_run"] = len(not_run)
    return {"manifest": b.manifest, "mode": "gpu", "engine": b.engine, "runs": runs,
            "jobs": max(1, jobs), "compiler": b.compiler, **status, "metrics": metrics,
            "seconds": round(time.perf_counter() - t0, 1), "programs": rows,
            "not_run": not_run}
