"""An array declared through a function-like macro that shares its name with a library
function is still translated to its device copy.

PolyBench declares its arrays as ``DATA_TYPE POLYBENCH_2D(y1, W, H, w, h)`` (deriche); the
parse of that parameter is a function declarator, so the emulator saw no object ``y1`` there,
and ``y1`` (a Bessel function of ``<math.h>``) counted as a function: its accesses inside a
compute construct were left on host memory.  A correct ``copyout(y1)`` then copied the stale
device copy back over the host's results (correct pragmas failed), and a missing one passed.
A name used as a subscript's operand (``y1[i][j]``), an assignment's target, ``++``/``--``'s
operand or ``.``/``->``'s operand cannot be a function (C11 6.5.2.1p1, 6.5.16p2, 6.5.2.4p1,
6.5.2.3p1-2): such a use, where the same declaration is in scope, shows the name is an object
there, which hides the function (C11 6.2.1p4).

Twins: ``copyout(y1)`` verifies; ``create(y1)`` (the host never gets ``y1`` back) fails
(``data``: wrong results that the serial build does not give).  Without the fix both went the other way.  Whole programs, built with real gcc
and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

HEADER = "#define ARR_2D(var, d1, d2) var[d1][d2]\n"
KERNEL = """#include <math.h>
#include <decl.h>
#define NR 64
#define NC 48

void smooth(int n, int m, double ARR_2D(in, NR, NC), double ARR_2D(y1, NR, NC),
            double ARR_2D(out, NR, NC))
{
    #pragma acc data copyin(in[0:NR][0:NC]) copyout(out[0:NR][0:NC]) Y1CLAUSE(y1[0:NR][0:NC])
    {
        #pragma acc parallel loop collapse(2)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                y1[i][j] = 2.0 * in[i][j];
        #pragma acc parallel loop collapse(2)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                out[i][j] = y1[i][j] + 1.0;
    }
}
"""
MAIN = """#include <stdio.h>
#define NR 64
#define NC 48
void smooth(int n, int m, double in[NR][NC], double y1[NR][NC], double out[NR][NC]);
static double in[NR][NC], y[NR][NC], out[NR][NC];
int main(void) {
  int bad = 0;
  for (int i = 0; i < NR; i++)
    for (int j = 0; j < NC; j++) in[i][j] = (i * 7 + j * 3) % 11, y[i][j] = out[i][j] = -1.0;
  smooth(NR, NC, in, y, out);
  for (int i = 0; i < NR; i++)
    for (int j = 0; j < NC; j++)
      bad += y[i][j] != 2.0 * in[i][j] || out[i][j] != 2.0 * in[i][j] + 1.0;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_array_named_like_a_library_function_is_translated(tmp_path):
    manifest = write_suite(tmp_path, {"right": (KERNEL.replace("Y1CLAUSE", "copyout"), MAIN),
                                      "wrong": (KERNEL.replace("Y1CLAUSE", "create"), MAIN)},
                           headers={"right": {"decl.h": HEADER}, "wrong": {"decl.h": HEADER}})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    rows = {r["name"]: r for r in res["programs"]}
    right, wrong = rows["right"], rows["wrong"]
    assert right["serial"]["status"] == "verified", right["serial"]
    assert right["original"]["status"] == "verified", right["original"]
    assert wrong["serial"]["status"] == "verified", wrong["serial"]
    assert wrong["original"]["status"] == "data", wrong["original"]
