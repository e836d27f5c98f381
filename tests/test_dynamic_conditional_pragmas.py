"""A ``#pragma acc`` chosen by a preprocessor conditional applies to the loop after the chain.

Programs pick their pragma with the preprocessor: ``#ifdef __GNUC__`` one form ``#else``
another, both above one loop, or ``#ifdef _OPENACC`` ... ``#endif`` around the pragma.  The
emulator took the statement right after each pragma as its loop; there it found ``#else`` or
``#endif``, warned "no statement after pragma" and ignored the pragma, so such a loop ran on the
host — a program whose device memory (``acc_malloc``) only the loop may touch failed, and the
bytes of every other were not counted.  C11 6.10.1p6: only the kept group is compiled, so the
pragma of the kept group (the preprocessor decides, with the build's flags: ``gcc -E`` keeps
the ``#pragma`` lines it processes) belongs to the statement after the chain, and a pragma of a
skipped group to none.

Twin: the same kernel built with ``-DUSE_SHORT`` keeps the group whose pragma maps one element
of the array the loop writes whole — the emulator now runs that pragma and reports the access
outside the mapped section.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void fill(int n, double *x)
{
#ifdef USE_SHORT
    #pragma acc parallel loop copyout(x[0:1])
#elif defined(__GNUC__)
    #pragma acc parallel loop copyout(x[0:n])
#else
    #pragma acc kernels loop copyout(x[0:1])
#endif
    for (int i = 0; i < n; i++)
        x[i] = i;
}

void add(int n, double *x)
{
#ifdef _OPENACC
#  pragma acc parallel loop copy(x[0:n])
#endif
    for (int i = 0; i < n; i++)
        x[i] += 1.0;
}
"""
MAIN = """#include <stdio.h>
void fill(int n, double *x);
void add(int n, double *x);
int main(void) {
  double x[100];
  int bad = 0;
  fill(100, x);
  add(100, x);
  for (int i = 0; i < 100; i++) bad += x[i] != i + 1.0;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_the_kept_groups_pragma_runs_its_loop(tmp_path):
    manifest = write_suite(tmp_path, {"kept": (KERNEL, MAIN), "short": (KERNEL, MAIN)},
                           flags={"short": "-DUSE_SHORT"})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    rows = {r["name"]: r for r in res["programs"]}
    kept = rows["kept"]["original"]
    assert kept["status"] == "verified", kept
    # fill: copyout of 100 doubles; add: copy of 100 doubles, in and out
    assert (kept["bytes_h2d"], kept["bytes_d2h"]) == (800, 1600), kept
    assert not any("no statement after" in w for w in kept.get("warnings", [])), kept
    short = rows["short"]["original"]
    assert short["status"] not in ("verified", "compile"), short
    assert rows["short"]["serial"]["status"] == "verified", rows["short"]["serial"]
