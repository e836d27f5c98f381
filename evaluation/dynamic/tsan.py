"""``--tsan``: a second race signal.  The translated program (the same OpenMP translation the
CPU emulation runs) is built with clang's ThreadSanitizer and run once with LLVM's Archer, the
OMPT tool that teaches TSan OpenMP's synchronisation (barriers, critical sections, atomics,
task and team boundaries), so that two threads touching the same location without an
ordering between them is reported however the output came out.

It finds what the runtime's per-lane write check cannot see: conflicting *reads* and writes
(a gang loop reading what another gang writes, a missing reduction whose partial sums happen
to be right), writes past the first 64 per lane, and races between gangs.  The emulation's own
bookkeeping is compiled with TSan too (its shared state is guarded by ``omp critical``, which
Archer models), so a correct program reports nothing.

Debian: ``clang-14 libomp-14-dev libclang-rt-14-dev`` (libarcher.so ships with libomp-dev;
the TSan runtime with libclang-rt).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from accellium.evaluation.dynamic.build import (
    C_COMPILERS,
    CXX_COMPILERS,
    RUNTIME_H,
    make_wrappers,
)
from accellium.evaluation.dynamic.manifest import Program

__all__ = ["tsan_toolchain", "tsan_unavailable", "tsan_races", "TSAN_EXIT"]

TSAN_EXIT = 66  # TSAN_OPTIONS exitcode: a run that reported a race
_WARNING = re.compile(r"WARNING: ThreadSanitizer: (data race[^\n]*)")
_FRAME = re.compile(r"#\d+ \S+ (\S+?):(\d+)(?::\d+)? ")


def tsan_toolchain() -> tuple[str, str] | None:
    """(clang, libarcher.so) of one LLVM version that has both, newest first; None when absent."""
    for arch in sorted(glob.glob("/usr/lib/llvm-*/lib/libarcher.so"),
                       key=lambda p: int(re.search(r"llvm-(\d+)", p).group(1)),  # type: ignore[union-attr]
                       reverse=True):
        ver = re.search(r"llvm-(\d+)", arch).group(1)  # type: ignore[union-attr]
        clang = shutil.which(f"clang-{ver}") or (
            f"/usr/lib/llvm-{ver}/bin/clang" if os.path.exists(f"/usr/lib/llvm-{ver}/bin/clang")
            else None)
        if clang and glob.glob(f"/usr/lib/llvm-{ver}/lib/clang/*/lib/linux/"
                               "libclang_rt.tsan-x86_64.a"):
            return clang, arch
    return None


def tsan_unavailable() -> str | None:
    """Why ``--tsan`` cannot run here (None: it can)."""
    if tsan_toolchain() is None:
        return ("ThreadSanitizer with Archer needs clang, libarcher.so and the TSan runtime of "
                "one LLVM version (Debian: clang-14 libomp-14-dev libclang-rt-14-dev)")
    return None


def _flags(clang: str) -> str:
    return (f"-fsanitize=thread -fopenmp -g -O1 -D_OPENACC=201711 -include {RUNTIME_H} -w "
            "-fno-strict-aliasing")


def _runtime_object(clang: str) -> Path:
    """The emulation runtime compiled with TSan (cached by the header's content and clang)."""
    data = RUNTIME_H.read_bytes() + clang.encode()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "accellium" / "accrt"
    obj = cache / f"accrt-tsan-{hashlib.sha256(data).hexdigest()[:16]}.o"
    if not obj.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = obj.with_suffix(f".{os.getpid()}.o")
        subprocess.run([clang, "-O1", "-g", "-fsanitize=thread", "-fopenmp", "-DACCRT_IMPL",
                        "-x", "c", "-c", str(RUNTIME_H), "-o", str(tmp)], check=True,
                       capture_output=True, timeout=300)
        os.replace(tmp, obj)
    return obj


def _cxx_driver(clang: str) -> str:
    """The C++ driver of the LLVM version ``clang`` belongs to (``clang-14`` ->
    ``clang++-14``, ``.../bin/clang`` -> ``.../bin/clang++``)."""
    path = Path(clang)
    name = path.name.replace("clang", "clang++", 1)
    cxx = path.with_name(name)
    return str(cxx) if cxx.exists() else clang


def _build(prog: Program, work: Path, clang: str) -> tuple[Path | None, str]:
    """Build the translated program in ``work`` (already prepared) with clang + TSan."""
    binary = work / f"{prog.name}.tsan.bin"
    bindir = work / ".accrt-tsan-bin"
    link = f"{_runtime_object(clang)} -fsanitize=thread -fopenmp"
    drop = ("-foffload=*", "-fopenacc-dim=*")
    make_wrappers(bindir, _flags(clang), drop, link, compiler=clang, names=C_COMPILERS)
    # the C++ files are translated too: clang's C++ driver builds them (and links libstdc++)
    make_wrappers(bindir, _flags(clang), drop, link, compiler=_cxx_driver(clang),
                  names=CXX_COMPILERS)
    cmd = prog.compile.replace("{out}", shlex.quote(str(binary)))
    cmd = re.sub(r"(?<!\S)/usr/(?:local/)?bin/(gcc|cc|c99|g\+\+|c\+\+)(-\d+)?(?!\S)", r"\1",
                 cmd)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ.get('PATH', '')}"}
    try:
        r = subprocess.run(cmd, shell=True, cwd=work, capture_output=True, text=True,
                           errors="replace", timeout=600, env=env)
    except subprocess.TimeoutExpired:
        return None, "TSan build timed out"
    if r.returncode != 0 or not binary.is_file():
        return None, (r.stdout + r.stderr)[-600:]
    return binary, ""


