"""Extents named by globals that keep their value, and boundary tests in stencils (issue #15).

* A file-scope scalar the caller stores to only before it reads it (``size = rows * cols;``
  then ``malloc(size * sizeof *J)``), that nothing stores to after that and that the callee
  never stores to, holds in the callee the value the allocation read (C11 6.2.1p4: one
  object in every function of the file).  So the object every call passes has ``size``
  elements in the callee too (:mod:`accellium.dataset.offload.objects`): the kernel's loops
  whose own sections cannot be ordered (``J[i*cols + 1]`` under ``j == 0`` reaches
  ``(rows-1)*cols + 1``, which exceeds ``rows*cols - 1`` only if ``cols`` is 1) map
  ``J[0:size]`` and join one region.  Twins: a store after the allocation read ``size``
  (main stores it again), or a store in the callee: no extent.  Without it, the loop whose
  own accesses have no section stays on the host first, and the others are tried again
  without it (the plain update loop keeps the device).
* In ``if (i == 0) ... else if (i == rows - 1) up = J[(i-1)*cols + j]`` the index is both
  ``rows - 1`` and at least 1 (the ``else`` runs only where ``i == 0`` fails, C11 6.8.4.1):
  the access starts at ``(rows-2)*cols`` and at ``0``, unordered, and ``0`` serves (it holds
  alone and lies inside the array).  The loop now gets a pragma (it stayed on the host: "would
  start at `-cols`").

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified
from test_offload_objects import _extents as object_extents_of

ROWS, COLS, STEPS = 48, 40, 3

# the kernel: a window sum at (r1, c1) (globals of unknown sign), a stencil with boundary
# branches, an update; main sets the globals, allocates with `size` and calls it
STEADY = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int rows, cols, size, r1, c1;

static void step(int steps, float *J, float *d)
{
    CALLEE
    for (int s = 0; s < steps; s++) {
        float sum = 0.0f;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                sum += J[(r1 + i) * cols + c1 + j];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                float up, down, side;
                if (i == 0) up = J[j];
                else up = J[(i - 1) * cols + j];
                if (i == rows - 1) down = J[k];
                else down = J[(i + 1) * cols + j];
                if (j == 0) side = J[i * cols + 1];
                else side = J[k - 1];
                d[k] = up + down + side - 3.0f * J[k];
            }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                J[i * cols + j] += 0.1f * d[i * cols + j] + 0.001f * sum;
    }
}

int main(int argc, char **argv)
{
    rows = argc > 1 ? atoi(argv[1]) : NROWS;
    cols = argc > 2 ? atoi(argv[2]) : NCOLS;
    r1 = 2; c1 = 3;
    size = rows * cols;
    float *J = malloc(size * sizeof *J), *d = malloc(size * sizeof *d);
    float *R = malloc(size * sizeof *R), *e = malloc(size * sizeof *e);
    AFTER
    for (int k = 0; k < size; k++) J[k] = R[k] = (k * 7 % 13) * 0.25f;
    step(NSTEPS, J, d);
    for (int s = 0; s < NSTEPS; s++) {
        float sum = 0.0f;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) sum += R[(r1 + i) * cols + c1 + j];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                float up = i == 0 ? R[j] : R[k - cols];
                float down = i == rows - 1 ? R[k] : R[k + cols];
                float side = j == 0 ? R[i * cols + 1] : R[k - 1];
                e[k] = up + down + side - 3.0f * R[k];
            }
        for (int k = 0; k < rows * cols; k++) R[k] += 0.1f * e[k] + 0.001f * sum;
    }
    int bad = 0;
    for (int k = 0; k < size; k++) bad += fabsf(J[k] - R[k]) > 1e-4f * (1.0f + fabsf(R[k]));
    puts(bad ? "BAD" : "OK");
    return 0;
}
""".replace("NROWS", str(ROWS)).replace("NCOLS", str(COLS)).replace("NSTEPS", str(STEPS))
# the twins: main stores `size` after the allocation read it; the callee stores it
STORE_AFTER = "size = rows * cols;"
STORE_IN_CALLEE = "size = rows * cols;"

