"""One program variant (serial, original pragmas, engine pragmas, a mutation) built and run
R times in the CPU emulation; failures classified by cause."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from accellium.evaluation.dynamic.build import (
    compile_program,
    openacc_rejected,
    prepare,
    run_binary,
)
from accellium.evaluation.dynamic.manifest import (
    NO_REFERENCE,
    Program,
    Verify,
    check_output,
    serial_reference,
)

__all__ = ["RunConfig", "VariantResult", "run_variant", "run_serial", "MODES", "CAUSES"]

# Iteration orders, one per run in turn: threads forward, threads reversed, one thread running
# the gangs and lanes one after another in a scrambled order.  Fresh device memory (`create`,
# `copyout`, `acc_malloc`) holds garbage on a GPU; the emulator fills it with a byte pattern:
# 0xff (NaN for floating types, -1 for integers) in the first and third runs, 0x41 (finite:
# 2261634.5 as a double, 12.08 as a float, 1094795585 as an int) in the second.  A read of
# such memory gives NaN in one run and a wrong finite value in another, and a check written
# `fabs(x - ref) > tol` (false for NaN) catches the finite one.
MODES = ({"ACCRT_ORDER": "0", "ACCRT_SERIAL": "0", "ACCRT_POISON": "255"},
         {"ACCRT_ORDER": "1", "ACCRT_SERIAL": "0", "ACCRT_POISON": "65"},
         {"ACCRT_ORDER": "2", "ACCRT_SERIAL": "1", "ACCRT_POISON": "255"})
CAUSES = ("compile", "timeout", "present-abort", "data", "race", "bounds", "device-memory")


@dataclass
class RunConfig:
    threads: int = 4
    runs: int = 3
    timeout_factor: float = 10.0
    timeout_min_s: float = 20.0
    tsan: bool = False  # a ThreadSanitizer + Archer run after the runs that verified

    def env(self, run: int) -> dict[str, str]:
        gangs = max(1, self.threads // 2)
        lanes = max(1, self.threads // gangs)
        return {**MODES[run % len(MODES)], "ACCRT_GANGS": str(gangs),
                "ACCRT_LANES": str(lanes), "OMP_WAIT_POLICY": "passive",
                "OMP_DYNAMIC": "false"}

    def timeout(self, prog: Program) -> float:
        return max(self.timeout_min_s, prog.timeout_s * self.timeout_factor)


@dataclass
class VariantResult:
    label: str
    status: str  # verified | compile | timeout | present-abort | data | race | bounds |
    # device-memory | serial
    reason: str = ""
    runs_ok: int = 0
    runs: int = 0
    seconds: float | None = None  # median wall time of the threaded runs
    bytes_h2d: int | None = None
    bytes_d2h: int | None = None
    sites: list[dict] = field(default_factory=list)  # bytes per construct (file, line)
    warnings: list[str] = field(default_factory=list)
    tsan: str | None = None  # --tsan: "clean", "race" or "not run: why"
    # serial only: the verification every other variant uses (a ``differential`` one made a
    # ``checksum`` of the serial build's output; the manifest's own otherwise)
    verify: Verify | None = None

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in ("label", "status", "reason", "runs_ok", "runs",
                                           "seconds", "bytes_h2d", "bytes_d2h", "tsan")}
        d["verified"] = self.verified
        d["sites"] = self.sites[:200]
        d["warnings"] = self.warnings[:20]
        return d


# What a linker says about a symbol (GNU ld, gold, lld): the lines name the symbol but not the
# word "error"; the driver's summary ("collect2: error: ld returned 1 exit status") names none.
_LINK_ERROR = re.compile(r"undefined reference to|multiple definition of|undefined symbol|"
                         r"cannot find -l|relocation truncated|duplicate symbol")
_SUMMARY = re.compile(r"(collect2|clang|g?cc|ld)(\S*)?: error: (ld|linker command|lto-wrapper)"
                      r"\b.*(returned|failed)|^\S*ld: error: lto-wrapper failed")


def compile_reason(log: str) -> str:
    """The first error lines of a compiler log (translated lines are long, each cut), else its
    tail: the compiler's errors and the linker's lines about a symbol (``undefined reference
    to `f'``) come first, the driver's summary that the link failed only where room is left."""
    lines = [ln.strip() for ln in log.splitlines()]
    found = [ln for ln in lines if "error" in ln.lower() or _LINK_ERROR.search(ln)]
    errs = [ln for ln in found if not _SUMMARY.search(ln)]
    errs += [ln for ln in found if _SUMMARY.search(ln)]
    return " | ".join(ln[:240] for ln in errs[:3]) if errs else log.strip()[-600:]


def _failure(prog: Program, work: Path, binary: Path, env: dict[str, str], res, cfg) -> tuple[str, str]:
    """Cause of a failed run: exit codes of the runtime, races it saw, else a rerun with the
    device copy as host memory tells a data-environment error (passes) from a race (fails)."""
    if res.timed_out:
        return "timeout", f"run timed out after {cfg.timeout(prog):.0f} s"
    rep = res.report or {}
    errs = "; ".join(rep.get("errors") or [])
    if res.returncode == 94:
        return "compile", errs or "a function that is not an acc routine ran in a compute region"
    if res.returncode == 95:
        return "device-memory", errs or "device memory (acc_malloc) named by a data clause or " \
                                        "dereferenced on the host"
    if res.returncode == 96:
        return "bounds", errs or "a data clause's section reaches outside the host array"
    if res.returncode == 97:
        return "present-abort", errs or "present error"
    if res.returncode == 98:
        return "data", errs or "host pointer used on the device"
    ok, why = check_output(prog.verify, res.returncode, res.stdout)
    if ok and rep.get("races"):
        return "race", "; ".join(rep["races"])
    diag = run_binary(prog, work, binary, {**env, "ACCRT_UNIFIED": "1"}, cfg.timeout(prog))
    dok, _ = check_output(prog.verify, diag.returncode, diag.stdout)
    if dok and not (diag.report or {}).get("races"):
        return "data", f"{why}; verifies when the device copy is host memory (stale or " \
                       "uninitialised data: a missing copyin/copyout/update)"
    races = "; ".join(rep.get("races") or [])
    return "race", why + (f"; {races}" if races else "")


def run_variant(label: str, prog: Program, folder: Path, work: Path, replaced: dict[str, bytes],
                cfg: RunConfig, stop_early: bool = True) -> VariantResult:
    """Translate, build and run a variant ``cfg.runs`` times; the first failure decides.  A
    ``differential`` verification the serial build gave no reference is not run (status
    ``serial``: nothing to compare with)."""
    if prog.verify.kind == "differential":
        return VariantResult(label, "serial", "not run: " + NO_REFERENCE)
    rejected = openacc_rejected(prog, folder, work.with_name(work.name + ".acc"), replaced)
    if rejected is not None:
        return VariantResult(label, "compile", "gcc -fopenacc rejects it: " +
                             compile_reason(rejected))
    try:
        warnings = prepare(folder, work, replaced, cpu=True, compile_cmd=prog.compile)
    except RecursionError:
        return VariantResult(label, "compile", "the emulator could not translate the program "
                             "(its syntax tree nests deeper than the translator follows)")
    b = compile_program(prog, work, "cpu")
    if not b.ok or b.binary is None:
        return VariantResult(label, "compile", compile_reason(b.log), warnings=warnings)
    times: list[float] = []
    out = VariantResult(label, "verified", warnings=warnings)
    for r in range(cfg.runs):
        env = cfg.env(r)
        res = run_binary(prog, work, b.binary, env, cfg.timeout(prog))
        out.runs += 1
        rep = res.report or {}
        if out.bytes_h2d is None and rep:
            out.bytes_h2d, out.bytes_d2h = rep.get("bytes_h2d"), rep.get("bytes_d2h")
            out.sites = list(rep.get("sites") or [])
        ok, _ = check_output(prog.verify, res.returncode, res.stdout)
        if ok and not rep.get("races") and not rep.get("errors"):
            out.runs_ok += 1
            if env["ACCRT_SERIAL"] == "0":
                times.append(res.seconds)
            continue
        if out.status == "verified":
            out.status, out.reason = _failure(prog, work, b.binary, env, res, cfg)
        if stop_early:
            break
    out.seconds = statistics.median(times) if times else None
    if cfg.tsan and out.verified:
        _tsan(out, prog, work, cfg)
    return out


def _tsan(out: VariantResult, prog: Program, work: Path, cfg: RunConfig) -> None:
    """The second race signal: a verified variant that ThreadSanitizer (with Archer) sees race
    is a ``race`` failure."""
    from accellium.evaluation.dynamic.tsan import tsan_races

    raced, why = tsan_races(prog, work, cfg.env(0), cfg.timeout(prog) * 3)
    if raced is None:
        out.tsan = f"not run: {why}"
    elif raced:
        out.tsan, out.status, out.reason = "race", "race", why
    else:
        out.tsan = "clean"


def run_serial(prog: Program, folder: Path, work: Path, cfg: RunConfig) -> VariantResult:
    """The program as the authors wrote it, compiled with ``compile_serial`` (pragmas ignored).
    A ``differential`` verification runs it twice: the output of the first run is the
    reference of every variant, the second shows it is reproducible."""
    prepare(folder, work, {}, cpu=False, compile_cmd=prog.compile_serial)
    b = compile_program(prog, work, "serial")
    if not b.ok or b.binary is None:
        return VariantResult("serial", "compile", compile_reason(b.log))
    timeout = max(cfg.timeout_min_s, prog.timeout_s * 2)
    res = run_binary(prog, work, b.binary, {}, timeout)
    if res.timed_out:
        return VariantResult("serial", "timeout", "serial run timed out", runs=1)
    verify, why = prog.verify, ""
    runs = 1
    if prog.verify.kind == "differential":
        outputs = [(res.returncode, res.stdout)]
        if res.returncode == 0:
            again = run_binary(prog, work, b.binary, {}, timeout)
            outputs.append((again.returncode, again.stdout))
            runs = 2
        verify, why = serial_reference(prog.verify, outputs)
    ok, check_why = check_output(verify, res.returncode, res.stdout)
    return VariantResult("serial", "verified" if ok else "serial", why or check_why,
                         runs_ok=int(ok), runs=runs, seconds=res.seconds, verify=verify)
