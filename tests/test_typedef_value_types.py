"""A typedef name is its type for the value-type rules (found by probing with self-checking
programs): ``typedef int acc_t; acc_t s; s += a[i]`` with ``a`` of ``double`` truncates at
every step as an ``int`` does (C11 6.7.8p3: the name is a synonym), but the rule that keeps
such a sum from being a reduction read ``acc_t`` as no integer and the loop got
``reduction(+:s)`` (the engine column printed 500 for 0).  The declared types the analysis
reads now resolve the file's typedefs (``value_types.typedef_types``, ``resolved``); the
``max`` of a wrapping conversion through a typedef likewise.  Twin: ``typedef double real_t``
keeps its reduction.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """typedef int acc_t;
typedef double real_t;

acc_t trunc_sum(int n, const double *a)
{
    acc_t s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}

real_t real_sum(int n, const double *a)
{
    real_t s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
int trunc_sum(int n, const double *a);
double real_sum(int n, const double *a);
int main(void)
{
    enum { N = 1000 };
    double *a = malloc(N * sizeof *a);
    for (int i = 0; i < N; i++) a[i] = i % 2 ? -0.5 : 1.0;
    int want = 0;
    for (int i = 0; i < N; i++) want = (int)(want + a[i]);
    double rs = 0;
    for (int i = 0; i < N; i++) rs += a[i];
    int bad = trunc_sum(N, a) != want || real_sum(N, a) != rs;
    puts(bad ? "BAD" : "OK");
    free(a);
    return 0;
}
"""


def test_the_typedef_of_int_is_no_reduction_and_of_double_is():
    got = [s.pragma or "" for s in annotate_source(KERNEL.encode(), get_engine("analysis"))]
    assert "reduction(+:s)" not in got[0], got
    assert "reduction(+:s)" in got[1], got


def test_the_program_verifies(tmp_path):
    run_programs(tmp_path, {"typedefs": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"])},
                 variants=("engine", "per_loop_clauses", "offload"))