def _first_race(stderr: str, work: Path) -> str:
    """``data race at FILE:LINE`` of the first report (the first frame in the program)."""
    m = _WARNING.search(stderr)
    if not m:
        return "ThreadSanitizer reported a race"
    block = stderr[m.end():m.end() + 4000]
    for f in _FRAME.finditer(block):
        path, line = f.group(1), f.group(2)
        if "accrt" in path or not path.endswith((".c", ".h", ".cc", ".cpp", ".cxx", ".hpp",
                                                    ".hh", ".C")):
            continue
        try:
            rel = str(Path(path).resolve().relative_to(work.resolve()))
        except ValueError:
            rel = Path(path).name
        return f"ThreadSanitizer (Archer): data race at {rel}:{line}"
    return "ThreadSanitizer (Archer): data race"


def tsan_races(prog: Program, work: Path, env_extra: dict[str, str],
               timeout: float) -> tuple[bool | None, str]:
    """Build the prepared variant in ``work`` with TSan and run it once with Archer: (True,
    where) when a race is reported, (False, "") when none, (None, why) when it could not run
    (the build failed, the run timed out: TSan is 5-15x slower)."""
    tc = tsan_toolchain()
    if tc is None:
        return None, tsan_unavailable() or ""
    clang, archer = tc
    binary, log = _build(prog, work, clang)
    if binary is None:
        return None, f"TSan build failed: {' '.join(log.split())[-300:]}"
    env = {**os.environ, **env_extra, "OMP_TOOL_LIBRARIES": archer,
           "TSAN_OPTIONS": f"ignore_noninstrumented_modules=1 exitcode={TSAN_EXIT} "
                           "report_signal_unsafe=0 history_size=4",
           "ACCRT_REPORT": str(work / ".accrt-tsan-report.json")}
    try:
        r = subprocess.run([str(binary), *prog.run], cwd=work, capture_output=True, text=True,
                           errors="replace", timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, f"TSan run timed out after {timeout:.0f} s"
    if r.returncode == TSAN_EXIT or _WARNING.search(r.stderr):
        return True, _first_race(r.stderr, work)
    return False, ""
