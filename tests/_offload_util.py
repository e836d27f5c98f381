"""The function both editor tests offload (issue #15) and what the offload plan writes for it:
the expected buffer after the editor's "Offload this function" action."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Collection
from pathlib import Path

# A function whose two loops share arrays, with host code between them (issue #15).
SRC_OFFLOAD = """\
double step(int n, double *u, double *v, const double *w)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        v[i] = u[i] + w[i];
    s = v[0];
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * v[i];
    return s;
}
"""


# The driver of a C++ kernel ``run(const V *a, V *c, int n)`` over a structure ``V`` with a
# member ``x`` (tests/test_cxx_implicit_calls.py, test_dynamic_host_only.py): it sets
# ``a[i].x = i`` and checks ``c[i].x == 2 i``, printing OK.
V_DOUBLED_MAIN = """
int main() { int n = 500; V *a = new V[n]; V *c = new V[n];
  for (int i = 0; i < n; i++) a[i].x = i;
  run(a, c, n); int bad = 0;
  for (int i = 0; i < n; i++) bad += c[i].x != 2.0 * i;
  std::puts(bad ? "BAD" : "OK"); delete[] a; delete[] c; return 0; }
"""


# A kernel whose arrays are declared through a header's function-like macro, rows of NC
# (tests/test_offload_macro_decl.py, test_offload_ifdef.py), and the driver's check of it
# after its declarations (``MACRO_ROWS_MAIN_HEAD`` + the arrays' declaration + this).
MACRO_ROWS_KERNEL = """#include <arr.h>
#define NR 64
#define NC 48

