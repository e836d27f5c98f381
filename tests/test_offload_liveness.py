"""Liveness across the call boundary (issue #15): what the caller does with an array after the
call decides whether the callee's region copies it back.

* Overwritten before read: after the call the caller replaces the whole object (a counted loop
  ``tmp[i] = ...`` over its ``N`` elements, or a call of a function whose first use of the
  parameter is such a loop) before anything reads it — what the callee left is never read, so
  its region creates the scratch array instead of copying it out.  Twins: the caller reads an
  element before replacing the object, or replaces all but the last element: the copy stays.
* One element of a local array of pointers: ``step(n, u, w[3])`` followed by reads of ``w[k]``
  for ``k`` in ``1..2`` only — the memory ``w[3]`` points to is never read again, so it is not
  copied back.  Twin: the reads reach ``w[3]``.

Whole programs, built with real gcc and run in the data-environment emulator (the plan is
applied to the stripped kernel, the driver's values checked on the host)."""

from __future__ import annotations

import pytest
from _offload_util import verified_offload_bytes, write_suite

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.live import dead_parameters
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 4000

SMOOTH = """
void smooth(int n, const double *src, double *out, double *tmp)
{
    for (int i = 0; i < n; i++)
        tmp[i] = 2.0 * src[i];
    for (int i = 1; i < n - 1; i++)
        out[i] = tmp[i - 1] + tmp[i] + tmp[i + 1];
}
"""
SMOOTH_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth(int n, const double *src, double *out, double *tmp);
static void fill(int n, double *y, double c)
{
    for (int i = 0; i < n; i++)
        y[i] = c * i;
}
int main(void)
{
    int n = NSIZE, bad = 0;
    double *src = malloc(n * sizeof *src), *out = malloc(n * sizeof *out);
    double *tmp = malloc(n * sizeof *tmp);
    for (int i = 0; i < n; i++)
        src[i] = (i % 7) * 0.5;
    smooth(n, src, out, tmp);
    PEEK
    AFTER
    for (int i = 1; i < n - 1; i++)
        bad += fabs(out[i] - 2.0 * (src[i - 1] + src[i] + src[i + 1])) > 1e-12;
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
KILL_LOOP = "for (int i = 0; i < n; i++)\n        tmp[i] = src[i] + 1.0;"
CHECK_LOOP = "for (int i = 0; i < n; i++)\n        bad += tmp[i] != src[i] + 1.0;"
KILL_CALL = "fill(n, tmp, 3.0);"
CHECK_CALL = "for (int i = 0; i < n; i++)\n        bad += tmp[i] != 3.0 * i;"
# the twins: a read of what the callee left before the object is replaced; a loop that
# replaces all but the last element (which is then read)
PEEK = "bad += tmp[n / 2] != 2.0 * src[n / 2];"
PARTIAL = "for (int i = 0; i < n - 1; i++)\n        tmp[i] = src[i] + 1.0;"
CHECK_LAST = "bad += tmp[n - 1] != 2.0 * src[n - 1];"

STEP = """
void step(int n, double *u, double *acc)
{
    for (int i = 0; i < n; i++)
        acc[i] = 0.5 * u[i] + 1.0;
    for (int i = 0; i < n; i++)
        u[i] += acc[n - 1 - i];
}
"""
STEP_MAIN = """#include <stdio.h>
#include <stdlib.h>
void step(int n, double *u, double *acc);
int main(void)
{
    int n = NSIZE, bad = 0;
    double *w[4];
    for (int k = 0; k < 4; k++)
        w[k] = malloc(n * sizeof *w[k]);
    double *u = w[0];
    for (int i = 0; i < n; i++) {
        u[i] = (i % 5) * 0.25;
        w[1][i] = u[i];
        w[2][i] = 0.5 * u[i] + 1.0;
    }
    step(n, u, w[3]);
    for (int i = 0; i < n; i++)
        bad += u[i] != w[1][i] + w[2][n - 1 - i];
    for (int k = 1; k < LAST; k++)
        for (int i = 0; i < n; i++)
            bad += w[k][i] != (k == 1 ? u[i] - w[2][n - 1 - i] : w[2][i]);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _main(peek: str = "", after: str = KILL_LOOP, check: str = CHECK_LOOP) -> str:
    return SMOOTH_MAIN.replace("PEEK", peek).replace("AFTER", after).replace("CHECK", check)


VARIANTS = {
    "kill_loop": (SMOOTH, _main()),
    "kill_call": (SMOOTH, _main(after=KILL_CALL, check=CHECK_CALL)),
    "peek": (SMOOTH, _main(peek=PEEK)),
    "partial": (SMOOTH, _main(after=PARTIAL, check=CHECK_LAST)),
    "element": (STEP, STEP_MAIN.replace("LAST", "3")),
    "element_read": (STEP, STEP_MAIN.replace("LAST", "4")),
}


def _dead(kernel: str, main: str) -> dict[str, set[str]]:
    k = parse_tree(kernel.encode(), "c").root_node
    m = parse_tree(main.replace("NSIZE", str(N)).encode(), "c").root_node
    return dead_parameters(k, [m])


@pytest.mark.parametrize("name,dead", [
    ("kill_loop", {"smooth": {"tmp"}}), ("kill_call", {"smooth": {"tmp"}}), ("peek", {}),
    ("partial", {}), ("element", {"step": {"acc"}}), ("element_read", {}),
])
def test_what_the_caller_does_after_the_call_decides_liveness(name, dead):
    assert _dead(*VARIANTS[name]) == dead


def test_overwritten_needs_the_same_object_and_no_jump():
    # a loop bound the caller reassigns, or a `return` between the call and the loop
    reassigned = _main().replace("smooth(n, src, out, tmp);", "smooth(n, src, out, tmp);\n"
                                 "    n = n - 1;")
    assert _dead(SMOOTH, reassigned) == {}
    jump = _main().replace("PEEK", "").replace(
        "smooth(n, src, out, tmp);", "smooth(n, src, out, tmp);\n    if (n > 3 * NSIZE)\n"
        "        return 1;")
    assert _dead(SMOOTH, jump) == {}
    # the loop reads an element other than the one it just replaced
    shifted = _main(after="for (int i = 0; i < n; i++)\n        tmp[i] = tmp[n - 1 - i];",
                    check="")
    assert _dead(SMOOTH, shifted) == {}


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: every plan verifies; a scratch array the caller
    overwrites (or never reads) is created, one it reads keeps its copy back."""
    progs = {k: (a, b.replace("NSIZE", str(N))) for k, (a, b) in VARIANTS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, progs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    vec = N * 8
    smooth = vec + (N - 2) * 8  # src in, out's interior out
    assert moved["kill_loop"] == moved["kill_call"] == smooth, moved
    assert moved["peek"] == moved["partial"] == smooth + vec, moved  # tmp copied out
    assert moved["element"] == 2 * vec, moved  # u both ways; w[3] created
    assert moved["element_read"] == 3 * vec, moved  # and copied out
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
