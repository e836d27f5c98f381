"""A pointer to rows declared through a type macro is a declaration (issue #15,
:func:`accellium.dataset.offload.shapes.type_macro_declaration`).

Single-file benchmarks name their element type by a macro and allocate a matrix as a pointer
to rows: ``DATA_TYPE (*A)[N] = malloc(sizeof(DATA_TYPE[M][N]));`` with ``#define DATA_TYPE
double``.  The preprocessor replaces ``DATA_TYPE`` before the statement is read (C11 6.10.3,
translation phase 4), so the statement declares ``A`` as ``double (*)[N]``; a parser that
does not expand reads ``DATA_TYPE (*A)`` as a call and the statement as an assignment, so
``A`` had no known shape, no call passing it joined ``main``'s region, and each call of the
kernel copied the matrices itself.  The twin: an object-like macro that names a function
(``#define SHOW show_rows``) is a call after the preprocessor, and a call of an unknown
function that passes the matrix still keeps the region away from it.

Whole programs (``main`` in the annotated file, a driver that checks), built with real gcc
and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

ROWS, COLS, STEPS = 40, 30, 4

KERNEL = """#include <stdio.h>
#include <stdlib.h>
#define DATA_TYPE double
#define NR NROWS
#define NC NCOLS
int check(const double *a);

static void relax(int n, int m, DATA_TYPE a[NR][NC], DATA_TYPE b[NR][NC])
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = b[i][j];
}

int main(void)
{
    DATA_TYPE (*a)[NC] = malloc(sizeof(DATA_TYPE[NR][NC]));
    DATA_TYPE (*b)[NC] = malloc(sizeof(DATA_TYPE[NR][NC]));
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < NC; j++)
            a[i][j] = b[i][j] = (i * 7 + j * 3) % 11;
    for (int t = 0; t < NSTEPS; t++)
        relax(NR, NC, a, b);
    puts(check(&a[0][0]) ? "BAD" : "OK");
    free(a);
    free(b);
    return 0;
}
"""
SHOWN = KERNEL.replace("#define DATA_TYPE double\n",
                       "#define DATA_TYPE double\n#define SHOW show_rows\n"
                       "void show_rows(double (*a)[NCOLS]);\n").replace(
    "        relax(NR, NC, a, b);\n", "    {\n        relax(NR, NC, a, b);\n"
    "        SHOW(a);\n    }\n")
MAIN = """#include <math.h>
#include <stdio.h>
double seen;
void show_rows(double (*a)[NCOLS])
{
    seen += a[1][1];
}

int check(const double *a)
{
    double u[NROWS][NCOLS], v[NROWS][NCOLS];
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
        for (int j = 0; j < NCOLS; j++)
            bad += fabs(a[i * NCOLS + j] - u[i][j]) > 1e-12;
    return bad;
}
"""


def _sized(text: str) -> str:
    return text.replace("NROWS", str(ROWS)).replace("NCOLS", str(COLS)).replace(
        "NSTEPS", str(STEPS))


def test_main_holds_the_region_over_the_calls(engine):
    _, plans = plan_text(_sized(KERNEL), engine, program=[_sized(MAIN).encode()])
    main = plans["main"]
    assert main.edits, main.notes
    assert not any("DATA_TYPE" in n or "argument" in n for n in main.notes), main.notes
    clauses = {a["name"]: a["clause"] for a in main.arrays}
    # the region holds the initialisation too: a is made on the device and copied out once,
    # b never leaves it
    assert clauses == {"a": "copyout", "b": "create"}, clauses


def test_an_object_like_macro_that_names_a_function_is_a_call(engine):
    _, plans = plan_text(_sized(SHOWN), engine, program=[_sized(MAIN).encode()])
    notes = plans["main"].notes if "main" in plans else []
    assert any(n.startswith("not hoisted: `SHOW`") for n in notes), notes


def test_the_programs_verify_and_the_region_moves_each_matrix_once(tmp_path):
    rows = run_verified(tmp_path, {"typed": (_sized(KERNEL), _sized(MAIN)),
                                   "shown": (_sized(SHOWN), _sized(MAIN))})
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    one = ROWS * COLS * 8
    # before: 4 calls x (a in and out, b in and out) = 16 matrices
    assert moved["typed"] == one, moved
    # the region cannot hold SHOW's call: a goes back to the host before each of them
    assert moved["shown"] >= (STEPS + 1) * one, moved
