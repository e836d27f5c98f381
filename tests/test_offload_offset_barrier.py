"""A call left on the host that passes an array through an expression (``a + 0``,
``&a[0]``) to a function whose plan offloads is a barrier, as when it passes ``a`` (issue #15,
docs/offload.md item 10, :func:`accellium.dataset.offload.callsites.call_units`).

``a + k`` and ``&a[i]`` point into the memory of ``a`` (an array converts to a pointer to its
first element, C11 6.3.2.1p3; pointer arithmetic stays inside the object, 6.5.6p8; ``&a[i]``
is ``a + i``, 6.5.3.2p3).  The callee's "present or copy" clauses find that memory present
inside a region of the caller that maps ``a``: its loops work on the device copy, and the
``update device`` the region puts after the call (reading the call as host code) sends the
host's older values over what they wrote.  Before, only an argument that was the array's
bare name made the call a barrier: ``run``'s region spanned the time loop and read stale
data in the emulator.  Now no region holds such a call; the control passing ``a`` and ``b``
is hoisted into ``run``'s region as before, and so is ``a + 0`` since its elements translate
(the callee's ``p[e]`` is the caller's ``a[0 + e]``, ``tests/test_offload_offset_args.py``).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, STEPS = 4000, 6

KERNEL = """#include <stdlib.h>

static void relax(int n, double *a, double *b)
{
    for (int i = 1; i < n - 1; i++)
        b[i] = 0.25 * a[i - 1] + 0.5 * a[i] + 0.25 * a[i + 1];
}

double run(int n, int steps)
{
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (int i = 0; i < n; i++)
        a[i] = b[i] = (double)(i % 7);
    for (int t = 0; t < steps; t++) {
        relax(n, ARG_A, ARG_B);
        relax(n, ARG_B, ARG_A);
    }
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * (i % 5) + b[i];
    free(a);
    free(b);
    return s;
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
double run(int n, int steps);
static double a[{N}], b[{N}];
static void relax(double *x, double *y) {{
  for (int i = 1; i < {N} - 1; i++) y[i] = 0.25 * x[i - 1] + 0.5 * x[i] + 0.25 * x[i + 1];
}}
int main(void) {{
  for (int i = 0; i < {N}; i++) a[i] = b[i] = (double)(i % 7);
  for (int t = 0; t < {STEPS}; t++) {{ relax(a, b); relax(b, a); }}
  double s = 0.0;
  for (int i = 0; i < {N}; i++) s += a[i] * (i % 5) + b[i];
  double got = run({N}, {STEPS});
  puts(fabs(got - s) <= 1e-9 * fabs(s) ? "OK" : "BAD");
  return 0;
}}
"""
FORMS = {"name": ("a", "b"), "plus": ("a + 0", "b + 0"), "address": ("&a[0]", "&b[0]")}


def _kernel(form: str) -> str:
    a, b = FORMS[form]
    return KERNEL.replace("ARG_A", a).replace("ARG_B", b)


@pytest.mark.parametrize("form", ["address"])
def test_no_region_holds_a_host_call_passing_an_offset(engine, form):
    _, plans = plan_text(_kernel(form), engine, program=[MAIN.encode()])
    run = plans["run"]
    assert not run.calls, run.calls
    notes = " ".join(run.notes)
    assert "stays on the host and its own offloaded loops would find" in notes, notes
    lines = [k + 1 for k, ln in enumerate(_kernel(form).splitlines()) if "relax(n" in ln]
    assert all(not r["start_line"] < lines[0] <= r["end_line"] for r in run.regions), \
        run.regions


def test_an_offset_argument_the_region_can_map_joins_it_like_the_name(engine):
    """``a + 0`` reaches the callee's elements shifted by 0 (C11 6.5.6p8): the call is hoisted
    into ``run``'s region as the bare name is (tests/test_offload_offset_args.py); a call
    left on the host (``&a[0]`` here) is still a barrier."""
    _, plans = plan_text(_kernel("plus"), engine, program=[MAIN.encode()])
    assert [c["functions"] for c in plans["run"].calls] == [["relax"], ["relax"]]


def test_the_programs_verify(tmp_path, engine):
    """In the emulator: the offsets verify (before, the region over the time loop read stale
    data), and the control and ``a + 0``, whose calls join one region, move less."""
    res = evaluate_dynamic(write_suite(tmp_path, {f: (_kernel(f), MAIN) for f in FORMS}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert moved["name"] == moved["plus"] < moved["address"], moved
