"""A call of an offloaded function whose loops reach a global array the caller's region holds
(:func:`accellium.dataset.offload.global_uses.call_touches`).

``step``'s own data region maps the globals ``a``, ``b`` and ``e`` its loop reads and writes;
inside a caller's region that already holds them, its "present or copy" clauses find the
caller's copies and move nothing (OpenACC 3.3, 2.7.1), so its loop reads and writes the
caller's device copies.  ``main`` raises one element of ``a`` on the host between two calls
(as a time filter on the host does) and no loop of ``main`` reads ``a`` after it: a region of
``main`` holding the calls and ``a`` would push nothing to the device and the next ``step``
would read a stale ``a`` (the plan before this rule: BAD).  ``step``'s host code reads ``e``,
which its loop writes, so the call is not hoisted (its device code is no unit of ``main``'s
region): it must stay out of any region of ``main`` that maps ``a`` or ``b``.  Twin
``step_dev``: no host code, so its call is hoisted, the region maps ``a`` for it and pushes
the host's write before the next call.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 256, 5

# ``main`` in the annotated file (as a benchmark's driver is): its globals are dead once it
# returns, so its region creates ``a`` and copies nothing of it back.
KERNEL = f"""#include <stdio.h>
#define N {N}
#define STEPS {STEPS}
int check(const double *w, const double *out, int steps);
static double a[N], b[N], e[N], w[N], out[N], c[4];

static void step(void)
{{
    for (int i = 0; i < N; i++) {{
        b[i] = 2.0 * a[i] + 1.0;
        e[i] = a[i];
    }}
    c[0] += e[N - 1];
}}

static void step_dev(void)
{{
    for (int i = 0; i < N; i++)
        b[i] = 2.0 * a[i] + 1.0;
}}

int main(void)
{{
    for (int i = 0; i < N; i++) {{
        w[i] = 0.25 * i;
        out[i] = 0.0;
    }}
    for (int i = 0; i < N; i++)
        a[i] = w[i];
    for (int t = 0; t < STEPS; t++) {{
        STEP();
        a[t % N] += 1.0;
        for (int i = 0; i < N; i++)
            out[i] += b[i] * w[i];
    }}
    puts(check(w, out, STEPS) ? "BAD" : "OK");
    return 0;
}}
"""

CHECK = f"""#include <math.h>
#define N {N}
int check(const double *w, const double *out, int steps)
{{
    double a[N], ref[N];
    int bad = 0;
    for (int i = 0; i < N; i++) {{
        a[i] = w[i];
        ref[i] = 0.0;
    }}
    for (int t = 0; t < steps; t++) {{
        for (int i = 0; i < N; i++) ref[i] += (2.0 * a[i] + 1.0) * w[i];
        a[t % N] += 1.0;
    }}
    for (int i = 0; i < N; i++) bad += fabs(out[i] - ref[i]) > 1e-9;
    return bad;
}}
"""

PROGRAMS = {"host_code": "step", "hoisted": "step_dev"}


def _plan(step: str):
    return plan_text(KERNEL.replace("STEP()", f"{step}()"), get_engine("analysis"),
                     program=[CHECK.encode()])[1]["main"]


def test_a_call_not_hoisted_stays_out_of_a_region_holding_its_globals():
    got = _plan("step")
    assert any("reaches the global `a` in its offloaded loops, whose data clauses" in n
               for n in got.notes), got.notes
    hoisted = _plan("step_dev")
    assert hoisted.calls, hoisted.notes  # the twin's region holds the call


def test_the_programs_verify(tmp_path):
    programs = {name: (KERNEL.replace("STEP()", f"{step}()"), CHECK)
                for name, step in PROGRAMS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
    # the twin keeps its arrays on the device across the steps: less than one copy of
    # each array per step
    assert moved["hoisted"] < moved["host_code"], moved
