"""A subscript through a local the loop body sets first (issue #15).

``k = i * cols + j;`` then ``d[k]``: ``k`` is declared at the top of the function and set in
every iteration, so it changes inside the region and, before the rule, no section of ``d``
could use it (both loops stayed on the host with the note).  C11 6.8.3/6.5.16: a statement
``x = e;`` of a block gives ``x`` the value of ``e`` there, and until the block's end ``x``
keeps it when nothing else in the block assigns ``x`` (nor any name of ``e``) and its address
is never taken (no pointer writes it): each use after the statement in the block reads ``e``
of the same iteration.  So the section of ``d[k]`` is the one of ``d[i * cols + j]``.

The second loop setting ``m = j;`` then ``k = i * cols + m;`` (a name of ``k``'s value set
earlier in the block) is bounded the same way through ``m``'s own value: at ``k``'s
statement ``m`` holds what the block stored (C11 6.8p4; this twin stayed on the host before
the thirty-fifth session).  Twin that must not change: ``m`` set by two statements (``m = 0; m += j;``) — no one
statement gives ``m`` its value, ``k``'s value names a local that changes inside the region
and, the file planned alone, that loop stays on the host, as before (since the fifty-first
session the engine's note says so first: a local that ``+=`` changes has no one value, so
``c[k]`` is not proved to differ between iterations).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import offload_source

KERNEL = """void diffuse(int rows, int cols, const float *J, float *d, float *c)
{
    int i, j, k, m;
    for (i = 0; i < rows; i++) {
        for (j = 0; j < cols; j++) {
            k = i * cols + j;
            d[k] = 0.5f * J[k];
        }
    }
    for (i = 0; i < rows; i++) {
        for (j = 0; j < cols; j++) {
            k = i * cols + j;
            c[k] = d[k] + J[k];
        }
    }
}
"""
TWIN = KERNEL.replace("""            k = i * cols + j;
            c[k]""", """            m = j;
            k = i * cols + m;
            c[k]""")
# `m` set by two statements
LATE = TWIN.replace("""            m = j;""", """            m = 0;
            m += j;""")
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void diffuse(int rows, int cols, const float *J, float *d, float *c);
int main(void) {
  int rows = 40, cols = 24, bad = 0;
  float *J = malloc(rows * cols * sizeof *J), *d = malloc(rows * cols * sizeof *d);
  float *c = malloc(rows * cols * sizeof *c);
  for (int e = 0; e < rows * cols; e++) J[e] = (e * 7) % 13;
  diffuse(rows, cols, J, d, c);
  for (int e = 0; e < rows * cols; e++)
    bad += fabsf(d[e] - 0.5f * J[e]) > 1e-6f || fabsf(c[e] - 1.5f * J[e]) > 1e-6f;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_the_value_set_first_in_the_block_bounds_the_section(engine):
    (plan,) = offload_source(KERNEL.encode(), engine, path="kernel.c")
    assert [x["line"] for x in plan.loops] == [4, 10], plan.to_json()
    assert {a["name"]: a["section"] for a in plan.arrays} == {
        "d": "d[0:cols*rows]", "J": "J[0:cols*rows]", "c": "c[0:cols*rows]"}, plan.arrays
    (twin,) = offload_source(TWIN.encode(), engine, path="kernel.c")
    assert [x["line"] for x in twin.loops] == [4, 10], twin.to_json()
    assert {a["name"]: a["section"] for a in twin.arrays} == {
        "d": "d[0:cols*rows]", "J": "J[0:cols*rows]", "c": "c[0:cols*rows]"}, twin.arrays
    (late,) = offload_source(LATE.encode(), engine, path="kernel.c")
    assert [x["line"] for x in late.loops] == [4], late.to_json()
    assert any(h["line"] == 10 and ("uses `m`, which changes inside the region" in h["why"]
                                    or "the iterations depend on each other" in h["why"])
               for h in late.host_loops), late.host_loops


def test_both_programs_verify(tmp_path):
    manifest = write_suite(tmp_path, {"set_first": (KERNEL, MAIN), "chained": (TWIN, MAIN)})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    assert rows["set_first"]["offload_loops"] == 2, rows["set_first"]["offload"]["plans"]
    assert rows["chained"]["offload_loops"] == 2, rows["chained"]["offload"]["plans"]
    for name, row in rows.items():
        assert row["offload"]["status"] == "verified", (name, row["offload"]["reason"])
    size = 40 * 24 * 4
    # one region: J in, d and c out once
    off = rows["set_first"]["offload"]
    assert (off["bytes_h2d"], off["bytes_d2h"]) == (size, 2 * size), off
