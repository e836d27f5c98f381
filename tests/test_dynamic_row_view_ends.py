"""Both ends of a row written through a row pointer, beside the loop over its interior.

``double *dst = B + i*m`` makes ``dst[k]`` the element ``B[i*m + k]`` (C11 6.5.2.1p2, 6.5.6p8):
row ``i`` of an ``m``-column layout while ``0 <= k < m``.  The loop over the rows writes
``dst[0]``, ``dst[m - 1]`` and, in the loop over ``j`` from 1 while ``j < m - 1``, ``dst[j]``.
Alone, ``dst[m - 1]`` is not proved inside its row (``m`` may be 0: then it is the element
before the row, which the previous row's iteration may reach).  But two accesses touch one
element only where both run, and ``dst[j]`` runs only where its loop makes an iteration
(C11 6.8.5.3), that is where ``m - 3 >= 0``: there ``m - 1`` lies in ``[0, m)``, so the two
writes stay in row ``i`` and the rows are independent.  The dependence test proves each
access's row with the facts of the loops around both (``rows._pair_facts``); before, each
access's own loops only, and the loop over the rows stayed on the host with the smoothing's
arrays updated around it.

Twin: the interior loop runs while ``j < w``, ``w`` another parameter (called with ``m + 1``):
its loop proves nothing about ``m``, ``dst[j]`` is not proved inside its row, and it is not
(``dst[m]`` is the next row's ``dst[0]``): the loop is not offloaded, and a naive ``parallel
loop`` on it changes the result when the iterations run in reverse (the control).

Whole programs, built with gcc -fopenacc and run in the data-environment emulator."""

from __future__ import annotations

from pathlib import Path

from _offload_util import marked_lines, with_naive_pragma, write_suite

KERNEL = """void smooth_rows(int n, int m, int steps, double *restrict A, double *restrict B)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) { /* rows */
            const double *src = A + i * m;
            double *dst = B + i * m;
            dst[0] = src[0];
            dst[m - 1] = src[m - 1];
            for (int j = 1; j < LIMIT; j++)
                dst[j] = 0.25 * src[j - 1] + 0.5 * src[j] + 0.25 * src[j + 1];
        }
        for (int e = 0; e < n * m; e++) /* back */
            A[e] = B[e] + 1.0 / m;
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth_rows(int n, int m, int steps, double *restrict A, double *restrict B);
int main(void)
{
    int n = 64, m = 40, steps = 3, bad = 0, size = (n + 1) * m;
    double *A = malloc(size * sizeof *A), *B = malloc(size * sizeof *B);
    double *R = malloc(size * sizeof *R), *S = malloc(size * sizeof *S);
    for (int e = 0; e < size; e++) { A[e] = R[e] = 1.0 + (e * 7) % 11; B[e] = S[e] = 0.0; }
    smooth_rows(n, m, steps, A, B);
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) {
            S[i * m] = R[i * m];
            S[i * m + m - 1] = R[i * m + m - 1];
            for (int j = 1; j < LIMIT; j++)
                S[i * m + j] = 0.25 * R[i * m + j - 1] + 0.5 * R[i * m + j]
                               + 0.25 * R[i * m + j + 1];
        }
        for (int e = 0; e < n * m; e++) R[e] = S[e] + 1.0 / m;
    }
    for (int e = 0; e < size; e++)
        bad += fabs(A[e] - R[e]) > 1e-12 * (1.0 + fabs(R[e])) || B[e] != S[e];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the interior's bound: the row's last column but one; the twin's: a width of its own
# (``w``, passed as m + 1: the last interior write is the next row's first element)
CASES = {"ends": "m - 1", "width": "w"}


def _program(case: str) -> tuple[str, str]:
    kernel = KERNEL.replace("LIMIT", CASES[case])
    main = MAIN.replace("LIMIT", "m - 1" if case == "ends" else "m + 1")
    if case == "width":
        kernel = kernel.replace("int steps,", "int steps, int w,")
        main = main.replace("int steps,", "int steps, int w,").replace(
            "smooth_rows(n, m, steps,", "smooth_rows(n, m, steps, m + 1,")
    return kernel, main


def _plan(row: dict) -> dict:
    return next(p for p in row["offload"]["plans"] if p["function"] == "smooth_rows")


def test_both_ends_of_a_row_view_stay_in_the_row_the_interior_loop_proves(tmp_path: Path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    programs = {case: _program(case) for case in CASES}
    at = marked_lines(programs["ends"][0])
    # the twin as a tool that ignores dependences would annotate it (the authors' column)
    programs["width"] = (with_naive_pragma(programs["width"][0], "rows"), programs["width"][1])
    # two runs: the emulator's second runs the iterations of a parallel loop in reverse
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=2,
                           with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        for variant in ("engine", "offload"):
            assert r[variant]["status"] == "verified", (name, variant, r[variant]["reason"])
    # the rows loop joins the copy-back loop in one region: nothing updated between them
    plan = _plan(rows["ends"])
    assert plan["loops"] == [at["rows"], at["back"]], plan
    assert any(" 0 update(s)" in n for n in plan["notes"]), plan["notes"]
    # the grids move once each way (both copied: the driver reads B after the call)
    size = 65 * 40 * 8
    assert rows["ends"]["offload"]["bytes_h2d"] <= 2 * size, rows["ends"]["offload"]
    assert rows["ends"]["offload"]["bytes_d2h"] <= 2 * size, rows["ends"]["offload"]
    # the twin's interior may leave its row: its rows loop stays on the host ...
    assert at["rows"] not in _plan(rows["width"])["loops"], _plan(rows["width"])
    # ... and it must: the naive parallel loop changes the result run in reverse (control)
    assert rows["width"]["original"]["status"] != "verified", rows["width"]["original"]
