"""A structure read only in the loops' headers (found by probing the offload plans):
``for (int i = r->lo; i < r->hi; i++)``.

A loop's header is part of the loop a compute construct holds: its bounds are evaluated on
the device, from the device's copy of ``*r`` (OpenACC 3.3, 2.5.1/2.9: the construct's region
contains the loop, header included).  The plan took ``r`` for an array each iteration reads
only where it wrote first (its body never names it) and mapped it ``create(r[0:1])``: the
device computed the bounds from uninitialised bytes (the emulator: `wrong`, or `bounds`).  A
loop whose header names the array reads it before any iteration writes it
(:func:`.selfwrite.self_written`): now ``copyin(r[0:1])``.

Whole program (gcc, the data-environment emulator): the plan verifies.
"""

from __future__ import annotations

from _offload_util import clauses_of, plan_text, run_programs

from accellium.server.engines import get_engine

KERNEL = """struct range { int lo, hi; };

void scale(const struct range *r, double *restrict a, double *restrict b)
{
    for (int t = 0; t < 4; t++) {
        for (int i = r->lo; i < r->hi; i++)
            b[i] = 2.0 * a[i];
        for (int i = r->lo; i < r->hi; i++)
            a[i] = b[i] + 1.0;
    }
}
"""
MAIN = """#include <stdio.h>
struct range { int lo, hi; };
void scale(const struct range *r, double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 500 };
    static double a[N], b[N], ra[N], rb[N];
    struct range r = { 20, 470 };
    for (int i = 0; i < N; i++) { a[i] = ra[i] = i; b[i] = rb[i] = -1.0; }
    for (int t = 0; t < 4; t++) {
        for (int i = r.lo; i < r.hi; i++) rb[i] = 2.0 * ra[i];
        for (int i = r.lo; i < r.hi; i++) ra[i] = rb[i] + 1.0;
    }
    scale(&r, a, b);
    for (int i = 0; i < N; i++)
        if (a[i] != ra[i] || b[i] != rb[i]) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_a_structure_read_by_the_bounds_is_copied_in():
    text, _ = plan_text(KERNEL, get_engine("analysis"))
    data = next(ln for ln in text.splitlines() if ln.strip().startswith("#pragma acc data"))
    assert clauses_of(data).get("r") == "copyin", data


def test_the_plan_verifies(tmp_path):
    run_programs(tmp_path, {"bounds": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"])},
                 variants=("offload",))
