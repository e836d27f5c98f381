"""No data region holds a host store of a row pointer of an array it maps with its rows
(issue #15).

``main`` (planned: single-file benchmarks keep it in the annotated file) allocates a matrix
as row pointers, each row ``malloc``'d and filled in the same host loop, then runs a time loop
over it.  The plan put one region around both, ``copy(A[0:n][0:m])`` where it starts: before
any row exists, so the mapping read uninitialised row pointers (the emulated run crashed; on a
GPU the runtime copies from wild addresses).  A store ``A[i] = ...`` can only be of a pointer
(an array is no modifiable lvalue, C11 6.3.2.1p1); the mapping reads the row pointers where
the region starts to copy and attach the rows (OpenACC 3.3, 2.6.8, 2.7.1), and no ``update``
moves a pointer stored later — so a region cannot hold such a store.

Twin: the rows allocated in a loop of their own, before the loops that fill and update them:
the region starts after it and is kept.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_verified

KERNEL = """#include <stdio.h>
#include <stdlib.h>
int check(int n, int m, double **A);
int main(void)
{
    int n = 300, m = 200;
    double **A = malloc(n * sizeof *A);
    ALLOC
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                A[i][j] = A[i][j] * 0.5 + j;
    puts(check(n, m, A) ? "BAD" : "OK");
    return 0;
}
"""
CHECK = """int check(int n, int m, double **A)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double v = (i + j) % 9;
            for (int t = 0; t < 4; t++) v = v * 0.5 + j;
            bad += A[i][j] != v;
        }
    return bad;
}
"""
FILLED_AS_ALLOCATED = """for (int i = 0; i < n; i++) {
        A[i] = malloc(m * sizeof **A);
        for (int j = 0; j < m; j++)
            A[i][j] = (i + j) % 9;
    }"""
ALLOCATED_FIRST = """for (int i = 0; i < n; i++)
        A[i] = malloc(m * sizeof **A);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            A[i][j] = (i + j) % 9;"""


def _main_plan(rows: dict, name: str) -> dict:
    return next(p for p in rows[name]["offload"]["plans"] if p["function"] == "main")


def test_a_region_never_holds_a_row_pointer_store(tmp_path):
    rows = run_verified(tmp_path, {"stores": (KERNEL.replace("ALLOC", FILLED_AS_ALLOCATED),
                                              CHECK)})
    plan = _main_plan(rows, "stores")
    assert "line 9 stores a row pointer of `A`, which the region maps with its rows" in \
        " ".join(plan["notes"])
    assert plan["regions"] == [] and plan["edits"] == 0


def test_twin_rows_allocated_before_the_region(tmp_path):
    rows = run_verified(tmp_path, {"first": (KERNEL.replace("ALLOC", ALLOCATED_FIRST), CHECK)})
    plan = _main_plan(rows, "first")
    assert "row pointer" not in " ".join(plan["notes"])
    assert [(r["start_line"], r["loops"]) for r in plan["regions"]] == [(10, 2)]
    assert [a["section"] for a in plan["arrays"]] == ["A[0:n][0:m]"]
