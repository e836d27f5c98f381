"""Subscripts of a pointer expression (found by probing the per-loop answers): a row macro
``ROW(a, i, m)[j]`` with ``#define ROW(p, i, m) ((p) + (size_t)(i) * (m))``, the same text
written out (``(a + i * m)[j]``), and a buffer chosen inline (``(t % 2 ? u : v)[i]``).

``E1[E2]`` is ``*((E1) + (E2))`` (C11 6.5.2.1p2): ``(a + i*m)[j]`` is the element ``a[i*m +
j]``, and ``(c ? u : v)[i]`` is ``u[i]`` or ``v[i]``.  The walk took such a subscript for no
access at all, so the loops got ``parallel loop collapse(2)`` with no data clause — on a GPU
the kernel dereferences host addresses (the emulator: `data`).  Now the first name added is
the pointer (as for ``*(p + k)``), a function-like macro's expansion is read (C11 6.10.3), and
both arms of a conditional are read and written where it is written: the arrays are seen
(here: no section is known, so no pragma, as for any array of unknown extent; the Jacobi
sweep carries ``u[i - 1]`` through either buffer).

Whole programs (gcc, the dynamic evaluation's emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """#include <stddef.h>
#define ROW(p, i, m) ((p) + (size_t)(i) * (m))

void scale_rows(int n, int m, double *a, const double *b)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            ROW(a, i, m)[j] = ROW(b, i, m)[j] * 2;
}

double total(int n, int m, const double *a)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            s += (a + i * m)[j];
    return s;
}

void sweep(int n, int t, double *u, double *v)
{
    for (int i = 1; i < n - 1; i++)
        (t % 2 ? u : v)[i] = 0.5 * ((t % 2 ? v : u)[i - 1] + (t % 2 ? v : u)[i + 1]);
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void scale_rows(int n, int m, double *a, const double *b);
double total(int n, int m, const double *a);
void sweep(int n, int t, double *u, double *v);
int main(void)
{
    int n = 300, m = 200, bad = 0;
    double *a = malloc(n * m * sizeof *a), *b = malloc(n * m * sizeof *b);
    for (int i = 0; i < n * m; i++) { b[i] = (i % 17) * 0.5; a[i] = -1; }
    scale_rows(n, m, a, b);
    double ref = 0;
    for (int i = 0; i < n * m; i++) { if (a[i] != 2 * b[i]) bad++; ref += a[i]; }
    if (total(n, m, a) != ref) bad++;
    double u[64], v[64], ru[64], rv[64];
    for (int i = 0; i < 64; i++) u[i] = ru[i] = v[i] = rv[i] = i % 5;
    for (int t = 0; t < 3; t++) {
        sweep(64, t, u, v);
        for (int i = 1; i < 63; i++)
            (t % 2 ? ru : rv)[i] = 0.5 * ((t % 2 ? rv : ru)[i - 1] + (t % 2 ? rv : ru)[i + 1]);
    }
    for (int i = 0; i < 64; i++) bad += u[i] != ru[i] || v[i] != rv[i];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_no_parallel_loop_without_its_arrays():
    for s in annotate_source(KERNEL.encode(), get_engine("analysis")):
        if s.pragma is not None:
            assert "copy" in s.pragma or "present" in s.pragma, (s.line, s.pragma)
        assert s.pragma is None or "parallel" not in s.pragma or s.depth > 0, (s.line, s.pragma)


def test_the_answers_verify(tmp_path):
    run_programs(tmp_path, {"bases": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"])},
                 variants=("engine", "offload"))
