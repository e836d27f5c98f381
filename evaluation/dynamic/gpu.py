"""GPU mode of the dynamic evaluation: build with ``gcc -fopenacc -foffload=nvptx-none``, run
on the GPU (``ACC_DEVICE_TYPE=nvidia``: no silent host fallback), verify and time the serial
build, the authors' pragmas, the engine's pragmas and (``offload``) the offload plan.  Without
a GPU it still builds every variant (the offload compiler is tested) and says ``"gpu": false``
with the reason.

The build and the runs are two steps joined by a *bundle* (:mod:`.gpu_bundle`): the builds,
their run folders, the libgomp runtime they were linked with and a probe.  A machine with the
offload compiler but no GPU builds one (``build_only``); a GPU machine with neither the
compiler nor the engine runs it (:func:`accellium.evaluation.dynamic.gpu_bundle.run_bundle`)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accellium.evaluation.dynamic.build import GPU_FLAGS, compile_program, prepare
from accellium.evaluation.dynamic.evaluate import annotate_with_engine
from accellium.evaluation.dynamic.gpu_bundle import (
    PROBE_SOURCE,
    BundleProgram,
    BundleVariant,
    run_bundle,
    write_bundle,
)
from accellium.evaluation.dynamic.manifest import Program, load_manifest
from accellium.evaluation.dynamic.offload import compile_defines, compile_include_dirs
from accellium.evaluation.dynamic.variants import compile_reason

__all__ = ["evaluate_gpu", "build_probe"]


def build_probe(out: Path) -> tuple[bool, str]:
    """Build the probe (one offloaded loop) as ``out``: (built, compiler message)."""
    src = out.with_suffix(".c")
    src.write_bytes(PROBE_SOURCE)
    c = subprocess.run(["gcc", "-O1", *GPU_FLAGS.split(), str(src), "-o", str(out)],
                       capture_output=True, text=True, timeout=300)
    src.unlink()
    return c.returncode == 0, c.stderr.strip()


def _build(label: str, prog: Program, folder: Path, work: Path,
           replaced: dict[str, bytes]) -> BundleVariant:
    """Prepare and compile one variant in ``work`` (kept: the bundle's run folder)."""
    mode = "serial" if label == "serial" else "gpu"
    prepare(folder, work, replaced, cpu=False, compile_cmd=prog.compile)
    b = compile_program(prog, work, mode)
    shutil.rmtree(work / ".accrt-bin", ignore_errors=True)
    v = BundleVariant(label=label, built=b.ok, build_s=round(b.seconds, 2),
                      dir=f"{prog.name}/{label}")
    if not b.ok or b.binary is None:
        v.reason = compile_reason(b.log)
    else:
        v.binary = b.binary.name
    return v


def build_variants(prog: Program, folder: Path, dest: Path, engine, offload: bool
                   ) -> BundleProgram:
    """Every variant of one program built under ``dest/<name>/<label>``."""
    files = {rel: (folder / rel).read_bytes() for rel in prog.annotate}
    bp = BundleProgram(program=prog)
    for label in ("serial", "original"):
        bp.variants.append(_build(label, prog, folder, dest / prog.name / label, {}))
    if engine is not None:
        replaced, applied, errors = annotate_with_engine(
            files, engine, folder, compile_include_dirs(prog.compile, folder),
            compile_defines(prog.compile))
        bp.variants.append(_build("engine", prog, folder, dest / prog.name / "engine",
                                  replaced))
        bp.facts["pragmas_inserted"] = len(applied)
        if errors:
            bp.facts["engine_errors"] = errors
    if engine is not None and offload:
        from accellium.evaluation.dynamic.offload import annotate_with_plan

        program = {rel: (folder / rel).read_bytes() for rel in prog.sources}
        replaced, plans, errors = annotate_with_plan(
            files, engine, program=program, folder=folder,
            include_dirs=compile_include_dirs(prog.compile, folder),
            predefined=compile_defines(prog.compile))
        bp.variants.append(_build("plan", prog, folder, dest / prog.name / "plan", replaced))
        bp.facts["plan_loops"] = sum(len(p["loops"]) for p in plans)
        if errors:
            bp.facts["plan_errors"] = errors
    return bp


def evaluate_gpu(manifest: str | Path, engine_name: str | None, *, engine_options=None,
                 only: list[str] | None = None, runs: int = 3, offload: bool = False,
                 bundle: str | Path | None = None, build_only: bool = False,
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The ``--mode gpu`` result (same shape as the CPU one where it applies).  ``bundle``:
    keep the builds there (a folder :func:`run_bundle` runs on another machine);
    ``build_only``: build, do not run."""
    root, programs = load_manifest(manifest)
    if only:
        programs = [p for p in programs if p.name in set(only)]
    t0 = time.perf_counter()
    engine = None
    if engine_name:
        from accellium.server.defaults import engine_options as default_options
        from accellium.server.engines import get_engine

        opts = dict(default_options(engine_name))
        opts.update(engine_options or {})
        engine = get_engine(engine_name, **opts)
    dest = Path(bundle) if bundle else Path(tempfile.mkdtemp(prefix="accellium-gpu-"))
    if bundle and dest.exists() and any(dest.iterdir()):
        raise ValueError(f"bundle folder {dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        built = []
        for i, prog in enumerate(programs):
            if progress:
                progress(f"build [{i + 1}/{len(programs)}] {prog.name}")
            built.append(build_variants(prog, root / "programs" / prog.name, dest, engine,
                                        offload))
        probe_ok, log = build_probe(dest / "probe")
        write_bundle(dest, str(manifest), engine_name, offload, built, probe_ok, log)
        result = run_bundle(dest, runs=runs, progress=progress, execute=not build_only)
    finally:
        if not bundle:
            shutil.rmtree(dest, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result
