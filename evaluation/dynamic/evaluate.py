"""``accellium eval --dynamic``: per program, the serial build, the authors' pragmas
(calibration), the engine's pragmas on the pragma-stripped program (the same code path as
``accellium suggest --apply``) and planted mutations, all run in the CPU emulation."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from accellium.dataset.analysis.conditions import Defines
from accellium.dataset.loops import find_loops
from accellium.dataset.pragma import LOOP_DIRECTIVES, PragmaError, parse
from accellium.evaluation.dynamic.accpragmas import strip_acc_keep_lines
from accellium.evaluation.dynamic.manifest import Program, load_manifest
from accellium.evaluation.dynamic.mutate import mutations
from accellium.evaluation.dynamic.offload import (
    compile_defines,
    compile_include_dirs,
    program_headers,
)
from accellium.evaluation.dynamic.variants import CAUSES, RunConfig, run_serial, run_variant

__all__ = ["evaluate_dynamic", "annotate_with_engine", "coverage"]


def _author_loops(src: bytes) -> list[tuple[int, int]]:
    """Loops the authors parallelised: a non-``seq`` loop directive or ``kernels`` owns them."""
    out = []
    for lp in find_loops(src, "c"):
        if lp.pragma is None:
            continue
        try:
            p = parse(lp.pragma.text)
        except PragmaError:
            continue
        if (p.directive in LOOP_DIRECTIVES or p.directive == "kernels") and not p.has("seq"):
            out.append((lp.line, lp.end_line_1))
    return out


def coverage(author: list[tuple[int, int]], engine: list[tuple[int, int]]) -> tuple[int, int]:
    """(loops that run in parallel: they or an enclosing loop got a parallel pragma, loops that
    got one themselves) among the authors' parallel loops."""
    inside = sum(1 for a, _ in author if any(s <= a <= e for s, e in engine))
    exact = sum(1 for a, _ in author if any(s == a for s, _ in engine))
    return inside, exact


def annotate_with_engine(files: dict[str, bytes], engine, folder: Path | None = None,
                         include_dirs: Sequence[Path] = (), predefined: Defines | None = None
                         ) -> tuple[dict[str, bytes], list[dict], list[str]]:
    """Strip the authors' pragmas and let the engine annotate every loop, as ``accellium
    suggest --apply`` does (``annotate_source`` + ``apply_edits``; ``folder``: the program's,
    where the files' local headers are read, as the command reads them, with the
    ``include_dirs`` of the program's compile command as its ``-I`` and its ``-D``/``-U`` as
    ``predefined``)."""
    from accellium.dataset.analysis import compute_construct
    from accellium.server.annotate import annotate_source, apply_edits
    from accellium.server.safety import asserts_parallel

    out: dict[str, bytes] = {}
    applied_rows: list[dict] = []
    errors: list[str] = []
    for rel, src in files.items():
        stripped = strip_acc_keep_lines(src)
        try:
            sugg = annotate_source(stripped, engine, path=rel,
                                   includes=program_headers(folder, rel, stripped,
                                                            include_dirs, predefined))
            new, applied = apply_edits(stripped, sugg)
        except Exception as e:  # an engine failure is a result, not a crash of the evaluation
            errors.append(f"{rel}: {type(e).__name__}: {' '.join(str(e).split())[:200]}")
            out[rel] = stripped
            continue
        out[rel] = new
        for s in applied:
            try:
                par = asserts_parallel(parse(s.pragma or ""), compute_construct(()))
            except PragmaError:
                par = False
            applied_rows.append({"file": rel, "line": s.line, "end_line": s.end_line,
                                 "pragma": s.pragma, "parallel": par})
    return out, applied_rows, errors


def _offload(row: dict[str, Any], prog: Program, folder: Path, engine, cfg: RunConfig,
             work: Path, files: dict[str, bytes]) -> None:
    """The offload plan's variant (``--offload``)."""
    from accellium.evaluation.dynamic.offload import annotate_with_plan, offload_coverage

    program = {rel: (folder / rel).read_bytes() for rel in prog.sources}
    dirs = compile_include_dirs(prog.compile, folder)
    defs = compile_defines(prog.compile)
    replaced, plans, errors = annotate_with_plan(files, engine, program=program, folder=folder,
                                                 include_dirs=dirs, predefined=defs)
    ov = run_variant("offload", prog, folder, work / "offload", replaced, cfg)
    row["offload"] = ov.to_json()
    row["offload"]["plans"] = plans
    row["offload"]["errors"] = errors
    row["offload_loops"] = sum(len(p["loops"]) for p in plans)
    row["offload_covered"] = offload_coverage({rel: _author_loops(files[rel]) for rel in files},
                                              plans)
    row.setdefault("author_parallel_loops",
                   sum(len(_author_loops(files[rel])) for rel in files))
    # the same loops, each with its own data clauses: what the one region saves
    base, _, base_errors = annotate_with_plan(files, engine, per_loop=True, program=program,
                                              folder=folder, include_dirs=dirs,
                                              predefined=defs)
    bv = run_variant("per-loop clauses", prog, folder, work / "per_loop_clauses", base, cfg)
    row["per_loop_clauses"] = bv.to_json()
    row["per_loop_clauses"]["errors"] = base_errors


