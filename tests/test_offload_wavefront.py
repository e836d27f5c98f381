"""A table filled by anti-diagonals needs no copy in (issue #15): two device loops write the
borders (column 0, row 0), then each step of a host loop over the diagonals offloads the cells
of one diagonal, each reading three neighbours of earlier diagonals — so every element the
fill reads was written before in the region, and the borders and the fill write the whole
table: the region copies it out only.  Twins where the rule must not apply: the row border
starts at column 2 (cell (0, 1), read by the first cell, keeps the host's value) or the column
border at row 1 (the corner (0, 0), read diagonally by the first cell): the table is copied in.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import region_line, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, M = 40, 33

BODY = """    int w = m + 1;
    for (int i = COL0; i <= n; i++)
        score[i * w] = -gap * i;
    for (int j = ROW0; j <= m; j++)
        score[j] = -gap * j;
    for (int d = 2; d <= n + m; d++) {
        int lo = d - m > 1 ? d - m : 1, hi = d - 1 < n ? d - 1 : n;
        for (int i = lo; i <= hi; i++) {
            int j = d - i;
            int diag = score[(i - 1) * w + j - 1] + (a[i - 1] == b[j - 1] ? 2 : -1);
            int up = score[(i - 1) * w + j] - gap, left = score[i * w + j - 1] - gap;
            int best = diag > up ? diag : up;
            score[i * w + j] = best > left ? best : left;
        }
    }
"""
KERNEL = """
void align(int n, int m, const int *restrict a, const int *restrict b, int gap,
           int *restrict score)
{
BODY}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void align(int n, int m, const int *restrict a, const int *restrict b, int gap,
           int *restrict score);
int main(void)
{
    int n = NSIZE, m = MSIZE, gap = 2, bad = 0, cells = (n + 1) * (m + 1);
    int *a = malloc(n * sizeof *a), *b = malloc(m * sizeof *b);
    int *score = malloc(cells * sizeof *score), *ref = malloc(cells * sizeof *ref);
    for (int i = 0; i < n; i++) a[i] = (i * 7) % 4;
    for (int j = 0; j < m; j++) b[j] = (j * 5) % 4;
    for (int k = 0; k < cells; k++) score[k] = ref[k] = 3;
    align(n, m, a, b, gap, score);
    {
REF    }
    for (int k = 0; k < cells; k++) bad += score[k] != ref[k];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _variant(col0: str = "0", row0: str = "1") -> tuple[str, str]:
    body = BODY.replace("COL0", col0).replace("ROW0", row0)
    main = MAIN.replace("REF", body.replace("score", "ref"))
    return KERNEL.replace("BODY", body), main.replace("NSIZE", str(N)).replace("MSIZE", str(M))


VARIANTS = {"filled": _variant(), "row_gap": _variant(row0="2"),
            "corner_gap": _variant(col0="1")}


def test_a_table_filled_by_diagonals_after_its_borders_is_only_copied_out(engine):
    assert region_line(*VARIANTS["filled"], engine) == \
        "#pragma acc data copyin(a[0:n], b[0:m]) copyout(score[0:m*n+m+n+1])"


@pytest.mark.parametrize("name", ["row_gap", "corner_gap"])
def test_a_cell_no_border_writes_keeps_the_copy_in(name, engine):
    assert "copy(score[0:m*n+m+n+1])" in region_line(*VARIANTS[name], engine)


def test_the_programs_verify_in_the_emulator(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, VARIANTS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    table = (N + 1) * (M + 1) * 4
    assert moved["filled"] == (N + M) * 4 + table, moved  # a, b in; the table out only
    assert moved["row_gap"] == moved["corner_gap"] == moved["filled"] + table, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
