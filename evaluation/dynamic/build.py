"""Build and run one program variant: a copy of the program folder with some files replaced,
translated for the CPU emulation (or left as is for serial / GPU builds), compiled with the
manifest's command, run under a timeout with the runtime's report read back."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from accellium.evaluation.dynamic.cnames import (
    nonvar_names,
    preprocessor_flags,
    program_functions,
)
from accellium.evaluation.dynamic.kept_pragmas import (
    compiled_acc_lines,
    compiled_text,
    expand_pragma_macros,
)
from accellium.evaluation.dynamic.manifest import Program
from accellium.evaluation.dynamic.translate import translate

__all__ = ["RUNTIME_H", "BuildResult", "RunResult", "prepare", "compile_program", "run_binary",
           "CPU_FLAGS", "GPU_FLAGS", "make_wrappers"]

RUNTIME_H = Path(__file__).resolve().parent / "runtime" / "accrt.h"
CPU_FLAGS = f"-fopenmp -D_OPENACC=201711 -include {RUNTIME_H} -w -fno-strict-aliasing"
_ABS_CC = re.compile(r"(?<!\S)/usr/(?:local/)?bin/(gcc|cc|c99|g\+\+|c\+\+)(-\d+)?(?!\S)")
# sm_80 PTX runs on every GPU since Ampere (JIT); recent ptxas no longer accepts gcc 12's
# default sm_35.
GPU_FLAGS = ("-fopenacc -foffload=nvptx-none -foffload-options=nvptx-none=-misa=sm_80 "
             "-foffload-options=nvptx-none=-lm")
_C_SUFFIXES = (".c", ".h")
_CXX_SUFFIXES = (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".C")


@dataclass
class BuildResult:
    ok: bool
    binary: Path | None
    log: str
    seconds: float
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    report: dict | None


def prepare(folder: Path, work: Path, replaced: dict[str, bytes], cpu: bool,
            compile_cmd: str) -> list[str]:
    """Copy ``folder`` to ``work`` with ``replaced`` files; with ``cpu`` translate the C and
    C++ files that carry ``#pragma acc`` or ``#pragma omp`` (a header a C++ source includes
    is read as C++).  Returns translator warnings."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(folder, work, symlinks=True)
    for rel, data in replaced.items():
        (work / rel).write_bytes(data)
    warnings: list[str] = []
    if not cpu:
        return warnings
    flags = preprocessor_flags(compile_cmd)
    files = [p for p in sorted(work.rglob("*")) if p.is_file() and p.suffix in _C_SUFFIXES]
    if any(b"_Pragma" in p.read_bytes() for p in files):
        for path, text in expand_pragma_macros([p for p in files if p.suffix == ".c"], flags,
                                               work).items():
            path.write_bytes(text)
    cxx_headers = _cxx_headers(work, flags)
    sources = [p for p in sorted(work.rglob("*"))
               if p.is_file() and p.suffix in _C_SUFFIXES + _CXX_SUFFIXES]
    langs = {str(p): "cpp" if p.suffix in _CXX_SUFFIXES or p.resolve() in cxx_headers else "c"
             for p in sources}
    functions = program_functions({str(p): p.read_bytes() for p in sources}, langs)
    for path in sources:
        data = path.read_bytes()
        if not re.search(rb"^[ \t]*#[ \t]*pragma[ \t]+(acc|omp)\b", data, re.MULTILINE):
            continue
        rel = str(path.relative_to(work))
        lang = langs[str(path)]
        names = nonvar_names(path, flags, work, lang=lang)
        kept = compiled_acc_lines(path, flags, work, lang=lang)
        text = compiled_text(path, data, flags, work, lang=lang)
        with _class_headers(text, path, compile_cmd, work, lang):
            t = translate(text, rel, names, functions, kept, lang)
        path.write_bytes(t.code)
        warnings += [f"{rel}: {w}" for w in t.warnings]
    return warnings


def _class_headers(text: bytes, path: Path, compile_cmd: str, work: Path, lang: str
                   ) -> AbstractContextManager[None]:
    """For a C++ source, the headers it includes read as its text (``#include`` puts them in
    the file, [cpp.include]): a member function defined there of a class a header defines
    names the class's data members bare (:mod:`.cxxthis`), which the translation binds through
    ``this``; nothing for C (a C function names no member bare)."""
    if lang != "cpp":
        return nullcontext()
    from accellium.dataset.includes import read_includes
    from accellium.dataset.offload.shapes import header_declarations
    from accellium.evaluation.dynamic.offload import compile_include_dirs

    got = read_includes(text, path, lang, compile_include_dirs(compile_cmd, work), project=work)
    return header_declarations(text, got.texts, lang)


