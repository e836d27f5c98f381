"""A call whose callee's host code alone writes an array parameter joins the caller's region.

A norm function is the common shape (NPB's ``l2norm(rsd, rsdnm)``, FT's checksum into
``sums[it]``): its loop reduces over a device array, and its host code stores the results
through a parameter, ``res[0] = sqrt(s / n)``.  The planner refused to hoist such a call
("uses its parameter on the host"), the refusal made the call a barrier for every array it
passes, and the time loop of the caller got no data region: each step's calls mapped and
copied the grids again (the whole plan moved the arrays once per call).

When the callee reaches the parameter only through elements with all their subscripts in
host code (no device code of its, nor any function it calls, reaches that memory: C11
6.5.2.1p2) and the caller's argument is a true array no pointer of the caller reaches (its
address never taken, passed or assigned but at this call or after the statement where the
caller runs on once), the call is host code that reads and writes that whole array: the
caller's region brings it to the host before the call and sends it back after, as around
any host statement (OpenACC 3.3, 2.14.4), or does nothing when no device code maps it.

Twin: the caller's own offloaded loop reads the array after the call (``a[i] /= 1 +
res[1]``): the region maps it, and the call's host writes reach the device by an ``update
device`` after the call.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#include <math.h>

void smooth(int n, double *a, double *b)
{
    for (int i = 1; i < n - 1; i++)
        b[i] = 0.25 * a[i - 1] + 0.5 * a[i] + 0.25 * a[i + 1];
    for (int i = 1; i < n - 1; i++)
        a[i] = b[i];
}

void norms(int n, const double *a, double res[2])
{
    double s = 0.0, t = 0.0;
    for (int i = 0; i < n; i++) {
        s += a[i] * a[i];
        t += fabs(a[i]);
    }
    res[0] = sqrt(s / n);
    res[1] = t / n;
}

void run(int n, int steps, double *a, double *b, double hist[][2])
{
    double res[2];
    for (int t = 0; t < steps; t++) {
        smooth(n, a, b);
        norms(n, a, res);
        SCALE
        hist[t][0] = res[0];
        hist[t][1] = res[1];
    }
}
"""
SCALE = """for (int i = 0; i < n; i++)
            a[i] = a[i] / (1.0 + res[1]);"""
MAIN = """#include <math.h>
#include <stdio.h>
#define N 1024
#define STEPS 8
void run(int n, int steps, double *a, double *b, double hist[][2]);
static double a[N], b[N], r[N], q[N], hist[STEPS][2];
int main(void)
{
    int bad = 0;
    for (int i = 0; i < N; i++)
        a[i] = r[i] = (i * 37 % 101) * 0.01, b[i] = q[i] = 0.0;
    run(N, STEPS, a, b, hist);
    for (int t = 0; t < STEPS; t++) {
        double s = 0.0, u = 0.0;
        for (int i = 1; i < N - 1; i++)
            q[i] = 0.25 * r[i - 1] + 0.5 * r[i] + 0.25 * r[i + 1];
        for (int i = 1; i < N - 1; i++)
            r[i] = q[i];
        for (int i = 0; i < N; i++)
            s += r[i] * r[i], u += fabs(r[i]);
        SCALE
        bad += fabs(hist[t][0] - sqrt(s / N)) > 1e-9 || fabs(hist[t][1] - u / N) > 1e-9;
    }
    for (int i = 0; i < N; i++)
        bad += fabs(a[i] - r[i]) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
MAIN_SCALE = """for (int i = 0; i < N; i++)
            r[i] = r[i] / (1.0 + u / N);"""


def _moved(row: dict) -> int:
    return row["offload"]["bytes_h2d"] + row["offload"]["bytes_d2h"]


def test_a_call_writing_a_host_only_parameter_joins_the_callers_region(tmp_path):
    engine = get_engine("analysis")
    _, plans = plan_text(KERNEL.replace("SCALE", ""), engine)
    assert any("one region" in n for n in plans["run"].notes), plans["run"].notes
    assert not any("uses its parameter" in n for n in plans["run"].notes), plans["run"].notes
    rows = run_verified(tmp_path, {
        "host_only": (KERNEL.replace("SCALE", ""), MAIN.replace("SCALE", "")),
        "device_reads_it": (KERNEL.replace("SCALE", SCALE), MAIN.replace("SCALE", MAIN_SCALE)),
    })
    # a and b (8 KiB each) move once for the whole run, not once per call of each step
    assert _moved(rows["host_only"]) < 60_000, rows["host_only"]["offload"]["sites"]
    assert _moved(rows["device_reads_it"]) < 80_000, rows["device_reads_it"]["offload"]["sites"]
