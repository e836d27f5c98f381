"""An allocation's count describes the pointer's memory only while the pointer holds it
(issue #15).

A function allocates ``n`` elements for ``t``, fills them on the host, grows the buffer with
``t = realloc(t, m * sizeof *t)`` and then offloads two loops over ``t[0..m-1]``.  The planner
took the section of ``t`` from its ``malloc`` (``t[0:n]``) although the loops reach ``m``
elements of another object: the emulator stopped the program (the loops reach outside the
mapped section).  A pointer the function assigns anywhere besides its one allocation gets no
section from it: the section comes from what the loops reach, ``t[0:m]``.

Twin: the same function allocating ``m + 4`` elements at once (no other assignment of ``t``)
keeps the allocation's section, ``t[0:m+4]``.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """#include <stdlib.h>
double work(int n, int m, double *b)
{
    double *t = malloc(sizeof(double) * COUNT);
    for (int i = 0; i < n; i++)
        t[i] = b[i] * 2.0;
GROW
    for (int i = n; i < m; i++)
        t[i] = 1.0;
    for (int i = 0; i < m; i++)
        b[i] = t[i] + 0.5 * t[m - 1 - i];
    double s = t[0];
    free(t);
    return s;
}
"""
REALLOC = KERNEL.replace("COUNT", "n").replace(
    "GROW", "    t = realloc(t, sizeof(double) * m);")
AT_ONCE = KERNEL.replace("COUNT", "(m + 4)").replace("GROW\n", "")
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double work(int n, int m, double *b);
int main(void) {
  int n = 500, m = 800, bad = 0;
  double *b = malloc(8 * m), *r = malloc(8 * m), *t = malloc(8 * m);
  for (int i = 0; i < m; i++) b[i] = r[i] = i % 11;
  double s = work(n, m, b);
  for (int i = 0; i < n; i++) t[i] = r[i] * 2.0;
  for (int i = n; i < m; i++) t[i] = 1.0;
  for (int i = 0; i < m; i++) r[i] = t[i] + 0.5 * t[m - 1 - i];
  bad += s != t[0];
  for (int i = 0; i < m; i++) bad += fabs(b[i] - r[i]) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_a_reallocated_pointer_gets_the_section_its_loops_reach(tmp_path):
    engine = get_engine("analysis")
    text, _ = plan_text(REALLOC, engine)
    data = [a for a in acc_lines(text) if a.startswith("#pragma acc data")]
    assert data == ["#pragma acc data copy(t[0:m]) copyout(b[0:m])"], text
    twin, _ = plan_text(AT_ONCE, engine)
    tdata = [a for a in acc_lines(twin) if a.startswith("#pragma acc data")]
    assert tdata == ["#pragma acc data copy(t[0:m+4]) copyout(b[0:m])"], twin
    res = evaluate_dynamic(write_suite(tmp_path, {"realloc": (REALLOC, MAIN),
                                                  "at_once": (AT_ONCE, MAIN)}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, r in rows.items():
        assert r["status"] == "verified", (name, r["reason"])
    # t (m doubles) in and out, b (m doubles) out
    assert rows["realloc"]["bytes_h2d"] == 8 * 800, rows["realloc"]
    assert rows["realloc"]["bytes_d2h"] == 8 * 800 * 2, rows["realloc"]