def _cxx_headers(work: Path, flags: list[str]) -> set[Path]:
    """The headers a C++ source of ``work`` includes, directly or through other headers (g++'s
    own list, ``-MM``): their code is compiled as C++ there, whatever their suffix, so they are
    C++ as :func:`prepare` sees it (a ``.h`` of a C++ program is not translated as C)."""
    out: set[Path] = set()
    for src in sorted(work.rglob("*")):
        if not src.is_file() or src.suffix not in _CXX_SUFFIXES or \
                src.suffix in (".hpp", ".hh"):
            continue
        try:
            got = subprocess.run(["g++", "-MM", "-MG", *flags, "-I", str(src.parent), src.name],
                                 cwd=src.parent, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            continue
        deps = got.stdout.replace("\\\n", " ").split(":", 1)[-1].split()
        out.update((src.parent / d).resolve() for d in deps if d.endswith(_C_SUFFIXES))
    return out


def runtime_object() -> Path:
    """The emulation runtime compiled once (cached by the header's content)."""
    data = RUNTIME_H.read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "accellium" / "accrt"
    obj = cache / f"accrt-{hashlib.sha256(data).hexdigest()[:16]}.o"
    if not obj.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = obj.with_suffix(f".{os.getpid()}.o")
        subprocess.run(["gcc", "-O2", "-fopenmp", "-DACCRT_IMPL", "-x", "c", "-c", str(RUNTIME_H),
                        "-o", str(tmp)], check=True, capture_output=True, timeout=300)
        os.replace(tmp, obj)
    return obj


#: the C and the C++ compilers' names the wrappers stand for: a C++ file is translated as a
#: C file is (:func:`prepare`) and built with the same flags, so both go through the runtime
C_COMPILERS = ("gcc", "cc", "gcc-12", "c99")
CXX_COMPILERS = ("g++", "c++", "g++-12")


def make_wrappers(bindir: Path, extra: str, drop: tuple[str, ...], link: str = "",
                  compiler: str | None = None, names: tuple[str, ...] = C_COMPILERS) -> None:
    """Compiler wrappers (``names``: gcc/cc by default) that replace -fopenacc by ``extra``
    and, when they link, add ``link`` (the runtime object); the build command's own compiler
    calls go through them via PATH.  ``compiler``: run this compiler instead of the one named
    (the TSan build's clang)."""
    bindir.mkdir(parents=True, exist_ok=True)
    for name in names:
        real = compiler or shutil.which(name)
        if real is None:
            continue
        pats = "|".join(drop)
        script = f"""#!/bin/bash
out=(); acc=0; link=1
for a in "$@"; do
  case "$a" in
    -fopenacc) acc=1; out+=({extra});;
    -c|-E|-S|-M|-MM) link=0; out+=("$a");;
    {pats}) ;;
    *) out+=("$a");;
  esac
done
if [ $acc = 1 ] && [ $link = 1 ] && [ -n "{link}" ]; then out+=({link}); fi
exec {shlex.quote(real)} "${{out[@]}}"
"""
        w = bindir / name
        w.write_text(script)
        w.chmod(0o755)


def compile_program(prog: Program, work: Path, mode: str, timeout: float = 300) -> BuildResult:
    """Compile ``work`` with the manifest command: ``mode`` is cpu (emulation), gpu (offload)
    or serial (``compile_serial`` as is)."""
    binary = work / f"{prog.name}.{mode}.bin"
    env = dict(os.environ)
    if mode == "serial":
        cmd = prog.compile_serial.replace("{out}", shlex.quote(str(binary)))
    else:
        extra = CPU_FLAGS if mode == "cpu" else GPU_FLAGS
        drop = ("-foffload=*", "-fopenacc-dim=*") if mode == "cpu" else ("-fopenacc-dim=*",)
        cmd = prog.compile.replace("{out}", shlex.quote(str(binary)))
        if mode == "gpu" and "-foffload" in cmd:
            extra = "-fopenacc"
        cmd = _ABS_CC.sub(lambda m: m.group(1), cmd)
        bindir = work / ".accrt-bin"
        runtime = shlex.quote(str(runtime_object())) if mode == "cpu" else ""
        make_wrappers(bindir, extra, drop, runtime, names=C_COMPILERS + CXX_COMPILERS)
        env["PATH"] = f"{bindir}:{env.get('PATH', '')}"
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, shell=True, cwd=work, capture_output=True, text=True,
                           errors="replace", timeout=timeout, env=env)
        ok = r.returncode == 0 and binary.is_file()
        log = (r.stdout + r.stderr)[-200_000:]
    except subprocess.TimeoutExpired:
        ok, log = False, f"compile timed out after {timeout:.0f} s"
    return BuildResult(ok, binary if ok else None, log, time.perf_counter() - t0)


