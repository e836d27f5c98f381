"""Loops a host loop of the region repeats stay on the host when every iteration would move
more with ``update`` lines than they do work (issue #15, :mod:`accellium.dataset.offload.repeated`).

``sweep`` walks a grid point by point (host loops over ``j``/``i``: each point reads its
neighbours' new values, a carried dependence) and, at each point, runs three loops of five
iterations over the point's five components (``for (m = 0; m < 5; m++)``), with host code
between them that eliminates on ``mt`` and ``t``.  The planner offloaded the three small loops
in one region around the grid loops; the host code between the launches then needed
``update self``/``update device`` of the whole of ``t``, ``mt`` (and ``u``) at every point:
each iteration copied whole arrays to do fifteen iterations of work (OpenACC 3.3, 2.14.4:
an ``update`` copies its section on every run).  Now the planner weighs, per iteration of
the host loop, the updates in it against the work of the loops it repeats, and leaves the
loops on the host when the updates weigh more and the function's transfer estimate drops:
nothing moves.

Twins, where each iteration of the host loop (time steps) runs two loops over a whole plane:
no host code between the launches (no update), and host code reading one element each step
(the plan pulls the array, which weighs less than the two planes' work): both stay offloaded.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

POINTS = """#define NZ 6
#define NY 12
#define NX 12
#define NP (NY * NX)

double u[5][NZ][NY][NX];
double t[5][NP];
double w[5][5][NP];
double dg[5][5][NP];
double mt[5][5][NP];

void sweep(int k, int ny, int nx, double om)
{
    int i, j, m, n;
    double p, q;
    for (j = 1; j < ny; j++)
        for (i = 1; i < nx; i++) {
            n = j * nx + i;
            for (m = 0; m < 5; m++)
                t[m][n] = u[m][k][j][i]
                    - om * (w[0][m][n] * u[0][k][j - 1][i] + w[1][m][n] * u[1][k][j][i - 1]
                            + w[2][m][n] * u[2][k - 1][j][i] + w[3][m][n] * u[3][k][j - 1][i]
                            + w[4][m][n] * u[4][k][j][i - 1]);
            for (m = 0; m < 5; m++) {
                mt[m][0][n] = dg[0][m][n];
                mt[m][1][n] = dg[1][m][n];
                mt[m][2][n] = dg[2][m][n];
                mt[m][3][n] = dg[3][m][n];
                mt[m][4][n] = dg[4][m][n];
            }
            p = 1.0 / mt[0][0][n];
            q = p * mt[1][0][n];
            mt[1][1][n] = mt[1][1][n] - q * mt[0][1][n];
            t[1][n] = t[1][n] - t[0][n] * q;
            q = p * mt[2][0][n];
            mt[2][2][n] = mt[2][2][n] - q * mt[0][2][n];
            t[2][n] = t[2][n] - t[0][n] * q;
            for (m = 0; m < 5; m++)
                u[m][k][j][i] = t[m][n] / mt[m][m][n];
        }
}
"""
POINTS_MAIN = """#include <stdio.h>
#include <math.h>
#define NZ 6
#define NY 12
#define NX 12
#define NP (NY * NX)
extern double u[5][NZ][NY][NX];
extern double w[5][5][NP];
extern double dg[5][5][NP];
void sweep(int k, int ny, int nx, double om);
static double ru[5][NZ][NY][NX], rt[5][NP], rmt[5][5][NP];

static void ref(int k, int ny, int nx, double om)
{
    for (int j = 1; j < ny; j++)
        for (int i = 1; i < nx; i++) {
            int n = j * nx + i;
            for (int m = 0; m < 5; m++)
                rt[m][n] = ru[m][k][j][i]
                    - om * (w[0][m][n] * ru[0][k][j - 1][i] + w[1][m][n] * ru[1][k][j][i - 1]
                            + w[2][m][n] * ru[2][k - 1][j][i] + w[3][m][n] * ru[3][k][j - 1][i]
                            + w[4][m][n] * ru[4][k][j][i - 1]);
            for (int m = 0; m < 5; m++)
                for (int c = 0; c < 5; c++) rmt[m][c][n] = dg[c][m][n];
            double p = 1.0 / rmt[0][0][n], q = p * rmt[1][0][n];
            rmt[1][1][n] = rmt[1][1][n] - q * rmt[0][1][n];
            rt[1][n] = rt[1][n] - rt[0][n] * q;
            q = p * rmt[2][0][n];
            rmt[2][2][n] = rmt[2][2][n] - q * rmt[0][2][n];
            rt[2][n] = rt[2][n] - rt[0][n] * q;
            for (int m = 0; m < 5; m++) ru[m][k][j][i] = rt[m][n] / rmt[m][m][n];
        }
}

