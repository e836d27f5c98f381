"""Two-level sections of a pointer to pointers (``copyin(w[1:n][1:m])`` on ``float **w``) in
the data-environment emulator.  OpenACC 3.3 (2.6.8, 2.7.1): each row section is mapped and the
device copy of the pointer array gets the rows' device addresses (attach); a pointer whose
target section is present is translated relative to that section, even where the section
starts after what it points to (the pointer's value is biased).

Two false failures of valid pragmas: the pointer variable ``w`` was not bound to its section
when the pointer-array section starts after row 0 (the region found ``w`` pointing to host
memory), and each row pointer was attached by looking up the row's first element instead of
the section mapped from it, so with the rows in one block and the section starting after
column 0 a row's first element is one past the end of the previous row's section, and the row
was attached into the previous row's device copy (stale data).  Both clause forms: the whole
section at once, and the pointer array first, then each row by ``w[k][1:m]``.

Twin: the same loop with no data clause for ``w`` still fails.

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """float row_sums(int n, int m, float **w, float *out)
{
    float t = 0.0f;
    PRAGMA
    for (int j = 1; j <= n; j++) {
        float s = 0.0f;
        for (int k = 1; k <= m; k++)
            s += k * w[j][k];
        out[j] = s;
        t += s;
    }
    return t;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
float row_sums(int n, int m, float **w, float *out);
int main(void)
{
    int n = 50, m = 40, bad = 0;
    /* the rows in one block, one after the other: row 0 and column 0 unused */
    float *blk = malloc((n + 1) * (m + 1) * sizeof *blk);
    float **w = malloc((n + 1) * sizeof *w), *out = malloc((n + 1) * sizeof *out);
    for (int i = 0; i <= n; i++)
        w[i] = blk + i * (m + 1);
    for (int i = 0; i <= n; i++)
        for (int j = 0; j <= m; j++)
            w[i][j] = (float)((3 * i + j * j) % 7);
    float t = row_sums(n, m, w, out), rt = 0.0f;
    for (int j = 1; j <= n; j++) {
        float s = 0.0f;
        for (int k = 1; k <= m; k++)
            s += k * w[j][k];
        bad += s != out[j];
        rt += s;
    }
    puts(bad || rt != t ? "BAD" : "OK");
    return 0;
}
"""
PROGRAMS = {
    # the rows from row 1, each from column 1
    "rows_and_columns_offset": "copyin(w[1:n][1:m]) copyout(out[1:n])",
    # every row, each from column 1
    "columns_offset": "copyin(w[0:n+1][1:m]) copyout(out[1:n])",
    # the rows from row 1, whole
    "rows_offset": "copyin(w[1:n][0:m+1]) copyout(out[1:n])",
}


# the same sections row by row: the pointer array, then each row attached to it
PER_ROW = KERNEL.replace("    PRAGMA\n", """    #pragma acc enter data copyin(w[0:n+1])
    for (int k = 0; k <= n; k++) {
        #pragma acc enter data copyin(w[k][1:m])
    }
    #pragma acc parallel loop reduction(+:t) present(w[0:n+1]) copyout(out[1:n])
""").replace("    return t;\n", """    for (int k = 0; k <= n; k++) {
        #pragma acc exit data delete(w[k][1:m])
    }
    #pragma acc exit data delete(w[0:n+1])
    return t;
""")


def test_two_level_sections_after_the_first_row_and_column(tmp_path):
    progs = {k: (KERNEL.replace("PRAGMA", f"#pragma acc parallel loop reduction(+:t) {c}"),
                 MAIN) for k, c in PROGRAMS.items()}
    progs["per_row"] = (PER_ROW, MAIN)
    progs["unmapped"] = (KERNEL.replace(
        "PRAGMA", "#pragma acc parallel loop reduction(+:t) copyout(out[1:n])"), MAIN)
    manifest = write_suite(tmp_path, progs)
    res = evaluate_dynamic(manifest, None, threads=2, runs=1, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    bad = {k: got[k]["reason"] for k in [*PROGRAMS, "per_row"] if got[k]["status"] != "verified"}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())
    assert got["unmapped"]["status"] != "verified", got["unmapped"]