#: gcc 12's errors on OpenACC it does not implement, which the emulation runs as the
#: specification says: a section of a pointer to pointers (``copy(A[0:n][0:m])`` of ``double
#: **A``, OpenACC 3.3 2.7.1) — the tools write it, other compilers build it, a gcc 12 GPU
#: build fails on it (README, the forty-eighth session); and the error that follows on an
#: ``update`` whose only sections gcc dropped so
_GCC_GAPS = ("array section is not contiguous",
             "must contain at least one 'device' or 'host' or 'self' clause")


def _only_gaps(stderr: str) -> bool:
    """Is every error gcc printed one of :data:`_GCC_GAPS`?"""
    errors = [ln.replace("‘", "'").replace("’", "'") for ln in stderr.splitlines()
              if " error: " in ln]
    return bool(errors) and all(any(g in ln for g in _GCC_GAPS) for ln in errors)


def openacc_rejected(prog: Program, folder: Path, work: Path, replaced: dict[str, bytes],
                     timeout: float = 300) -> str | None:
    """What gcc's own OpenACC compiler says against the sources a tool wrote (``replaced``,
    in a copy of ``folder`` at ``work``): each such C or C++ unit compiled with ``-fopenacc
    -foffload=disable -c`` and the build's preprocessor flags (None: gcc accepts them all).
    The emulation translates the pragmas and never shows them to gcc, which refuses some
    that the emulator can run: a routine naming a variable of file scope no ``declare``
    puts on the device, a compute construct inside another (OpenACC 3.3, 2.15.1, 2.5).  The
    errors on what gcc 12 does not implement (:data:`_GCC_GAPS`) do not count."""
    units = [rel for rel in replaced if Path(rel).suffix in (".c", *_CXX_SUFFIXES)
             and Path(rel).suffix not in (".h", ".hpp", ".hh")]
    if not units:
        return None
    prepare(folder, work, replaced, cpu=False, compile_cmd=prog.compile)
    flags = preprocessor_flags(prog.compile)
    try:
        for rel in units:
            cc = "gcc" if Path(rel).suffix == ".c" else "g++"
            r = subprocess.run([cc, "-fopenacc", "-foffload=disable", "-w", *flags, "-c", rel,
                                "-o", os.devnull], cwd=work, capture_output=True, text=True,
                               errors="replace", timeout=timeout)
            if r.returncode != 0 and not _only_gaps(r.stderr):
                return (r.stdout + r.stderr)[-200_000:]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return None


def run_binary(prog: Program, work: Path, binary: Path, env_extra: dict[str, str],
               timeout: float) -> RunResult:
    """Run the binary with the manifest arguments in the program folder."""
    report = work / ".accrt-report.json"
    if report.exists():
        report.unlink()
    env = dict(os.environ)
    env.update(env_extra)
    env["ACCRT_REPORT"] = str(report)
    t0 = time.perf_counter()
    try:
        r = subprocess.run([str(binary), *prog.run], cwd=work, capture_output=True, text=True,
                           errors="replace", timeout=timeout, env=env)
        rc, out, err, to = r.returncode, r.stdout, r.stderr, False
    except subprocess.TimeoutExpired as e:
        def _s(x) -> str:
            return x.decode("utf-8", "replace") if isinstance(x, bytes) else (x or "")
        rc, out, err, to = -9, _s(e.stdout), _s(e.stderr), True
    secs = time.perf_counter() - t0
    rep = None
    if report.is_file():
        try:
            rep = json.loads(report.read_text("utf-8", "replace"))
        except (OSError, json.JSONDecodeError):
            rep = None
    return RunResult(rc, out[-200_000:], err[-8000:], to, secs, rep)
