"""Bounds spelled through object-like macros of the same size (issue #15).

``#define N1 (N + 1)`` and ``#define N2 (N + 2)``: a border loop runs ``j <= N1``, the
initialisation ``i < N2``, the stencil reads ``b[i + 1]`` with ``i <= N``.  The three largest
rows ``N1``, ``N2 - 1`` and ``N + 1`` are the same number, but as names they cannot be
ordered, so before the rule no section of ``b`` united them and every loop stayed on the
host.  C11 6.10.3: the preprocessor replaces an object-like macro by its body wherever it is
used, so the planner may compare (and write) the bodies: ``b[0:N+2][0:N2]``, all five loops
in one region.  Twin that must not change: a macro whose body is not a polynomial of names
nor an integer constant read here (``N1`` spelled with ``sizeof``, 1 for ``char`` by C11
6.5.3.4p4) keeps the border loop on the host with the note, as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import offload_source

KERNEL = """#include <stdlib.h>
#define N 62
#define N1 (N + 1)
#define N2 (N + 2)

double run(int steps)
{
    float (*a)[N2] = (float (*)[N2])malloc(sizeof(float) * N2 * N2);
    float (*b)[N2] = (float (*)[N2])malloc(sizeof(float) * N2 * N2);
    double sum = 0.0;
    for (int i = 0; i < N2; i++)
        for (int j = 0; j < N2; j++)
            b[i][j] = 0.0f;
    for (int j = 0; j <= N1; j++) {
        b[j][0] = 1.0f;
        b[j][N1] = 1.0f;
    }
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i <= N; i++)
            for (int j = 1; j <= N; j++)
                a[i][j] = 0.25f * (b[i - 1][j] + b[i + 1][j] + b[i][j - 1] + b[i][j + 1]);
        for (int i = 1; i <= N; i++)
            for (int j = 1; j <= N; j++)
                b[i][j] = a[i][j];
    }
    for (int i = 1; i <= N; i++)
        sum += b[i][i];
    free(a);
    free(b);
    return sum;
}
"""
TWIN = KERNEL.replace("#define N1 (N + 1)", "#define N1 (N + sizeof(char))")
MAIN = """#include <math.h>
#include <stdio.h>
double run(int steps);
static float a[64][64], b[64][64];
int main(void) {
  for (int i = 0; i < 64; i++) for (int j = 0; j < 64; j++) b[i][j] = 0.0f;
  for (int j = 0; j < 64; j++) b[j][0] = b[j][63] = 1.0f;
  for (int t = 0; t < 5; t++) {
    for (int i = 1; i <= 62; i++) for (int j = 1; j <= 62; j++)
      a[i][j] = 0.25f * (b[i - 1][j] + b[i + 1][j] + b[i][j - 1] + b[i][j + 1]);
    for (int i = 1; i <= 62; i++) for (int j = 1; j <= 62; j++) b[i][j] = a[i][j];
  }
  double s = 0.0;
  for (int i = 1; i <= 62; i++) s += b[i][i];
  puts(fabs(run(5) - s) < 1e-9 ? "OK" : "BAD"); return 0;
}
"""


def test_bounds_through_macros_of_one_size_unite(engine):
    (plan,) = offload_source(KERNEL.encode(), engine, path="kernel.c")
    assert [x["line"] for x in plan.loops] == [11, 14, 19, 22, 26], plan.to_json()
    assert {a["name"]: a["section"] for a in plan.arrays}["b"] == "b[0:N+2][0:N2]", plan.arrays
    # twin: a body with `sizeof` is no polynomial: the border loop stays on the host
    (twin,) = offload_source(TWIN.encode(), engine, path="kernel.c")
    assert any(h["line"] == 14 and "cannot bound the elements of `b`" in h["why"]
               for h in twin.host_loops), twin.host_loops
    # ... and so does the initialisation before it: on the device it would have b pulled
    # before the border loop and pushed back after it, where b is copied in anyway
    # (a single pass, docs/offload.md item 15)
    assert [x["line"] for x in twin.loops] == [19, 22, 26], twin.to_json()
    assert any(h["line"] == 11 and "one pass over its data" in h["why"]
               for h in twin.host_loops), twin.host_loops


def test_both_programs_verify(tmp_path):
    manifest = write_suite(tmp_path, {"macros": (KERNEL, MAIN), "division": (TWIN, MAIN)})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    assert rows["macros"]["offload_loops"] == 5, rows["macros"]["offload"]["plans"]
    assert rows["division"]["offload_loops"] == 3, rows["division"]["offload"]["plans"]
    for name, row in rows.items():
        assert row["offload"]["status"] == "verified", (name, row["offload"]["reason"])
    # one region: a and b come from malloc and nothing writes them before it (the region
    # starts at b's initialisation), so neither is copied in (C11 7.22.3.4p2, docs/offload.md
    # on unwritten memory); only the reduction's sum (8 bytes) moves in and out.  The twin
    # initialises b and sets its borders on the host, before the region: b (64 rows of 64
    # floats) is copied in, a still is not
    off = rows["macros"]["offload"]
    assert (off["bytes_h2d"], off["bytes_d2h"]) == (8, 8), off
    twin = rows["division"]["offload"]
    assert (twin["bytes_h2d"], twin["bytes_d2h"]) == (64 * 64 * 4 + 8, 8), twin
