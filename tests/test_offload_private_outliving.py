"""A per-loop answer's ``private`` of an array that outlives the function (issue #15).

A time loop that rewrites an array parameter whole at the top of every step (a dynamic
programming table rebuilt each step, read by the caller afterwards) looks like a scratch
array each iteration writes before reading, and the per-loop analysis answered ``parallel
loop ... private(c)``.  That cannot stand: ``c`` is a parameter, a pointer in C (C11
6.7.6.3p7), so ``private(c)`` gives each gang a pointer, not its elements; and the caller
reads the values the last step leaves, which private copies discard (OpenACC 3.3, 2.5.13).
With the file known, only a true array declared in the function's body is made private;
any other such array is a carried dependence (every iteration writes the same elements), so
the loop stays on the host — in the per-loop suggestions and in the plan, which offloads the
nests inside it (and keeps on the host any loop whose answer, from any engine, still
privatizes such an array).

The same when the parameters are spelled through a macro (``double ARR_2D(c, M, M)``): the
clause check keeps ``private(c)`` (a parameter spelled as a macro call may declare any of its
arguments), where it used to drop it as undeclared and leave a racy ``parallel loop``.

Twin: the scratch array is a true array declared in the function's body (``double t[M]``),
which nothing reads after the loop: its ``private(t)`` stands and the loop is offloaded.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

STEPS = """#define M 32

void steps(int T, int n, double c[][M], const double w[][M], double *out)
{
    double acc = 0.0;
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                c[i][j] = w[i][j] * (t + 1);
        for (int i = 1; i < n; i++)
            for (int j = 0; j < n; j++)
                c[i][j] += c[i - 1][j];
        acc += c[n - 1][0];
    }
    *out = acc;
}
"""
STEPS_MAIN = """#include <math.h>
#include <stdio.h>
#define M 32
void steps(int T, int n, double c[][M], const double w[][M], double *out);
static double c[M][M], w[M][M], r[M][M];
int main(void) {
  int n = 30, T = 4, bad = 0; double out, ref = 0.0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) w[i][j] = (i * 3 + j) % 5 * 0.5, c[i][j] = r[i][j] = -1.0;
  steps(T, n, c, w, &out);
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) r[i][j] = w[i][j] * (t + 1);
    for (int i = 1; i < n; i++) for (int j = 0; j < n; j++) r[i][j] += r[i - 1][j];
    ref += r[n - 1][0];
  }
  bad += fabs(out - ref) > 1e-9;
  for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) bad += fabs(c[i][j] - r[i][j]) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
MACRO_STEPS = STEPS.replace("#define M 32\n", "#define M 32\n#define ARR_2D(v, a, b) v[a][b]\n") \
    .replace("double c[][M], const double w[][M]",
             "double ARR_2D(c, M, M), const double ARR_2D(w, M, M)")
SCRATCH = """#define M 32

void rowsum(int n, const double a[][M], double *out)
{
    double t[M];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < M; j++)
            t[j] = a[i][j] * 2.0;
        double s = 0.0;
        for (int j = 0; j < M; j++)
            s += t[j];
        out[i] = s;
    }
}
"""
SCRATCH_MAIN = """#include <math.h>
#include <stdio.h>
#define M 32
void rowsum(int n, const double a[][M], double *out);
static double a[M][M], out[M];
int main(void) {
  int n = 30, bad = 0;
  for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) a[i][j] = (i + 2 * j) % 7;
  rowsum(n, a, out);
  for (int i = 0; i < n; i++) {
    double s = 0.0;
    for (int j = 0; j < M; j++) s += a[i][j] * 2.0;
    bad += fabs(out[i] - s) > 1e-12;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_private_parameter_keeps_the_loop_on_the_host(tmp_path, engine):
    text, plans = plan_text(STEPS, engine)
    plan = plans["steps"]
    assert plan.host_loops[0]["line"] == 6, plan.host_loops
    assert "depend" in plan.host_loops[0]["why"], plan.host_loops
    assert [x["line"] for x in plan.loops] == [7, 11], plan.loops  # the nests inside the step
    assert not any("private(c" in a for a in acc_lines(text)), acc_lines(text)
    twin, tplans = plan_text(SCRATCH, engine)
    assert [x["line"] for x in tplans["rowsum"].loops] == [6], tplans["rowsum"].host_loops
    assert any("private(t)" in a for a in acc_lines(twin)), acc_lines(twin)
    mtext, mplans = plan_text(MACRO_STEPS, engine)
    assert mplans["steps"].host_loops[0]["line"] == 7, mplans["steps"].host_loops
    assert not any("private(c" in a for a in acc_lines(mtext)), acc_lines(mtext)
    res = evaluate_dynamic(write_suite(tmp_path, {"steps": (STEPS, STEPS_MAIN),
                                                  "macro_steps": (MACRO_STEPS, STEPS_MAIN),
                                                  "scratch": (SCRATCH, SCRATCH_MAIN)}),
                           "analysis", runs=3, with_mutations=False, offload=True)
    verified_offload_bytes(res)
    # the per-loop suggestions too: no `private(c)` of the parameter (a pointer) either
    for row in res["programs"]:
        assert row["engine"]["status"] == "verified", (row["name"], row["engine"]["reason"])
        assert not any("private(c" in (p["pragma"] or "") for p in row["engine"]["pragmas"])
