"""Fresh device memory holds garbage on a GPU (OpenACC 3.3, 2.7.7-2.7.8: `create` and
`copyout` allocate without copying in); the data-environment emulator fills it with a byte
pattern.  With 0xff alone (NaN for floating types) a wrong `copyout` of an array the kernel
reads and updates (`y[i] += ...`) brought NaN back, and a self-check written
`bad += fabs(y - ref) > tol` — false for NaN — printed OK: the wrong pragma passed.  The second of the three runs now fills
fresh device memory with 0x41 (a finite double, 2261634.5), so the same check sees wrong
finite values and the variant fails as `data` (the unified-memory diagnosis run passes).

Twin: the correct `copy` verifies in all three runs.  Whole programs, built with real gcc and
run in the emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void accumulate(int n, const double *x, double *y)
{
    PRAGMA
    for (int i = 0; i < n; i++)
        y[i] += 2.0 * x[i];
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void accumulate(int n, const double *x, double *y);
int main(void)
{
    int n = 1000, bad = 0;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (int i = 0; i < n; i++) { x[i] = i % 13; y[i] = 1.0 + i % 7; }
    accumulate(n, x, y);
    for (int i = 0; i < n; i++)
        bad += fabs(y[i] - (1.0 + i % 7 + 2.0 * (i % 13))) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_wrong_copyout_fails_even_where_the_check_lets_nan_through(tmp_path):
    wrong = "#pragma acc parallel loop copyin(x[0:n]) copyout(y[0:n])"
    right = "#pragma acc parallel loop copyin(x[0:n]) copy(y[0:n])"
    man = write_suite(tmp_path, {"wrong": (KERNEL.replace("PRAGMA", wrong), MAIN),
                                 "right": (KERNEL.replace("PRAGMA", right), MAIN)})
    res = evaluate_dynamic(man, "analysis", runs=3, with_mutations=False,
                           work_dir=tmp_path / "w")
    rows = {r["name"]: r for r in res["programs"]}
    assert rows["right"]["original"]["status"] == "verified"
    assert rows["right"]["original"]["runs_ok"] == 3
    bad = rows["wrong"]["original"]
    assert bad["status"] == "data", bad["reason"]
    # the NaN run alone let it through: the finite pattern's run is the one that fails
    assert bad["runs_ok"] < 3