# a boundary chain: the row above, except in the first row (its own row there)
EDGE = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void edge(int rows, int cols, const float *J, float *d)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            int k = i * cols + j;
            if (i == 0)
                d[k] = J[j];
            else if (i == rows - 1)
                d[k] = J[(i - 1) * cols + j];
            else
                d[k] = 0.5f * (J[(i - 1) * cols + j] + J[(i + 1) * cols + j]);
        }
}
"""
EDGE_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void edge(int rows, int cols, const float *J, float *d);
int main(void) {
  int rows = NROWS, cols = NCOLS, bad = 0;
  float *J = malloc(rows * cols * sizeof *J), *d = malloc(rows * cols * sizeof *d);
  for (int k = 0; k < rows * cols; k++) J[k] = (k * 5 % 11) * 0.5f;
  edge(rows, cols, J, d);
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) {
      int k = i * cols + j;
      float r = i == 0 ? J[j] : i == rows - 1 ? J[k - cols] : 0.5f * (J[k - cols] + J[k + cols]);
      bad += fabsf(d[k] - r) > 1e-6f;
    }
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NROWS", str(ROWS)).replace("NCOLS", str(COLS))


def _steady(after: str = "", callee: str = "") -> str:
    return STEADY.replace("AFTER", after).replace("CALLEE", callee)


def _extents(src: str) -> dict[str, str]:
    return object_extents_of(src).get("step", {})


def test_a_global_set_before_the_allocation_is_the_objects_extent():
    assert _extents(_steady()) == {"J": "size", "d": "size"}
    assert _extents(_steady(after=STORE_AFTER)) == {}
    assert _extents(_steady(callee=STORE_IN_CALLEE)) == {}
    # a store in a loop that also reads the global: the next pass reads another value
    looped = _steady().replace("size = rows * cols;\n",
                               "for (int t = 0; t < 2; t++) { size = rows * cols; }\n")
    assert _extents(looped) == {"J": "size", "d": "size"}  # the loop ends before the reads
    looped = _steady().replace("    step(", "    for (int t = 0; t < 1; t++) { size = "
                               "rows * cols; step(").replace("d);\n    for (int s = 0",
                                                             "d); }\n    for (int s = 0")
    assert _extents(looped) == {}
    # declared after the callee: not in scope there (C11 6.2.1p7)
    late = _steady().replace("int rows, cols, size, r1, c1;",
                             "int rows, cols, r1, c1;").replace(
        "int main(int argc", "int size;\nint main(int argc")
    assert _extents(late) == {}


def test_the_kernels_loops_join_one_region(engine):
    text, plans = plan_text(_steady(), engine)
    step = plans["step"]
    assert len(step.loops) == 3, step.host_loops
    assert [h["line"] for h in step.host_loops] == [9], step.host_loops  # the time loop
    sections = {a["name"]: a["section"] for a in step.arrays}
    assert sections["J"] == "J[0:size]", sections
    assert acc_lines(text)[0].startswith("#pragma acc data"), acc_lines(text)
    # without the extent: the stencil's own sections have no union, it stays on the host
    # first; of the other two the window (a start of unknown sign) stays with it
    _, plans = plan_text(_steady(after=STORE_AFTER), engine)
    step = plans["step"]
    assert [lp["line"] for lp in step.loops] == [26], (step.loops, step.host_loops)
    whys = " ".join(h["why"] for h in step.host_loops)
    assert "cannot bound the elements of `J`" in whys, whys


def test_a_boundary_chain_starts_inside_the_array(engine):
    text, plans = plan_text(EDGE, engine)
    assert [lp["line"] for lp in plans["edge"].loops] == [7], plans["edge"].host_loops
    assert "copyin(J[0:cols*rows])" in acc_lines(text)[0], acc_lines(text)


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: the per-loop answers and the plans verify; with
    the extent the kernel's three loops share one region (no update between them); without
    it the stencil and the window stay on the host, with updates each step."""
    progs = {"steady": (_steady(), ""), "steady_after": (_steady(after=STORE_AFTER), ""),
             "edge": (EDGE, EDGE_MAIN)}
    rows = run_verified(tmp_path, progs, one_file=("steady", "steady_after"))
    grid = ROWS * COLS * 4
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    plans = {k: {p["function"]: p["loops"] for p in r["offload"]["plans"]}
             for k, r in rows.items()}
    assert plans["steady"]["step"] == [11, 14, 26], plans
    assert plans["steady_after"]["step"] == [26], plans
    assert moved["steady"] <= 4 * grid, moved  # (main's region holds step's: a few bytes)
    assert moved["steady_after"] > STEPS * grid, moved  # the host's stencil: updates each step
    assert rows["edge"]["offload_loops"] == 1 and moved["edge"] == 2 * grid, moved
    assert any(p["line"] == 7 for p in rows["edge"]["engine"]["pragmas"]), rows["edge"]
