"""A scratch array is private to an iteration only where the iteration writes every element it
reads before reading it (found by probing the per-loop answers).

``private(t)`` gives each iteration a copy of ``t`` that starts uninitialised (OpenACC 3.3,
2.5.13, 2.9.10).  The analysis took an array for scratch when its first access was a plain
unconditional write, so an inner loop that fills only part of it — up to a bound below the
element read (``k < m``, ``k < 7``), from 1, every other element (``k += 2``), one row, or
leaving early (``break``, ``continue``) — got ``parallel loop private(tmp)``, and the body read
the private copy's garbage where the program reads the value stored before the loop.  Now each
read must lie within the range of an earlier write that takes every element of its range
(``dataset/analysis/filled.py``); named constants (``#define W 4``, ``const int W = 4;``) count
with their values, ``e % c`` ranges over ``0 .. c - 1`` for ``e >= 0``, and constant writes
(``t[0] = 0, t[1] = 0, ...``) together cover the elements they name.

Whole programs (gcc, the dynamic evaluation's emulator): both engines' per-loop answers and
the offload plan verify; the partly filled arrays get no ``private``, the filled ones keep it.
"""

from __future__ import annotations

from _offload_util import write_programs

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """#define W 4
static const int SW = 4;
typedef struct { double re, im; } cplx;

void part_members(int n, const double *a, double *b)
{
    cplx line[8];
    for (int k = 0; k < 8; k++) { line[k].re = k; line[k].im = -k; }
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 7; k++) { line[k].re = a[i] * k; line[k].im = a[i]; }
        b[i] = line[7].re + line[0].im;
    }
}

void full_members(int n, const double *a, double *b)
{
    cplx line[8];
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 8; k++) { line[k].re = a[i] * k; line[k].im = a[i]; }
        b[i] = line[7].re + line[0].im;
    }
}

void part_bound(int n, int m, const double *a, double *b, double *tmp)
{
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < m; k++) tmp[k] = a[i] * k;
        b[i] = tmp[0] + tmp[7];
    }
}

void part_from1(int n, const double *a, double *b)
{
    double tmp[8];
    for (int k = 0; k < 8; k++) tmp[k] = k + 10.0;
    for (int i = 0; i < n; i++) {
        for (int k = 1; k < 8; k++) tmp[k] = a[i] * k;
        b[i] = tmp[0] + tmp[1];
    }
}

void part_step2(int n, const double *a, double *b)
{
    double tmp[8];
    for (int k = 0; k < 8; k++) tmp[k] = k + 10.0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 8; k += 2) tmp[k] = a[i] * k;
        b[i] = tmp[2] + tmp[1];
    }
}

void part_row(int n, const double *a, double *b)
{
    double t2[4][4];
    for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) t2[r][c] = 4 * r + c;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++) t2[0][k] = a[i] * k;
        b[i] = t2[0][3] + t2[1][0];
    }
}

void part_break(int n, const double *a, double *b)
{
    double tmp[8];
    for (int k = 0; k < 8; k++) tmp[k] = k;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 8; k++) { if (a[i] < k) break; tmp[k] = a[i] * k; }
        b[i] = tmp[0] + tmp[7];
    }
}

void part_continue(int n, const double *a, double *b)
{
    double tmp[8];
    for (int k = 0; k < 8; k++) tmp[k] = k;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 8; k++) { if (k == 5) continue; tmp[k] = a[i] * k; }
        b[i] = tmp[5] + tmp[1];
    }
}

void part_recurrence(int n, int m, const double *a, double *b)
{
    double w[16];
    w[0] = 2.0;
    for (int i = 0; i < n; i++) {
        for (int k = 1; k < m; k++) w[k] = w[k - 1] * a[i];
        b[i] = w[m - 1];
    }
}

void full_recurrence(int n, int m, const double *a, double *b)
{
    double w[16];
    for (int i = 0; i < n; i++) {
        w[0] = 1.0;
        for (int k = 1; k < m; k++) w[k] = w[k - 1] * a[i];
        double s = 0.0;
        for (int k = m - 1; k >= 0; k--) s += w[k];
        b[i] = s;
    }
}

void full_named(int n, const double *a, double *b)
{
    double st[W], v[4];
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < W; k++) st[k] = a[i] + k;
        for (int k = 0; k < SW; k++) v[k] = 2.0 * st[k];
        b[i] = st[0] + st[W - 1] + v[SW - 1];
    }
}

void full_points(int n, const double *a, double *b)
{
    double t[3];
    for (int i = 0; i < n; i++) {
        t[0] = a[i], t[1] = 2.0 * a[i], t[2] = 3.0 * a[i];
        double s = 0.0;
        for (int j = 0; j < 3; j++) s += t[j];
        b[i] = s;
    }
}

void full_modulo(int n, int m, const double *a, double *b)
{
    double t[5];
    for (int i = 0; i < n; i++) {
        for (int y = 0; y < 5; y++) t[y] = 0.0;
        for (int y = 0; y < 5 * m; y++) t[y % 5] += a[i] + y;
        b[i] = t[0] + t[4];
    }
}
"""
MAIN = """#include <stdio.h>
void part_members(int n, const double *a, double *b);
void full_members(int n, const double *a, double *b);
void part_bound(int n, int m, const double *a, double *b, double *tmp);
void part_from1(int n, const double *a, double *b);
void part_step2(int n, const double *a, double *b);
void part_row(int n, const double *a, double *b);
void part_break(int n, const double *a, double *b);
void part_continue(int n, const double *a, double *b);
void full_named(int n, const double *a, double *b);
void part_recurrence(int n, int m, const double *a, double *b);
void full_recurrence(int n, int m, const double *a, double *b);
void full_points(int n, const double *a, double *b);
void full_modulo(int n, int m, const double *a, double *b);
int main(void)
{
    enum { N = 200 };
    static double a[N], b[N], tmp[8];
    int bad = 0;
    for (int i = 0; i < N; i++) a[i] = 0.25 * i + 1.0;
    for (int k = 0; k < 8; k++) tmp[k] = k;
    part_members(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != 7.0 + a[i];
    full_members(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != 8.0 * a[i];
    part_bound(N, 5, a, b, tmp);
    for (int i = 0; i < N; i++) bad += b[i] != 7.0;
    part_from1(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != 10.0 + a[i];
    part_step2(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != 2.0 * a[i] + 11.0;
    part_row(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != 3.0 * a[i] + 4.0;
    part_break(N, a, b);
    {
        double t7 = 7.0;  /* the last iteration that reaches k = 7 leaves a[i] * 7 there */
        for (int i = 0; i < N; i++) {
            if (!(a[i] < 7)) t7 = a[i] * 7;
            bad += b[i] != t7;
        }
    }
    part_continue(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != 5.0 + a[i];
    part_recurrence(N, 4, a, b);  /* w[0] stays 2.0, set before the loop */
    for (int i = 0; i < N; i++) bad += b[i] != 2.0 * a[i] * a[i] * a[i];
    full_recurrence(N, 5, a, b);
    for (int i = 0; i < N; i++) {
        double s = 0.0, t = 1.0;
        for (int k = 0; k < 5; k++) { s += t; t *= a[i]; }
        bad += b[i] != s;
    }
    full_named(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != a[i] + a[i] + 3.0 + 2.0 * (a[i] + 3.0);
    full_points(N, a, b);
    for (int i = 0; i < N; i++) bad += b[i] != 6.0 * a[i];
    full_modulo(N, 3, a, b);
    for (int i = 0; i < N; i++) {
        double t0 = 0.0, t4 = 0.0;
        for (int y = 0; y < 15; y++) {
            if (y % 5 == 0) t0 += a[i] + y;
            if (y % 5 == 4) t4 += a[i] + y;
        }
        bad += b[i] != t0 + t4;
    }
    printf(bad ? "BAD %d\\n" : "OK\\n", bad);
    return 0;
}
"""


