"""A host statement's push is left out when the next statement pushes the same section
(issue #15).

A device loop reads weights that two host loops side by side update in each iteration of a
time loop.  Each host loop writes ``w[1:m-1]``; the device reads the weights again only in
the next iteration.  The first loop's ``update device`` is not needed: only the second host
loop runs before the second loop's own ``update device`` of the same section, which sends
the host's values, the first loop's writes included.  (With an ``update self`` of the
weights between the two loops, that pull would also go: it would only bring back what the
first push sent.)

Twin: the second statement writes one element (``w[0:1]``), another section: the first
loop's push stays, or the device would keep the old ``w[1:m-1]``.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """void smooth(int n, int m, int iters, const double *b, double *w, double *out)
{
    for (int t = 0; t < iters; t++) {
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int f = 0; f < m; f++)
                s += b[j * m + f] * w[f];
            out[j] = s;
        }
        for (int f = 1; f < m; f++)
            w[f] = w[f] + 0.25 * w[f - 1];
        SECOND
    }
}
"""
SAME = """for (int f = 1; f < m; f++)
            w[f] = w[f] - 0.125 * w[f - 1];"""
ONE = "w[0] = 0.5 * w[0];"
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth(int n, int m, int iters, const double *b, double *w, double *out);
int main(void) {
  int n = 400, m = 16, it = 4, bad = 0;
  double *b = malloc(sizeof(double) * n * m), *w = malloc(sizeof(double) * m);
  double *rw = malloc(sizeof(double) * m), *out = malloc(sizeof(double) * n);
  double *ro = malloc(sizeof(double) * n);
  for (int i = 0; i < n * m; i++) b[i] = (i * 37 % 101) * 0.01;
  for (int f = 0; f < m; f++) w[f] = rw[f] = 1.0 + 0.5 * f;
  smooth(n, m, it, b, w, out);
  for (int t = 0; t < it; t++) {
    for (int j = 0; j < n; j++) { double s = 0.0;
      for (int f = 0; f < m; f++) s += b[j * m + f] * rw[f];
      ro[j] = s; }
    for (int f = 1; f < m; f++) rw[f] = rw[f] + 0.25 * rw[f - 1];
    SECOND
  }
  for (int j = 0; j < n; j++) bad += fabs(out[j] - ro[j]) > 1e-9;
  for (int f = 0; f < m; f++) bad += fabs(w[f] - rw[f]) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
REF = {SAME: "for (int f = 1; f < m; f++) rw[f] = rw[f] - 0.125 * rw[f - 1];",
       ONE: "rw[0] = 0.5 * rw[0];"}


def test_a_push_the_next_statement_repeats_is_left_out(tmp_path):
    engine = get_engine("analysis")
    same = KERNEL.replace("SECOND", SAME)
    text, plans = plan_text(same, engine)
    assert plans["smooth"].regions[0]["start_line"] == 3, plans["smooth"].regions
    acc = acc_lines(text)
    assert [a for a in acc if "update" in a] == ["#pragma acc update device(w[1:m-1])"], acc
    lines = text.splitlines()
    assert lines[-3].strip() == "#pragma acc update device(w[1:m-1])", text  # after the second
    twin_src = KERNEL.replace("SECOND", ONE)
    twin, _ = plan_text(twin_src, engine)
    tacc = acc_lines(twin)
    assert [a for a in tacc if "update" in a] == ["#pragma acc update device(w[1:m-1])",
                                                  "#pragma acc update device(w[0:1])"], tacc
    res = evaluate_dynamic(write_suite(tmp_path, {
        "same": (same, MAIN.replace("SECOND", REF[SAME])),
        "twin": (twin_src, MAIN.replace("SECOND", REF[ONE]))}),
        "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, r in rows.items():
        assert r["status"] == "verified", (name, r["reason"])
    # b (n*m doubles) in once for all the iterations, w pushed once per iteration
    assert rows["same"]["bytes_h2d"] == 8 * (400 * 16 + 16 + 4 * 15), rows["same"]