void smooth(int n, int m, double ARR_2D(a, NR, NC), double ARR_2D(b, NR, NC),
            double ARR_1D(s, NR))
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
    for (int i = 1; i < n - 1; i++) {
        double t = 0.0;
        for (int j = 0; j < m; j++)
            t += b[i][j];
        s[i] = t;
    }
}
"""
MACRO_ROWS_MAIN_BODY = """int main(void) {
  int n = 64, m = 40, bad = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < 48; j++) a[i][j] = (i * 7 + j * 3) % 11, b[i][j] = rb[i][j] = -1.0;
  for (int i = 0; i < n; i++) s[i] = rs[i] = -2.0;
  smooth(n, m, a, b, s);
  for (int i = 1; i < n - 1; i++) {
    rs[i] = 0.0;
    for (int j = 0; j < m; j++) {
      rb[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
      rs[i] += rb[i][j];
    }
  }
  for (int i = 0; i < n; i++) {
    bad += fabs(s[i] - rs[i]) > 1e-12;
    for (int j = 0; j < 48; j++) bad += fabs(b[i][j] - rb[i][j]) > 1e-12;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


# A scratch array with a footprint with holes (tests/test_offload_footprint.py,
# test_offload_nest_answer.py): per step the first nest writes b over the interior, the next
# nest reads b over the same interior (LO = 1) or one column more (LO = 0, a hole never
# written); the driver (NSIZE, NSTEPS) checks the result against the same steps on the host.
# One kernel over a header macro with two definitions, 16 more columns under `#ifdef PADDED`
# (the build's -D/-U decide it), and the pragma each definition gives its loop
# (tests/test_lsp_defines.py, tests/test_server_command_line.py,
# tests/test_cli_compile_commands.py).
PADDED_IDX_H = """#ifdef PADDED
#define IDX(i, j) ((i) * (m + 16) + (j))
#else
#define IDX(i, j) ((i) * m + (j))
#endif
"""
PADDED_IDX_KERNEL = """#include "idx.h"

void scale(int n, int m, double *a, const double *b)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[IDX(i, j)] = 2.0 * b[IDX(i, j)];
}
"""
PADDED_IDX_PLAIN = "#pragma acc parallel loop copyin(b[0:m*n]) copyout(a[0:m*n])"
PADDED_IDX_PADDED = ("#pragma acc parallel loop copyin(b[0:m*n+16*n-16]) "
                     "copy(a[0:m*n+16*n-16])")
# The analysis engine's answers: it collapses the nest (its inner loop is independent with the
# header's IDX, judged in the file: tests/test_collapse_in_file.py); `auto`'s ranker, cold,
# answers the forms above.
PADDED_IDX_PLAIN_NEST = PADDED_IDX_PLAIN.replace("loop ", "loop collapse(2) ", 1)
PADDED_IDX_PADDED_NEST = PADDED_IDX_PADDED.replace("loop ", "loop collapse(2) ", 1)
# The driver of PADDED_IDX_KERNEL (n rows of m): it checks `scale`'s result through the header's
# IDX, so the program verifies built with or without -DPADDED (as its pragmas fit the build).
PADDED_IDX_N, PADDED_IDX_M = 40, 24
PADDED_IDX_MAIN = f"""#include <stdio.h>
#include <stdlib.h>
#include "idx.h"
void scale(int n, int m, double *a, const double *b);
int main(void)
{{
    int n = {PADDED_IDX_N}, m = {PADDED_IDX_M};
    size_t len = (size_t)IDX(n - 1, m - 1) + 1;
    double *a = calloc(len, sizeof *a), *b = malloc(len * sizeof *b);
    for (size_t k = 0; k < len; k++)
        b[k] = k % 13;
    scale(n, m, a, b);
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            bad += a[IDX(i, j)] != 2.0 * b[IDX(i, j)];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""

JACOBI_KERNEL = """
void jacobi(int n, int steps, double *restrict a, double *restrict b)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                b[i * n + j] = 0.25 * (a[(i - 1) * n + j] + a[(i + 1) * n + j]
                                       + a[i * n + j - 1] + a[i * n + j + 1]);
        for (int i = 1; i < n - 1; i++)
            for (int j = LO; j < n - 1; j++)
                a[i * n + j] = b[i * n + j];
    }
}
"""
JACOBI_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void jacobi(int n, int steps, double *restrict a, double *restrict b);
int main(void) {
  int n = NSIZE, steps = NSTEPS, bad = 0;
  double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
  double *r = malloc(n * n * sizeof *r), *s = malloc(n * n * sizeof *s);
  for (int e = 0; e < n * n; e++) { a[e] = r[e] = (e * 7) % 13; b[e] = s[e] = 0.5; }
  jacobi(n, steps, a, b);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) for (int j = 1; j < n - 1; j++)
      s[i * n + j] = 0.25 * (r[(i - 1) * n + j] + r[(i + 1) * n + j] + r[i * n + j - 1]
                             + r[i * n + j + 1]);
    for (int i = 1; i < n - 1; i++) for (int j = LO; j < n - 1; j++) r[i * n + j] = s[i * n + j];
  }
  for (int e = 0; e < n * n; e++) bad += fabs(a[e] - r[e]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def offload_expected(src: str, row: int) -> str:
    """What `accellium suggest --offload --apply` writes for the function at ``row`` with the
    default engine (the one the editor's server uses)."""
    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine
    from accellium.server.offload import apply_plans, offload_source

    eng = get_engine("auto", **engine_options("auto"))
    fb = get_engine("analysis", **engine_options("analysis"))
    raw = src.encode()
    return apply_plans(raw, offload_source(raw, eng, lang="c", rows=(row, row),
                                           fallback=fb)).decode()


def write_suite(tmp: Path, programs: dict[str, tuple[str, str]], timeout_s: int = 20,
                headers: dict[str, dict[str, str]] | None = None,
                flags: dict[str, str] | None = None, one_file: Collection[str] = ()) -> Path:
    """A DESIGN §8 suite of ``programs`` (name -> (kernel.c, main.c); the kernel annotated,
    the driver prints OK), built with gcc -fopenacc; returns its manifest.  ``headers``: a
    program's header files (name -> text), written beside its sources and found through
    ``-I.``; ``flags``: a program's further compiler flags (``-DOPT``); ``one_file``: the
    programs whose kernel and driver are one translation unit, ``prog.c`` (annotated whole)."""
    entries = []
    for name, (kernel, main) in programs.items():
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        if name in one_file:
            (d / "prog.c").write_text(kernel + main)
            entries.append({"name": name, "sources": ["prog.c"], "annotate": ["prog.c"],
                            "compile": "gcc -O1 -fopenacc prog.c -o {out} -lm",
                            "compile_serial": "gcc -O1 prog.c -o {out} -lm",
                            "run": [], "timeout_s": timeout_s,
                            "verify": {"kind": "stdout_regex", "pattern": "^OK$"}})
            continue
        (d / "kernel.c").write_text(kernel)
        (d / "main.c").write_text(main)
        own = (headers or {}).get(name, {})
        for header, text in own.items():
            (d / header).write_text(text)
        opts = (" -I." if own else "") + (f" {flags[name]}" if flags and name in flags else "")
        entries.append({"name": name, "sources": ["kernel.c", "main.c"],
                        "annotate": ["kernel.c"],
                        "compile": f"gcc -O1 -fopenacc{opts} kernel.c main.c -o {{out}} -lm",
                        "compile_serial": f"gcc -O1{opts} kernel.c main.c -o {{out}} -lm",
                        "run": [], "timeout_s": timeout_s,
                        "verify": {"kind": "stdout_regex", "pattern": "^OK$"}})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def write_programs(tmp: Path, programs: dict[str, tuple[dict[str, str], list[str]]],
                   wrong: Collection[str] = ()) -> Path:
    """A DESIGN §8 suite of ``programs`` (name -> (its files: name -> text, the files
    annotated)), each built from its ``.c``/``.cpp`` files with g++ when one of them is C++,
    else gcc (``-O1 -fopenacc``), its driver printing OK; ``wrong``: the programs whose own
    pragmas are wrong (``original_pragmas_ok`` false).  Returns its manifest."""
    entries = []
    for name, (files, annotate) in programs.items():
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        for file, text in files.items():
            (d / file).write_text(text)
        units = " ".join(f for f in files if f.endswith((".c", ".cpp")))
        cc = "g++" if any(f.endswith(".cpp") for f in files) else "gcc"
        entries.append({"name": name, "sources": list(files), "annotate": annotate,
                        "compile": f"{cc} -O1 -fopenacc {units} -o {{out}} -lm",
                        "compile_serial": f"{cc} -O1 {units} -o {{out}} -lm",
                        "run": [], "timeout_s": 20, "original_pragmas_ok": name not in wrong,
                        "verify": {"kind": "stdout_regex", "pattern": "^OK$"}})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def write_header_placements(tmp: Path, kernel: str, main: str, header: str,
                            placements: dict[str, tuple[str, str]]) -> Path:
    """A suite of one program per placement of the arrays a shared header ``glob.h``
    declares: name -> (the definition put in ``kernel`` for ``OWN``, the one put in ``main``
    for ``DEF``); returns its manifest (:func:`write_suite`)."""
    return write_suite(
        tmp, {name: (kernel.replace("OWN", own), main.replace("DEF", drv))
              for name, (own, drv) in placements.items()},
        headers={name: {"glob.h": header} for name in placements})


def plan_text(src: str, engine, path: str = "k.c", **kw) -> tuple[str, dict]:
    """The source with the offload plans of ``src`` applied, and the plans by function
    (``path``: the file's name, whose suffix gives its language)."""
    from accellium.server.offload import apply_plans, offload_source

    plans = offload_source(src.encode(), engine, path=path, **kw)
    return apply_plans(src.encode(), plans).decode(), {p.function: p for p in plans}


def plan_written(folder: Path, engine, program: list[bytes],
                 program_headers: list[tuple[bytes, ...]] | None = None) -> tuple[str, dict]:
    """:func:`plan_text` of the ``kernel.c`` :func:`write_suite` wrote in ``folder``, its
    headers read from that folder (as ``-I.``) and the program's other files ``program``
    (with the texts of the headers each includes: ``program_headers``)."""
    from accellium.dataset.includes import read_includes
    from accellium.server.offload import apply_plans, offload_source

    src = (folder / "kernel.c").read_bytes()
    inc = read_includes(src, folder / "kernel.c", "c", [folder])
    plans = offload_source(src, engine, path="kernel.c", includes=inc, program=program,
                           program_headers=program_headers)
    return apply_plans(src, plans).decode(), {p.function: p for p in plans}


def region_line(kernel: str, main: str, engine) -> str:
    """The ``#pragma acc data`` line the plan of ``kernel`` writes, the driver ``main`` given
    as the program's other file."""
    text, _ = plan_text(kernel, engine, program=[main.encode()])
    return next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))


