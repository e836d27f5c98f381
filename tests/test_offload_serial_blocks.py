"""Element copies beside offloaded loops run on the device as ``serial`` constructs
(:mod:`accellium.dataset.offload.serial`).

``step`` updates a periodic grid: an interior loop, two edge loops and a block copying one
corner (``{ b[0][0] = b[M][N]; }``), as a shallow-water code's ``calc1`` does; ``filter``
blends the grids and copies a corner of ``a`` (one expression statement).  On the host the
corner copies read elements the loops just wrote: the functions' own regions had to end
before them, and a function whose host code touches the globals its loops reach is no unit
of a caller's region (``docs/offload.md`` item 10) — every call moved both grids both ways.
Run on the device (``serial``: one gang, one worker, vector length 1, OpenACC 3.3, 2.5.3),
the blocks are units of the functions' regions, the functions' host code touches no global,
and ``main`` holds both calls in one region around its time loop.  Every fourth step ``main``
reads a corner on the host after the device wrote it (``update self``) and raises an element
the next step reads on the device (``update device``): the emulator checks neither is stale.
Twin ``CALLS``: the corner copy calls ``fabs`` — not a block that stores only to elements
(a call may do anything), it stays on the host and the calls stay out of ``main``'s region,
still verified.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

M, N, STEPS = 32, 32, 12

KERNEL = f"""#include <stdio.h>
#include <math.h>
#define M {M}
#define N {N}
#define STEPS {STEPS}
int check(const double *a, const double *b, double probe);
static double a[M + 1][N + 1], b[M + 1][N + 1];

static void step(void)
{{
    int i, j;
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++)
            b[i + 1][j + 1] = 0.25 * (a[i][j] + a[i + 1][j] + a[i][j + 1] + a[i + 1][j + 1]);
    for (j = 0; j < N; j++)
        b[0][j + 1] = b[M][j + 1];
    for (i = 0; i < M; i++)
        b[i + 1][0] = b[i + 1][N];
    {{
        b[0][0] = CORNER;
    }}
}}

static void filter(void)
{{
    int i, j;
    for (i = 0; i <= M; i++)
        for (j = 0; j <= N; j++)
            a[i][j] = 0.5 * (a[i][j] + b[i][j]);
    a[M][N] = a[0][0];
}}

int main(void)
{{
    int i, j, t;
    double probe = 0.0;
    for (i = 0; i <= M; i++)
        for (j = 0; j <= N; j++) {{
            a[i][j] = (double)((i * 7 + j * 3) % 11);
            b[i][j] = 0.0;
        }}
    for (t = 0; t < STEPS; t++) {{
        step();
        filter();
        if (t % 4 == 3) {{
            probe += b[0][0];
            a[M / 2][N / 2] += 1.0;
        }}
    }}
    puts(check(&a[0][0], &b[0][0], probe) ? "BAD" : "OK");
    return 0;
}}
"""

CHECK = f"""#include <math.h>
#define M {M}
#define N {N}
int check(const double *ga, const double *gb, double probe)
{{
    static double a[M + 1][N + 1], b[M + 1][N + 1];
    double p = 0.0;
    int i, j, bad = 0;
    for (i = 0; i <= M; i++)
        for (j = 0; j <= N; j++) {{
            a[i][j] = (double)((i * 7 + j * 3) % 11);
            b[i][j] = 0.0;
        }}
    for (int t = 0; t < {STEPS}; t++) {{
        for (i = 0; i < M; i++)
            for (j = 0; j < N; j++)
                b[i + 1][j + 1] = 0.25 * (a[i][j] + a[i + 1][j] + a[i][j + 1] + a[i + 1][j + 1]);
        for (j = 0; j < N; j++) b[0][j + 1] = b[M][j + 1];
        for (i = 0; i < M; i++) b[i + 1][0] = b[i + 1][N];
        b[0][0] = fabs(b[M][N]);
        for (i = 0; i <= M; i++)
            for (j = 0; j <= N; j++) a[i][j] = 0.5 * (a[i][j] + b[i][j]);
        a[M][N] = a[0][0];
        if (t % 4 == 3) {{
            p += b[0][0];
            a[M / 2][N / 2] += 1.0;
        }}
    }}
    for (i = 0; i <= M; i++)
        for (j = 0; j <= N; j++)
            bad += fabs(ga[i * (N + 1) + j] - a[i][j]) > 1e-9 ||
                   fabs(gb[i * (N + 1) + j] - b[i][j]) > 1e-9;
    return bad + (fabs(p - probe) > 1e-9);
}}
"""

# the grid's values are never negative: fabs changes nothing, only the block's kind
PROGRAMS = {"serial": "b[M][N]", "calls": "fabs(b[M][N])"}
GRID = (M + 1) * (N + 1) * 8


def _kernel(corner: str) -> str:
    return KERNEL.replace("CORNER", corner)


def test_the_corner_blocks_run_on_the_device_and_main_holds_the_calls():
    text, plans = plan_text(_kernel(PROGRAMS["serial"]), get_engine("analysis"),
                            program=[CHECK.encode()])
    assert "#pragma acc serial present(b)" in text, text
    assert "#pragma acc serial present(a)" in text, text
    assert len(plans["main"].calls) == 2, plans["main"].notes
    _, twin = plan_text(_kernel(PROGRAMS["calls"]), get_engine("analysis"),
                        program=[CHECK.encode()])
    assert not twin["main"].calls, twin["main"].notes


def test_the_programs_verify(tmp_path):
    programs = {name: (_kernel(corner), CHECK) for name, corner in PROGRAMS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
    # one region around the time loop: each grid out once, and the host's read and write
    # every fourth step (`update self`/`update device`); the twin moves the grids on every
    # call, 4 copies per step at least
    assert moved["serial"] < 16 * GRID, moved
    assert moved["calls"] > STEPS * 4 * GRID, moved
