"""A call that writes part of a true array passed whole does not cover it (issue #15,
:func:`accellium.dataset.offload.calls.covering_arg`).

``main`` fills ``double y[N]`` on the host, calls ``half``, whose loop writes ``y[0:50]``
(its section, written whole whenever it is called), then ``sum``, which reads all of ``y``
on the device.  The caller maps the true array whole, and the cover test took any covering
argument of a callee whose section uses no parameter as covering the whole array: ``main``'s
region created ``y`` on the device without copying it in, and ``sum`` read uninitialised
elements ``y[50..]``.  Now a true array passed whole is covered only when the callee's
section, with the call's arguments, is every element the array declares (as for
``shift(100, x, y)`` of a callee writing ``y[0:n]``; a file array a callee replaces whole
is covered as before).  Twin: ``full`` writes all ``N`` elements: ``y`` needs no copy in.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#include <math.h>
#include <stdio.h>
#define N 100
double seed(int i);

static void part(const double x[N], double y[N])
{
    for (int i = 0; i < UPTO; i++)
        y[i] = 2.0 * x[i];
}

static double sum(const double y[N])
{
    double s = 0.0;
    for (int i = 0; i < N; i++)
        s += y[i];
    return s;
}

int main(void)
{
    double x[N], y[N], want = 0.0;
    for (int i = 0; i < N; i++)
        x[i] = y[i] = seed(i);
    for (int i = 0; i < N; i++)
        want += i < UPTO ? 2.0 * seed(i) : seed(i);
    part(x, y);
    double s = sum(y);
    puts(fabs(s - want) <= 1e-9 * fabs(want) ? "OK" : "BAD");  /* NaN is BAD */
    return 0;
}
"""
DRIVER = "double seed(int i) { return 1.0 + (double)(i % 7) / 7.0; }\n"
PROGRAMS = {"half": (KERNEL.replace("UPTO", "50"), DRIVER),
            "full": (KERNEL.replace("UPTO", "N"), DRIVER)}


def _enter(name: str) -> str:
    text, _ = plan_text(PROGRAMS[name][0], get_engine("analysis"),
                        program=[PROGRAMS[name][1].encode()])
    return next(a for a in acc_lines(text) if a.startswith("#pragma acc enter data"))


def test_a_call_writing_part_of_a_true_array_does_not_cover_it():
    assert _enter("half") == "#pragma acc enter data copyin(x, y)"
    assert _enter("full") == "#pragma acc enter data copyin(x) create(y)"


def test_the_programs_verify(tmp_path):
    run_verified(tmp_path, PROGRAMS, variants=("offload",))
