"""No branch enters a data region.

A function's first loop leaves early with ``goto out`` to a label on the statement after it;
the loops from the label on share an array.  The planner put the data region's ``{`` above
the label: the jump entered the region past its ``data`` directive, so the loops' ``present``
clauses named data never mapped (OpenACC 3.3, 1.6: a structured block has no branch into it;
the emulator stopped the program).  A range holding a label some ``goto`` outside it targets
— or a ``case`` label of a ``switch`` outside it — is no region now: the loops stay on the
host with the note.

Twin: the same function without the ``goto`` (the label unused) keeps its region.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """void shape(double *a, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i] < 0)
            JUMP;
        a[i] = 1.0 / a[i];
    }
out:
    for (int i = 0; i < n; i++)
        a[i] = a[i] > 1.0 ? 1.0 : a[i];
    for (int i = 0; i < n; i++)
        a[i] += 0.5;
}
"""
GOTO = KERNEL.replace("JUMP", "goto out")
NO_GOTO = KERNEL.replace("JUMP", "a[i] = -a[i]")
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void shape(double *a, int n);
int main(void) {
  int n = 400, bad = 0, neg = NEG;
  double *a = malloc(sizeof(double) * n), *r = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) a[i] = r[i] = 0.25 + i % 7;
  a[n / 2] = r[n / 2] = -3.0;
  shape(a, n);
  for (int i = 0; i < n; i++) {
    if (r[i] < 0) {
      if (neg) break;
      r[i] = -r[i];
    }
    r[i] = 1.0 / r[i];
  }
  for (int i = 0; i < n; i++) r[i] = (r[i] > 1.0 ? 1.0 : r[i]) + 0.5;
  for (int i = 0; i < n; i++) bad += fabs(a[i] - r[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_no_goto_enters_a_data_region(tmp_path):
    engine = get_engine("analysis")
    text, plans = plan_text(GOTO, engine)
    assert not any(a.startswith("#pragma acc data") for a in acc_lines(text)), text
    assert any("jumps to `out` inside the region" in n for n in plans["shape"].notes), \
        plans["shape"].notes
    twin, _ = plan_text(NO_GOTO, engine)
    assert "#pragma acc data copy(a[0:n])" in acc_lines(twin), twin
    run_verified(tmp_path, {"goto": (GOTO, MAIN.replace("NEG", "1")),
                            "no_goto": (NO_GOTO, MAIN.replace("NEG", "0"))},
                 variants=("offload",))