def _program(prog: Program, root: Path, engine, cfg: RunConfig, work: Path,
             with_mutations: bool, offload: bool = False) -> dict[str, Any]:
    folder = root / "programs" / prog.name
    files = {rel: (folder / rel).read_bytes() for rel in prog.annotate}
    row: dict[str, Any] = {"name": prog.name, "original_pragmas_ok": prog.original_pragmas_ok,
                           "original_pragma_issue": prog.original_pragma_issue}
    serial = run_serial(prog, folder, work / "serial", cfg)
    row["serial"] = serial.to_json()
    if serial.verify is not None and serial.verify is not prog.verify:  # differential
        prog = prog.model_copy(update={"verify": serial.verify})
    original = run_variant("original", prog, folder, work / "original", {}, cfg)
    row["original"] = original.to_json()
    if engine is not None:
        replaced, applied, errors = annotate_with_engine(
            files, engine, folder, compile_include_dirs(prog.compile, folder),
            compile_defines(prog.compile))
        ev = run_variant("engine", prog, folder, work / "engine", replaced, cfg)
        row["engine"] = ev.to_json()
        row["engine"]["pragmas"] = applied
        row["engine"]["errors"] = errors
        row["pragmas_inserted"] = len(applied)
        cov_in = cov_ex = n_author = 0
        for rel in files:  # loops of different files never match: per file
            au = _author_loops(files[rel])
            en = [(r["line"], r["end_line"]) for r in applied if r["parallel"] and r["file"] == rel]
            i, x = coverage(au, en)
            cov_in, cov_ex, n_author = cov_in + i, cov_ex + x, n_author + len(au)
        row["author_parallel_loops"] = n_author
        row["covered_loops"] = cov_in
        row["covered_loops_exact"] = cov_ex
        if serial.seconds and ev.seconds:
            row["speedup_engine"] = round(serial.seconds / ev.seconds, 3)
    if offload and engine is not None:
        _offload(row, prog, folder, engine, cfg, work, files)
    if serial.seconds and original.seconds:
        row["speedup_original"] = round(serial.seconds / original.seconds, 3)
    row["mutations"] = []
    if with_mutations and prog.original_pragmas_ok and original.verified:
        for m in mutations(files):
            mv = run_variant(f"mutation:{m.kind}", prog, folder, work / f"mut-{m.kind}",
                             {m.file: m.data}, cfg)
            row["mutations"].append({"kind": m.kind, "file": m.file, "line": m.line,
                                     "before": m.before, "after": m.after,
                                     "caught": not mv.verified, "status": mv.status,
                                     "reason": mv.reason[:300]})
    return row


