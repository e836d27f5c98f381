"""One element of a row pushed alone (issue #15).

A host statement between device loops that writes one element of an array of rows of a known
length (``double a[][M]``: ``a[k][k] = 1.0;``) gets its ``update device`` right after it.  The
section over whole rows, ``a[k:1][0:M]``, would also push the row's other elements — stale on
the host when the device wrote them (here in earlier iterations of the time loop: a
symmetric matrix filled row by row and column by column) — and overwrite the
device's values.  The one element is a contiguous subarray of its own, ``a[k:1][k:1]`` (every
leading length is 1): the update moves exactly what the statement wrote, and nothing needs to
be brought back first.

Twin: the host statement is a loop along the row (``a[k][c] = a[k][c - 1]``, a recurrence the
host keeps): no single element; the whole row is brought from the device (``update self``)
and pushed back.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, line_after, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#define M 24

void corr(int n, double a[][M], const double b[][M])
{
    for (int k = 0; k < n - 1; k++) {
        HOST
        for (int j = k + 1; j < n; j++) {
            double s = 0.0;
            for (int i = 0; i < n; i++)
                s += b[i][k] * b[i][j];
            a[k][j] = s;
            a[j][k] = s;
        }
    }
}
"""
ONE = "a[k][k] = 1.0;"
ROW = "for (int c = 1; c <= k; c++)\n            a[k][c] = a[k][c - 1];"
MAIN = """#include <math.h>
#include <stdio.h>
#define M 24
void corr(int n, double a[][M], const double b[][M]);
static double a[M][M], b[M][M], r[M][M];
int main(void) {
  int n = 20, bad = 0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) b[i][j] = (i * 5 + j * 3) % 7 - 3.0, a[i][j] = r[i][j] = -1.0;
  corr(n, a, b);
  for (int k = 0; k < n - 1; k++) {
    HOSTREF
    for (int j = k + 1; j < n; j++) {
      double s = 0.0;
      for (int i = 0; i < n; i++) s += b[i][k] * b[i][j];
      r[k][j] = r[j][k] = s;
    }
  }
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) bad += fabs(a[i][j] - r[i][j]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_one_element_of_a_row_is_pushed_alone(tmp_path, engine):
    text, plans = plan_text(KERNEL.replace("HOST", ONE), engine)
    assert [x["line"] for x in plans["corr"].loops] == [7], plans["corr"].host_loops
    acc = acc_lines(text)
    assert "#pragma acc update device(a[k:1][k:1])" in acc, acc
    assert line_after(text, ONE) == "#pragma acc update device(a[k:1][k:1])"
    assert not any("update self" in a for a in acc), acc
    twin, _ = plan_text(KERNEL.replace("HOST", ROW), engine)
    tacc = acc_lines(twin)
    assert "#pragma acc update self(a[k:1][0:M])" in tacc, tacc
    assert "#pragma acc update device(a[k:1][0:M])" in tacc, tacc
    res = evaluate_dynamic(write_suite(tmp_path, {
        "one": (KERNEL.replace("HOST", ONE), MAIN.replace("HOSTREF", ONE.replace("a[", "r["))),
        "row": (KERNEL.replace("HOST", ROW), MAIN.replace("HOSTREF", ROW.replace("a[", "r[")))}),
        "analysis", runs=3,
        with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # the element: one element each step (19 steps), on top of a in and out and b in
    assert moved["one"] == (3 * 20 * 24 + 19) * 8, moved
