"""Rows of a row-major matrix, spelled ``k*n`` beside ``i*n``: the pivot row is no other row.

``a[i*n + k]`` and ``a[k*n + k]`` are the elements (row i, column k) and (row k, column k) of an
``n``-column row-major matrix (C11 6.5.2.1p2: the subscript is an offset of the one object):
with the columns inside their rows, they are one element only where ``i == k``.  The loop over
``i`` from ``k + 1`` never reaches ``i == k``, so its iterations are independent: scaling the
multipliers of an LU step and updating the trailing rows from the pivot row are parallel
loops.  The dependence test reads a term without the loop's index that is a multiple of the
other access's row stride (``k*n``) as a row of that layout (``affine._rows``), with the loop's
own range; before, it compared it with the row ``i`` as a column offset and could not separate
them when ``k`` is a parameter (a step function called from the loop over ``k``, where no
enclosing loop bounds ``k``).

Proven on whole programs run in the data-environment emulator: each step function's loop is
offloaded and the plans verify; the twin whose divisor is the element of row ``k + 1`` — which
iteration ``i == k + 1`` writes while the others read it — is not offloaded, and a naive
``parallel loop`` on it changes the result (the control)."""

from __future__ import annotations

from pathlib import Path

from _offload_util import marked_lines, run_verified, with_naive_pragma, write_suite

from accellium.dataset.analysis.affine import Overlap, Reach, overlap

LU = """static void scale(int n, int k, double *restrict a)
{
    for (int i = k + 1; i < n; i++) /* scale */
        a[i * n + k] /= a[k * n + k];
}

static void trailing(int n, int k, double *restrict a)
{
    for (int i = k + 1; i < n; i++) { /* trailing */
        double l = a[i * n + k];
        for (int j = k + 1; j < n; j++)
            a[i * n + j] -= l * a[k * n + j];
    }
}

void lu_steps(int n, double *restrict a)
{
    for (int k = 0; k < n - 1; k++) {
        scale(n, k, a);
        trailing(n, k, a);
    }
}
"""
LU_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void lu_steps(int n, double *restrict a);
int main(void)
{
    int n = 96, bad = 0;
    double *a = malloc(n * n * sizeof *a), *r = malloc(n * n * sizeof *r);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[i * n + j] = r[i * n + j] = (i == j ? 2.0 * n : 0.0) + ((i * 7 + j * 3) % 11) * 0.1;
    lu_steps(n, a);
    for (int k = 0; k < n - 1; k++)
        for (int i = k + 1; i < n; i++) {
            r[i * n + k] /= r[k * n + k];
            for (int j = k + 1; j < n; j++) r[i * n + j] -= r[i * n + k] * r[k * n + j];
        }
    for (int e = 0; e < n * n; e++) bad += fabs(a[e] - r[e]) > 1e-9 * (1.0 + fabs(r[e]));
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the twin: the divisor is row k + 1's element, which the iteration i == k + 1 overwrites
NEXT = """static void next(int n, int k, double *restrict a)
{
    for (int i = k + 1; i < n; i++) /* next */
        a[i * n + k] /= a[(k + 1) * n + k];
}

void next_steps(int n, double *restrict a)
{
    for (int k = 0; k < n - 2; k++)
        next(n, k, a);
}
"""
NEXT_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void next_steps(int n, double *restrict a);
int main(void)
{
    int n = 96, bad = 0;
    double *a = malloc(n * n * sizeof *a), *r = malloc(n * n * sizeof *r);
    for (int e = 0; e < n * n; e++) a[e] = r[e] = 2.0 + (e * 5 % 13) * 0.25;
    next_steps(n, a);
    for (int k = 0; k < n - 2; k++)
        for (int i = k + 1; i < n; i++) r[i * n + k] /= r[(k + 1) * n + k];
    for (int e = 0; e < n * n; e++) bad += fabs(a[e] - r[e]) > 1e-12 * (1.0 + fabs(r[e]));
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _plan(row: dict, function: str) -> dict:
    return next(p for p in row["offload"]["plans"] if p["function"] == function)


def test_the_pivot_row_is_apart_from_the_rows_below_it(tmp_path: Path):
    rows = run_verified(tmp_path, {"lu": (LU, LU_MAIN), "next": (NEXT, NEXT_MAIN)},
                        variants=("engine", "per_loop_clauses", "offload"))
    at = marked_lines(LU)
    # each step's loop over the rows below the pivot is offloaded (k a parameter: the test
    # knows only i >= k + 1 from the loop's own range)
    assert _plan(rows["lu"], "scale")["loops"] == [at["scale"]]
    assert _plan(rows["lu"], "trailing")["loops"] == [at["trailing"]]
    # the twin reads the element iteration k + 1 writes: its loop is not offloaded
    assert _plan(rows["next"], "next")["loops"] == []


def test_a_parallel_loop_over_the_twin_is_wrong_when_it_runs(tmp_path: Path):
    """Control: the twin's carried dependence is real — with the naive pragma the run in
    reversed iteration order (the second of the emulator's orders) differs from serial."""
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    manifest = write_suite(tmp_path, {"naive": (with_naive_pragma(NEXT, "next"), NEXT_MAIN)})
    res = evaluate_dynamic(manifest, None, runs=2, with_mutations=False)
    assert res["programs"][0]["original"]["status"] != "verified", res["programs"][0]


def test_the_test_reads_k_times_n_as_row_k():
    i_n_k = ((((("i", "n"), 1), (("k",), 1))),)
    k_n_k = ((((("k", "n"), 1), (("k",), 1))),)
    k1_n_k = ((((("k", "n"), 1), (("n",), 1), (("k",), 1))),)
    from_k1 = (((("k",), 1), ((), 1)), ((("n",), 1),))  # for (i = k + 1; i < n; i++)
    from_0 = ((((), 0),), ((("n",), 1),))  # for (i = 0; i < n; i++)
    assert not overlap(i_n_k, k_n_k, "i", frozenset(), own=from_k1).carried
    assert overlap(i_n_k, k_n_k, "i", frozenset(), own=from_0) == Overlap(Reach.MAYBE)
    assert overlap(i_n_k, k1_n_k, "i", frozenset(), own=from_k1).carried