int main(void)
{
    for (int m = 0; m < 5; m++)
        for (int k = 0; k < NZ; k++)
            for (int j = 0; j < NY; j++)
                for (int i = 0; i < NX; i++)
                    u[m][k][j][i] = ru[m][k][j][i] = ((m + 2 * k + 3 * j + 5 * i) % 7) * 0.25;
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            for (int n = 0; n < NP; n++) {
                w[a][b][n] = ((a + b + n) % 5) * 0.01;
                dg[a][b][n] = a == b ? 4.0 + (n % 3) : ((a * b + n) % 4) * 0.1;
            }
    for (int it = 0; it < 3; it++)
        for (int k = 1; k < NZ; k++) {
            sweep(k, NY, NX, 0.8);
            ref(k, NY, NX, 0.8);
        }
    int bad = 0;
    for (int m = 0; m < 5; m++)
        for (int k = 0; k < NZ; k++)
            for (int j = 0; j < NY; j++)
                for (int i = 0; i < NX; i++)
                    bad += fabs(u[m][k][j][i] - ru[m][k][j][i]) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
PLANES = """#define NY 40
#define NX 40

double a[NY][NX], b[NY][NX];

double relax(int steps, int ny, int nx)
{
    double probe = 0.0;
    for (int s = 0; s < steps; s++) {
        for (int j = 1; j < ny - 1; j++)
            for (int i = 1; i < nx - 1; i++)
                b[j][i] = 0.25 * (a[j - 1][i] + a[j + 1][i] + a[j][i - 1] + a[j][i + 1]);
        for (int j = 1; j < ny - 1; j++)
            for (int i = 1; i < nx - 1; i++)
                a[j][i] = b[j][i];
        PROBE
    }
    return probe;
}
"""
PLANES_MAIN = """#include <stdio.h>
#define NY 40
#define NX 40
extern double a[NY][NX], b[NY][NX];
double relax(int steps, int ny, int nx);
static double ra[NY][NX], rb[NY][NX];

int main(void)
{
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++)
            a[j][i] = ra[j][i] = ((3 * j + 5 * i) % 9) * 0.5;
    double probe = relax(6, NY, NX), want = 0.0;
    for (int s = 0; s < 6; s++) {
        for (int j = 1; j < NY - 1; j++)
            for (int i = 1; i < NX - 1; i++)
                rb[j][i] = 0.25 * (ra[j - 1][i] + ra[j + 1][i] + ra[j][i - 1] + ra[j][i + 1]);
        for (int j = 1; j < NY - 1; j++)
            for (int i = 1; i < NX - 1; i++)
                ra[j][i] = rb[j][i];
        WANT
    }
    int bad = probe != want;
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++)
            bad += a[j][i] != ra[j][i] || (j > 0 && j < NY - 1 && i > 0 && i < NX - 1 &&
                                           b[j][i] != rb[j][i]);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
PROBES = {"planes": ("", ""), "planes_probe": ("probe += a[1][1];", "want += ra[1][1];")}


def test_small_loops_a_host_loop_repeats_with_whole_array_updates_stay_on_the_host(tmp_path):
    engine = get_engine("analysis")
    text, plans = plan_text(POINTS, engine)
    sweep = plans["sweep"]
    assert sweep.loops == [], sweep.notes
    assert [h["line"] for h in sweep.host_loops if "repeats it" in h["why"]] == [19, 24, 38], \
        sweep.notes
    assert sweep.notes[0].startswith("`sweep` stays on the host"), sweep.notes
    assert not acc_lines(text), text
    for name, (probe, _) in PROBES.items():
        _, tplans = plan_text(PLANES.replace("PROBE", probe), engine)
        assert [lp["line"] for lp in tplans["relax"].loops] == [10, 13], (name,
                                                                        tplans["relax"].notes)
    programs = {"points": (POINTS, POINTS_MAIN)}
    programs.update({name: (PLANES.replace("PROBE", probe), PLANES_MAIN.replace("WANT", want))
                     for name, (probe, want) in PROBES.items()})
    rows = run_verified(tmp_path, programs)
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    # before: whole arrays at each of the 121 points of the 3 x 5 sweeps (190.6 MB)
    assert moved["points"] == 0, moved
    # the planes stay on the device: a and b in and out once (2 x 2 x 40 x 40 x 8 bytes)
    assert 0 < moved["planes"] <= 2 * 2 * 40 * 40 * 8, moved
    assert moved["planes_probe"] > 0, moved
