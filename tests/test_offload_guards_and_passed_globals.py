"""Two plans that moved data the program does not own or did not keep (found by probing the
offload plans with self-checking programs):

* **A test that bounds a loop's bounds** — ``if (k <= n) { for (i = 0; i < k; i++) b[i] =
  ...; }``.  The region went above the ``if`` and mapped ``b[0:k]`` whether the test held or
  not (a data construct evaluates its sections where it starts, OpenACC 3.3, 2.6.5): called
  with ``k > n`` the loop never runs, but the section reached past the array (``bounds``).
  Now such a loop stays out of a region above the test, and the region inside the branch is
  a candidate (with two loops there, it wins).  ``if (n > 1)`` around ``i < n`` (a test that
  only keeps the loop from being empty) changes nothing.
* **A global array a call passes for a parameter** — ``gx(GN, G, y)`` where ``gx`` also
  names ``G``: ``x`` and ``G`` are one array (:mod:`accellium.dataset.offload.passed_alike`
  now pairs them), but the region mapped ``copyin(G) copyout(x[0:n])`` and the exit order of
  one construct's clauses is not fixed (2.6.7): the results were discarded.  Now the pair's
  rules apply (here the loop through ``x`` stays on the host, and the region keeps the other).

Whole programs (gcc, the data-environment emulator): the offload plans verify.
"""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

GUARDED = """void guarded(int n, int k, double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
    if (k <= n) {
        for (int i = 0; i < k; i++)
            b[i] = a[i] * 2.0;
        for (int i = 0; i < k; i++)
            b[i] = b[i] + a[i];
    }
}
void nonempty(int n, double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] * 0.5;
    if (n > 1) {
        for (int i = 0; i < n; i++)
            b[i] = a[i] + 1.0;
    }
}
"""
GUARDED_MAIN = """#include <stdio.h>
#include <stdlib.h>
void guarded(int n, int k, double *restrict a, double *restrict b);
void nonempty(int n, double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 100 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    for (int i = 0; i < N; i++) { a[i] = i; b[i] = -1.0; }
    guarded(N, 50, a, b);
    for (int i = 0; i < N; i++)
        if (a[i] != i + 1.0 || b[i] != (i < 50 ? 3.0 * (i + 1.0) : -1.0)) { puts("BAD 1"); return 1; }
    guarded(N, 100000, a, b);  /* the test fails: nothing past b[N-1] may be touched */
    for (int i = 0; i < N; i++) if (a[i] != i + 2.0) { puts("BAD 2"); return 1; }
    nonempty(N, a, b);
    for (int i = 0; i < N; i++) if (b[i] != 0.5 * (i + 2.0) + 1.0) { puts("BAD 3"); return 1; }
    puts("OK");
    free(a); free(b);
    return 0;
}
"""
PASSED = """#define GN 1000
double G[GN];
void gx(int n, double *x, double *y)
{
    for (int i = 0; i < n; i++)
        x[i] = G[i] * 2.0;
    for (int i = 0; i < n; i++)
        y[i] = y[i] + G[i];
}
"""
PASSED_MAIN = """#include <stdio.h>
#define GN 1000
extern double G[GN];
void gx(int n, double *x, double *y);
int main(void)
{
    static double y[GN];
    for (int i = 0; i < GN; i++) { G[i] = i; y[i] = 1.0; }
    gx(GN, G, y);
    for (int i = 0; i < GN; i++)
        if (G[i] != 2.0 * i || y[i] != 1.0 + 2.0 * i) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_the_region_goes_inside_the_bounding_test():
    text, _ = plan_text(GUARDED, get_engine("analysis"))
    lines = text.splitlines()
    test = next(k for k, ln in enumerate(lines) if "if (k <= n)" in ln)
    data = [k for k, ln in enumerate(lines) if ln.strip().startswith("#pragma acc data")]
    guarded_end = next(k for k, ln in enumerate(lines) if ln.startswith("void nonempty"))
    assert any(test < k < guarded_end for k in data), text
    assert not any(k < test for k in data), text
    nonempty_test = next(k for k, ln in enumerate(lines) if "if (n > 1)" in ln)
    assert any(guarded_end < k < nonempty_test for k in data), text


def test_the_plans_verify(tmp_path):
    run_verified(tmp_path, {"guarded": (GUARDED, GUARDED_MAIN), "passed": (PASSED, PASSED_MAIN)},
                 variants=("offload",))
