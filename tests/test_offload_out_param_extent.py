"""Extents of arrays a function returns through pointer-to-pointer parameters (issue #15).

``*out = p;`` stores into the object ``*out`` designates (C11 6.5.3.2p4): after
``build(n, &rp, &col)`` the caller's ``rp`` points to the builder's allocation of ``n + 1``
elements, when nothing else ever assigns ``rp`` and the builder stores through ``out`` once.
A count that is not a polynomial (``malloc(rp[n] * sizeof *col)``) is known by name when the
builder returns that same expression, unchanged since the allocation (``int m = build(...)``).
The gather loop (``x[col[k]]``, ``k`` up to ``rowptr[i + 1]``) then has the extents of the
objects every call passes, and the driver's data region holds the whole iteration.

Twins that must not change (no extent, the gather stays on the host): the caller's pointer
reassigned between the builder and the kernel (``realloc``), the builder storing through its
parameter twice, the builder returning a value that is not the count, the count's array
written between the allocation and the ``return``.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, run_verified, verified_offload_bytes

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.objects import object_extents
from accellium.server.engines import get_engine

N, STEPS = 2000, 6

KERNEL = """
static void gather(int n, int m, const int *restrict rowptr, const int *restrict col,
                   const double *restrict x, double *restrict y)
{
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
            s += x[col[k]];
        y[i] = 0.5 * s / (rowptr[i + 1] - rowptr[i]);
    }
}

void iterate(int n, int m, const int *restrict rowptr, const int *restrict col,
             double *restrict x, double *restrict y, int steps)
{
    for (int s = 0; s < steps; s++) {
        gather(n, m, rowptr, col, x, y);
        for (int i = 0; i < n; i++)
            x[i] = y[i] + 1.0;
    }
}
"""

BUILD = """
static int build(int n, int **rowptr_out, int **col_out)
{
    int *rp = malloc((n + 1) * sizeof *rp);
    rp[0] = 0;
    for (int i = 0; i < n; i++)
        rp[i + 1] = rp[i] + 1 + i % 3;
    int *col = malloc(rp[n] * sizeof *col);
    for (int i = 0; i < n; i++)
        for (int k = rp[i]; k < rp[i + 1]; k++)
            col[k] = (i * 7 + k * 13) % n;
    *rowptr_out = rp;
    *col_out = col;
    return rp[n];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void iterate(int n, int m, const int *restrict rowptr, const int *restrict col,
             double *restrict x, double *restrict y, int steps);
BUILD
int main(void) {
  int n = NSIZE, bad = 0;
  int *rp, *col;
  int m = build(n, &rp, &col);
  AFTER
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
  for (int i = 0; i < n; i++) x[i] = rx[i] = (i * 13) % 17 * 0.1;
  iterate(n, m, rp, col, x, y, STEPS);
  for (int s = 0; s < STEPS; s++) {
    for (int i = 0; i < n; i++) {
      double t = 0.0;
      for (int k = rp[i]; k < rp[i + 1]; k++) t += rx[col[k]];
      ry[i] = 0.5 * t / (rp[i + 1] - rp[i]);
    }
    for (int i = 0; i < n; i++) rx[i] = ry[i] + 1.0;
  }
  for (int i = 0; i < n; i++) bad += fabs(x[i] - rx[i]) > 1e-9 || fabs(y[i] - ry[i]) > 1e-9;
  bad += m != rp[n];
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NSIZE", str(N)).replace("STEPS", str(STEPS))

# the twins: each leaves the extent unknown
TWINS = {
    # the caller's pointer is assigned again between the builder and the kernel
    "realloced": {"AFTER": "col = realloc(col, m * sizeof *col);"},
    # the builder stores through its parameter twice
    "stored_twice": {"*col_out = col;": "*col_out = rp;\n    *col_out = col;"},
    # the builder returns a value that is not the allocation's count
    "not_count": {"malloc(rp[n] * sizeof *col)": "malloc((rp[n] + n) * sizeof *col)"},
    # the count's array is written between the allocation and the return
    "count_written": {"*rowptr_out = rp;": "rp[n] = rp[n] + 0;\n    *rowptr_out = rp;"},
}

# more twins, read by the planner only
SHUFFLE = "static void shuffle(int n, int *a) { a[n] = a[n]; }\n"
PLAN_TWINS = {
    # a call between the allocation and the return may change the count's array
    "call_between": {"static int build": SHUFFLE + "static int build",
                     "*rowptr_out = rp;": "shuffle(n, rp);\n    *rowptr_out = rp;"},
    # the store through the parameter is in a loop
    "store_in_loop": {"*col_out = col;": "for (int r = 0; r < 1; r++) *col_out = col;"},
    # the value is converted where it initialises the caller's name
    "converted": {"int m = build(": "long m = build("},
    # the count's name has its address taken
    "count_address": {"*rowptr_out = rp;": "int *q = &rp[n];\n    *rowptr_out = rp;"},
}


def _main(edits: dict[str, str]) -> str:
    src = MAIN.replace("BUILD", BUILD)
    for old, new in edits.items():
        assert old in src, old
        src = src.replace(old, new)
    return src.replace("AFTER", "")


def _extents(main: str) -> dict:
    return object_extents(parse_tree(KERNEL.encode(), "c").root_node,
                          [parse_tree(main.encode(), "c").root_node])


def test_out_parameters_give_the_callers_pointers_the_objects_extents() -> None:
    got = _extents(_main({}))
    assert got["iterate"]["rowptr"] == {("n",): 1, (): 1}
    assert got["iterate"]["col"] == {("m",): 1}
    assert got["gather"]["col"] == {("m",): 1}


@pytest.mark.parametrize("twin", sorted(TWINS | PLAN_TWINS))
def test_twins_have_no_extent(twin: str) -> None:
    got = _extents(_main((TWINS | PLAN_TWINS)[twin])).get("iterate", {})
    assert "col" not in got


def test_a_local_array_stored_through_the_parameter_gives_no_extent() -> None:
    """``*out = buf`` of a true array of the builder: the array's lifetime ends with the call
    (C11 6.2.4p2), so the caller's pointer points to no object afterwards."""
    src = _main({"int *rp = malloc((n + 1) * sizeof *rp);": "int rp[NSIZE + 1];".replace(
        "NSIZE", str(N))})
    assert "rowptr" not in _extents(src).get("iterate", {})


def test_the_region_holds_the_iteration(tmp_path) -> None:
    """The driver's data region maps ``rowptr`` and ``col`` once around the whole iteration;
    the twins keep the gather on the host, as before; every plan verifies."""
    programs = {"outp": (KERNEL, _main({}))} | {t: (KERNEL, _main(e)) for t, e in TWINS.items()}
    eng = get_engine("analysis")
    text, _ = plan_text(KERNEL, eng, program=[_main({}).encode()])
    lines = acc_lines(text)
    region = next(a for a in lines if a.startswith("#pragma acc data"))
    assert "rowptr[0:n+1]" in region and "col[0:m]" in region, lines
    for twin, edits in TWINS.items():
        twin_text, _ = plan_text(KERNEL, eng, program=[_main(edits).encode()])
        assert "col[0:m]" not in twin_text, (twin, acc_lines(twin_text))
    res = run_verified(tmp_path, programs)
    moved = verified_offload_bytes({"programs": list(res.values())})
    m = sum(1 + i % 3 for i in range(N))
    # rowptr and col in once, x and y each moved once both ways at most
    assert moved["outp"] <= 4 * (N + 1) + 4 * m + 4 * 8 * N, moved
