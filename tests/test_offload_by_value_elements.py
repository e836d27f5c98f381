"""Calls that read an element of a host-only file array to pass it by value join the caller's
region (:func:`accellium.dataset.offload.callsites._host_only_file_array`).

An argument is evaluated and its value assigned to the parameter (C11 6.5.2.2p4): a call
``pass_x(dims[0], dims[1])`` hands the callee copies of two elements, so its device code does
not reach ``dims`` through them.  When ``dims`` is a ``static`` array of the file (internal
linkage, C11 6.2.2p3), used only through whole subscripts (no pointer aliases it) and written
only by functions that run no device code, no device code writes it: its host copy is current
wherever the host reads it (OpenACC 3.3, 2.6), and such a read does not keep a call out of the
caller's region.  So a driver ``for (it...) { evolve(dims[0], dims[1]); fft(); s =
check(dims[0], dims[1]); sums[it] = s; last[it] = u[it]; }`` with a loop-free dispatcher ``fft`` calling the passes
with ``dims[k]`` gets one region around its loop (the dispatcher's calls join the dispatcher's
summary), the host read ``u[it]`` between the calls its ``update self``.  The passes call a host
helper ``width(nx)`` that names no global array and takes only an ``int``: it cannot reach
the region's arrays (C11 6.2.1p4, 6.5.2.2p4), so the passes' summaries do not count it as
touching every global.  Before, each statement was refused ("also uses `dims` on the host") and every call mapped the file's arrays
itself.

The twin keeps the refusal: ``dims`` with external linkage (another translation unit may reach
it, and write it, by name).  Whole programs, built with real gcc and run in the data-environment
emulator, their bytes counted."""

from __future__ import annotations

from _offload_util import plan_text, run_verified, verified_offload_bytes

N, ITERS = 4096, 5

KERNEL = """#define N 4096
STORAGE int dims[2];
static double u[N], v[N], tw[N];

void setup(int nx, int ny)
{
    dims[0] = nx;
    dims[1] = ny;
    for (int i = 0; i < N; i++) {
        u[i] = (i % 17) * 0.25;
        v[i] = 0.0;
        tw[i] = 1.0 + (i % 5) * 0.125;
    }
}

static void evolve(int nx, int ny)
{
    for (int i = 0; i < nx * ny; i++)
        u[i] = u[i] * tw[i] * 0.5;
}

static int width(int n)
{
    int w = 1;
    while (w < n)
        w = w * 2;
    return w == n ? n : n;
}

static void pass_x(int nx, int ny)
{
    int w = width(nx);
    for (int j = 0; j < ny; j++)
        for (int i = 1; i < w; i++)
            v[j * nx + i] = u[j * nx + i] + 0.5 * u[j * nx + i - 1];
}

static void pass_y(int nx, int ny)
{
    for (int j = 1; j < ny; j++)
        for (int i = 0; i < nx; i++)
            u[j * nx + i] = v[j * nx + i] - 0.25 * v[(j - 1) * nx + i];
}

static void fft(int dir)
{
    if (dir > 0) {
        pass_x(dims[0], dims[1]);
        pass_y(dims[0], dims[1]);
    } else {
        pass_y(dims[0], dims[1]);
        pass_x(dims[0], dims[1]);
    }
}

static double check(int nx, int ny)
{
    double s = 0.0;
    for (int i = 0; i < nx * ny; i++)
        s += u[i] + v[i];
    return s;
}

void run(int iters, double *sums, double *last)
{
    for (int it = 0; it < iters; it++) {
        evolve(dims[0], dims[1]);
        fft(-1);
        double s = check(dims[0], dims[1]);
        sums[it] = s;
        last[it] = u[it];
    }
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#define N {N}
#define IT {ITERS}
void setup(int nx, int ny);
void run(int iters, double *sums, double *last);
static double ru[N], rv[N], rt[N], sums[IT], last[IT];
int main(void)
{{
    int nx = 64, ny = 64, bad = 0;
    setup(nx, ny);
    run(IT, sums, last);
    for (int i = 0; i < N; i++) {{ ru[i] = (i % 17) * 0.25; rv[i] = 0.0; rt[i] = 1.0 + (i % 5) * 0.125; }}
    for (int it = 0; it < IT; it++) {{
        for (int i = 0; i < nx * ny; i++) ru[i] = ru[i] * rt[i] * 0.5;
        for (int j = 1; j < ny; j++)
            for (int i = 0; i < nx; i++)
                ru[j * nx + i] = rv[j * nx + i] - 0.25 * rv[(j - 1) * nx + i];
        for (int j = 0; j < ny; j++)
            for (int i = 1; i < nx; i++)
                rv[j * nx + i] = ru[j * nx + i] + 0.5 * ru[j * nx + i - 1];
        double s = 0.0;
        for (int i = 0; i < nx * ny; i++) s += ru[i] + rv[i];
        bad += fabs(s - sums[it]) > 1e-9 * (1.0 + fabs(s));
        bad += fabs(ru[it] - last[it]) > 1e-12;
    }}
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def _program(form: str) -> tuple[str, str]:
    return KERNEL.replace("STORAGE", "static" if form == "static" else ""), MAIN


def test_the_driver_holds_the_file_arrays_across_its_loop(engine):
    kernel, main = _program("static")
    _, plans = plan_text(kernel, engine, program=[main.encode()])
    run = plans["run"]
    assert not any("also uses `dims`" in n for n in run.notes), run.notes
    called = {f for c in run.calls for f in c["functions"]}
    assert {"evolve", "fft", "check"} <= called, (run.calls, run.notes)
    assert len(run.regions) == 1 and run.regions[0]["repeated"], run.regions
    assert {a["name"] for a in run.arrays} >= {"u", "v", "tw"}, run.arrays


def test_external_linkage_keeps_the_refusal(engine):
    kernel, main = _program("extern")
    _, plans = plan_text(kernel, engine, program=[main.encode()])
    assert any("also uses `dims`" in n for n in plans["run"].notes), plans["run"].notes


def test_the_programs_verify_and_the_held_region_moves_far_less(tmp_path):
    rows = run_verified(tmp_path, {f: _program(f) for f in ("static", "extern")},
                        variants=("offload",))
    moved = verified_offload_bytes({"programs": list(rows.values())})
    assert 3 * moved["static"] < moved["extern"], moved
