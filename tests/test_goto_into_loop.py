"""No pragma on a loop that a ``goto`` enters.

A function jumps from before a loop to a label inside its body (``goto resume``: the first
pass starts half-way).  The per-loop suggestion put ``parallel loop copy(a[0:n])`` on the
loop: the jump entered the construct past its start (OpenACC 3.3, 1.6: no branch into a
structured block; gcc 12 does not reject it).  With the loop's file known, a ``goto``
outside the loop to a label inside it is a branch into it: no compute construct or loop
directive, with a note (``dataset/analysis/entries.py``).

Twin: the label targeted only by a ``goto`` inside the loop's body (a jump within one
iteration) keeps its parallel pragma.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_verified

ENTERED = """void halve(double *a, int n, int skip)
{
    int i = 0;
    if (skip)
        goto resume;
    for (i = 0; i < n; i++) {
        a[i] = a[i] + 1.0;
resume:
        a[i] = 0.5 * a[i];
    }
}
"""
INSIDE = """void halve(double *a, int n, int skip)
{
    int i = 0;
    for (i = 0; i < n; i++) {
        if (skip)
            goto resume;
        a[i] = a[i] + 1.0;
resume:
        a[i] = 0.5 * a[i];
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void halve(double *a, int n, int skip);
int main(void) {
  int n = 300, bad = 0;
  double *a = malloc(sizeof(double) * n), *r = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) a[i] = r[i] = i % 9;
  halve(a, n, 1);
  for (int i = 0; i < n; i++) r[i] = (i == 0 || !SKIP_FIRST_ONLY) ? 0.5 * r[i]
                                                                   : 0.5 * (r[i] + 1.0);
  for (int i = 0; i < n; i++) bad += fabs(a[i] - r[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_no_pragma_on_a_loop_a_goto_enters(tmp_path):
    rows = run_verified(tmp_path, {
        "entered": (ENTERED, MAIN.replace("SKIP_FIRST_ONLY", "1")),
        "inside": (INSIDE, MAIN.replace("SKIP_FIRST_ONLY", "0"))}, variants=("engine",))
    assert rows["entered"]["engine"]["pragmas"] == [], rows["entered"]["engine"]
    assert [p["pragma"] for p in rows["inside"]["engine"]["pragmas"]] == [
        "#pragma acc parallel loop copy(a[0:n])"], rows["inside"]["engine"]