def _frac(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _metrics(rows: list[dict], has_engine: bool) -> dict[str, Any]:
    ok_rows = [r for r in rows if r["original_pragmas_ok"]]
    bad_rows = [r for r in rows if not r["original_pragmas_ok"]]
    muts = [m for r in rows for m in r["mutations"]]
    m: dict[str, Any] = {"programs": len(rows)}
    m["serial_verified"] = _frac(sum(r["serial"]["verified"] for r in rows), len(rows))
    m["calibration_verified"] = _frac(sum(r["original"]["verified"] for r in ok_rows), len(ok_rows))
    m["calibration_caught"] = _frac(sum(not r["original"]["verified"] for r in bad_rows),
                                    len(bad_rows))
    m["mutations_caught"] = _frac(sum(x["caught"] for x in muts), len(muts))
    if has_engine:
        eng = [r["engine"] for r in rows]
        m["verified"] = _frac(sum(e["verified"] for e in eng), len(rows))
        m["builds"] = _frac(sum(e["status"] != "compile" for e in eng), len(rows))
        au = sum(r["author_parallel_loops"] for r in rows)
        m["coverage"] = _frac(sum(r["covered_loops"] for r in rows), au)
        m["coverage_exact"] = _frac(sum(r["covered_loops_exact"] for r in rows), au)
        m["programs_full_coverage"] = _frac(sum(r["covered_loops"] >= r["author_parallel_loops"]
                                                for r in rows), len(rows))
        for c in CAUSES:
            m[f"failed_{c}"] = _frac(sum(e["status"] == c for e in eng), len(rows))
        m["failed_race_tsan"] = _frac(sum(e.get("tsan") == "race" for e in eng), len(rows))
    else:
        m["verified"] = None
        m["coverage"] = None
    for kind in ("reduction_removed", "private_removed", "independent_on_carried",
                 "copyout_dropped"):
        ks = [x for x in muts if x["kind"] == kind]
        m[f"mutations_caught_{kind}"] = _frac(sum(x["caught"] for x in ks), len(ks))
    return m


def evaluate_dynamic(manifest: str | Path, engine_name: str | None = "auto", *, threads: int = 4,
                     runs: int = 3, engine_options: dict[str, Any] | None = None,
                     with_mutations: bool = True, work_dir: str | Path | None = None,
                     only: list[str] | None = None,
                     progress: Callable[[str], None] | None = None,
                     offload: bool = False, tsan: bool = False,
                     annotate_drivers: bool = False) -> dict[str, Any]:
    """Run the dynamic evaluation; returns the ``--json`` object.  With ``annotate_drivers``,
    every source of a program is annotated, its drivers too (``main`` with its set-up and
    check loops is planned and suggested for, as when a benchmark keeps everything in one
    file); the authors' column stays as written.  With ``offload``, also the
    offload plan of every function (a third column next to the authors' pragmas and the
    per-loop suggestions); ``metrics["verified"]`` is then the plan's.  With ``tsan``, every
    variant that verifies is also built with ThreadSanitizer and run with Archer; a race it
    reports makes the variant a ``race`` failure."""
    if threads < 1 or runs < 1:
        raise ValueError("--threads and --runs must be >= 1")
    if tsan:
        from accellium.evaluation.dynamic.tsan import tsan_unavailable

        why = tsan_unavailable()
        if why:
            raise ValueError(f"--tsan: {why}")
    root, programs = load_manifest(manifest)
    if only:
        unknown = sorted(set(only) - {p.name for p in programs})
        if unknown:
            raise ValueError(f"unknown programs: {', '.join(unknown)}")
        programs = [p for p in programs if p.name in set(only)]
    if annotate_drivers:
        programs = [p.model_copy(update={"annotate": list(p.sources)}) for p in programs]
    engine = None
    t0 = time.perf_counter()
    if engine_name:
        from accellium.server.defaults import engine_options as default_options
        from accellium.server.engines import get_engine

        opts = dict(default_options(engine_name))
        opts.update(engine_options or {})
        engine = get_engine(engine_name, **opts)
    cfg = RunConfig(threads=threads, runs=runs, tsan=tsan)
    tmp = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="accellium-dyn-"))
    rows = []
    try:
        for i, prog in enumerate(programs):
            if progress:
                progress(f"[{i + 1}/{len(programs)}] {prog.name}")
            rows.append(_program(prog, root, engine, cfg, tmp / prog.name, with_mutations,
                                 offload))
    finally:
        if not work_dir:
            shutil.rmtree(tmp, ignore_errors=True)
    metrics = _metrics(rows, engine is not None)
    if offload and engine is not None:
        from accellium.evaluation.dynamic.offload import offload_metrics

        metrics["per_loop_verified"] = metrics.get("verified")
        metrics.update(offload_metrics(rows))
    sp_e = [r["speedup_engine"] for r in rows if r.get("speedup_engine")]
    sp_o = [r["speedup_original"] for r in rows if r.get("speedup_original")]
    return {
        "manifest": str(manifest), "engine": engine_name, "threads": threads, "runs": runs,
        "metrics": metrics,
        "speedup": {"engine_median": statistics.median(sp_e) if sp_e else None,
                    "original_median": statistics.median(sp_o) if sp_o else None},
        "bytes": {"original": sum(r["original"]["bytes_h2d"] or 0 for r in rows)
                  + sum(r["original"]["bytes_d2h"] or 0 for r in rows),
                  "engine": sum((r.get("engine") or {}).get("bytes_h2d") or 0 for r in rows)
                  + sum((r.get("engine") or {}).get("bytes_d2h") or 0 for r in rows),
                  "offload": sum((r.get("offload") or {}).get("bytes_h2d") or 0 for r in rows)
                  + sum((r.get("offload") or {}).get("bytes_d2h") or 0 for r in rows)},
        "offload": offload,
        "seconds": round(time.perf_counter() - t0, 1),
        "programs": rows,
    }
