"""Pointers to rows exchanged between sweeps: one data region holds both buffers.

A stencil code allocates its two grids as pointers to rows (``double (*a)[W] = malloc(...)``),
points ``cur``/``nxt`` at them before the time loop (``cur = a; nxt = b;``, statements of the
region) and swaps them after each sweep through a ``tmp`` declared with them.  The planner's
swap groups (:mod:`accellium.dataset.offload.swap`) followed only ``T *p`` pointers, members
initialised in their declarations, and members through which the loops reach one section; so
the time loop had no region and each sweep moved both grids (found on a public benchmark's
Jacobi solver: plan 31.8 MB against the per-loop answers' 37.6 MB; now 4.8 MB).  Three facts of
C: a pointer to arrays ``T (*p)[M]`` is one pointer (C11 6.7.6.1); a member whose first use in
the region is a plain copy ``m = x;`` that runs whenever the region's code does holds no buffer
of its own (6.8.2p3: the block's statements run in order); and when the members reach
different sections (the sweep writes the interior through ``out``, reads the whole grid through
``in``), the smallest section covering them all fits every buffer when all are allocations of
one count and the loops reach that section through one of them by name (6.5.6p8).

Twin ``uneven``: ``a`` is allocated with one row more than ``b`` — the buffers' extents differ,
the group has no common section and the time loop gets no region, as before.  Whole programs,
built with real gcc and run in the emulator."""

from __future__ import annotations

from _offload_util import run_verified

KERNEL = """#include <stdlib.h>
#define N 30
#define W (N + 2)

static void sweep(double (*out)[W], double (*in)[W])
{
    for (int i = 1; i <= N; i++)
        for (int j = 1; j <= N; j++)
            out[i][j] = 0.25 * (in[i - 1][j] + in[i + 1][j] + in[i][j - 1] + in[i][j + 1]);
}

double solve(int steps)
{
    double (*a)[W] = (double (*)[W])malloc(sizeof(double) * W * COUNT_A);
    double (*b)[W] = (double (*)[W])malloc(sizeof(double) * W * W);
    double (*cur)[W] = NULL;
    double (*nxt)[W] = NULL;
    double (*tmp)[W] = NULL;
    for (int i = 0; i < N + 2; i++)
        for (int j = 0; j < N + 2; j++) {
            a[i][j] = 0.0;
            b[i][j] = (i == 0 || j == 0) ? 1.0 : 0.0;
        }
    cur = a;
    nxt = b;
    for (int k = 0; k < steps; k++) {
        sweep(cur, nxt);
        tmp = cur;
        cur = nxt;
        nxt = tmp;
    }
    double s = nxt[N / 2][N / 2] + cur[1][1];
    free(a);
    free(b);
    return s;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
double solve(int steps);
int main(void)
{
    puts(fabs(solve(7) - 0.1962890625) < 1e-12 ? "OK" : "BAD");
    return 0;
}
"""


def test_swapped_row_pointers_share_one_region(tmp_path):
    rows = run_verified(tmp_path, {"even": (KERNEL.replace("COUNT_A", "W"), MAIN),
                                   "uneven": (KERNEL.replace("COUNT_A", "(W + 1)"), MAIN)},
                        variants=("serial", "offload"))
    plans = {name: {p["function"]: p for p in r["offload"]["plans"]}["solve"]
             for name, r in rows.items()}
    even = plans["even"]
    assert any("swap between these buffers" in a["from"] for a in even["arrays"]), even
    assert even["calls"], even["notes"]
    assert not plans["uneven"]["calls"], plans["uneven"]["notes"]
    # one region: each grid once in and out at most, against a sweep's copies per step
    grid = 32 * 32 * 8
    assert rows["even"]["offload"]["bytes_h2d"] <= 2 * grid, rows["even"]["offload"]
    assert rows["uneven"]["offload"]["bytes_h2d"] > 2 * grid, rows["uneven"]["offload"]
