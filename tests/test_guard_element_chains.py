"""A loop that reaches memory through a pointer member of an array's elements
(``rows[r].val[k]``, ``m->rows[r].val[k]``) gets no compute construct of its own, even when
the pragma copies the array of elements: the copy holds the host addresses the members
hold (OpenACC 3.3, 2.6.2: nothing attaches them), so the kernel writes through a host
pointer.  Before, a copy of the first object (``copy(rows[0:n])``) counted as mapping the
chain (``server/safety_data.py``, ``complete_data``).

A whole program built with real gcc and run in the data-environment emulator with the
per-loop suggestions and the plan applied verifies, and the loops over the chains get no
parallel pragma (the emulator does not model the host addresses inside copied elements, so
the pragmas are what fails before); a one-level member through a pointer (``v->x[i]``, the
object mapped first) keeps its pragma."""

from __future__ import annotations

from pathlib import Path

from _offload_util import marked_lines, run_verified

KERNEL = """typedef struct { double *val; int len; } row_t;
typedef struct { int nrows; row_t *rows; } mat_t;
typedef struct { int n; double *x; } vec_t;

void rows_scale(int n, row_t *rows, double a)
{
    for (int r = 0; r < n; r++) /* rows */
        for (int k = 0; k < rows[r].len; k++) /* row */
            rows[r].val[k] *= a;
}

void mat_scale(mat_t *m, double a)
{
    for (int r = 0; r < m->nrows; r++) /* mat */
        for (int k = 0; k < m->rows[r].len; k++)
            m->rows[r].val[k] *= a;
}

void vec_scale(vec_t *v, double a)
{
    for (int i = 0; i < v->n; i++) /* vec */
        v->x[i] *= a;
}
"""

MAIN = """#include <stdio.h>
#include <stdlib.h>
typedef struct { double *val; int len; } row_t;
typedef struct { int nrows; row_t *rows; } mat_t;
typedef struct { int n; double *x; } vec_t;
void rows_scale(int n, row_t *rows, double a);
void mat_scale(mat_t *m, double a);
void vec_scale(vec_t *v, double a);
int main(void)
{
    int n = 40, bad = 0;
    row_t *rows = malloc(n * sizeof *rows);
    for (int r = 0; r < n; r++) {
        rows[r].len = 1 + r % 9;
        rows[r].val = malloc(rows[r].len * sizeof(double));
        for (int k = 0; k < rows[r].len; k++) rows[r].val[k] = r + k;
    }
    mat_t m = { n, rows };
    vec_t v = { n, malloc(n * sizeof(double)) };
    for (int i = 0; i < n; i++) v.x[i] = i;
    rows_scale(n, rows, 2.0);
    mat_scale(&m, 0.5);
    vec_scale(&v, 3.0);
    for (int r = 0; r < n; r++)
        for (int k = 0; k < rows[r].len; k++) bad += rows[r].val[k] != r + k;
    for (int i = 0; i < n; i++) bad += v.x[i] != 3.0 * i;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_element_pointer_chains_stay_on_the_host(tmp_path: Path):
    rows = run_verified(tmp_path, {"chains": (KERNEL, MAIN)})
    per_loop = {p["line"]: p for p in rows["chains"]["engine"]["pragmas"]}
    marks = marked_lines(KERNEL)
    for mark in ("rows", "row", "mat"):
        assert marks[mark] not in per_loop or not per_loop[marks[mark]]["parallel"], per_loop
    assert per_loop[marks["vec"]]["parallel"], per_loop
    assert "v[0:1]" in per_loop[marks["vec"]]["pragma"], per_loop
