"""The emulator: the indices of the loops a directive applies to, named in its ``private``.

``#pragma acc parallel loop private(i, j) collapse(2)`` is valid OpenACC and gcc builds it: the
indices of the associated loops are private already and hold each iteration's value (OpenACC
3.3 2.6.1), so naming them adds nothing.  The emulator gave each lane a fresh, uninitialised
copy of ``i`` and ``j`` instead, so every iteration wrote at an undefined index: a correct
pragma was reported as a race (or the program crashed).  It now leaves the indices as the
loop sets them.

Twins: a scalar that is not an index keeps its checks -- shared and written by every
iteration it is a race, named in ``private`` it verifies.

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void fill(int n, double a[][16], double b[][16])
{
    int i, j;
    double t;
    PRAGMA
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            t = (double)(i + 1) * (j + 1);
            a[i][j] = t;
            b[i][j] = (double)(i - j) / n;
        }
}
"""
MAIN = """#include <stdio.h>
void fill(int n, double a[][16], double b[][16]);
int main(void)
{
    static double a[16][16], b[16][16];
    int bad = 0;
    fill(16, a, b);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            bad += a[i][j] != (double)(i + 1) * (j + 1) || b[i][j] != (double)(i - j) / 16;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
DATA = "copyout(a[0:n][0:16], b[0:n][0:16])"
PRAGMAS = {
    "indices": f"#pragma acc parallel loop private(i, j, t) collapse(2) {DATA}",
    "index_only": f"#pragma acc parallel loop private(i, t) {DATA}",
    "shared_scalar": f"#pragma acc parallel loop collapse(2) {DATA}",
    "private_scalar": f"#pragma acc parallel loop private(t) collapse(2) {DATA}",
}


def test_indices_named_in_private_keep_their_values(tmp_path):
    manifest = write_suite(tmp_path, {k: (KERNEL.replace("PRAGMA", p), MAIN)
                                      for k, p in PRAGMAS.items()})
    res = evaluate_dynamic(manifest, None, runs=2, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    for name in ("indices", "index_only", "private_scalar"):
        assert got[name]["status"] == "verified", (name, got[name]["reason"])
    # the twin: `t` shared by the lanes and written by every iteration is still a race
    assert got["shared_scalar"]["status"] == "race", got["shared_scalar"]
    assert "'t' is shared by the lanes" in got["shared_scalar"]["reason"]
