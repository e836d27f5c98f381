"""A single pass stays on the device when no region could hold the other work without it.

The planner leaves a single pass on the host when that moves less (:mod:`accellium.dataset.
offload.single_pass`), comparing the function's transfers with the region chosen again without
it.  On a public benchmark's Laplace solver — ``main`` sets the grids' boundary in one pass,
then iterates a Jacobi sweep in a ``while`` loop that a performance-model pragma precedes, then
a reference sweep and a check — the region without the first pass could not be placed (its
data directive would fall between the ``while`` and the pragma that belongs to it), "again"
gave no region at all, and its cost (nothing moved) won: the whole solver stayed on the host.
A single pass now stays on the device when no region without it would hold the region's other
work (``plan._host_single_passes``).

This program has that shape (``#pragma GCC ivdep`` before the ``while``); the benchmark's
trigger also needed host code between the loops that pulls every array the pass writes, which
its authors' block structure made, so the test guards the outcome — the pass, both sweeps and
the check on the device, verified — with and without the pragma.  Whole programs, built with
real gcc and run in the emulator."""

from __future__ import annotations

from _offload_util import run_verified

KERNEL = """#include <math.h>
#include <string.h>
#define N 32
static double A[N][N], B[N][N], R[N][N], S[N][N];
void report(double gpu, double cpu, int iters);

int main(void)
{
    int i, j, it = 0;
    double err = 1.0;
    memset(A, 0, sizeof A);
    memset(B, 0, sizeof B);
    memset(R, 0, sizeof R);
    memset(S, 0, sizeof S);
    for (j = 0; j < N; j++) {
        A[j][0] = 1.0;
        B[j][0] = 1.0;
        R[j][0] = 1.0;
        S[j][0] = 1.0;
    }
#pragma GCC ivdep
    while (err > 1e-4 && it < 200) {
        err = 0.0;
        {
            double lerror = 0.0;
            for (j = 1; j < N - 1; j++) {
                for (i = 1; i < N - 1; i++) {
                    B[j][i] = 0.25 * (A[j][i + 1] + A[j][i - 1] + A[j - 1][i] + A[j + 1][i]);
                    lerror = fmax(lerror, fabs(B[j][i] - A[j][i]));
                }
                err = fmax(err, lerror);
            }
        }
        for (j = 1; j < N - 1; j++)
            for (i = 1; i < N - 1; i++)
                A[j][i] = B[j][i];
        it++;
    }
    {
        err = 1.0;
        int k = 0;
        while (err > 1e-4 && k < 200) {
            err = 0.0;
            for (j = 1; j < N - 1; j++)
                for (i = 1; i < N - 1; i++) {
                    S[j][i] = 0.25 * (R[j][i + 1] + R[j][i - 1] + R[j - 1][i] + R[j + 1][i]);
                    err = fmax(err, fabs(S[j][i] - R[j][i]));
                }
            for (j = 1; j < N - 1; j++)
                for (i = 1; i < N - 1; i++)
                    R[j][i] = S[j][i];
            k++;
        }
        double gpu = 0.0, cpu = 0.0;
        for (i = 1; i < N - 1; i++) {
            gpu += A[i][i] * A[i][i];
            cpu += R[i][i] * R[i][i];
        }
        report(gpu, cpu, it);
    }
    return 0;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
void report(double gpu, double cpu, int iters)
{
    puts(fabs(gpu - cpu) < 1e-9 && fabs(gpu - 1.8373149272) < 1e-8 && iters == 200 ?
         "OK" : "BAD");
}
"""


def test_a_single_pass_stays_when_no_region_holds_the_rest(tmp_path):
    rows = run_verified(tmp_path, {"pragma": (KERNEL, MAIN),
                                   "plain": (KERNEL.replace("#pragma GCC ivdep\n", ""), MAIN)},
                        variants=("serial", "offload"))
    plans = {name: {p["function"]: p for p in r["offload"]["plans"]}["main"]
             for name, r in rows.items()}
    # the boundary pass, the sweep's inner loops, the reference sweep's nests and the check
    # (one line up without the pragma)
    on_device = {15, 27, 34, 44, 49, 55}
    assert set(plans["pragma"]["loops"]) == on_device, plans["pragma"]["notes"]
    assert set(plans["plain"]["loops"]) == {n if n < 22 else n - 1 for n in on_device}, \
        plans["plain"]["notes"]
