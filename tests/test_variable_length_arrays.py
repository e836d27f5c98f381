"""No compute construct around a loop that declares a variable length array
(``dataset/analysis/variable_length``, the guard's ``server/safety._host_bound``).

``double tmp[m];`` in a loop's body, ``m`` a parameter, allocates each iteration's array at run
time; under a compute construct that is device code, and gcc's nvptx offload compiler rejects
it ("target cannot support alloca"): the program does not build for a GPU.  Before, such a loop
got ``parallel loop copy(a[0:m*n])`` (and "Offload this function" offloaded it).  In C a
``const int`` local or a global is no integer constant expression either (C11 6.6p6); in C++
a ``const``/``constexpr`` integer initialised by a constant is, and a size the macros give
always is.  The inner loops of such a loop keep their pragmas.

Proven on a whole program built for the GPU (gcc -fopenacc -foffload=nvptx-none, as the
dynamic evaluation's GPU mode builds): with the guarded answers of an engine that answers
``parallel loop`` everywhere it links and, run (on the host when no GPU is present),
verifies; the same pragma over the loop declaring the array does not build.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _fixed_engine import FixedAnswer
from _offload_util import gpu_build, run_built

from accellium.server.annotate import annotate_source, apply_edits

KERNEL = """#define K 4
int G = 2;

void scratch(int n, int m, double *a)
{
    const int c = 3;
    for (int i = 0; i < n; i++) { /* param */
        double tmp[m];
        for (int j = 0; j < m; j++) /* inner */
            tmp[j] = a[i * m + j];
        a[i * m] = tmp[m - 1];
    }
    for (int i = 0; i < n; i++) { /* const */
        double t[c];
        t[0] = a[i * m + 1];
        a[i * m + 1] = t[0] + 1.0;
    }
    for (int i = 0; i < n; i++) { /* global */
        double t[G + 1];
        t[0] = a[i * m + 2];
        a[i * m + 2] = t[0] + 2.0;
    }
    for (int i = 0; i < n; i++) { /* fixed */
        double t[K * 2], *q[K], (*row)[m] = 0;
        t[0] = a[i * m + 3];
        q[0] = t;
        a[i * m + 3] = q[0][0] + (row == 0 ? 3.0 : 0.0) + sizeof(double[m]) * 0;
    }
}
"""
MAIN = """#include <stdio.h>
void scratch(int n, int m, double *a);
int main(void)
{
    enum { N = 64, M = 8 };
    static double a[N * M];
    int bad = 0;
    for (int k = 0; k < N * M; k++) a[k] = k % 5;
    scratch(N, M, a);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++) {
            double v = (i * M + j) % 5;
            double e = j == 0 ? (i * M + M - 1) % 5 : v + (j < 4 ? j : 0);
            bad += a[i * M + j] != e;
        }
    puts(bad ? "BAD" : "OK");
    return bad != 0;
}
"""

CXX = """constexpr int G = 2;
void scratch(int n, int m, double *a)
{
    const int c = 3;
    for (int i = 0; i < n; i++) { /* param */
        double tmp[m];
        tmp[0] = a[i];
        a[i] = tmp[0];
    }
    for (int i = 0; i < n; i++) { /* const */
        double t[c];
        t[0] = a[i];
        a[i] = t[0];
    }
    for (int i = 0; i < n; i++) { /* global */
        double t[G + 1];
        t[0] = a[i];
        a[i] = t[0];
    }
}
"""


def _rows(src: str) -> dict[str, int]:
    lines = src.splitlines()
    return {ln.split("/* ")[1].split(" */")[0]: k + 1 for k, ln in enumerate(lines)
            if "/* " in ln}


def _answers(src: str, engine, path: str) -> dict[int, tuple[str | None, str]]:
    got = annotate_source(src.encode(), engine, path=path)
    return {s.line: (s.pragma, " ".join(str(n) for n in s.notes)) for s in got}


@pytest.mark.parametrize("engine_name", ["analysis", "fixed"])
def test_a_loop_declaring_a_variable_length_array_gets_no_compute_construct(engine_name):
    from accellium.server.engines import get_engine

    engine = FixedAnswer("#pragma acc parallel loop") if engine_name == "fixed" \
        else get_engine("analysis")
    rows, got = _rows(KERNEL), _answers(KERNEL, engine, "k.c")
    for key, array, line in (("param", "tmp", 8), ("const", "t", 14), ("global", "t", 19)):
        pragma, notes = got[rows[key]]
        assert pragma is None, (key, pragma)
        assert f"`{array}` (line {line}) is a variable length array" in notes, notes
    for key in ("inner", "fixed"):  # the loop inside; sizes from macros, a pointer's type
        pragma, notes = got[rows[key]]
        assert pragma is not None and "parallel loop" in pragma, (key, pragma, notes)


def test_in_cxx_a_constant_sizes_an_array_of_fixed_length(engine):
    rows, got = _answers(CXX, engine, "k.cpp"), _rows(CXX)
    assert rows[got["param"]][0] is None, rows
    assert "`tmp` (line 6) is a variable length array" in rows[got["param"]][1]
    for key in ("const", "global"):
        assert rows[got[key]][0] is not None, (key, rows[got[key]])


def _gpu_build(tmp: Path, kernel: str) -> subprocess.CompletedProcess:
    return gpu_build(tmp, {"kernel.c": kernel, "main.c": MAIN})


def test_the_guarded_program_builds_for_the_gpu_and_verifies(tmp_path):
    src = KERNEL.encode()
    new, _ = apply_edits(src, annotate_source(src, FixedAnswer("#pragma acc parallel loop"),
                                              path="kernel.c"))
    text = new.decode()
    assert text.count("#pragma acc parallel loop") == 2, text  # `inner` and `fixed`
    built = _gpu_build(tmp_path, text)
    assert built.returncode == 0, built.stderr[-3000:]
    run = run_built(tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "OK", run.stdout + run.stderr
    # the pragma the engine answered over the loop declaring `tmp[m]`: no GPU build
    raw = KERNEL.replace("    for (int i = 0; i < n; i++) { /* param */",
                       "#pragma acc parallel loop\n    for (int i = 0; i < n; i++) { /* param */")
    assert raw != KERNEL
    failed = _gpu_build(tmp_path, raw)
    assert failed.returncode != 0
    assert "alloca" in failed.stderr, failed.stderr[-3000:]
