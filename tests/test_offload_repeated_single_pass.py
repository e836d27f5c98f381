"""A function's single pass stays on the device when its calls, all in one function, are held
by that function's region (issue #15, :func:`accellium.dataset.offload.plan._plan_fed`).

``stage`` relaxes ``u`` and ``w`` (a call of ``relax``, repeated sweeps) and then makes one
pass over them into ``out``.  Planned alone, that pass stays on the host (on the device it
would copy ``out`` back, :mod:`accellium.dataset.offload.single_pass`); but then ``stage``
uses its arrays on the host and no caller's region can hold its calls, so ``advance``, which
calls it twice per step, moved every array in and out on every call.  Now the function that
calls ``stage`` plans with both versions of it and keeps the one that moves less: with the
pass on the device ``advance``'s region holds every call and the arrays move once.

Twin: ``stage`` also called from a second function (``once``): which caller's region would
decide is not one function's choice, so the pass stays on the host as before (the program
verifies either way: the callee keeps its own "present or copy" clauses).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

M, STEPS = 256, 3

KERNEL = """#include <stdlib.h>

static void relax(int m, double *u, double *w, int sweeps)
{
    for (int s = 0; s < sweeps; s++) {
        for (int i = 1; i < m - 1; i++)
            w[i] = (u[i - 1] + u[i + 1]) * 0.5;
        for (int i = 1; i < m - 1; i++)
            u[i] = w[i];
    }
}

static void stage(int m, double *u, double *w, double *out, double c)
{
    relax(m, u, w, 4);
    for (int i = 0; i < m; i++)
        out[i] = u[i] + c * w[i];
}

void advance(int m, double *u, double *w, double *v, int steps)
{
    for (int t = 0; t < steps; t++) {
        stage(m, u, w, v, 0.5);
        stage(m, v, w, u, 0.25);
    }
}
ONCE"""
ONCE = """
void once(int m, double *u, double *w, double *v)
{
    stage(m, u, w, v, 1.0);
}
"""
MAIN = f"""#include <stdio.h>
#include <stdlib.h>
void advance(int m, double *u, double *w, double *v, int steps);
static void relax(int m, double *u, double *w)
{{
    for (int s = 0; s < 4; s++) {{
        for (int i = 1; i < m - 1; i++) w[i] = (u[i - 1] + u[i + 1]) * 0.5;
        for (int i = 1; i < m - 1; i++) u[i] = w[i];
    }}
}}
int main(void)
{{
    int m = {M}, bad = 0;
    double *u = malloc(m * sizeof *u), *w = malloc(m * sizeof *w), *v = malloc(m * sizeof *v);
    double *ru = malloc(m * sizeof *u), *rw = malloc(m * sizeof *w), *rv = malloc(m * sizeof *v);
    for (int i = 0; i < m; i++) u[i] = ru[i] = (i * 5) % 9, w[i] = rw[i] = v[i] = rv[i] = 0.0;
    advance(m, u, w, v, {STEPS});
    for (int t = 0; t < {STEPS}; t++) {{
        relax(m, ru, rw);
        for (int i = 0; i < m; i++) rv[i] = ru[i] + 0.5 * rw[i];
        relax(m, rv, rw);
        for (int i = 0; i < m; i++) ru[i] = rv[i] + 0.25 * rw[i];
    }}
    for (int i = 0; i < m; i++) bad += u[i] != ru[i] || w[i] != rw[i] || v[i] != rv[i];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
CASES = {"one_caller": "", "two_callers": ONCE}


def test_a_single_pass_stays_on_the_device_for_its_one_callers_region(tmp_path):
    engine = get_engine("analysis")
    plans = {case: plan_text(KERNEL.replace("ONCE", once), engine)[1]
             for case, once in CASES.items()}
    one, two = plans["one_caller"], plans["two_callers"]
    assert [lp["line"] for lp in one["stage"].loops] == [16], one["stage"].loops
    assert one["advance"].regions and one["advance"].calls, one["advance"].notes
    assert any("stay on the device" in n for n in one["stage"].notes), one["stage"].notes
    assert not two["stage"].loops and not two["advance"].regions, two["stage"].notes
    rows = run_verified(tmp_path, {case: (KERNEL.replace("ONCE", once), MAIN)
                                   for case, once in CASES.items()})
    moved = {case: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"]
             for case, r in rows.items()}
    # one region in `advance`: u, w, v in and out once
    assert moved["one_caller"] <= 3 * 2 * 8 * M, moved
    # the twin: each of the 2 * STEPS calls moves u and w in and out
    assert moved["two_callers"] >= 2 * STEPS * 2 * 2 * 8 * (M - 2), moved