def _outer(src: str) -> dict[str, str | None]:
    """The analysis engine's pragma on each function's loop over ``i``, by function."""
    fn, outer = "", {}
    for k, ln in enumerate(src.splitlines(), 1):
        if ln.startswith("void "):
            fn = ln.split()[1].split("(")[0]
        elif ln.strip().startswith("for (int i = 0;"):
            outer[k] = fn
    got = {fn: None for fn in outer.values()}
    for s in annotate_source(src.encode(), get_engine("analysis"), path="kernel.c"):
        if s.line in outer:
            got[outer[s.line]] = s.pragma
    return got


def test_private_only_where_the_iteration_fills_what_it_reads():
    got = _outer(KERNEL)
    assert len(got) == 13, got
    for fn, pragma in got.items():
        private = pragma is not None and "private(" in pragma
        if fn.startswith("part_"):
            assert not private, (fn, pragma)
        else:
            assert pragma is not None and "parallel loop" in pragma and private, (fn, pragma)


def test_the_answers_verify(tmp_path):
    man = write_programs(tmp_path, {"filled": ({"kernel.c": KERNEL, "main.c": MAIN},
                                               ["kernel.c"])})
    for engine in ("analysis", "auto"):
        res = evaluate_dynamic(man, engine, threads=4, runs=2, with_mutations=False,
                               offload=engine == "analysis")
        row = res["programs"][0]
        assert row["engine"]["status"] == "verified", (engine, row["engine"])
        if engine == "analysis":
            assert row["offload"]["status"] == "verified", row["offload"]
