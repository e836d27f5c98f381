"""The host reading one element of a true array of several dimensions between device loops
brings its plane to the host, not the whole array.

A time loop prints (here: records) ``g[NZ / 2][NY / 2][NX / 2]`` of a ``double g[NZ][NY][NX]``
the device updates each step.  Before, a true array of more than one dimension was always
pulled whole (``update self(g)``).  The elements of ``g[NZ / 2]`` are one contiguous array (C11
6.5.2.1p3-4: arrays are stored row by row) — a subarray OpenACC 3.3 2.7.1 allows of a true
array in C — and holds the element the statement reads whatever its other subscripts are
(the access claims they lie in their dimensions, 6.5.6p8): ``update self(g[NZ / 2:1])``
(OpenACC 3.3, 2.14.4) moves one plane, as an author writes it.

Twin: the plane comes from a call (``g[pick(NZ)][...]``: no subscript the planner may copy
into a clause), so the whole array is pulled, as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#include <stdio.h>
#define NZ 16
#define NY 16
#define NX 16
#define STEPS 8
void init(double g[NZ][NY][NX]);
int check(double g[NZ][NY][NX], const double hist[STEPS]);
int pick(int n);
static double g[NZ][NY][NX], h[NZ][NY][NX];

int main(void)
{
    double hist[STEPS];
    init(g);
    for (int t = 0; t < STEPS; t++) {
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++)
                    h[k][j][i] = (g[k - 1][j][i] + g[k + 1][j][i] + g[k][j - 1][i]
                                  + g[k][j + 1][i] + g[k][j][i - 1] + g[k][j][i + 1]) / 6.0;
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++)
                    g[k][j][i] = h[k][j][i];
        hist[t] = g[PLANE][NY / 2][NX / 2];
    }
    puts(check(g, hist) ? "OK" : "BAD");
    return 0;
}
"""
MAIN = """#include <math.h>
#define NZ 16
#define NY 16
#define NX 16
#define STEPS 8

void init(double g[NZ][NY][NX])
{
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++)
                g[k][j][i] = ((k * 5 + j * 3 + i) % 13) * 0.1;
}

int pick(int n)
{
    return n / 2;
}

/* the same steps on the host; a NaN anywhere fails */
int check(double g[NZ][NY][NX], const double hist[STEPS])
{
    static double v[NZ][NY][NX], w[NZ][NY][NX];
    int bad = 0;
    init(v);
    for (int t = 0; t < STEPS; t++) {
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++)
                    w[k][j][i] = (v[k - 1][j][i] + v[k + 1][j][i] + v[k][j - 1][i]
                                  + v[k][j + 1][i] + v[k][j][i - 1] + v[k][j][i + 1]) / 6.0;
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++)
                    v[k][j][i] = w[k][j][i];
        bad += !(fabs(hist[t] - v[NZ / 2][NY / 2][NX / 2]) <= 1e-12);
    }
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++)
                bad += !(fabs(g[k][j][i] - v[k][j][i]) <= 1e-12);
    return bad == 0;
}
"""
PLANE = KERNEL.replace("PLANE", "NZ / 2")
CALLED = KERNEL.replace("PLANE", "pick(NZ)")


def _moved(row: dict) -> int:
    return row["offload"]["bytes_h2d"] + row["offload"]["bytes_d2h"]


def test_one_element_read_on_the_host_pulls_its_plane(tmp_path):
    engine = get_engine("analysis")
    text, _ = plan_text(PLANE, engine, program=[MAIN.encode()])
    assert "#pragma acc update self(g[NZ / 2:1])" in acc_lines(text), acc_lines(text)
    twin, _ = plan_text(CALLED, engine, program=[MAIN.encode()])
    assert "#pragma acc update self(g)" in acc_lines(twin), acc_lines(twin)
    rows = run_verified(tmp_path, {"plane": (PLANE, MAIN), "called": (CALLED, MAIN)})
    # g and h (32 KiB each) moved once; 8 steps x one plane of g (2 KiB)
    assert _moved(rows["plane"]) <= 3 * 32_768 + 8 * 2_048, rows["plane"]["offload"]["sites"]
    # the twin pulls (and pushes back) the whole of g each step
    assert _moved(rows["called"]) >= 8 * 32_768, rows["called"]["offload"]["sites"]
