"""A program of one translation unit: every call of its functions is in that file, those with
external linkage too.

``relax`` (not ``static``) reads ``in[cols]`` only in its corner branch; ``cols`` is a
parameter of unknown sign, so that section alone could start below ``in`` — unless ``in``
points to the start of its object, which no valid access leaves (C11 6.5.6p8,
:mod:`accellium.dataset.offload.objects`).  ``main`` passes ``calloc``'d buffers of
``rows * cols`` elements, the one call there is.  The dynamic evaluation gives the planner the
program's other translation units, and for a program of one file they are none — but the call
graph read "no other unit" as "the other units unknown", so a function with external linkage
counted as callable from code not seen: no object extent, the first nest stayed on the host
and the time loop copied both buffers each step.  Now both nests run in one region that moves
``in`` in and out once.

Twin ``offset``: ``main`` passes ``buf + 1``; where that points inside its object is not a
name the planner can follow, so the corner nest stays on the host (as before) and the program
still verifies.  Whole programs, built with real gcc and run in the emulator."""

from __future__ import annotations

from _offload_util import run_verified

ROWS, COLS, ITERS = 48, 40, 5
KERNEL = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define ROWS {ROWS}
#define COLS {COLS}

void relax(double *out, double *in, int rows, int cols, int iters)
{{
    for (int t = 0; t < iters; t++) {{
        for (int r = 0; r < ROWS; r++)
            for (int c = 0; c < COLS; c++) {{
                double v;
                if (r == 0 && c == 0)
                    v = 0.5 * (in[1] + in[cols]);
                else if (r == 0)
                    v = 0.5 * (in[c] + in[cols + c]);
                else
                    v = 0.5 * (in[r * cols + c] + in[(r - 1) * cols + c]);
                out[r * cols + c] = v;
            }}
        for (int r = 0; r < ROWS; r++)
            for (int c = 0; c < COLS; c++)
                in[r * cols + c] = out[r * cols + c];
    }}
}}
"""
MAIN = f"""
int main(void)
{{
    int rows = ROWS, cols = COLS;
    double *buf = calloc(rows * cols + 1, sizeof(double));
    double *out = calloc(rows * cols, sizeof(double));
    double *in = ARG;
    for (int k = 0; k < rows * cols; k++)
        in[k] = (double)(k % 7) / 7.0;
    relax(out, in, rows, cols, {ITERS});
    double s = 0.0;
    for (int k = 0; k < rows * cols; k++)
        s += in[k];
    puts(fabs(s - 821.620536) < 1e-5 ? "OK" : "BAD");
    free(buf);
    free(out);
    return 0;
}}
"""


def test_a_one_file_program_sees_every_call_of_its_external_functions(tmp_path):
    start = (KERNEL, MAIN.replace("ARG", "calloc(rows * cols, sizeof(double))"))
    offset = (KERNEL, MAIN.replace("ARG", "buf + 1"))
    rows = run_verified(tmp_path, {"start": start, "offset": offset},
                        variants=("serial", "engine", "offload"), one_file=("start", "offset"))
    plan = {p["function"]: p for p in rows["start"]["offload"]["plans"]}["relax"]
    assert len(plan["loops"]) == 2, plan["notes"]
    n = ROWS * COLS * 8
    got = rows["start"]["offload"]
    # `in` once each way at most (main may sum it on the device) and the sum's scalar
    assert got["bytes_h2d"] + got["bytes_d2h"] <= 2 * n + 16, got
    kept = {p["function"]: p for p in rows["offset"]["offload"]["plans"]}["relax"]
    assert len(kept["loops"]) == 1, kept["notes"]
    assert any("can be negative" in note for note in kept["notes"]), kept["notes"]