def clauses_of(line: str) -> dict[str, str]:
    """The data clause of each array a ``#pragma acc`` line names (its name -> ``copyin``,
    ...; a name in two clauses: the last)."""
    import re

    return {arg.split("[")[0]: clause
            for clause, args in re.findall(r"(\w+)\(([^()]*)\)", line)
            for arg in args.split(", ")}


def acc_lines(text: str) -> list[str]:
    """The ``#pragma acc`` lines of a source, stripped."""
    return [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#pragma acc")]


def line_after(text: str, line: str) -> str:
    """The line below the first line that is ``line`` (stripped)."""
    lines = [ln.strip() for ln in text.splitlines()]
    return lines[lines.index(line) + 1]


def verified_offload_bytes(res: dict) -> dict[str, int]:
    """Asserts every program's offload plan verified; the bytes each moved (both ways)."""
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        assert r["offload"]["status"] == "verified", (name, r["offload"]["reason"])
    return {k: (v["offload"]["bytes_h2d"] or 0) + (v["offload"]["bytes_d2h"] or 0)
            for k, v in rows.items()}


def _verified_rows(manifest: Path, variants: tuple[str, ...]) -> dict[str, dict]:
    """The suite ``manifest`` evaluated with the analysis engine (one run, no mutations, the
    offload plan too); asserts every program verified in each of ``variants``; the results
    by program name."""
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        for variant in variants:
            assert r[variant]["status"] == "verified", (name, variant, r[variant]["reason"])
    return rows


def run_verified(tmp: Path, programs: dict[str, tuple[str, str]],
                 variants: tuple[str, ...] = ("engine", "offload"), **kw) -> dict[str, dict]:
    """:func:`write_suite` of ``programs``, evaluated and checked (:func:`_verified_rows`)."""
    return _verified_rows(write_suite(tmp, programs, **kw), variants)


def run_programs(tmp: Path, programs: dict[str, tuple[dict[str, str], list[str]]],
                 variants: tuple[str, ...] = ("offload", "per_loop_clauses")
                 ) -> dict[str, dict]:
    """:func:`write_programs` of ``programs``, evaluated and checked (:func:`_verified_rows`)."""
    return _verified_rows(write_programs(tmp, programs), variants)


def marked_lines(src: str) -> dict[str, int]:
    """The 1-based line of each ``/* marker */`` comment of a C source."""
    import re

    return {m.group(1): src[:m.start()].count("\n") + 1
            for m in re.finditer(r"/\* ([a-z ]+) \*/", src)}


def with_naive_pragma(src: str, marker: str) -> str:
    """``src`` with ``#pragma acc parallel loop`` above the loop marked ``marker`` (at its
    indentation): the pragma a tool that ignores dependences would write."""
    import re

    lines = src.splitlines(keepends=True)
    at = marked_lines(src)[marker] - 1
    indent = re.match(r"\s*", lines[at]).group(0)
    lines.insert(at, f"{indent}#pragma acc parallel loop\n")
    return "".join(lines)


def run_as_written(tmp: Path, programs: dict[str, dict[str, str]],
                   flags: dict[str, str] | None = None) -> dict[str, int]:
    """Builds each program (name -> its files: ``kernel.c``, ``main.c`` and any headers) as
    written, with gcc -fopenacc (and the program's ``flags``: ``-DOPT``), runs it in the
    data-environment emulator (separate device memory: a missing transfer or a ``present`` on
    absent data fails) and asserts it printed OK; returns the bytes each moved (both ways)."""
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    manifest = write_suite(tmp, {k: (f["kernel.c"], f["main.c"]) for k, f in programs.items()},
                           flags=flags)
    for name, files in programs.items():
        for rel, text in files.items():
            (tmp / "programs" / name / rel).write_text(text)
    # no engine: the "original" column runs the files as they are written
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    rows = {r["name"]: r["original"] for r in res["programs"]}
    for name, r in rows.items():
        assert r["status"] == "verified", (name, r["reason"])
    return {k: r["bytes_h2d"] + r["bytes_d2h"] for k, r in rows.items()}


def failing_as_written(manifest: Path) -> dict[str, tuple[str, str]]:
    """The programs of the suite ``manifest`` that do not verify as written (their own
    pragmas: no engine; in the data-environment emulator), by name: (status, reason)."""
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    res = evaluate_dynamic(manifest, None, runs=1, threads=4, with_mutations=False)
    return {r["name"]: (r["original"]["status"], r["original"]["reason"])
            for r in res["programs"] if r["original"]["status"] != "verified"}


def gpu_build(tmp: Path, files: dict[str, str], timeout: int = 600
              ) -> subprocess.CompletedProcess:
    """Writes ``files`` (name -> text) into ``tmp`` and builds their C units, in order, for
    the GPU as the dynamic evaluation's GPU mode does (gcc with ``GPU_FLAGS``: nvptx
    offloading), headers found in ``tmp``, into ``tmp/prog`` (run it with :func:`run_built`);
    the caller asserts on the return code and stderr."""
    from accellium.evaluation.dynamic.build import GPU_FLAGS

    tmp.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp / name).write_text(text)
    units = [str(tmp / f) for f in files if f.endswith(".c")]
    return subprocess.run(["gcc", *GPU_FLAGS.split(), "-O1", "-I", str(tmp), *units,
                           "-o", str(tmp / "prog"), "-lm"], capture_output=True, text=True,
                          timeout=timeout)


