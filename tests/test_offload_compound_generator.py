"""A generator that raises the element it just stored is still a generator
(:mod:`accellium.dataset.offload.generate`).

``init`` stores ``a[i] = f(i)`` and then, for some ``i``, ``a[i] += n`` (how a program makes a
matrix diagonally dominant): ``E1 op= E2`` is ``E1 = E1 op (E2)`` with ``E1`` evaluated once
(C11 6.5.16.2p3), so the new value is computed from the one the iteration generated and the
loop reads no data: nothing on the device reads what it writes before the host does, so it
stays on the host (offloaded, it would copy every element back).  Twin ``bump``: the same
compound assignment with no store before it reads the caller's data, so it is offloaded.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 200, 3
D = 8  # bytes of a double

KERNEL = """void init(int n, double *a, double *ref)
{
    for (int i = 0; i < n; i++) {
        a[i] = 1.0 / (1.0 + i % 7);
        if (i % 5 == 0)
            a[i] += n;
        ref[i] = a[i];
    }
}

void bump(int n, double *a)
{
    for (int i = 0; i < n; i++)
        a[i] += 1.0 / (1.0 + i % 7);
}

void smooth(int n, int steps, double *u, double *w)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++)
            u[i] = w[i];
    }
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void init(int n, double *a, double *ref);
void bump(int n, double *a);
void smooth(int n, int steps, double *u, double *w);

int main(void)
{
    int n = NSIZE, steps = NSTEPS, bad = 0;
    double *a = malloc(n * sizeof *a), *w = malloc(n * sizeof *w);
    double *ref = malloc(n * sizeof *ref), *rw = malloc(n * sizeof *rw);
    for (int i = 0; i < n; i++) w[i] = rw[i] = 0.0;
    BODY
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++) rw[i] = (ref[i - 1] + ref[i] + ref[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++) ref[i] = rw[i];
    }
    for (int i = 0; i < n; i++) bad += fabs(a[i] - ref[i]) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

BODIES = {
    "raised": """init(n, a, ref);
    smooth(n, steps, a, w);""",
    "bumped": """for (int i = 0; i < n; i++) a[i] = ref[i] = i * 0.5;
    bump(n, a);
    for (int i = 0; i < n; i++) ref[i] += 1.0 / (1.0 + i % 7);
    smooth(n, steps, a, w);""",
}


def _main(body: str) -> str:
    return MAIN.replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS)).replace("BODY", body)


@pytest.fixture(scope="module")
def plans():
    return plan_text(KERNEL, get_engine("analysis"))[1]


def test_a_generator_raising_its_own_element_stays_on_the_host(plans):
    init = plans["init"]
    assert not init.loops and not init.edits, init
    assert "only generates `a`, `ref`" in init.host_loops[0]["why"], init.host_loops


def test_a_compound_update_with_no_store_before_it_reads_data(plans):
    assert plans["bump"].loops, plans["bump"].host_loops
    assert plans["smooth"].loops, plans["smooth"].host_loops


def test_the_programs_verify_with_the_bytes_the_plans_move(tmp_path):
    programs = {name: (KERNEL, _main(body)) for name, body in BODIES.items()}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
    n = N * D
    # raised: only the stencil moves: u in and out (w created: the driver never reads it)
    assert moved["raised"] == 2 * n, moved
    # bumped: main's region holds the calls of bump and smooth (the host code between them
    # touches only ref): a copied in and out once, w (set by main) in
    assert moved["bumped"] == 3 * n, moved
