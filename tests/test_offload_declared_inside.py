"""An array declared inside the region's range of statements (found by a sweep over real
OpenACC sources).

A function whose loops use an array declared between them (``double low[NT];`` after the
first loops, as buffers for a later library call often are) got a data region starting above
the first loop and naming that array in its clauses: before its declaration, outside its
scope (C11 6.2.1p4: an identifier's scope begins just after its declarator), so the file no
longer compiled.  The loops using such an array now stay on the host, with a note, and the
region covers the others; a region that would still name one is refused.

Twin: the same array declared at the function's top is mapped, and all three loops go in one
region.  Whole programs (the helper in another file), built with real gcc and run in the
data-environment emulator; the planned files compile with ``gcc -fopenacc``.  (The loops
run an inner loop: a single pass over the function's own array,
copied in for it alone, would stay on the host, docs/offload.md item 15.)"""

from __future__ import annotations

from _offload_util import acc_lines, gcc_compile, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

INSIDE = """#define NT 64
void host_sum(const double *in, double *out, int n);

void stats(const double *tot, double *avg, double *lo)
{
    double send[NT], recv[NT];
    for (int i = 0; i < NT; i++)
        for (int k = 0; k < 1; k++)
            send[i] = 2.0 * tot[i];
    host_sum(send, recv, NT);
    for (int i = 0; i < NT; i++)
        for (int k = 0; k < 1; k++)
            avg[i] = recv[i] / 4.0;
    double low[NT];
    host_sum(avg, low, NT);
    for (int i = 0; i < NT; i++)
        for (int k = 0; k < 1; k++)
            lo[i] = low[i] + avg[i];
}
"""
TOP = INSIDE.replace("    double send[NT], recv[NT];\n", "    double send[NT], recv[NT], low[NT];\n") \
    .replace("    double low[NT];\n", "")
MAIN = """#include <math.h>
#include <stdio.h>
#define NT 64
void stats(const double *tot, double *avg, double *lo);
void host_sum(const double *in, double *out, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) { s += in[i]; out[i] = s; }
}
static double tot[NT], avg[NT], lo[NT];
int main(void) {
  int bad = 0;
  for (int i = 0; i < NT; i++) tot[i] = (i * 5) % 7;
  stats(tot, avg, lo);
  double s = 0.0, low = 0.0;
  for (int i = 0; i < NT; i++) {
    s += 2.0 * tot[i];
    double a = s / 4.0;
    bad += fabs(avg[i] - a) > 1e-12;
  }
  for (int i = 0; i < NT; i++) {
    low += avg[i];
    bad += fabs(lo[i] - (low + avg[i])) > 1e-12;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_loop_over_an_array_declared_inside_stays_on_the_host(tmp_path, engine):
    # the driver known (`--program`): `host_sum` is host code a region may hold
    text, plans = plan_text(INSIDE, engine, program=[MAIN.encode()])
    plan = plans["stats"]
    assert [x["line"] for x in plan.loops] == [7, 11], plan.loops
    assert [x["line"] for x in plan.host_loops] == [16], plan.host_loops
    assert "`low` is declared inside the region (line 14)" in plan.host_loops[0]["why"]
    assert not any("low" in a for a in acc_lines(text)), acc_lines(text)
    built = gcc_compile(tmp_path, text)
    assert built.returncode == 0, built.stderr + text
    twin, tplans = plan_text(TOP, engine, program=[MAIN.encode()])
    assert [x["line"] for x in tplans["stats"].loops] == [7, 11, 15], tplans["stats"].host_loops
    assert any("low" in a for a in acc_lines(twin)), acc_lines(twin)
    built = gcc_compile(tmp_path, twin, "twin")
    assert built.returncode == 0, built.stderr + twin
    res = evaluate_dynamic(write_suite(tmp_path, {"inside": (INSIDE, MAIN), "top": (TOP, MAIN)}),
                           "analysis", runs=3, with_mutations=False, offload=True)
    verified_offload_bytes(res)
