"""A host read of part of an array the host already brought from the device needs no second
``update self``.

``run`` makes two grids on the device (``b`` for the device solve, ``c`` for a host
reference solve), solves ``b`` there, then solves ``c`` on the host — its first host loop
pulls the rows and columns its stencil reads, and writes the interior — and at last reads the
diagonals of both.  The device has not written ``c`` since that pull, so the host copy of the
interior holds what the device wrote and the host's own writes after it: pulling the diagonal
again would bring the device's older values over the host's writes, and needs the host's
writes pushed first (before this rule: ``update device`` of the interior after the reference
solve, then ``update self`` of the diagonal rows).  Now both are gone.  The ``break`` in the
reference solve's loop no longer makes every pull of the region "may be skipped": a
``break`` whose loop is inside one host statement leaves that statement only (C11
6.8.6.3), so every other statement runs.

Twin ``again``: a device loop halves ``c`` between the reference solve and the check, so the
check must see the device's values — the interior is pushed before that loop and the
diagonal pulled after it.  Whole programs, built with real gcc and run in the emulator;
``main`` compares the result with the same steps run serially."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 32, 4
KERNEL = f"""#include <stdio.h>
#include <stdlib.h>
#define N {N}
double run(double (*a)[N], double (*b)[N], int steps)
{{
    double (*c)[N] = malloc(sizeof(double[N][N]));
    double (*d)[N] = malloc(sizeof(double[N][N]));
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {{
            b[i][j] = 0.0;
            c[i][j] = 0.0;
        }}
    for (int j = 0; j < N; j++) {{
        b[j][0] = 1.0;
        b[j][N - 1] = 1.0;
        c[j][0] = 1.0;
        c[j][N - 1] = 1.0;
    }}
    for (int t = 0; t < steps; t++) {{
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                a[i][j] = 0.25 * (b[i - 1][j] + b[i + 1][j] + b[i][j - 1] + b[i][j + 1]);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                b[i][j] = a[i][j];
    }}
    for (int t = 0; t < steps; t++) {{
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++) {{
                d[i][j] = 0.25 * (c[i - 1][j] + c[i + 1][j] + c[i][j - 1] + c[i][j + 1]);
                if (d[i][j] < 0.0) {{
                    fprintf(stderr, "negative at %d %d\\n", i, j);
                    break;
                }}
            }}
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++) {{
                c[i][j] = d[i][j];
                if (c[i][j] > 2.0)
                    fprintf(stderr, "too large at %d %d\\n", i, j);
            }}
    }}
AGAIN
    double g = 0.0, r = 0.0;
    for (int i = 1; i < N - 1; i++) {{
        g += b[i][i] * b[i][i];
        r += c[i][i] * c[i][i];
        if (r < 0.0)
            fprintf(stderr, "negative sum at %d\\n", i);
    }}
    double e = 0.0;
    for (int i = 0; i < N; i++)
        e += b[i][0] + b[i][N - 1];
    free(c);
    free(d);
    return g + 3.0 * r + e;
}}
"""
HALVE = """    for (int t = 0; t < steps; t++)
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                c[i][j] = 0.5 * c[i][j];
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#define N {N}
double run(double (*a)[N], double (*b)[N], int steps);
static double a[N][N], b[N][N], ra[N][N], rb[N][N], rc[N][N], rd[N][N];
int main(void)
{{
    double s = run(a, b, {STEPS});
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            rb[i][j] = rc[i][j] = (j == 0 || j == N - 1) ? 1.0 : 0.0;
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                ra[i][j] = 0.25 * (rb[i - 1][j] + rb[i + 1][j] + rb[i][j - 1] + rb[i][j + 1]);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                rb[i][j] = ra[i][j];
    }}
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                rd[i][j] = 0.25 * (rc[i - 1][j] + rc[i + 1][j] + rc[i][j - 1] + rc[i][j + 1]);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                rc[i][j] = rd[i][j] * SCALE;
    }}
    double g = 0.0, r = 0.0;
    for (int i = 1; i < N - 1; i++) {{
        g += rb[i][i] * rb[i][i];
        r += rc[i][i] * rc[i][i];
    }}
    double e = 2.0 * N;
    int ok = fabs(s - (g + 3.0 * r + e)) <= 1e-9 * fabs(g + 3.0 * r + e);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            ok = ok && fabs(b[i][j] - rb[i][j]) < 1e-12;
    puts(ok ? "OK" : "BAD");
    return 0;
}}
"""


def test_a_part_the_host_pulled_is_not_pulled_again(tmp_path):
    # the halving in the twin only on the last step's values: the reference scales the last
    # step's copy (SCALE) so both sides compute the same
    main_once = MAIN.replace("rd[i][j] * SCALE", "rd[i][j]")
    main_again = MAIN.replace(
        "rc[i][j] = rd[i][j] * SCALE;",
        f"rc[i][j] = rd[i][j] * (t == {STEPS} - 1 ? {0.5 ** STEPS} : 1.0);")
    rows = run_verified(tmp_path, {"once": (KERNEL.replace("AGAIN\n", ""), main_once),
                                   "again": (KERNEL.replace("AGAIN\n", HALVE), main_again)},
                        variants=("serial", "engine", "offload"))
    grid, rows_ = N * N * 8, (N - 2) * N * 8
    once, again = rows["once"]["offload"], rows["again"]["offload"]
    plan = {p["function"]: p for p in once["plans"]}["run"]
    assert len(plan["loops"]) >= 5, plan["notes"]  # one region to the last device loop
    # `c` once for the reference solve, the diagonal's rows of `b`, the reduction's value,
    # then `b` and the rows of `a` the device wrote at the end: never `c`'s rows a second time
    assert once["bytes_d2h"] <= grid + rows_ + 8 + grid + rows_, once
    # nothing pushed: no device code reads a value the host wrote (the copy in of `a`'s
    # rows, and the reduction's initial value)
    assert once["bytes_h2d"] <= rows_ + 8, once
    # the twin: the interior rows pushed before the halving, the diagonal's rows pulled
    # after it
    assert again["bytes_h2d"] >= once["bytes_h2d"] + (N - 2) * (N - 2) * 8, (once, again)
    assert again["bytes_d2h"] >= once["bytes_d2h"] + (N - 2) * (N - 2) * 8, (once, again)
