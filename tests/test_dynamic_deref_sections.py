"""A subscript through a dereference, proven on a whole program (the dynamic evaluation's
emulator: gcc -fopenacc translated to gangs on threads, separate device memory, every data
clause's section checked against the heap block it maps).  ``(*x)[i]`` is ``x[0][i]``
(C11 6.5.2.1p2: ``E1[E2]`` is ``*((E1)+(E2))``, so ``*x`` is ``x[0]``): the element lies in
the one array ``x`` points to (PolyBench's ``T (*x)[N]`` buffers, declared through a header's
macro that the loop's scope does not carry).  Read as ``x[i]``, the per-loop clauses mapped
``x[0:n]`` — n arrays of N doubles from a block of one — which a GPU would copy from and back
into memory the program does not own.  And the macro declaring the buffer in the function body
now travels with the loop's scope, so the per-loop answer maps the one array exactly."""

from __future__ import annotations

from pathlib import Path

from _offload_util import marked_lines, write_suite

from accellium.dataset.analysis import analyze
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

VEC_H = """#ifndef VEC_H
#define VEC_H
#include <stdlib.h>
#define VEC_DECL(v, len) double (*v)[len] = malloc(sizeof(double) * (len))
#endif
"""

KERNEL = """#include "vec.h"
#define N 200

double dot(int n, int *bad)
{
    VEC_DECL(x, N);
    VEC_DECL(y, N);
    double s = 0.0;
    for (int i = 0; i < n; i++) /* fill */
        (*x)[i] = (*y)[i] = 0.5 * i;
    for (int i = 0; i < n; i++) /* dot */
        s += (*x)[i] * (*y)[i];
    for (int i = 0; i < n; i++) /* check */
        *bad += (*x)[i] != 0.5 * i;
    free(x);
    free(y);
    return s;
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
double dot(int n, int *bad);
int main(void) {
  int n = 200, bad = 0;
  double s = dot(n, &bad), r = 0.0;
  for (int i = 0; i < n; i++) r += 0.25 * i * i;
  bad += fabs(s - r) > 1e-9 * r;
  printf(bad ? "FAILED %d\\n" : "OK\\n", bad);
  return 0;
}
"""


def test_a_dereferenced_base_is_the_first_object_it_points_to():
    """The loop's own facts: ``(*x)[i]`` is an access of ``x[0][i]``: the section has the
    leading ``[0:1]`` (the one array ``x`` points to), never ``x[0:n]``."""
    f = analyze("for (int i = 0; i < n; i++)\n    s += (*x)[i] * y[i];\n")
    assert f.sections.get("x", "x[0:1]").startswith("x[0:1]"), f.sections
    assert f.sections.get("y") == "y[0:n]", f.sections
    # a carried dependence through the dereference is still one
    g = analyze("for (int i = 0; i < n - 1; i++)\n    (*x)[i + 1] += (*x)[i];\n")
    assert any(d.var == "x" for d in g.carried), g.carried


def test_per_loop_clauses_of_a_dereferenced_base_stay_in_the_array(tmp_path: Path):
    manifest = write_suite(tmp_path, {"deref": (KERNEL, MAIN)},
                           headers={"deref": {"vec.h": VEC_H}})
    res = evaluate_dynamic(manifest, "analysis", threads=2, runs=1, with_mutations=False,
                           offload=True)
    r = res["programs"][0]
    assert r["serial"]["status"] == "verified", r["serial"]
    # before: "bounds: section 'x[0:n]' covers bytes [...) of a heap block of 1600 bytes"
    assert r["engine"]["status"] == "verified", r["engine"]["reason"]
    for p in r["engine"]["pragmas"]:
        assert "x[0:n]" not in p["pragma"] and "y[0:n]" not in p["pragma"], p
    marks = marked_lines(KERNEL)
    # the header's declaring macro travels with the loop's scope (includes.declarations_at):
    # the per-loop answer knows `x` points to an array of N and maps that one array
    per_loop = {p["line"]: p for p in r["engine"]["pragmas"]}
    assert per_loop[marks["dot"]]["parallel"], per_loop
    assert "x[0:1][0:N]" in per_loop[marks["dot"]]["pragma"], per_loop
    assert r["offload"]["status"] == "verified", r["offload"]["reason"]
    offloaded = {ln for p in r["offload"]["plans"] for ln in p["loops"]}
    assert marks["dot"] in offloaded, r["offload"]["plans"]
