"""Two accesses whose subscripts take disjoint values over the loops around them never touch
one element (:func:`accellium.dataset.analysis.rows.disjoint`).  In a step of an LU
factorisation the row loop ``for (j = i; j < n; j++)`` writes ``A[i][j]`` and reads
``A[i][k]`` with ``k < i`` and ``A[k][j]`` with ``k < i``: column ``k`` of row ``i`` lies left of
every column the loop writes, and row ``k`` above row ``i``.  Before, an inner index beside
the loop's own (``A[i][k]`` against ``A[i][j]``) was taken to sweep the elements other
iterations write: a carried dependence, so the loop stayed sequential.

The twins keep it: with ``k <= i`` the read of ``A[i][i]`` is the element iteration ``j == i``
writes, and an inner loop whose range the header does not show (``k`` up to a value read
from data) proves nothing.  Whole programs built with real gcc and run in the
data-environment emulator, with the per-loop suggestions and the offload plan applied; a
naive parallel pragma on the twin fails there."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import marked_lines, run_verified, with_naive_pragma, write_suite

from accellium.dataset.analysis import analyze
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

ROW_2D = """for (j = i; j < n; j++)
    for (k = 0; k < LIMIT; k++)
        A[i][j] -= A[i][k] * A[k][j];"""
ROW_LINEAR = """for (j = i; j < n; j++) {
    s = a[i * n + j];
    for (k = 0; k < LIMIT; k++)
        s -= a[i * n + k] * a[k * n + j];
    a[i * n + j] = s;
}"""


@pytest.mark.parametrize("code", [ROW_2D, ROW_LINEAR])
@pytest.mark.parametrize(("limit", "carried"), [("i", False), ("i + 1", True),
                                                 ("p[i]", True)])
def test_rows_apart_by_their_ranges(code, limit, carried):
    f = analyze(code.replace("LIMIT", limit))
    arrays = {d.var for d in f.carried} & {"A", "a"}
    assert bool(arrays) is carried, f.carried


def test_the_column_loop_of_the_linearised_step():
    # rows j > i written, rows k < i and row i read: row i needs i >= 0, which the loop over
    # k (k < i runs) shows only where the access sits inside it
    f = analyze("""for (j = i + 1; j < n; j++) {
    s = a[j * n + i];
    for (k = 0; k < i; k++)
        s -= a[j * n + k] * a[k * n + i];
    a[j * n + i] = s;
}""")
    assert not any("a[k * n + i]" in d.message for d in f.carried), f.carried


KERNEL = """
void lu2(int n, double A[n][n])
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
            for (int k = 0; k < j; k++)
                A[i][j] -= A[i][k] * A[k][j];
            A[i][j] /= A[j][j];
        }
        for (int j = i; j < n; j++) /* upper */
            for (int k = 0; k < i; k++)
                A[i][j] -= A[i][k] * A[k][j];
    }
}

void lu_flat(int n, double *a)
{
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++) { /* row */
            double s = a[i * n + j];
            for (int k = 0; k < i; k++)
                s -= a[i * n + k] * a[k * n + j];
            a[i * n + j] = s;
        }
        for (int j = i + 1; j < n; j++) { /* col */
            double s = a[j * n + i];
            for (int k = 0; k < i; k++)
                s -= a[j * n + k] * a[k * n + i];
            a[j * n + i] = s / a[i * n + i];
        }
    }
}

void colprev(int n, double *a)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) /* colprev */
            a[j * n + i] = 0.5 * a[(j - 1) * n + i] + a[i * n + i];
}

void twin(int n, double *a)
{
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++) { /* twin */
            double s = a[i * n + j];
            for (int k = 0; k <= i; k++)
                s -= 0.25 * a[i * n + k] * a[k * n + j];
            a[i * n + j] = s;
        }
    }
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void lu2(int n, double A[n][n]);
void lu_flat(int n, double *a);
void twin(int n, double *a);
void colprev(int n, double *a);
static void ref_colprev(int n, double *a)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) a[j * n + i] = 0.5 * a[(j - 1) * n + i] + a[i * n + i];
}
static void ref_lu_flat(int n, double *a)
{
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++) {
            double s = a[i * n + j];
            for (int k = 0; k < i; k++) s -= a[i * n + k] * a[k * n + j];
            a[i * n + j] = s;
        }
        for (int j = i + 1; j < n; j++) {
            double s = a[j * n + i];
            for (int k = 0; k < i; k++) s -= a[j * n + k] * a[k * n + i];
            a[j * n + i] = s / a[i * n + i];
        }
    }
}
static void ref_twin(int n, double *a)
{
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            double s = a[i * n + j];
            for (int k = 0; k <= i; k++) s -= 0.25 * a[i * n + k] * a[k * n + j];
            a[i * n + j] = s;
        }
}
int main(void)
{
    int n = 48, bad = 0;
    double *a = malloc(n * n * sizeof *a), *r = malloc(n * n * sizeof *r);
    double (*m)[n] = malloc(n * sizeof *m);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[i * n + j] = r[i * n + j] = m[i][j] = (i == j ? n : 0.0) + ((i * 7 + j * 3) % 5) * 0.1;
    CALL
    for (int k = 0; k < n * n; k++) bad += fabs(CHECKED[k] - r[k]) > 1e-9 * (1 + fabs(r[k]));
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CALLS = {
    "lu2": ("lu2(n, m); ref_lu_flat(n, r);", "(&m[0][0])"),
    "lu_flat": ("lu_flat(n, a); ref_lu_flat(n, r);", "a"),
    "twin": ("twin(n, a); ref_twin(n, r);", "a"),
    "colprev": ("colprev(n, a); ref_colprev(n, r);", "a"),
}


def _main(name: str) -> str:
    call, checked = CALLS[name]
    return MAIN.replace("CALL", call).replace("CHECKED", checked)


def test_the_factorisations_verify_with_their_row_loops_parallel(tmp_path: Path):
    rows = run_verified(tmp_path, {name: (KERNEL, _main(name)) for name in CALLS})
    marks = marked_lines(KERNEL)
    per_loop = {p["line"]: p for p in rows["lu2"]["engine"]["pragmas"]}
    assert per_loop[marks["upper"]]["parallel"], per_loop
    # per loop, the linearised row loop gets no compute construct (its section of `a` is not
    # derived alone); the plan maps `a` and offloads it
    offloaded = {ln for p in rows["lu_flat"]["offload"]["plans"] for ln in p["loops"]}
    # the column loop needs i >= 0, a fact of the loop around it in the file
    assert {marks["row"], marks["col"]} <= offloaded, rows["lu_flat"]["offload"]["plans"]
    offloaded = {ln for p in rows["colprev"]["offload"]["plans"] for ln in p["loops"]}
    assert marks["colprev"] not in offloaded, rows["colprev"]["offload"]["plans"]
    per_loop = {p["line"]: p for p in rows["twin"]["engine"]["pragmas"]}
    assert not (marks["twin"] in per_loop and per_loop[marks["twin"]]["parallel"]), per_loop


def test_a_parallel_twin_races(tmp_path: Path):
    # control: the twin's dependence is real: a parallel pragma on it fails in the emulator
    manifest = write_suite(tmp_path, {"naive": (with_naive_pragma(KERNEL, "twin"),
                                                _main("twin"))})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False)
    assert res["programs"][0]["original"]["status"] != "verified", res["programs"][0]
