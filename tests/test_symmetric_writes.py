"""Two accesses whose dimensions each fix one side's iteration meet in at most one pair of
iterations: in the loop over ``j``, ``cov[i][j]`` and ``cov[j][i]`` meet only where the
write's ``j`` is ``i`` (its second dimension against the read's ``i``) and the read's ``j`` is
``i`` too (its first dimension), so within one iteration — the loop that fills a symmetric
matrix's row and column is independent.  ``a[i][j]`` against ``a[j][i + 1]`` meets between
iterations ``i + 1`` and ``i``: carried.  The test read each dimension alone and called both
"not proved apart".  Proven on whole programs in the data-environment emulator (gcc
-fopenacc): the symmetric fill verifies per loop and planned, the plan offloading the loop over
``j`` (per loop, the rows ``i..i`` and ``0..m-1`` of one launch order only with the enclosing
``i``'s range, so that loop alone gets no section and stays on the host); a parallel pragma on
the shifted twin fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import run_verified, write_suite

from accellium.dataset.analysis import analyze
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic


@pytest.mark.parametrize(("body", "safe"), [
    ("cov[i][j] = s[j]; cov[j][i] = cov[i][j];", True),
    ("a[i][j] = a[j][i];", True),
    ("a[j][j] = a[j][i];", True),  # the first dimension pins the distance to 0
    ("a[i][j] = a[j][i + 1];", False),  # meets between iterations i + 1 and i
    ("a[i][j] = a[j + 1][i];", False),
    ("a[i][j] = a[2 * j][i];", False),  # j = i / 2 only for even i: not a whole-number form
    ("a[i][j] = a[j][n];", False),  # iterations n and i: a symbolic distance
])
def test_dimensions_that_fix_each_side_meet_in_one_pair_of_iterations(body: str, safe: bool):
    facts = analyze(f"for (j = 0; j < m; j++) {{ {body} }}")
    assert facts.safe is safe, facts.carried


KERNEL = """void sym(int m, int n, double x[n][m], double cov[m][m])
{
    for (int i = 0; i < m; i++) {
        for (int j = i; j < m; j++) {
            double s = 0.0;
            for (int k = 0; k < n; k++)
                s += x[k][i] * x[k][j];
            cov[i][j] = s;
            cov[j][i] = s;
        }
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void sym(int m, int n, double x[n][m], double cov[m][m]);
int main(void)
{
    int m = 90, n = 70, bad = 0;
    double *x = malloc(n * m * sizeof *x), *cov = malloc(m * m * sizeof *cov);
    for (int k = 0; k < n * m; k++) x[k] = (double)(k % 17) / 17.0 - 0.4;
    sym(m, n, (double (*)[m])x, (double (*)[m])cov);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double s = 0.0;
            for (int k = 0; k < n; k++) s += x[k * m + i] * x[k * m + j];
            bad += fabs(s - cov[i * m + j]) > 1e-9;
        }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the shifted twin: row i takes column i + 1 of the rows filled before (a carried read)
SHIFTED = """void sym(int m, int n, const double *restrict x, double cov[m][m])
{
    for (int i = 0; i < m - 1; i++) {
        for (int j = 0; j < m - 1; j++)
            cov[i][j] = cov[j][i + 1] + x[j];
    }
}
"""
SHIFTED_MAIN = """#include <stdio.h>
#include <stdlib.h>
void sym(int m, int n, const double *restrict x, double cov[m][m]);
int main(void)
{
    int m = 300, bad = 0;
    double *x = malloc(m * sizeof *x), *cov = malloc(m * m * sizeof *cov);
    double *ref = malloc(m * m * sizeof *ref);
    for (int k = 0; k < m; k++) x[k] = k % 7;
    for (int k = 0; k < m * m; k++) cov[k] = ref[k] = k % 5;
    sym(m, 0, x, (double (*)[m])cov);
    for (int i = 0; i < m - 1; i++)
        for (int j = 0; j < m - 1; j++)
            ref[i * m + j] = ref[j * m + i + 1] + x[j];
    for (int k = 0; k < m * m; k++) bad += cov[k] != ref[k];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_the_symmetric_fill_verifies_per_loop_and_planned(tmp_path: Path):
    rows = run_verified(tmp_path, {"sym": (KERNEL, MAIN)})
    plans = rows["sym"]["offload"]["plans"]
    assert [4] in [p["loops"] for p in plans], plans  # the row-and-column loop over j


def test_a_parallel_pragma_on_the_shifted_twin_fails(tmp_path: Path):
    at = SHIFTED.index("        for (int j")
    racy = SHIFTED[:at] + "        #pragma acc parallel loop copy(cov[0:m][0:m]) copyin(x[0:m])\n" \
        + SHIFTED[at:]
    assert not analyze(SHIFTED[at:]).safe
    res = evaluate_dynamic(write_suite(tmp_path, {"shifted": (racy, SHIFTED_MAIN)}), None,
                           runs=1, with_mutations=False)
    row = res["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]
    assert row["original"]["status"] != "verified", row["original"]
