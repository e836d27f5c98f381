"""The emulator: a lane loop reads the index of the gang loop around it.

With the indices declared at function scope (``int i, j;`` before the loops), a ``loop
vector`` nested in a ``parallel loop gang`` reads ``i``.  A loop's index is private to the
iteration of that loop's partitioning, and the inner loop's lanes run within one iteration of
the enclosing gang loop, so they see that iteration's value of ``i`` (OpenACC 3.3, 2.9).  The
emulator gave each lane a fresh, uninitialised copy of every index declared outside the
region, the enclosing ``i`` included: a correct program computed garbage.  Only the indices of
the loops the lanes run (the lane loop's own and those nested in it) get fresh copies now.

Twins: the lanes adding into the same ``y[i]`` without a ``reduction`` is still a race, and a
plain loop nested in the lane loop, its index declared at function scope too, still gets one
copy per lane (it verifies; shared by the lanes it would not).

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void mv(int n, int m, double A[][24], double x[], double y[])
{
    int i, j, k;
    double s;
    #pragma acc parallel loop gang copyin(A[0:n][0:24], x[0:m]) copy(y[0:n])
    for (i = 0; i < n; i++) {
        BODY
    }
}
"""
BODIES = {
    "vector_reduction": """s = 0.0;
        #pragma acc loop vector reduction(+:s)
        for (j = 0; j < m; j++)
            s += A[i][j] * x[j];
        y[i] += s;""",
    "vector_nested_plain_loop": """#pragma acc loop vector
        for (j = 0; j < m; j++) {
            double t = 0.0;
            for (k = 0; k <= j % 3; k++)
                t += A[i][j];
            A[i][j] = t / (j % 3 + 1);
        }
        s = 0.0;
        #pragma acc loop vector reduction(+:s)
        for (j = 0; j < m; j++)
            s += A[i][j] * x[j];
        y[i] += s;""",
    "vector_shared_sum": """#pragma acc loop vector
        for (j = 0; j < m; j++)
            y[i] += A[i][j] * x[j];""",
}
MAIN = """#include <stdio.h>
void mv(int n, int m, double A[][24], double x[], double y[]);
int main(void)
{
    static double A[20][24], x[24], y[20];
    int bad = 0;
    for (int i = 0; i < 20; i++) {
        y[i] = i;
        for (int j = 0; j < 24; j++)
            A[i][j] = (i * 24 + j) % 7;
    }
    for (int j = 0; j < 24; j++)
        x[j] = j % 5;
    mv(20, 24, A, x, y);
    for (int i = 0; i < 20; i++) {
        double s = i;
        for (int j = 0; j < 24; j++)
            s += ((i * 24 + j) % 7) * (double)(j % 5);
        bad += y[i] != s;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_lanes_read_the_enclosing_gang_index(tmp_path):
    manifest = write_suite(tmp_path, {k: (KERNEL.replace("BODY", b), MAIN)
                                      for k, b in BODIES.items()})
    res = evaluate_dynamic(manifest, None, runs=2, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    for name in ("vector_reduction", "vector_nested_plain_loop"):
        assert got[name]["status"] == "verified", (name, got[name]["reason"])
    # the twin: every lane adding into the same element without a reduction is a race
    assert got["vector_shared_sum"]["status"] == "race", got["vector_shared_sum"]
