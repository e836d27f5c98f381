"""A ``max``/``min`` into an integer that the assigned value wraps into is no reduction (found
by probing with self-checking programs): ``int m; if (a[i] > m) m = a[i];`` with ``long *a``
compares before converting, and the conversion takes the value modulo 2^32 (C11 6.3.1.3), so
the loop can keep 7 where ``a[i]`` was ``2^32 + 7`` and a larger value came before — the
maximum of the partial results (200) is not the loop's (49).  It got ``reduction(max:m)``;
now the variable is carried (``pipeline._wrapping_extremum``, ``value_types.wraps_into``).
Twins keep the reduction: an ``int`` maximum of ``int`` elements, and a ``double`` into an
``int`` (truncation is monotone).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """int max_long_into_int(int n, const long *a)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (a[i] > m) m = a[i];
    return m;
}

int max_int(int n, const int *b)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (b[i] > m) m = b[i];
    return m;
}

int max_double_into_int(int n, const double *c)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (c[i] > m) m = c[i];
    return m;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
int max_long_into_int(int n, const long *a);
int max_int(int n, const int *b);
int max_double_into_int(int n, const double *c);
static int ref_long(int n, const long *a) { int m = 0; for (int i = 0; i < n; i++) if (a[i] > m) m = a[i]; return m; }
int main(void)
{
    enum { N = 4000 };
    long *a = malloc(N * sizeof *a);
    int *b = malloc(N * sizeof *b);
    double *c = malloc(N * sizeof *c);
    for (int i = 0; i < N; i++) { a[i] = i % 50; b[i] = (i * 7) % 1000; c[i] = (i % 97) * 1.5; }
    a[10] = 200;
    a[N - 10] = 4294967296L + 7;
    int bad = max_long_into_int(N, a) != ref_long(N, a);
    bad += max_int(N, b) != 999;
    bad += max_double_into_int(N, c) != 144;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_only_the_wrapping_maximum_loses_its_reduction():
    got = [s.pragma or "" for s in annotate_source(KERNEL.encode(), get_engine("analysis"))]
    assert "reduction(max:m)" not in got[0], got
    assert "reduction(max:m)" in got[1] and "reduction(max:m)" in got[2], got


def test_the_program_verifies(tmp_path):
    run_programs(tmp_path, {"wrap": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"])},
                 variants=("engine", "per_loop_clauses", "offload"))
