"""Footprints across calls (issue #15): a caller's region treats a call like an offloaded loop
with its callee's footprint.  ``blur`` writes every interior element of ``v`` (and reads none
of it) whenever it is called, ``back`` reads exactly those: with ``blur`` at the top of each
time step, every element ``back`` reads was written earlier in the same step, so the region
around the time loop creates ``v`` (the holes between the rows are never read) instead of
copying it in.  Twins: ``back`` also reads the column before the interior (a hole ``blur``
never writes: the host's values must go in), or ``blur`` is skipped in the first step (the
first ``back`` reads the host's values): both keep the copy in.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import region_line, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 60

KERNEL = """
static void blur(int n, const double *u, double *v)
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            v[i * n + j] = 0.25 * (u[(i - 1) * n + j] + u[(i + 1) * n + j] + u[i * n + j - 1]
                                   + u[i * n + j + 1]);
}

static void back(int n, double *u, const double *v)
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            u[i * n + j] = READ;
}

void relax(int n, int steps, double *u, double *v)
{
    for (int t = 0; t < steps; t++) {
        WHEN blur(n, u, v);
        back(n, u, v);
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void relax(int n, int steps, double *u, double *v);
int main(void)
{
    int n = NSIZE, steps = 4, bad = 0;
    double *u = malloc(n * n * sizeof *u), *v = malloc(n * n * sizeof *v);
    double *ru = malloc(n * n * sizeof *ru), *rv = malloc(n * n * sizeof *rv);
    for (int e = 0; e < n * n; e++) {
        u[e] = ru[e] = (e % 11) * 0.5;
        v[e] = rv[e] = (e % 3) * 1.0;
    }
    relax(n, steps, u, v);
    for (int t = 0; t < steps; t++) {
        WHEN for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                rv[i * n + j] = 0.25 * (ru[(i - 1) * n + j] + ru[(i + 1) * n + j]
                                        + ru[i * n + j - 1] + ru[i * n + j + 1]);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                ru[i * n + j] = RREAD;
    }
    for (int e = 0; e < n * n; e++)
        bad += fabs(u[e] - ru[e]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
SAME = "v[i * n + j]"
HOLE = "0.5 * (v[i * n + j] + v[i * n + j - 1])"
SKIP = "if (t > 0)"


def _variant(read: str, when: str = "") -> tuple[str, str]:
    kernel = KERNEL.replace("READ", read).replace("WHEN ", when + "\n        " if when else "")
    main = MAIN.replace("RREAD", read.replace("v[", "rv[")).replace(
        "WHEN ", when + "\n        " if when else "").replace("NSIZE", str(N))
    return kernel, main


VARIANTS = {"same": _variant(SAME), "hole": _variant(HOLE), "skip": _variant(SAME, SKIP)}


def _region_line(name: str, engine) -> str:
    return region_line(*VARIANTS[name], engine)


def test_a_call_writing_what_the_next_call_reads_needs_no_copy_in(engine):
    line = _region_line("same", engine)
    assert "create(v[" in line and "copyin(v[" not in line, line


@pytest.mark.parametrize("name", ["hole", "skip"])
def test_a_read_outside_the_footprint_or_before_the_write_keeps_the_copy_in(name, engine):
    line = _region_line(name, engine)
    assert "copyin(v[" in line, line


def test_the_programs_verify_in_the_emulator(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, VARIANTS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    u = 2 * (N * N - 2) * 8  # u[1:n*n-2] in and out
    assert moved["same"] == u, moved
    assert moved["hole"] > u and moved["skip"] > u, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
