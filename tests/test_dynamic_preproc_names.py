"""Names a preprocessor conditional tests inside a compute construct are not variables.

The emulator binds each free variable of a compute construct at its entry.  A construct whose
body holds ``#ifdef DEBUG_T`` or ``#if TIMERS > 1`` (debug prints, timers: common in real
benchmark programs) had those names bound as variables too; undefined, they do not exist, and
the translated program did not build (``'DEBUG_T' undeclared``), so the authors' pragmas of
such a program failed with ``compile``.  The preprocessor reads them as macros (an undefined
one is 0 in ``#if``, C11 6.10.1p4): they are no longer bound.

The same holds for the check that a function the construct calls is an ``acc routine`` (a
GPU build does not link otherwise): it is now written at the call, so a call in a skipped
group (a timer, a debug print) no longer fails the build.

Twins: the group the build keeps (``-DSCALE``) uses the variable ``s`` inside the construct:
it is still bound (a ``parallel`` construct's firstprivate), and the result is scaled; with
``-DDEBUG_T=0`` the call of ``tick`` is compiled, and the build fails as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void tick(int k) { (void)k; }

void step(int n, double *x, double s)
{
    #pragma acc parallel loop copy(x[0:n])
    for (int i = 0; i < n; i++) {
#ifdef DEBUG_T
        if (DEBUG_T > 1) x[i] = -1.0;
        tick(i);
#endif
#if defined(SCALE) && TIMERS + 1 > 0
        x[i] *= s;
#elif OTHER_MODE
        x[i] -= 1.0;
#endif
        x[i] += 1.0;
    }
}
"""
MAIN = """#include <stdio.h>
void step(int n, double *x, double s);
int main(void) {
  double x[100];
  int bad = 0;
  for (int i = 0; i < 100; i++) x[i] = i;
  step(100, x, 3.0);
  for (int i = 0; i < 100; i++) bad += x[i] != FACTOR * i + 1.0;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_names_tested_by_the_preprocessor_are_not_bound(tmp_path):
    manifest = write_suite(tmp_path, {"plain": (KERNEL, MAIN.replace("FACTOR", "1.0")),
                                      "scaled": (KERNEL, MAIN.replace("FACTOR", "3.0")),
                                      "debug": (KERNEL, MAIN.replace("FACTOR", "1.0"))},
                           flags={"scaled": "-DSCALE", "debug": "-DDEBUG_T=0"})
    res = evaluate_dynamic(manifest, None, runs=3, with_mutations=False)
    rows = {r["name"]: r for r in res["programs"]}
    for name in ("plain", "scaled"):
        assert rows[name]["serial"]["status"] == "verified", rows[name]["serial"]
        assert rows[name]["original"]["status"] == "verified", rows[name]["original"]
    debug = rows["debug"]["original"]
    assert debug["status"] == "compile", debug
    assert "tick" in debug["reason"] and "is called in a compute region" in debug["reason"], \
        debug
