"""Two cost facts of a program's set-up and result check (:mod:`accellium.dataset.offload.generate`,
:mod:`accellium.dataset.offload.single_pass`).

``init``: a generator whose element is raised after its store (``a[i] = f(i); if (...) a[i] +=
n;``): ``E1 op= E2`` is ``E1 = E1 op (E2)`` (C11 6.5.16.2p3), a value computed from the
generated one, so the loop still reads no data and stays on the host.  Twin ``bump``: the same
compound assignment with no store before it reads the caller's data: offloaded.

``check``: a loop that compares two arrays through a helper doing O(1) work on two doubles
(``rel``) and only counts (a reduction into a scalar): it writes no array, so offloaded on its
own it copies both arrays in to touch each element once -- it stays on the host though it is
its function's only work.  Twin ``check_slow``: its helper loops (``slow``: a recurrence over 64
sines per element, which stays sequential), more than one pass: offloaded.

``held``: main fills global arrays (a generator), smooths them on the device and checks them:
offered to main one callee at a time, the check joins main's region, which holds what it reads
(nothing is copied out), while the set-up stays on the host.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 200, 3
D = 8  # bytes of a double

KERNEL = """#include <math.h>
static double rel(double x, double y)
{
    if (fabs(x) < 1e-9 && fabs(y) < 1e-9)
        return 0.0;
    return fabs(x - y) / fabs(x + 1e-12);
}

static double slow(double x, double y)
{
    double s = 0.0;
    for (int k = 0; k < 64; k++)
        s = 0.5 * s + sin(x * k) - sin(y * k);
    return fabs(s);
}

void init(int n, double *a, double *ref)
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

int check(int n, const double *a, const double *ref)
{
    int fail = 0;
    for (int i = 0; i < n; i++)
        if (rel(a[i], ref[i]) > 1e-9)
            fail++;
    return fail;
}

int check_slow(int n, const double *a, const double *ref)
{
    int fail = 0;
    for (int i = 0; i < n; i++)
        if (slow(a[i], ref[i]) > 1e-6)
            fail++;
    return fail;
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void init(int n, double *a, double *ref);
void bump(int n, double *a);
void smooth(int n, int steps, double *u, double *w);
int check(int n, const double *a, const double *ref);
int check_slow(int n, const double *a, const double *ref);

int main(void)
{
    int n = NSIZE, steps = NSTEPS, bad = 0;
    double *a = malloc(n * sizeof *a), *w = malloc(n * sizeof *w);
    double *ref = malloc(n * sizeof *ref), *rw = malloc(n * sizeof *rw);
    for (int i = 0; i < n; i++) w[i] = rw[i] = 0.0;
    BODY
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

BODIES = {
    # set-up and check on the host, the stencil on the device
    "checked": """init(n, a, ref);
    for (int i = 0; i < n; i++) bad += a[i] != 1.0 / (1.0 + i % 7) + (i % 5 == 0 ? n : 0);
    smooth(n, steps, a, w);
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++) rw[i] = (ref[i - 1] + ref[i] + ref[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++) ref[i] = rw[i];
    }
    bad += check(n, a, ref);
    ref[7] += 1.0;
    bad += check(n, a, ref) != 1;""",
    # the twins: offloaded
    "twins": """for (int i = 0; i < n; i++) a[i] = ref[i] = i * 0.5;
    bump(n, a);
    for (int i = 0; i < n; i++) ref[i] += 1.0 / (1.0 + i % 7);
    bad += check_slow(n, a, ref);
    ref[7] += 1.0;
    bad += check_slow(n, a, ref) != 1;""",
}

# A program whose main fills globals (a generator), smooths two of them on the device and
# checks them: the set-up stays on the host, the check joins main's region, which holds what
# it reads -- each callee's loops chosen on their own, not all the caller's callees at once.
HELD = """#include <math.h>
#include <stdio.h>
#define NG 200
static double a[NG], ref[NG], w[NG];

static double rel(double x, double y)
{
    if (fabs(x) < 1e-9 && fabs(y) < 1e-9)
        return 0.0;
    return fabs(x - y) / fabs(x + 1e-12);
}

static void init_g(void)
{
    for (int i = 0; i < NG; i++) {
        a[i] = 1.0 / (1.0 + i % 7);
        ref[i] = a[i];
        w[i] = 0.0;
    }
}

static void smooth_g(int steps, double *u)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < NG - 1; i++)
            w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < NG - 1; i++)
            u[i] = w[i];
    }
}

static int check_g(void)
{
    int fail = 0;
    for (int i = 0; i < NG; i++)
        if (rel(a[i], ref[i]) > 1e-9)
            fail++;
    return fail;
}

int main(void)
{
    init_g();
    smooth_g(3, a);
    smooth_g(3, ref);
    int bad = check_g();
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
HELD_OTHER = "int helper(void) { return 0; }\n"


def _main(body: str) -> str:
    return MAIN.replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS)).replace("BODY", body)


@pytest.fixture(scope="module")
def plans():
    return plan_text(KERNEL, get_engine("analysis"))[1]


def test_a_generator_raising_its_own_element_stays_on_the_host(plans):
    init = plans["init"]
    assert not init.loops and not init.edits, init
    assert "only generates `a`, `ref`" in init.host_loops[0]["why"], init.host_loops
    assert plans["bump"].loops, plans["bump"].host_loops  # no store before: reads data


def test_a_result_check_stays_on_the_host_as_its_functions_only_work(plans):
    check = plans["check"]
    assert not check.loops and not check.edits, check
    assert "one pass over its data" in check.host_loops[0]["why"], check.host_loops
    assert check.notes[0].startswith("`check` stays on the host"), check.notes
    # a helper that loops is more than one pass: offloaded with its routine
    assert plans["check_slow"].loops and "slow" in plans["check_slow"].routines
    assert plans["smooth"].loops  # the stencil's work stays on the device


def test_each_callee_of_one_caller_is_offered_on_its_own():
    _, got = plan_text(HELD, get_engine("analysis"), program=[HELD_OTHER.encode()])
    assert not got["init_g"].loops, got["init_g"]
    assert got["check_g"].loops, got["check_g"].notes
    assert "stay on the device" in got["check_g"].notes[0], got["check_g"].notes
    assert got["main"].calls, got["main"]


def test_the_programs_verify_with_the_bytes_the_plans_move(tmp_path):
    programs = {name: (KERNEL, _main(body)) for name, body in BODIES.items()}
    programs["held"] = (HELD, HELD_OTHER)
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
    n = N * D
    # checked: only the stencil moves: u in and out (w is created: the driver never reads it)
    assert moved["checked"] == 2 * n, moved
    # twins: main's region holds the calls of bump and check_slow: a and ref copied in once,
    # ref pushed again after the host adds to it, then ref[7]; each count's 4 bytes each way
    assert moved["twins"] == 3 * n + D + 2 * 2 * 4, moved
    # held: main's region copies a, ref and w in once, never out (main returns after it);
    # the count's 4 bytes each way
    assert moved["held"] == 3 * n + 2 * 4, moved
