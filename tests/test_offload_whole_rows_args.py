"""Rows passed as themselves that a call writes whole are not copied in for it (issue #15,
:func:`accellium.dataset.offload.callsites._whole_rows`).

A kernel declares its scratch matrix with the program's sizes, ``double s[NR][NC]``, and
writes ``s[i][j]`` for ``j < m``: its own section spans the declared row (``s[0:n][0:NC]``)
and is written whole only when ``m`` is ``NC``, which only the call knows.  The caller that
passes its pointer to rows ``double (*s)[NC]`` with ``m = NC`` knows every element of the rows
the call writes is written before it is read (C11 6.5.2.1: ``s[i][j]`` is the caller's
``s[i][j]``), so its region need not copy ``s`` in.  Before, that check was made only for
``*A`` passed to a one-object parameter.  The twin: the same call with ``m = NC - 2`` leaves
two columns as they were, so ``s`` is copied in as before.  (``s`` comes from ``calloc``: its
zeros are values a program may read, C11 7.22.3.2p2 — memory from ``malloc`` that nothing
wrote before the region would be created in both, :mod:`.unwritten`.)

Whole programs (``main`` in the annotated file, a driver that checks), built with real gcc
and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

ROWS, COLS, STEPS = 40, 30, 3

KERNEL = """#include <stdio.h>
#include <stdlib.h>
#define NR NROWS
#define NC NCOLS
int check(const double *b, int m);

static void smooth(int n, int m, double a[NR][NC], double s[NR][NC], double b[NR][NC])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            s[i][j] = 2.0 * a[i][j];
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (s[i - 1][j] + s[i + 1][j]);
}

int main(void)
{
    int m = MCOLS;
    double (*a)[NC] = malloc(sizeof(double[NR][NC]));
    double (*s)[NC] = calloc(NR, sizeof(double[NC]));
    double (*b)[NC] = malloc(sizeof(double[NR][NC]));
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < NC; j++)
            a[i][j] = (i * 7 + j * 3) % 11;
    for (int t = 0; t < NSTEPS; t++)
        smooth(NR, m, a, s, b);
    puts(check(&b[0][0], m) ? "BAD" : "OK");
    free(a);
    free(s);
    free(b);
    return 0;
}
"""
MAIN = """#include <math.h>
int check(const double *b, int m)
{
    int bad = 0;
    for (int i = 1; i < NROWS - 1; i++)
        for (int j = 0; j < m; j++) {
            double r = ((i - 1) * 7 + j * 3) % 11 + ((i + 1) * 7 + j * 3) % 11;
            bad += fabs(b[i * NCOLS + j] - r) > 1e-12;
        }
    return bad;
}
"""


def _sized(text: str, m: int) -> str:
    return text.replace("NROWS", str(ROWS)).replace("NCOLS", str(COLS)).replace(
        "NSTEPS", str(STEPS)).replace("MCOLS", str(m))


def _clauses(m: int, engine) -> dict[str, str]:
    _, plans = plan_text(_sized(KERNEL, m), engine, program=[_sized(MAIN, m).encode()])
    return {a["name"]: a["clause"] for a in plans["main"].arrays}


def test_a_scratch_written_whole_at_the_call_is_not_copied_in(engine):
    got = _clauses(COLS, engine)
    assert got["s"] == "create", got


def test_rows_written_in_part_are_copied_in(engine):
    got = _clauses(COLS - 2, engine)
    assert got["s"] in ("copy", "copyin"), got


def test_the_programs_verify_and_the_scratch_moves_less(tmp_path):
    rows = run_verified(tmp_path, {"whole": (_sized(KERNEL, COLS), _sized(MAIN, COLS)),
                                   "part": (_sized(KERNEL, COLS - 2), _sized(MAIN, COLS - 2))})
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    assert moved["whole"] < moved["part"], moved
