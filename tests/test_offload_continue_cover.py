"""A loop that writes every element of an array, a boundary branch storing it and then
``continue``-ing past the interior store, replaces the array: a region does not copy it in —
nor does a caller's region around a call whose callee does so.

The NPB SP/BT right-hand side is computed so: ``if (boundary) { rhs[j][i] = 0.0; continue; }
rhs[j][i] = ...;``.  A ``continue`` ends only the current iteration of the loop it is in (C11
6.8.6.2p2): each iteration stores ``rhs[j][i]`` on the jump's path before it and on the other
path after the ``if``, so after the nest every element holds a value it stored and the copy in
is dead (OpenACC 3.3, 2.7.8 ``create``; ``copy`` -> ``copyout``).  The planner refused any
jump in the covering nest.  And a file-scope array a callee replaces whole whenever it is
called now says so to its callers (``Summary.file_covers``), so a driver whose time loop calls
``step()`` (which calls ``compute()`` first) creates the array instead of copying it in — a
true array, named whole, covered at the top of each iteration of the time loop before any
read of it.

Twin: the boundary branch stores to every boundary element but ``i == 0``'s (``if (i > 0)``):
``rhs[j][0]`` keeps what the host holds, so the region copies ``rhs`` in; the driver's check
fails on a NaN (fresh device memory in the emulator).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#include <stdio.h>
#define N 48
#define STEPS 8
void init(double u[N][N]);
int check(double u[N][N], const double norms[STEPS]);
static double u[N][N], rhs[N][N];

static void compute(void)
{
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            if (j == 0 || j == N - 1 || i == 0 || i == N - 1) {
                EDGE
                continue;
            }
            rhs[j][i] = 0.2 * (u[j][i + 1] + u[j][i - 1] + u[j + 1][i] + u[j - 1][i]
                               - 4.0 * u[j][i]);
        }
}

static void add(void)
{
    for (int j = 1; j < N - 1; j++)
        for (int i = 1; i < N - 1; i++)
            u[j][i] += rhs[j][i];
}

static void step(void)
{
    compute();
    add();
}

static double norm(void)
{
    double s = 0.0;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
            s += rhs[j][i] * rhs[j][i];
    return s;
}

int main(void)
{
    double norms[STEPS];
    init(u);
    for (int t = 0; t < STEPS; t++) {
        step();
        double nm = norm();
        norms[t] = nm;
    }
    puts(check(u, norms) ? "OK" : "BAD");
    return 0;
}
"""
MAIN = """#include <math.h>
#define N 48
#define STEPS 8

void init(double u[N][N])
{
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
            u[j][i] = ((j * 7 + i * 3) % 17) * 0.1;
}

/* the same steps on the host; a NaN anywhere fails */
int check(double u[N][N], const double norms[STEPS])
{
    static double v[N][N], r[N][N];
    int bad = 0;
    init(v);
    for (int t = 0; t < STEPS; t++) {
        double s = 0.0;
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                r[j][i] = (j == 0 || j == N - 1 || i == 0 || i == N - 1) ? 0.0 :
                    0.2 * (v[j][i + 1] + v[j][i - 1] + v[j + 1][i] + v[j - 1][i] - 4.0 * v[j][i]);
        for (int j = 1; j < N - 1; j++)
            for (int i = 1; i < N - 1; i++)
                v[j][i] += r[j][i];
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                s += r[j][i] * r[j][i];
        bad += !(fabs(s - norms[t]) <= 1e-9 * (1.0 + s));
    }
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
            bad += !(fabs(u[j][i] - v[j][i]) <= 1e-9);
    return bad == 0;
}
"""
ALL = "rhs[j][i] = 0.0;"
HOLE = """if (i > 0)
                    rhs[j][i] = 0.0;"""


def _clauses(edge: str) -> dict[str, dict[str, str]]:
    _, plans = plan_text(KERNEL.replace("EDGE", edge), get_engine("analysis"),
                         program=[MAIN.encode()])
    return {f: {a["name"]: a["clause"] for a in p.arrays} for f, p in plans.items()}


def _moved(row: dict) -> int:
    return row["offload"]["bytes_h2d"] + row["offload"]["bytes_d2h"]


def test_a_continue_after_storing_the_element_still_replaces_the_array(tmp_path):
    got = _clauses(ALL)
    assert got["compute"]["rhs"] == "copyout", got
    assert got["main"]["rhs"] == "create", got
    hole = _clauses(HOLE)
    assert hole["compute"]["rhs"] == "copy", hole
    assert hole["main"]["rhs"] in ("copyin", "copy"), hole
    rows = run_verified(tmp_path, {"all": (KERNEL.replace("EDGE", ALL), MAIN),
                                   "hole": (KERNEL.replace("EDGE", HOLE), MAIN)})
    # u (18 KiB) in and out once; rhs never crosses; the norms' scalars
    assert _moved(rows["all"]) < 38_000, rows["all"]["offload"]["sites"]
    # the twin copies rhs in as well
    assert _moved(rows["hole"]) >= 36_864 + 18_432, rows["hole"]["offload"]["sites"]
