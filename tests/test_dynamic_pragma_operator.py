"""A pragma a macro writes (``_Pragma``, C11 6.10.9) runs in the emulator like the directive.

Benchmark programs generate their kernels with ``#define PRAGMA(x) _Pragma(#x)`` and
``PRAGMA( acc parallel loop deviceptr(in,out) )`` on a line of its own.  The emulator reads
``#pragma acc`` directives only, so such a loop ran on the host: over ``acc_malloc`` memory the
authors' program failed ("host code dereferences device memory"), and the bytes of any other
were not counted.  The preprocessor now says which lines a macro makes a ``#pragma acc`` (the
build's own flags; ``gcc -E``) and the emulated build reads that directive on that line.

The second program is a generated stencil: one expression of 512 terms in a compute construct
nests a binary expression per term, deeper than Python's default recursion limit; the whole
evaluation used to stop there with an internal error.

Twin: built with ``-DNO_ACC`` the macro writes nothing; the loop runs on the host and moves no
bytes.  Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#ifdef NO_ACC
#define PRAGMA(x)
#else
#define PRAGMA(x) _Pragma(#x)
#endif

void add(int n, double *x)
{
    PRAGMA( acc parallel loop copy(x[0:n]) )
    for (int i = 0; i < n; i++)
        x[i] += 1.0;
}
"""
MAIN = """#include <stdio.h>
void add(int n, double *x);
int main(void) {
  double x[100];
  int bad = 0;
  for (int i = 0; i < 100; i++) x[i] = i;
  add(100, x);
  for (int i = 0; i < 100; i++) bad += x[i] != i + 1.0;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
TERMS = 512  # a power of two: every partial sum of the 1/512 terms is exact
STENCIL = ("void add(int n, double *x)\n{\n    double y[" + str(TERMS) + "];\n"
           "    for (int k = 0; k < " + str(TERMS) + "; k++) y[k] = 1.0;\n"
           "    #pragma acc parallel loop copy(x[0:n]) copyin(y)\n"
           "    for (int i = 0; i < n; i++)\n        x[i] += "
           + " + ".join(f"y[{k}] * {1.0 / TERMS!r}" for k in range(TERMS)) + ";\n}\n")


def test_a_macro_written_pragma_runs_its_loop(tmp_path):
    manifest = write_suite(tmp_path, {"macro": (KERNEL, MAIN), "off": (KERNEL, MAIN),
                                      "deep": (STENCIL, MAIN)},
                           flags={"off": "-DNO_ACC"})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    rows = {r["name"]: r for r in res["programs"]}
    got = rows["macro"]["original"]
    assert got["status"] == "verified", got
    assert (got["bytes_h2d"], got["bytes_d2h"]) == (800, 800), got
    off = rows["off"]["original"]
    assert off["status"] == "verified", off
    assert (off["bytes_h2d"], off["bytes_d2h"]) == (0, 0), off
    deep = rows["deep"]["original"]
    assert deep["status"] == "verified", deep
    assert (deep["bytes_h2d"], deep["bytes_d2h"]) == (800 + 8 * TERMS, 800), deep
