"""A host loop between two kernels of a time loop reads a stencil of the grid the first kernel
wrote: rows ``i - 1`` and ``i + 1`` (and ``i`` itself) over the same columns.  Each of the
three is a section the host needs from the device, and the rows ``0..N-3`` and ``2..N-1``
overlap: together they are exactly the rows ``0..N-1``, which also hold the third.  One
``update self`` of that section moves each element once; before, three overlapping updates
moved most rows three times (OpenACC 3.3, 2.14.4: each update copies its whole section).
The host loop stays on the host (it writes to a stream other than the standard output).

Twin ``wide``: rows ``i - 2`` and ``i + 2`` (``0..N-5`` and ``4..N-1``) overlap as well: one
section.  Two ranges with a gap between them are never joined (the unit test below): the
host does not read the rows between, which the device may hold newer.
Whole programs, built with real gcc and run in the emulator; ``main`` checks the sums and
the grid against a serial reference."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 48, 6
KERNEL = f"""#include <stdio.h>
#define N {N}
double sweep(double (*a)[N], double (*b)[N], int steps)
{{
    double s = 0.0;
    for (int t = 0; t < steps; t++) {{
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                b[i][j] = 0.25 * (a[i - 1][j] + a[i + 1][j] + a[i][j - 1] + a[i][j + 1]);
        for (int i = LO; i < N - LO; i++)
            for (int j = 0; j < N; j++) {{
                s += b[i - LO][j] + b[i + LO][j] + 0.5 * b[i][j];
                if (s < 0.0)
                    fprintf(stderr, "negative at %d %d\\n", i, j);
            }}
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                a[i][j] = b[i][j];
    }}
    return s;
}}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#define N {N}
double sweep(double (*a)[N], double (*b)[N], int steps);
static double a[N][N], b[N][N], ra[N][N], rb[N][N];
int main(void)
{{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            a[i][j] = b[i][j] = ra[i][j] = rb[i][j] = (double) ((i * 7 + j * 3) % 11);
    double s = sweep(a, b, {STEPS}), r = 0.0;
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                rb[i][j] = 0.25 * (ra[i - 1][j] + ra[i + 1][j] + ra[i][j - 1] + ra[i][j + 1]);
        for (int i = LO; i < N - LO; i++)
            for (int j = 0; j < N; j++)
                r += rb[i - LO][j] + rb[i + LO][j] + 0.5 * rb[i][j];
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                ra[i][j] = rb[i][j];
    }}
    int ok = fabs(s - r) <= 1e-9 * fabs(r);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            ok = ok && fabs(a[i][j] - ra[i][j]) < 1e-12;
    puts(ok ? "OK" : "BAD");
    return 0;
}}
"""


def test_overlapping_sections_of_one_host_statement_are_pulled_as_one(tmp_path):
    rows = run_verified(tmp_path, {"joined": (KERNEL.replace("LO", "1"),
                                              MAIN.replace("LO", "1")),
                                   "wide": (KERNEL.replace("LO", "2"),
                                             MAIN.replace("LO", "2"))},
                        variants=("serial", "engine", "offload"))
    grid = N * N * 8
    plan = {p["function"]: p for p in rows["joined"]["offload"]["plans"]}["sweep"]
    assert len(plan["loops"]) == 2, plan["notes"]
    # one pull of the whole grid per step (and the copy out at the end)
    assert rows["joined"]["offload"]["bytes_d2h"] <= (STEPS + 2) * grid, rows["joined"]["offload"]
    # rows 0..N-5 and 4..N-1 overlap too: one section
    assert rows["wide"]["offload"]["bytes_d2h"] <= (STEPS + 2) * grid, rows["wide"]["offload"]


def test_only_ranges_that_overlap_or_meet_are_joined():
    from accellium.dataset.offload import poly
    from accellium.dataset.offload.extent import Span
    from accellium.dataset.offload.flow import _join

    def box(r0: int, r1: int, c0: int = 1, c1: int = 8) -> list[Span]:
        return [Span(poly.const(r0), poly.const(r1)), Span(poly.const(c0), poly.const(c1))]

    assert _join(box(0, 5), box(6, 9), {}) == box(0, 9)  # meet
    assert _join(box(0, 5), box(3, 9), {}) == box(0, 9)  # overlap
    assert _join(box(0, 4), box(6, 9), {}) is None  # row 5 between: not read
    assert _join(box(0, 5), box(3, 9, 0, 8), {}) is None  # two dimensions differ
