"""A write inside an inner loop whose bounds name an outer index does not cover the array
(found by probing with self-checking programs): ``for (j = 0; j < i; j++) b[i] = ...`` runs no
iteration at ``i = 0`` (C11 6.8.5.3), so ``b[0]`` keeps its value — ``copyout(b[0:n])``
returned the device's uninitialised ``b[0]``.  Such an inner loop no longer counts as a plain
nest for the covering writes (``offload.cover._outer_bounded``): the section is ``copy``.
A rectangular inner loop (``j < m``) still covers (twin).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """void last_below(int n, const double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++)
            b[i] = a[j] + j;
    }
}

void row_last(int n, int m, const double *restrict a, double *restrict c)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            c[i] = a[j] + j;
    }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void last_below(int n, const double *restrict a, double *restrict b);
void row_last(int n, int m, const double *restrict a, double *restrict c);
int main(void)
{
    enum { N = 1000, M = 7 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *c = malloc(N * sizeof *c);
    for (int i = 0; i < N; i++) { a[i] = i % 17; b[i] = -1.0; c[i] = -1.0; }
    last_below(N, a, b);
    row_last(N, M, a, c);
    int bad = b[0] != -1.0;
    for (int i = 1; i < N; i++) bad += b[i] != a[i - 1] + (i - 1);
    for (int i = 0; i < N; i++) bad += c[i] != a[M - 1] + (M - 1);
    puts(bad ? "BAD" : "OK");
    free(a); free(b); free(c);
    return 0;
}
"""


def test_the_written_array_is_copied_both_ways_only_where_a_row_may_be_skipped(tmp_path):
    got = [s.pragma for s in annotate_source(KERNEL.encode(), get_engine("analysis"))
           if s.depth == 0]
    assert got[0] is not None and "copy(b[0:n])" in got[0], got
    assert got[1] is not None and "copyout(c[0:n])" in got[1], got


def test_the_program_verifies(tmp_path):
    run_programs(tmp_path, {"zero": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"])},
                 variants=("engine", "per_loop_clauses", "offload"))
