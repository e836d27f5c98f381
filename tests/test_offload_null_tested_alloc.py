"""Memory a function allocates is created on the device, not copied, when the function only
tests the pointer before its region (``if (!r) return 1;``) and frees it after.

An SSOR driver's residual is allocated as a pointer to rows of a known length, ``double
(*r)[4] = malloc(sizeof(double[N][4]))``, checked against null and freed after the time loop.
The planner already leaves out the copy in of memory nothing wrote since its allocation
(C11 7.22.3.4p2) and the copy back of memory freed after the region and read by nobody; two
things hid both facts here:

* the declarator ``(*r)[4]`` is an array declarator around the pointer declarator (C11
  6.7.6.1, 6.7.6.2: ``r`` is a pointer to an array), and the declared name was not followed
  through it, so the allocation's own statement counted as a use of ``r``;
* ``!r`` (``0 == r``, C11 6.5.3.3p5) reads only the pointer's value: it writes nothing the
  pointer points to and gives that memory no other name, but it counted as both a write
  before the region and an escape after which anything could read the memory.

Twin: ``memset`` fills the memory before the region and the first step reads it: the region
copies it in (and the result verifies).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#include <stdlib.h>
#include <string.h>
#define N 512
static double f[N][4];

static void fill(double (*r)[4])
{
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 4; m++)
            r[i][m] = -f[i][m];
}

static void scale(double (*r)[4])
{
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 4; m++)
            r[i][m] = 0.5 * r[i][m] + 1.0;
}

static double total(double (*r)[4])
{
    double s = 0.0;
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 4; m++)
            s += r[i][m];
    return s;
}

int run(int steps, const double *src, double *out)
{
    double (*r)[4] = malloc(sizeof(double[N][4]));
    if (!r)
        return 1;
    PRESET
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 4; m++)
            f[i][m] = src[i * 4 + m];
    for (int it = 0; it < steps; it++) {
        STEP
    }
    free(r);
    return 0;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#define N 512
#define STEPS 6
int run(int steps, const double *src, double *out);
static double src[N * 4], out[STEPS];
int main(void)
{
    int bad = 0;
    for (int i = 0; i < N * 4; i++)
        src[i] = (i * 37 % 101) * 0.01;
    if (run(STEPS, src, out))
        return 1;
    double want = 0.0;
    for (int i = 0; i < N * 4; i++)
        want += 0.5 * -src[i] + 1.0;
    for (int t = 0; t < STEPS; t++)
        bad += fabs(out[t] - (t < SKIP ? 0.0 : want)) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
STEP = """fill(r);
        scale(r);
        double s = total(r);
        out[it] = s;"""
READ_FIRST = """double s = total(r);
        out[it] = s;
        fill(r);
        scale(r);"""
MEMSET = "memset(r, 0, sizeof(double[N][4]));"


def _program(preset: str, step: str, skip: int) -> tuple[str, str]:
    return (KERNEL.replace("PRESET", preset).replace("STEP", step),
            MAIN.replace("SKIP", str(skip)))


def _moved(row: dict) -> int:
    return row["offload"]["bytes_h2d"] + row["offload"]["bytes_d2h"]


def test_memory_only_tested_against_null_is_created(tmp_path):
    engine = get_engine("analysis")
    kernel, _ = _program("", STEP, 0)
    text, _ = plan_text(kernel, engine)
    data = next(ln.strip() for ln in text.splitlines() if "#pragma acc data" in ln)
    assert "create(r[0:N][0:4])" in data, data
    twin, _ = plan_text(_program(MEMSET, READ_FIRST, 1)[0], engine)
    data = next(ln.strip() for ln in twin.splitlines() if "#pragma acc data" in ln)
    assert "copyin(r[0:N][0:4])" in data or "copy(r[0:N][0:4])" in data, data
    rows = run_verified(tmp_path, {"tested": _program("", STEP, 0),
                                   "preset": _program(MEMSET, READ_FIRST, 1)})
    # f (16 KiB, a global the region fills) in and back; r (16 KiB) never crosses; a few
    # scalars for the reductions
    assert _moved(rows["tested"]) < 33_000, rows["tested"]["offload"]["sites"]
    # the twin brings r's zeros to the device
    assert _moved(rows["preset"]) >= 49_152, rows["preset"]["offload"]["sites"]