def run_built(tmp: Path) -> subprocess.CompletedProcess:
    """Runs the program :func:`gpu_build` made in ``tmp`` (on the host when no GPU is
    present), in ``tmp``."""
    return subprocess.run([str(tmp / "prog")], capture_output=True, text=True, timeout=120,
                          cwd=tmp)


def gcc_compile(tmp: Path, kernel: str, name: str = "k") -> subprocess.CompletedProcess:
    """``kernel`` compiled alone (``gcc -fopenacc -c``) in ``tmp``: whether gcc accepts its
    pragmas (the caller asserts on the return code and stderr)."""
    src = tmp / f"{name}.c"
    src.write_text(kernel)
    return subprocess.run(["gcc", "-fopenacc", "-c", str(src), "-o", str(tmp / f"{name}.o")],
                          capture_output=True, text=True, timeout=120)


def function_lines(text: str, fn: str) -> list[str]:
    """The lines of the function ``fn`` (``void fn(...)`` to its closing ``}``) of a planned
    source ``text``, stripped."""
    return [ln.strip() for ln in text.split(f"void {fn}(")[1].split("\n}\n")[0].splitlines()]


def line_starting(lines: list[str], start: str) -> int:
    """The index of the first of ``lines`` that starts with ``start``."""
    return next(k for k, ln in enumerate(lines) if ln.startswith(start))
