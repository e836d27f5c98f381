"""A true array passed to a parameter whose sizes are spelled otherwise but have the same
values joins the caller's region (:mod:`accellium.dataset.offload.size_values`).

Benchmarks declare their kernels' parameters through macros that pad every size,
``double a[NR + PAD][NC + PAD]`` with ``#define PAD 0``, and pass file-scope arrays declared
``static double A[NR][NC];``.  The parameter has type ``double (*)[NC + PAD]`` (C11
6.7.6.3p7), the argument converts to ``double (*)[NC]`` (C11 6.3.2.1p3), and the two row types
are the same when the sizes, integer constant expressions, have the same value (C11
6.7.6.2p6) — ``NC + 0`` is ``NC`` once the preprocessor replaced the macros (C11 6.10.3).
Before, the sizes were compared as written, so ``main`` held no region over the calls in its
time loop ("not hoisted: argument 3 ... is not `*A` ...") and every call copied its arrays in
and out: 2-D and 3-D alike.  The twin: parameter rows of ``NC + 1`` columns are not the
arrays' rows (the callee's ``a[i][j]`` is another element), so the call still joins no region.

Whole programs (``main`` in the annotated file, a driver that checks), built with real gcc
and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

ROWS, COLS, DEPTH, STEPS = 24, 16, 8, 4

KERNEL = """#include <stdio.h>
#define PAD 0
#define NR NROWS
#define NC NCOLS
#define ND NDEPTH
static double A[NR][NC];
static double B[NR][NC];
static double G[NR][NC][ND];
int check(const double *a, const double *g);

static void smooth(int n, int m, double a[NR + PAD][NC + PAD], double b[NR + PAD][NC + PAD])
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = b[i][j];
}

static void relax(int n, int m, int d, double g[NR + PAD][NC + PAD][ND + PAD])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            for (int k = 0; k < d; k++)
                g[i][j][k] = 0.5 * g[i][j][k] + 1.0;
}

int main(void)
{
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < NC; j++) {
            A[i][j] = B[i][j] = (i * 7 + j * 3) % 11;
            for (int k = 0; k < ND; k++)
                G[i][j][k] = (i + 2 * j + 5 * k) % 13;
        }
    for (int t = 0; t < NSTEPS; t++) {
        smooth(NR, NC, A, B);
        relax(NR, NC, ND, G);
    }
    puts(check(&A[0][0], &G[0][0][0]) ? "BAD" : "OK");
    return 0;
}
"""
# the twin: rows of one more column than the arrays' (a row type of another size)
OTHER_ROWS = KERNEL.replace("[NC + PAD]", "[NC + 1]")
MAIN = """#include <math.h>
int check(const double *a, const double *g)
{
    static double u[NROWS][NCOLS], v[NROWS][NCOLS], w[NROWS][NCOLS][NDEPTH];
    int bad = 0;
    for (int i = 0; i < NROWS; i++)
        for (int j = 0; j < NCOLS; j++) {
            u[i][j] = v[i][j] = (i * 7 + j * 3) % 11;
            for (int k = 0; k < NDEPTH; k++)
                w[i][j][k] = (i + 2 * j + 5 * k) % 13;
        }
    for (int t = 0; t < NSTEPS; t++) {
        for (int i = 1; i < NROWS - 1; i++)
            for (int j = 0; j < NCOLS; j++)
                v[i][j] = 0.5 * (u[i - 1][j] + u[i + 1][j]);
        for (int i = 1; i < NROWS - 1; i++)
            for (int j = 0; j < NCOLS; j++)
                u[i][j] = v[i][j];
        for (int i = 0; i < NROWS; i++)
            for (int j = 0; j < NCOLS; j++)
                for (int k = 0; k < NDEPTH; k++)
                    w[i][j][k] = 0.5 * w[i][j][k] + 1.0;
    }
    for (int i = 0; i < NROWS; i++)
        for (int j = 0; j < NCOLS; j++) {
            bad += fabs(a[i * NCOLS + j] - u[i][j]) > 1e-12;
            for (int k = 0; k < NDEPTH; k++)
                bad += fabs(g[(i * NCOLS + j) * NDEPTH + k] - w[i][j][k]) > 1e-12;
        }
    return bad;
}
"""


def _sized(text: str) -> str:
    return text.replace("NROWS", str(ROWS)).replace("NCOLS", str(COLS)).replace(
        "NDEPTH", str(DEPTH)).replace("NSTEPS", str(STEPS))


def _refused(plans: dict) -> list[str]:
    notes = plans["main"].notes if "main" in plans else []
    return [n for n in notes if n.startswith("not hoisted: argument")]


def test_sizes_of_the_same_value_are_the_same_rows(engine):
    _, plans = plan_text(_sized(KERNEL), engine, program=[_sized(MAIN).encode()])
    assert plans["main"].edits and not _refused(plans), plans["main"].notes
    assert {a["name"] for a in plans["main"].arrays} == {"A", "B", "G"}, plans["main"].arrays


def test_sizes_of_another_value_are_other_rows(engine):
    _, plans = plan_text(_sized(OTHER_ROWS), engine, program=[_sized(MAIN).encode()])
    refused = _refused(plans)
    assert any("`smooth`" in n for n in refused) and any("`relax`" in n for n in refused), \
        refused


def test_the_program_verifies_and_the_region_moves_each_array_once(tmp_path):
    rows = run_verified(tmp_path, {"padded": (_sized(KERNEL), _sized(MAIN))})
    moved = rows["padded"]["offload"]["bytes_h2d"] + rows["padded"]["offload"]["bytes_d2h"]
    two, three = ROWS * COLS * 8, ROWS * COLS * DEPTH * 8
    # main's region holds the initialisation too (the calls read what it writes): A and G
    # are copied back once for the check, B (read by nothing after) stays on the device;
    # without the region each call moved its arrays in and out (243,712 bytes)
    assert moved == two + three, moved
