"""Loops whose increment is not ``i++`` (found by probing with self-checking programs):

* ``for (i = 0; i < 2 * n; i += 2)`` touching ``x[i + 1]``: the bound minus the start is a
  multiple of the step, so the last index is ``2 * n - 2`` and the highest element ``2 * n -
  1``.  The sections read the last index as ``2 * n - 1`` and named ``x[0:2*n+1]``, one
  element past an array of ``2 * n`` (interleaved complex data) — a GPU copies memory the
  program does not own; the emulation reports ``bounds``.  Now ``x[0:2*n]``
  (``analysis.arrays._last_gap``, ``offload.ranges.loop_range``).
* ``for (size_t i = n - 1; i < n; i--)``: a test that bounds the index from above with an
  increment that counts it down is not the canonical form (OpenACC 3.3, 2.9): the loop runs
  from ``n - 1`` down to 0 and ends when the index wraps.  It got ``parallel loop copy(a[n -
  1:(n)-(n - 1)])`` (one element mapped, the rest of the array stale on the device); now no
  pragma (``analysis.loop_form._direction_ok``).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.engines import get_engine
from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest

KERNEL = """#include <stddef.h>
double cdot(int n, const double *restrict x)
{
    double s = 0.0;
    for (int i = 0; i < 2 * n; i += 2)
        s += x[i] * x[i + 1];
    return s;
}

void twice_down(size_t n, double *restrict a)
{
    for (size_t i = n - 1; i < n; i--)
        a[i] = a[i] * 2.0 + 1.0;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
double cdot(int n, const double *restrict x);
void twice_down(size_t n, double *restrict a);
int main(void)
{
    int n = 500;
    double *x = malloc(2 * n * sizeof *x), *a = malloc(n * sizeof *a);
    double want = 0.0;
    for (int i = 0; i < 2 * n; i++) x[i] = (i % 7) * 0.5;
    for (int i = 0; i < 2 * n; i += 2) want += x[i] * x[i + 1];
    for (int i = 0; i < n; i++) a[i] = i;
    double got = cdot(n, x);
    twice_down(n, a);
    int bad = got != want;
    for (int i = 0; i < n; i++) bad += a[i] != i * 2.0 + 1.0;
    puts(bad ? "BAD" : "OK");
    free(x); free(a);
    return 0;
}
"""


def _answer(code: str) -> str | None:
    got = suggest(LoopQuery(code=code, lang="c"), get_engine("analysis"), fallback=None)
    return got.pragma.replace(" * ", "*") if got.pragma else None


def test_a_strided_loop_maps_up_to_its_last_index():
    code = "for (int i = 0; i < 2 * n; i += 2)\n    s += x[i] * x[i + 1];"
    assert _answer(code) == "#pragma acc parallel loop reduction(+:s) copyin(x[0:2*n])"
    # a bound that is not a multiple of the step: the last index may be `n - 1`
    odd = "for (int i = 0; i < n; i += 2)\n    s += x[i] * x[i + 1];"
    assert _answer(odd) == "#pragma acc parallel loop reduction(+:s) copyin(x[0:n+1])"


def test_a_countdown_under_an_upper_bound_gets_no_pragma():
    code = "for (size_t i = n - 1; i < n; i--)\n    a[i] = a[i] * 2.0 + 1.0;"
    assert _answer(code) is None
    # the canonical countdown keeps its pragma
    down = "for (int i = n - 1; i >= 0; i--)\n    a[i] = a[i] * 2.0 + 1.0;"
    assert _answer(down) is not None


def test_the_programs_verify(tmp_path):
    run_programs(tmp_path, {"steps": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"])},
                 variants=("engine", "per_loop_clauses", "offload"))
