"""A function-scope scratch array that a later loop of the same function fills again.

NPB-style flux loops share one ``double flux[5]`` between several nests: each iteration of
each nest first sets every element (``for (m = 0; m < 5; m++) flux[m] = 0.0;``), then
accumulates into it and reads it.  The first nest's ``private(flux)`` was refused: the
liveness pass saw the second nest's ``flux[0] += ...`` as a read after the loop, because
only a plain ``x = e`` counted as an assignment.  The first nest stayed on the host and its
inner loops went to the device one by one, ``flux`` copied each time (the per-loop
answer moved megabytes where the nest needs a few kilobytes).

A ``for (m = 0; m < E; m++) a[m] = e;`` over an array declared ``T a[E]`` in the function
assigns every element ``a[0]`` .. ``a[E-1]`` (C11 6.5.2.1p2, 6.8.5.3; ``E`` > 0, 6.7.6.2p1)
and reads none (``e`` does not name ``a``): a read it precedes on every path cannot see the
first nest's values, so they are dead and the private copies (OpenACC 3.3, 2.5.13) may
discard them.

Twin: the second nest's fill loop stops one element short (``m < 4`` of ``double f[5]``), so
its read of ``f[4]`` sees the value the first nest leaves: not private, the first nest's
iterations stay ordered, and the program still verifies.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_verified

KERNEL = """#define N 24

void fluxes(double (*u)[N][5], double (*r)[N][5])
{
    int i, j;
    double f[5];
    for (i = 1; i < N - 1; i++)
        for (j = 1; j < N - 1; j++) {
            for (int m = 0; m < 5; m++)
                f[m] = 0.0;
            for (int s = -1; s <= 1; s += 2) {
                f[0] += s * u[i + s][j][1];
                f[1] += s * u[i + s][j][1] * u[i + s][j][2] / u[i + s][j][0];
                f[4] += s * u[i + s][j][4];
            }
            for (int m = 0; m < 5; m++)
                r[i][j][m] = -0.5 * f[m];
        }
    for (i = 1; i < N - 1; i++)
        for (j = 1; j < N - 1; j++) {
            for (int m = 0; m < FILL; m++)
                f[m] = 0.0;
            for (int s = -1; s <= 1; s += 2) {
                f[0] += s * u[i][j + s][2];
                f[2] += s * u[i][j + s][2] * u[i][j + s][2] / u[i][j + s][0];
                f[3] += s * u[i][j + s][3];
            }
            for (int m = 0; m < 5; m++)
                r[i][j][m] -= 0.5 * f[m];
        }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#define N 24
void fluxes(double (*u)[N][5], double (*r)[N][5]);
static double u[N][N][5], r[N][N][5], q[N][N][5];
int main(void)
{
    int bad = 0;
    double f[5] = {0, 0, 0, 0, 0};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int m = 0; m < 5; m++)
                u[i][j][m] = 1.0 + 0.1 * ((i * 7 + j * 3 + m) % 11), r[i][j][m] = q[i][j][m] = 0.0;
    fluxes(u, r);
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++) {
            for (int m = 0; m < 5; m++) f[m] = 0.0;
            for (int s = -1; s <= 1; s += 2) {
                f[0] += s * u[i + s][j][1];
                f[1] += s * u[i + s][j][1] * u[i + s][j][2] / u[i + s][j][0];
                f[4] += s * u[i + s][j][4];
            }
            for (int m = 0; m < 5; m++) q[i][j][m] = -0.5 * f[m];
        }
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++) {
            for (int m = 0; m < FILL; m++) f[m] = 0.0;
            for (int s = -1; s <= 1; s += 2) {
                f[0] += s * u[i][j + s][2];
                f[2] += s * u[i][j + s][2] * u[i][j + s][2] / u[i][j + s][0];
                f[3] += s * u[i][j + s][3];
            }
            for (int m = 0; m < 5; m++) q[i][j][m] -= 0.5 * f[m];
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int m = 0; m < 5; m++) bad += fabs(r[i][j][m] - q[i][j][m]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _outer(row: dict) -> str:
    """The per-loop answer's pragma at the first nest's outer loop (kernel line 7)."""
    return next((p["pragma"] for p in row["engine"]["pragmas"] if p["line"] == 7), "")


def test_a_scratch_array_refilled_by_a_later_loop_is_private(tmp_path):
    rows = run_verified(tmp_path, {
        "refilled": (KERNEL.replace("FILL", "5"), MAIN.replace("FILL", "5")),
        "short_fill": (KERNEL.replace("FILL", "4"), MAIN.replace("FILL", "4")),
    })
    got = rows["refilled"]
    assert "private(f)" in _outer(got), got["engine"]["pragmas"]
    # the first nest is one kernel: nothing but u and r moves, never f once per row
    moved = got["engine"]["bytes_h2d"] + got["engine"]["bytes_d2h"]
    assert moved < 200_000, got["engine"]["sites"]
    plan = got["offload"]["bytes_h2d"] + got["offload"]["bytes_d2h"]
    assert plan < 100_000, got["offload"]["sites"]
    # the twin: the second nest reads f[4] the first nest leaves: no private(f) there
    assert "private(f)" not in _outer(rows["short_fill"]), rows["short_fill"]["engine"]["pragmas"]
