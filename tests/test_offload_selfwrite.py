"""Scratch rows a parallel loop writes before it reads them (issue #15): each iteration of the
row loop (a Thomas solve per row) reads ``cp[i*n + j - 1]`` only after writing it — the first
element before the sequential loop, each next one in the previous step of that loop — so what
``cp``/``dp`` held before is never read and the region creates them; the same loop writes
every element of ``v`` (the last one of each row, then the rest backwards, each row touching
the next) before the update loop reads it, so ``v`` is created too.  Twins: the row loop no
longer writes the first element before reading it (``cp`` must be copied in), or the
backward loop stops before the row's first element (which the update loop then reads: ``v``
must be copied in).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import region_line, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 48

BODY = """    double a = -r, b = 1.0 + 2.0 * r, c = -r;
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) {
            FIRST
            dp[i * n] = U[i * n] / b;
            for (int j = 1; j < n; j++) {
                double m = b - a * CP[i * n + j - 1];
                CP[i * n + j] = c / m;
                dp[i * n + j] = (U[i * n + j] - a * dp[i * n + j - 1]) / m;
            }
            V[i * n + n - 1] = dp[i * n + n - 1];
            for (int j = n - 2; j >= LAST; j--)
                V[i * n + j] = dp[i * n + j] - CP[i * n + j] * V[i * n + j + 1];
        }
        for (int e = 0; e < n * n; e++)
            U[e] = 0.5 * (U[e] + V[e]);
    }
"""
KERNEL = """
void sweep(int n, int steps, double r, double *U, double *CP, double *dp, double *V)
{
BODY}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void sweep(int n, int steps, double r, double *U, double *CP, double *dp, double *V);
int main(void)
{
    int n = NSIZE, steps = 3, bad = 0;
    double r = 0.3;
    double *U = malloc(n * n * sizeof *U), *CP = malloc(n * n * sizeof *CP);
    double *dp = malloc(n * n * sizeof *dp), *V = malloc(n * n * sizeof *V);
    double *ru = malloc(n * n * sizeof *ru), *rcp = malloc(n * n * sizeof *rcp);
    double *rdp = malloc(n * n * sizeof *rdp), *rv = malloc(n * n * sizeof *rv);
    for (int e = 0; e < n * n; e++) {
        U[e] = ru[e] = (e % 13) * 0.25;
        CP[e] = rcp[e] = 0.125 * (e % 5);
        dp[e] = rdp[e] = V[e] = rv[e] = 1.0 + (e % 3);
    }
    sweep(n, steps, r, U, CP, dp, V);
    {
REF    }
    for (int e = 0; e < n * n; e++)
        bad += fabs(U[e] - ru[e]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
FIRST = "CP[i * n] = c / b;"


def _variant(first: str = FIRST, last: str = "0") -> tuple[str, str]:
    body = BODY.replace("FIRST", first).replace("LAST", last)
    ref = body.replace("CP", "rcp").replace("dp", "rdp").replace("U", "ru").replace("V", "rv")
    return (KERNEL.replace("BODY", body).replace("FIRST", first),
            MAIN.replace("REF", ref).replace("NSIZE", str(N)))


VARIANTS = {"thomas": _variant(), "no_first": _variant(first=""),
            "short": _variant(last="1")}


def _region(name: str, engine) -> str:
    return region_line(*VARIANTS[name], engine)


def test_rows_written_before_read_in_each_iteration_are_created(engine):
    assert _region("thomas", engine) == \
        "#pragma acc data copy(U[0:n*n]) create(CP[0:n*n], dp[0:n*n], V[0:n*n])"


@pytest.mark.parametrize("name,line", [
    ("no_first", "#pragma acc data copyin(CP[0:n*n]) copy(U[0:n*n]) create(dp[0:n*n], V[0:n*n])"),
    ("short", "#pragma acc data copyin(V[0:n*n]) copy(U[0:n*n]) create(CP[0:n*n], dp[0:n*n])"),
])
def test_an_element_read_before_the_iteration_writes_it_keeps_the_copy_in(name, line, engine):
    assert _region(name, engine) == line


def test_the_programs_verify_in_the_emulator(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, VARIANTS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    grid = N * N * 8
    assert moved["thomas"] == 2 * grid, moved  # U in and out, the scratch grids created
    assert moved["no_first"] > 2 * grid and moved["short"] > 2 * grid, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0


STEPS = """
void f(int n, double *x)
{
    for (int i = 0; i < n; i++) {
        x[i * n + n - 1] = 1.0;
        for (HEADER)
            x[i * n + j] = x[i * n + j + 1] * 0.5;
    }
}
"""


@pytest.mark.parametrize("header,ok", [
    ("int j = n - 2; j >= 0; j--", True),  # each step reads what the step before wrote
    ("int j = n - 2; j >= 0; j = j - 1", True),
    ("int j = 0; j < n - 1; j = j + 1", False),  # counting up: it reads what is not yet written
    ("int j = 0; j < n - 1; j++", False),
])
def test_the_direction_of_the_sequential_loop_decides(header, ok):
    from accellium.dataset.analysis.tree import iter_nodes
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.selfwrite import self_written

    root = parse_tree(STEPS.replace("HEADER", header).encode(), "c").root_node
    outer = next(n for n in iter_nodes(root) if n.type == "for_statement")
    assert self_written(outer, "x") is ok
