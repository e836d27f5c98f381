"""Compile validity of a pragma without a GPU (DESIGN §6 ``compiles``).

The loop is wrapped in a generated function that declares every free identifier with a type
inferred from its uses (tree-sitter, :func:`dataset.loops.parse_tree`):

* ``x[i][j]`` → a pointer of rank 2 (``double **x``); the element type follows the use of the
  whole expression (``idx[i]`` used as a subscript → ``int *idx``);
* ``s.f`` / ``p->f`` → a generated ``struct`` with a field ``f`` (typed the same way, nested
  structs and member calls included); ``this->f`` → the function becomes a member function of a
  generated class;
* ``f(...)`` → a prototype (C: ``double f();``, C++: a variadic template returning ``double&``;
  a C call used as an lvalue becomes a macro);
* scalars are ``double`` unless used as an integer (subscript, ``%``, shifts, bit operators,
  loop iteration variable, array size, ``switch``) → ``int``; ``ALL_CAPS`` names with no other
  evidence are ``int`` constants (an enum, so ``case N:`` and array sizes work);
* unknown type names (``real``, ``T``, ``Vec3``) → ``typedef double`` (or a struct when fields are
  used), C++ ``std::`` names come from the standard headers.

Identifiers in the pragma and the enclosing directives' clauses are declared too (array sections
``a[0:n][0:m]`` give the rank).  The enclosing directives are reproduced around the loop
(``data``/``parallel``/``kernels`` as blocks, an enclosing annotated loop as a generated ``for``
nest of its ``collapse`` depth); an orphaned ``loop`` directive (its compute construct is in a
caller) goes in a ``kernels`` block.  The file is compiled with
``gcc -fopenacc -Werror=unknown-pragmas -c -o /dev/null`` (``g++`` for C++), in parallel, with a
timeout, and every result is cached by the hash of compiler, flags and source.

Not modelled (these make gold pragmas fail, see the report of :func:`gold_rate`): macros that
expand to statements or declarations, C++ classes used through overloaded operators, templates
whose parameters are values, lambdas capturing by reference, user-defined namespaces beyond a
flat declaration, and loops that are only a fragment of a larger preprocessor construct.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from accellium.evaluation.c_source import build_source

__all__ = ["CompileJob", "CompileResult", "build_source", "check", "check_many",
           "default_cache_dir", "compiler_available"]

TIMEOUT_S = 20.0
# No ``-w``: it would also silence the unknown-pragma diagnostics that -Werror promotes.
FLAGS = ("-fopenacc", "-Werror=unknown-pragmas", "-c", "-o", "/dev/null")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "accellium" / "compile"


def compiler_available(lang: str = "c") -> bool:
    from shutil import which

    return which("g++" if lang == "cpp" else "gcc") is not None

# ----------------------------------------------------------------------------------------------
# Compilation with a cache
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompileJob:
    loop: str
    pragma: str | None
    lang: str = "c"
    enclosing: tuple[str, ...] = ()


@dataclass
class CompileResult:
    ok: bool
    error: str | None = None  # first error line
    cached: bool = False
    key: str = ""


def _compiler(lang: str) -> str:
    return "g++" if lang == "cpp" else "gcc"


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line:
            return re.sub(r"^[^:]*:\d+:(?:\d+:)?\s*", "", line).strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else "failed"


def check(job: CompileJob, cache_dir: str | Path | None = None,
          timeout: float = TIMEOUT_S) -> CompileResult:
    """Compile one pragma–loop pair (cached)."""
    if job.pragma is None:
        return CompileResult(False, "no pragma")
    lang = "cpp" if job.lang in ("cpp", "c++") else "c"
    try:
        source = build_source(job.loop, job.pragma, lang, job.enclosing)
    except Exception as e:  # a harness bug must not stop an evaluation
        return CompileResult(False, f"harness: {type(e).__name__}: {e}")
    cmd = [_compiler(lang), *FLAGS]
    key = hashlib.sha256(("\0".join(cmd) + "\0" + source).encode("utf-8")).hexdigest()
    cdir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cfile = cdir / key[:2] / key
    try:
        cached = cfile.read_text(encoding="utf-8")
        flag, _, cached_err = cached.partition("\n")
        return CompileResult(flag == "1", cached_err or None, True, key)
    except OSError:
        pass
    suffix = ".cpp" if lang == "cpp" else ".c"
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as fh:
        fh.write(source)
        src = fh.name
    try:
        proc = subprocess.run([*cmd, src], capture_output=True, text=True, timeout=timeout)
        ok = proc.returncode == 0
        err: str | None = None if ok else _first_error(proc.stderr)
    except subprocess.TimeoutExpired:
        ok, err = False, f"timeout after {timeout:g} s"
    except FileNotFoundError:
        return CompileResult(False, f"{cmd[0]} not found", key=key)
    finally:
        os.unlink(src)
    if not (err or "").startswith("timeout"):
        try:
            cfile.parent.mkdir(parents=True, exist_ok=True)
            tmp = cfile.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(("1" if ok else "0") + "\n" + (err or ""), encoding="utf-8")
            tmp.replace(cfile)
        except OSError:
            pass
    return CompileResult(ok, err, False, key)


def check_many(jobs: Sequence[CompileJob], *, workers: int | None = None,
               cache_dir: str | Path | None = None, timeout: float = TIMEOUT_S,
               progress: bool = False, desc: str = "compile") -> list[CompileResult]:
    """:func:`check` for many jobs in parallel threads (gcc runs as a subprocess), order kept."""
    workers = workers or os.cpu_count() or 1
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc=desc, unit="file", leave=False)

    def one(j: CompileJob) -> CompileResult:
        r = check(j, cache_dir, timeout)
        if bar is not None:
            bar.update(1)
        return r

    try:
        if workers <= 1:
            return [one(j) for j in jobs]
        with ThreadPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(one, jobs))
    finally:
        if bar is not None:
            bar.close()
