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
the host's write before the next call.  Third program (``PARAMS_HIDE``): a kernel whose
parameters carry the globals' names reaches only what it is passed (no barrier for the
other call's arrays; before the parameters were read as the globals, main got no region).

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


# The shape of a PolyBench driver: global arrays passed to a kernel whose parameters carry the
# same names (they hide the globals in the whole function body, C11 6.2.1p4, so the kernel
# reaches only what it is passed), and a function-like macro in its loop (the preprocessor
# replaces it: no call of another file's function there).  main's region holds both calls and
# the check: neither call is a barrier for the other's arrays.
PARAMS_HIDE = f"""#include <stdio.h>
#define N {N}
#define SCALE(x) ((x) / 3.0)
int check(const double *a, const double *r);
double A[N], B[N], A_ref[N], B_ref[N];

void smooth(int steps, double A[N], double B[N])
{{
    for (int t = 0; t < steps; t++) {{
        for (int i = 1; i < N - 1; i++)
            B[i] = SCALE(A[i - 1] + A[i] + A[i + 1]);
        for (int i = 1; i < N - 1; i++)
            A[i] = B[i];
    }}
}}

int main(void)
{{
    for (int i = 0; i < N; i++) {{
        A[i] = A_ref[i] = (i % 7) * 0.5;
        B[i] = B_ref[i] = 0.0;
    }}
    smooth({STEPS}, A, B);
    smooth({STEPS}, A_ref, B_ref);
    int same = 0;
    for (int i = 0; i < N; i++)
        same += A[i] == A_ref[i];
    puts(check(A, A_ref) || same != N ? "BAD" : "OK");
    return 0;
}}
"""

PARAMS_CHECK = f"""#include <math.h>
#define N {N}
int check(const double *a, const double *r)
{{
    double u[N], w[N];
    int bad = 0;
    for (int i = 0; i < N; i++) {{
        u[i] = (i % 7) * 0.5;
        w[i] = 0.0;
    }}
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 1; i < N - 1; i++) w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < N - 1; i++) u[i] = w[i];
    }}
    for (int i = 0; i < N; i++) bad += fabs(a[i] - u[i]) > 1e-12 || fabs(r[i] - u[i]) > 1e-12;
    return bad;
}}
"""


def test_parameters_named_like_globals_are_no_barrier(tmp_path):
    _, plans = plan_text(PARAMS_HIDE, get_engine("analysis"), program=[PARAMS_CHECK.encode()])
    assert len(plans["main"].calls) == 2, plans["main"].notes
    res = evaluate_dynamic(write_suite(tmp_path, {"hide": (PARAMS_HIDE, PARAMS_CHECK)}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    verified_offload_bytes(res)
