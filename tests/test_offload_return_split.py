"""A function whose first branch returns early gets a region per run of loops, and its callers
hold its calls when its loops reach only the file's true arrays
(``plan._returns``, :func:`accellium.dataset.offload.calls.summarize_regions`).

``advance(first)`` is a shallow-water code's ``calc3``: on the first step it copies the new
fields (one loop) and returns; on the others it runs the time filter (another loop).  No data
construct may hold the ``return`` (a structured block no branch leaves, OpenACC 3.3, 2.6.5),
so before, ``advance`` got no region and no loop offloaded, and ``main``'s calls of it were host
code touching the globals its other callee's loops reach: every step moved the grids.  Now
each loop gets a region of its own, and ``advance`` — all of whose device code reaches the
file's arrays ``a``, ``b``, ``old`` by name, none of them touched by its host code — is a unit
of ``main``'s region around the time loop (a caller's region that maps such an array whole holds
whatever the callee's "present or copy" clauses name, whichever of its regions runs,
OpenACC 3.3, 2.7.1).  ``main`` reads an element on the host every fourth step after the
device wrote it (``update self``) and the emulator checks it.  Twin ``PARAM``: the same
``advance`` reaching a parameter in one branch keeps the old plan (no summary across regions
with a parameter's section), still verified.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 4096, 12

KERNEL = f"""#include <stdio.h>
#include <math.h>
#define N {N}
#define STEPS {STEPS}
int check(const double *a, const double *old, double probe);
static double a[N], b[N], old[N], w[N];

static void step(void)
{{
    for (int i = 1; i < N - 1; i++)
        b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
}}

static void advance(int first PARAMS)
{{
    if (first) {{
        for (int i = 0; i < N; i++) {{
            old[i] = a[i];
            a[i] = b[i];
        }}
        return;
    }}
    for (int i = 0; i < N; i++) {{
        double t = a[i];
        a[i] = b[i] + 0.1 * (old[i] - t);
        old[i] = KEEP;
    }}
}}

int main(void)
{{
    double probe = 0.0;
    for (int i = 0; i < N; i++) {{
        a[i] = (double)(i % 13);
        b[i] = old[i] = w[i] = 0.0;
    }}
    for (int t = 0; t < STEPS; t++) {{
        step();
        advance(t == 0 ARGS);
        if (t % 4 == 3)
            probe += a[N / 2];
    }}
    puts(check(a, old, probe) ? "BAD" : "OK");
    return 0;
}}
"""

CHECK = f"""#include <math.h>
#define N {N}
int check(const double *ga, const double *gold, double probe)
{{
    static double a[N], b[N], old[N];
    double p = 0.0;
    int bad = 0;
    for (int i = 0; i < N; i++) {{
        a[i] = (double)(i % 13);
        b[i] = old[i] = 0.0;
    }}
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 1; i < N - 1; i++) b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
        for (int i = 0; i < N; i++) {{
            double x = a[i];
            if (t == 0) {{
                old[i] = x;
                a[i] = b[i];
            }} else {{
                a[i] = b[i] + 0.1 * (old[i] - x);
                old[i] = x;
            }}
        }}
        if (t % 4 == 3) p += a[N / 2];
    }}
    for (int i = 0; i < N; i++)
        bad += fabs(ga[i] - a[i]) > 1e-9 || fabs(gold[i] - old[i]) > 1e-9;
    return bad + (fabs(p - probe) > 1e-9);
}}
"""

# the twin's ``keep[i] = t`` also stores the value in the (unchecked) parameter's memory
PROGRAMS = {"globals": ("t", "", ""), "param": ("keep[i] = t", ", double *keep", ", w")}
ARRAY = N * 8


def _kernel(name: str) -> str:
    keep, params, args = PROGRAMS[name]
    return KERNEL.replace("KEEP", keep).replace("PARAMS", params).replace("ARGS", args)


def test_the_early_return_splits_and_main_holds_the_calls():
    _, plans = plan_text(_kernel("globals"), get_engine("analysis"),
                         program=[CHECK.encode()])
    assert len(plans["advance"].loops) == 2, plans["advance"].notes
    # the note says what the regions lie between: here a `return`, and no call
    split = [n for n in plans["advance"].notes if "data region(s), split where" in n]
    assert split and "`return`" in split[0] and "call" not in split[0], plans["advance"].notes
    assert len(plans["main"].calls) == 2, plans["main"].notes
    _, twin = plan_text(_kernel("param"), get_engine("analysis"),
                        program=[CHECK.encode()])
    assert len(twin["advance"].loops) == 2, twin["advance"].notes
    assert len(twin["main"].calls) < 2, twin["main"].notes


def test_the_programs_verify(tmp_path):
    programs = {name: (_kernel(name), CHECK) for name in PROGRAMS}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
    # the arrays in and out about once, and `a` back for each probe (a true array's update
    # is the whole array): the calls' own regions moved a, b and old on every step
    assert moved["globals"] < 16 * ARRAY, moved
    assert moved["param"] > STEPS * 3 * ARRAY, moved
