"""An array a compute construct reaches only through a function-like index macro is
translated to its device copy.

``#define REF(i, j) ref[(i) * m + (j)]`` and ``REF(i, j) = ...`` inside a compute construct
(Rodinia, SPEC ACCEL index macros): the construct's text never names ``ref``, only the
macro's expansion does (C11 6.10.3, translation phase 4).  The emulator left the expansion
to the preprocessor, so the writes landed on host memory: a correct ``copyout(ref)`` copied
the stale device copy back over them (correct pragmas failed) and a missing one passed.  Such
a use is now written out expanded inside the construct, its names renamed to the device
copies (``cmacros.rewritten``), and ``ref`` is bound as a name of the construct's text is.

Twins: ``copyout(ref)`` verifies; ``create(ref)`` fails (``data``).  Without the fix both
went the other way.  Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#define REF(i, j) ref[(i) * m + (j)]
#define A(i, j) a[(i) * m + (j)]

void fill(int n, int m, const double *a, double *ref)
{
    #pragma acc parallel loop copyin(a[0:n*m]) CLAUSE(ref[0:n*m])
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            REF(i, j) = 2.0 * A(i, j) + 1.0;
}
"""
MAIN = """#include <stdio.h>
void fill(int n, int m, const double *a, double *ref);
static double a[64 * 48], r[64 * 48];
int main(void) {
  int bad = 0;
  for (int k = 0; k < 64 * 48; k++) a[k] = k % 13, r[k] = -1.0;
  fill(64, 48, a, r);
  for (int k = 0; k < 64 * 48; k++) bad += r[k] != 2.0 * a[k] + 1.0;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_writes_through_an_index_macro_reach_the_device_copy(tmp_path):
    manifest = write_suite(tmp_path, {"right": (KERNEL.replace("CLAUSE", "copyout"), MAIN),
                                      "wrong": (KERNEL.replace("CLAUSE", "create"), MAIN)})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    rows = {r["name"]: r for r in res["programs"]}
    right, wrong = rows["right"], rows["wrong"]
    assert right["serial"]["status"] == "verified", right["serial"]
    assert right["original"]["status"] == "verified", right["original"]
    assert wrong["serial"]["status"] == "verified", wrong["serial"]
    assert wrong["original"]["status"] == "data", wrong["original"]
