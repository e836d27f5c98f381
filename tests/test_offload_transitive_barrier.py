"""A call of a function that offloads only through its callees, and has no single data region
of its own, is a barrier for a caller's region (issue #15).

``outer`` calls ``scale`` (its loop offloaded, ``copy(x[0:n])``) and ``mid`` (a region of its
own, but ``x`` used on the host), with host code between: it has no one region, so its callers
get no summary of it.  ``main`` (planned too: the file holds it, as single-file benchmarks
do) offloads two loops before the call and one after.  Its region used to hold the call as
host code (``update self`` before, ``update device`` after); but ``scale``'s clause is "present
or copy" (OpenACC 3.3, 2.7.1): inside ``main``'s region it finds ``x`` present and works on the
device copy, and the ``update device`` after the call then overwrites that with the host's
older values (stale data in the emulator).  Now such a call is a barrier: no region around it
maps what it passes; ``main`` gets a region on either side.

Twin: ``outer`` with one data region of its own (``scale`` called twice): hoisted as before,
one region around the whole of ``main``.  (``scale`` called once is no twin: ``outer`` then
has no region either — a region for one call saves nothing — and its call was as wrong.)

The loop after the call makes two passes over ``x``: a single pass over ``main``'s own ``x``,
copied in for it alone, now stays on the host (docs/offload.md item 15).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_verified

KERNEL = """#include <stdio.h>
#include <stdlib.h>
int check(int n, const double *x);
static void scale(int n, double *x)
{
    for (int i = 0; i < n; i++)
        x[i] = x[i] * 2.0 + 1.0;
}
static void mid(int n, double *x)
{
    for (int r = 0; r < 3; r++) {
        x[r] += 1.0;
        scale(n, x);
    }
}
static void outer(int n, double *x)
{
    scale(n, x);
    BETWEEN
}
int main(void)
{
    int n = 1000;
    double *x = malloc(n * sizeof *x);
    for (int i = 0; i < n; i++)
        x[i] = i * 0.5;
    for (int i = 0; i < n; i++)
        x[i] = x[i] * 0.25 + 1.0;
    outer(n, x);
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int k = 1; k < 3; k++)
            s += x[i] / k;
    puts(check(n, x) || s < 0.0 ? "BAD" : "OK");
    free(x);
    return 0;
}
"""
CHECK = """#include <stdlib.h>
static void host_scale(int n, double *x)
{
    for (int i = 0; i < n; i++) x[i] = x[i] * 2.0 + 1.0;
}
int check(int n, const double *x)
{
    double *r = malloc(n * sizeof *r);
    int bad = 0;
    for (int i = 0; i < n; i++) r[i] = i * 0.5 * 0.25 + 1.0;
    host_scale(n, r);
    BETWEEN_HOST
    for (int i = 0; i < n; i++) bad += r[i] != x[i];
    free(r);
    return bad;
}
"""
#: what ``outer`` does after its first ``scale``, and the check's host replica of it
BARRIER = ("x[n - 1] = 0.5;\n    mid(n, x);",
           "r[n - 1] = 0.5;\n    for (int k = 0; k < 3; k++) { r[k] += 1.0; host_scale(n, r); }")
ONE_REGION = ("scale(n, x);", "host_scale(n, r);")


def _program(between: tuple[str, str]) -> tuple[str, str]:
    return KERNEL.replace("BETWEEN", between[0]), CHECK.replace("BETWEEN_HOST", between[1])


def test_a_call_that_offloads_only_through_its_callees_is_a_barrier(tmp_path):
    kernel, check = _program(BARRIER)
    line = kernel.splitlines().index("    outer(n, x);") + 1
    rows = run_verified(tmp_path, {"barrier": (kernel, check)})
    plan = next(p for p in rows["barrier"]["offload"]["plans"] if p["function"] == "main")
    notes = " ".join(plan["notes"])
    assert f"`outer` (line {line}) offloads through its own code or its callees but has no " \
           "single data region" in notes
    assert all(not (r["start_line"] <= line <= r["end_line"]) for r in plan["regions"])
    assert [r["loops"] for r in plan["regions"]] == [2, 1]


def test_twin_a_callee_with_one_region_is_hoisted_as_before(tmp_path):
    rows = run_verified(tmp_path, {"hoisted": _program(ONE_REGION)})
    plan = next(p for p in rows["hoisted"]["offload"]["plans"] if p["function"] == "main")
    assert "offloads through its own code" not in " ".join(plan["notes"])
    assert any(c["functions"] == ["outer"] for c in plan["calls"])
    assert len(plan["regions"]) == 1
