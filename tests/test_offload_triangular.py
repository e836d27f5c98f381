"""A triangular factorisation nest (issue #15): the outer loop carries a dependence (row ``i``
reads the column entries ``a[i][k]``, ``k < i``, that earlier iterations wrote), the inner
bounds depend on the outer index, and one scalar is reduced in one inner loop and private in
the other.

The plan keeps the outer loop on the host around one region, offloads the reduction
``x = x - a[i][j] * a[i][j]`` with ``reduction(+:x)`` (``x - e`` is ``x + (-e)``), pulls the
diagonal element the host reads (``a[i:1][i:1]``, not the row: the device wrote the row's other
elements), pushes ``p[i]`` after the host writes it, and offloads the column update with
``x`` private.  On a symmetric positive definite matrix the plan verifies in the emulator
(every run order, several lanes).  A reduction adds in another order than the serial loop:
on a matrix where ``x`` cancels to zero exactly (rank one), ``1 / sqrt(x)`` of the serial
program is already a rounding accident, and no parallel sum can reproduce it — that is the
input, not a race.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """#include <math.h>
#define N 120

void factor(int n, double p[N], double a[N][N])
{
    double x;
    for (int i = 0; i < n; i++) {
        x = a[i][i];
        for (int j = 0; j <= i - 1; j++)
            x = x - a[i][j] * a[i][j];
        p[i] = 1.0 / sqrt(x);
        for (int j = i + 1; j < n; j++) {
            x = a[i][j];
            for (int k = 0; k <= i - 1; k++)
                x = x - a[j][k] * a[i][k];
            a[j][i] = x * p[i];
        }
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N 120
void factor(int n, double p[N], double a[N][N]);
int main(void) {
  int n = N, bad = 0;
  double (*a)[N] = malloc(sizeof(double[N][N])), (*r)[N] = malloc(sizeof(double[N][N]));
  double *p = malloc(8 * N), *q = malloc(8 * N);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      a[i][j] = r[i][j] = (i == j ? 2.0 * n : 0.0) + 1.0 / (1 + i + j);
  factor(n, p, a);
  for (int i = 0; i < n; i++) {
    double x = r[i][i];
    for (int j = 0; j <= i - 1; j++) x = x - r[i][j] * r[i][j];
    q[i] = 1.0 / sqrt(x);
    for (int j = i + 1; j < n; j++) {
      x = r[i][j];
      for (int k = 0; k <= i - 1; k++) x = x - r[j][k] * r[i][k];
      r[j][i] = x * q[i];
    }
  }
  for (int i = 0; i < n; i++) {
    bad += fabs(p[i] - q[i]) > 1e-9 * fabs(q[i]);
    for (int j = 0; j < n; j++) bad += fabs(a[i][j] - r[i][j]) > 1e-9 * (1 + fabs(r[i][j]));
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_the_triangular_nest_keeps_its_outer_loop_on_the_host_and_verifies(tmp_path):
    text, plans = plan_text(KERNEL, get_engine("analysis"))
    assert acc_lines(text) == [
        "#pragma acc data copyin(p[0:n]) copy(a[0:n][0:N])",
        "#pragma acc update self(a[i:1][i:1])",
        "#pragma acc parallel loop reduction(+:x) present(a[0:n][0:N])",
        "#pragma acc update device(p[i:1])",
        "#pragma acc parallel loop private(x) present(a[0:n][0:N], p[0:n])"], text
    lines = [ln.strip() for ln in text.splitlines()]
    # the region holds the outer loop, which stays on the host
    assert lines[lines.index("#pragma acc data copyin(p[0:n]) copy(a[0:n][0:N])") + 1] == \
        "for (int i = 0; i < n; i++) {", text
    res = evaluate_dynamic(write_suite(tmp_path, {"factor": (KERNEL, MAIN)}), "analysis",
                           runs=3, with_mutations=False, offload=True)
    row = res["programs"][0]["offload"]
    assert row["status"] == "verified", row["reason"]
