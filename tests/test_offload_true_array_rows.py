"""A true array of rows passed to a parameter of the same rows joins the caller's region
(issue #15, :func:`accellium.dataset.offload.callsites.same_rows`).

Single-file benchmarks keep their matrices as file-scope arrays of fixed size,
``static double A[NI][NK];``, and pass them to kernels that declare the same rows,
``double A[NI][NK]``.  The argument ``A`` is converted to a pointer to the array's first row,
of type ``double (*)[NK]`` (C11 6.3.2.1p3), which is the type of the parameter (C11
6.7.6.3p7): the callee's ``a[i][j]`` is the caller's ``A[i][j]``.  Before, only a declared
pointer to rows was recognised, so ``main`` got no region over the calls and every call
copied the matrices in and out on its own.  The twin: the same arrays passed to a kernel
whose parameter rows are runtime sizes (``double a[n][m]``) are not known to be those rows
(the value of ``m`` at the call is not the array's row length as written): no region, as
before, and the program still verifies.

Whole programs (``main`` in the annotated file, a driver that checks), built with real gcc
and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

ROWS, COLS, STEPS = 40, 30, 4

KERNEL = """#include <stdio.h>
#define NR NROWS
#define NC NCOLS
static double A[NR][NC];
static double B[NR][NC];
int check(const double *a, double total);

static void smooth(int n, int m, double a[NR][NC], double b[NR][NC])
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = b[i][j];
}

static double total(int n, int m, double a[NR][NC])
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            s += a[i][j];
    return s;
}

int main(void)
{
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < NC; j++)
            A[i][j] = B[i][j] = (i * 7 + j * 3) % 11;
    for (int t = 0; t < NSTEPS; t++)
        smooth(NR, NC, A, B);
    double s = total(NR, NC, A);
    puts(check(&A[0][0], s) ? "BAD" : "OK");
    return 0;
}
"""
VLA_KERNEL = KERNEL.replace("double a[NR][NC], double b[NR][NC]",
                            "double a[n][m], double b[n][m]")
MAIN = """#include <math.h>
int check(const double *a, double total)
{
    double u[NROWS][NCOLS], v[NROWS][NCOLS], s = 0.0;
    int bad = 0;
    for (int i = 0; i < NROWS; i++)
        for (int j = 0; j < NCOLS; j++)
            u[i][j] = v[i][j] = (i * 7 + j * 3) % 11;
    for (int t = 0; t < NSTEPS; t++) {
        for (int i = 1; i < NROWS - 1; i++)
            for (int j = 0; j < NCOLS; j++)
                v[i][j] = 0.5 * (u[i - 1][j] + u[i + 1][j]);
        for (int i = 1; i < NROWS - 1; i++)
            for (int j = 0; j < NCOLS; j++)
                u[i][j] = v[i][j];
    }
    for (int i = 0; i < NROWS; i++)
        for (int j = 0; j < NCOLS; j++) {
            bad += fabs(a[i * NCOLS + j] - u[i][j]) > 1e-12;
            s += u[i][j];
        }
    return bad + (fabs(total - s) > 1e-9 * fabs(s));
}
"""


def _sized(text: str) -> str:
    return text.replace("NROWS", str(ROWS)).replace("NCOLS", str(COLS)).replace(
        "NSTEPS", str(STEPS))


def test_main_holds_the_region_over_the_calls_that_pass_true_arrays(engine):
    _, plans = plan_text(_sized(KERNEL), engine, program=[_sized(MAIN).encode()])
    main = plans["main"]
    assert main.edits and not any(n.startswith("not hoisted: argument") for n in main.notes), \
        main.notes
    assert {a["name"] for a in main.arrays} == {"A", "B"}, main.arrays


def test_runtime_rows_are_not_the_arrays_rows(engine):
    _, plans = plan_text(_sized(VLA_KERNEL), engine, program=[_sized(MAIN).encode()])
    notes = plans["main"].notes if "main" in plans else ["not hoisted: argument (no plan)"]
    assert any(n.startswith("not hoisted: argument") for n in notes), notes


def test_the_programs_verify_and_the_region_moves_each_matrix_once(tmp_path):
    rows = run_verified(tmp_path, {"fixed": (_sized(KERNEL), _sized(MAIN)),
                                   "vla": (_sized(VLA_KERNEL), _sized(MAIN))})
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    one = ROWS * COLS * 8
    # main's region holds its initialisation loop too (the calls in it read what it writes,
    # item 11): A and B are made on the device and A is copied back once, with total's sum
    # (16 bytes) — B, which nothing after main's region reads, stays there (the program's
    # files are given, no exit handler: :mod:`accellium.dataset.offload.exit_dead`; 2 * one
    # + 16 before that); before the region, 159,376 bytes (each call of smooth moved A and B)
    assert moved["fixed"] == one + 16, moved
    # without the region every call of smooth copies A and B in and out
    assert moved["vla"] >= STEPS * 3 * one, moved
