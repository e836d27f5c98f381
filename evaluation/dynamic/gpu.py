"""GPU mode of the dynamic evaluation: build with ``gcc -fopenacc -foffload=nvptx-none``, run
on the GPU (``ACC_DEVICE_TYPE=nvidia``: no silent host fallback), verify and time the serial
build, the authors' pragmas and the engine's pragmas.  Without a GPU it still builds every
variant (the offload compiler is tested) and says ``"gpu": false`` with the reason."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accellium.evaluation.dynamic.build import GPU_FLAGS, compile_program, prepare, run_binary
from accellium.evaluation.dynamic.evaluate import annotate_with_engine
from accellium.evaluation.dynamic.manifest import (
    Program,
    Verify,
    check_output,
    load_manifest,
    serial_reference,
)
from accellium.evaluation.dynamic.offload import compile_defines, compile_include_dirs
from accellium.evaluation.dynamic.variants import compile_reason

__all__ = ["evaluate_gpu", "gpu_status"]

_PROBE = b"int main(void){int a[64];\n#pragma acc parallel loop copyout(a[0:64])\n" \
         b"for(int i=0;i<64;i++)a[i]=i;\nreturn a[63]==63?0:1;}\n"


def gpu_status() -> dict[str, Any]:
    """Whether the offload compiler builds and whether a GPU runs the result."""
    with tempfile.TemporaryDirectory(prefix="accellium-gpu-") as d:
        src = Path(d) / "probe.c"
        src.write_bytes(_PROBE)
        exe = Path(d) / "probe"
        c = subprocess.run(["gcc", "-O1", *GPU_FLAGS.split(), str(src), "-o", str(exe)],
                           capture_output=True, text=True, timeout=300)
        if c.returncode != 0:
            return {"offload_compiler": False, "gpu": False,
                    "reason": "no nvptx offload compiler (apt-get install gcc-12-offload-nvptx "
                              "nvptx-tools libgomp-plugin-nvptx1): " + c.stderr.strip()[-300:]}
        r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120,
                           env={"ACC_DEVICE_TYPE": "nvidia", "PATH": "/usr/bin:/bin"})
        if r.returncode != 0:
            return {"offload_compiler": True, "gpu": False,
                    "reason": "no GPU: " + (r.stderr.strip().splitlines() or ["probe failed"])[-1]}
        return {"offload_compiler": True, "gpu": True, "reason": ""}


def _variant(label: str, prog: Program, folder: Path, work: Path, replaced: dict[str, bytes],
             status: dict[str, Any], runs: int) -> tuple[dict[str, Any], Verify]:
    """The variant's row and the verification the next variants use: the serial build's
    output becomes the reference of a ``differential`` one (two runs at least)."""
    mode = "serial" if label == "serial" else "gpu"
    verify = prog.verify
    if label == "serial" and verify.kind == "differential":
        runs = max(runs, 2)
    prepare(folder, work, replaced, cpu=False, compile_cmd=prog.compile)
    b = compile_program(prog, work, mode)
    out: dict[str, Any] = {"label": label, "built": b.ok, "build_s": round(b.seconds, 2)}
    if not b.ok or b.binary is None:
        out.update(status="compile", reason=compile_reason(b.log), verified=False)
        return out, verify
    if mode == "gpu" and not status["gpu"]:
        out.update(status="built", verified=None, reason="not run: " + status["reason"])
        return out, verify
    times = []
    outputs: list[tuple[int, str]] = []
    env = {"ACC_DEVICE_TYPE": "nvidia"} if mode == "gpu" else {}
    for _ in range(runs):
        r = run_binary(prog, work, b.binary, env, max(30.0, prog.timeout_s * 3))
        outputs.append((r.returncode, r.stdout))
        if verify.kind == "differential" and not r.timed_out:
            times.append(r.seconds)
            continue
        ok, why = check_output(verify, r.returncode, r.stdout)
        if r.timed_out or not ok:
            out.update(status="timeout" if r.timed_out else "wrong", verified=False,
                       reason=(why + " " + r.stderr.strip()[-300:]).strip())
            return out, verify
        times.append(r.seconds)
    if verify.kind == "differential":
        verify, why = serial_reference(verify, outputs)
        if why:
            out.update(status="wrong", verified=False, reason=why)
            return out, verify
    out.update(status="verified", verified=True, seconds=statistics.median(times))
    return out, verify


def evaluate_gpu(manifest: str | Path, engine_name: str | None, *, engine_options=None,
                 only: list[str] | None = None, runs: int = 3,
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The ``--mode gpu`` result (same shape as the CPU one where it applies)."""
    root, programs = load_manifest(manifest)
    if only:
        programs = [p for p in programs if p.name in set(only)]
    t0 = time.perf_counter()
    status = gpu_status()
    engine = None
    if engine_name:
        from accellium.server.defaults import engine_options as default_options
        from accellium.server.engines import get_engine

        opts = dict(default_options(engine_name))
        opts.update(engine_options or {})
        engine = get_engine(engine_name, **opts)
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="accellium-gpu-"))
    try:
        for i, prog in enumerate(programs):
            if progress:
                progress(f"[{i + 1}/{len(programs)}] {prog.name}")
            folder = root / "programs" / prog.name
            files = {rel: (folder / rel).read_bytes() for rel in prog.annotate}
            row: dict[str, Any] = {"name": prog.name,
                                   "original_pragmas_ok": prog.original_pragmas_ok}
            row["serial"], verify = _variant("serial", prog, folder, tmp / prog.name / "s", {},
                                             status, runs)
            prog = prog.model_copy(update={"verify": verify})
            row["original"], _ = _variant("original", prog, folder, tmp / prog.name / "o", {},
                                          status, runs)
            if engine is not None:
                replaced, applied, _ = annotate_with_engine(
                    files, engine, folder, compile_include_dirs(prog.compile, folder),
                    compile_defines(prog.compile))
                row["engine"], _ = _variant("engine", prog, folder, tmp / prog.name / "e",
                                            replaced, status, runs)
                row["pragmas_inserted"] = len(applied)
            for k in ("original", "engine"):
                if row.get(k, {}).get("seconds") and row["serial"].get("seconds"):
                    row[f"speedup_{k}"] = round(row["serial"]["seconds"] / row[k]["seconds"], 3)
            rows.append(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def frac(xs: list[bool]) -> float | None:
        return round(sum(xs) / len(xs), 4) if xs else None

    ran = status["gpu"]
    ok_rows = [r for r in rows if r["original_pragmas_ok"]]
    bad_rows = [r for r in rows if not r["original_pragmas_ok"]]
    metrics = {
        "programs": len(rows),
        "built_original": frac([r["original"]["built"] for r in rows]),
        "built_engine": frac([r["engine"]["built"] for r in rows]) if engine else None,
        "verified": frac([bool(r["engine"]["verified"]) for r in rows]) if engine and ran else None,
        "calibration_verified": frac([bool(r["original"]["verified"]) for r in ok_rows])
        if ran else None,
        "calibration_caught": frac([not r["original"]["verified"] for r in bad_rows])
        if ran else None,
    }
    return {"manifest": str(manifest), "mode": "gpu", "engine": engine_name, "runs": runs,
            **status, "metrics": metrics, "seconds": round(time.perf_counter() - t0, 1),
            "programs": rows}
