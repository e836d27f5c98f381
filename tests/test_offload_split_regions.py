"""Data regions on each side of a call no region may hold (issue #15).

A call left on the host whose callee offloads loops of its own and uses the array on the host
too (its plan cannot be hoisted) may not sit inside a region that maps that array: the
callee's constructs would find it present and its host code would read a stale copy.  The
planner made one region per function, so one such call between the loops of a function left
every loop of it on the host ("no data region").  A data construct's clauses act where it
starts and ends (OpenACC 3.3, 2.6.4 and 2.6.5), so the loops before the call get a region
that copies out what the call reads, and the loops after it a region that copies it in --
as a region does with the host code around it.  The regions must not overlap.

Twin: the callee offloads nothing (host code only); the call stays inside one region, with
its updates, as before.  And the call inside a time loop between two loops: regions on each
side inside the loop body would move their arrays every step, so the loops stay on the host.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N = 400
CALLEES = """#include <math.h>
static void refine(int n, double *x)
{
    for (int i = 0; i < n; i++)
        x[i] = sqrt(x[i] + 1.0);
    x[0] = x[n - 1] * 0.5;
}

static void bump(int n, double *x)
{
    x[0] = x[n - 1] * 0.5;
}
"""
RUN = CALLEES + """
void run(int n, int steps, double *a, double *b, double *c)
{
    for (int i = 0; i < n; i++)
        a[i] = 2.0 * b[i];
    for (int i = 0; i < n; i++)
        c[i] = a[i] + b[i];
    CALL(n, a);
    for (int i = 0; i < n; i++)
        b[i] = a[i] - c[i];
    for (int i = 0; i < n; i++)
        c[i] = c[i] * b[i];
}
"""
STEPS = CALLEES + """
void run(int n, int steps, double *a, double *b, double *c)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            a[i] = b[i] + 0.5 * c[i];
        refine(n, a);
        for (int i = 0; i < n; i++)
            b[i] = 0.25 * a[i];
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void run(int n, int steps, double *a, double *b, double *c);
static void ref_x(int n, double *x, int dev)
{
  if (dev) for (int i = 0; i < n; i++) x[i] = sqrt(x[i] + 1.0);
  x[0] = x[n - 1] * 0.5;
}
int main(void) {
  int n = 400, steps = 3, bad = 0;
  double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n);
  double *c = malloc(sizeof(double) * n), *ra = malloc(sizeof(double) * n);
  double *rb = malloc(sizeof(double) * n), *rc = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) { a[i] = ra[i] = 0.0; b[i] = rb[i] = i % 9; c[i] = rc[i] = 1.0; }
  run(n, steps, a, b, c);
  REF
  for (int i = 0; i < n; i++)
    bad += fabs(a[i] - ra[i]) > 1e-9 || fabs(b[i] - rb[i]) > 1e-9 || fabs(c[i] - rc[i]) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
REF_RUN = """for (int i = 0; i < n; i++) ra[i] = 2.0 * rb[i];
  for (int i = 0; i < n; i++) rc[i] = ra[i] + rb[i];
  ref_x(n, ra, DEV);
  for (int i = 0; i < n; i++) rb[i] = ra[i] - rc[i];
  for (int i = 0; i < n; i++) rc[i] = rc[i] * rb[i];"""
REF_STEPS = """for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++) ra[i] = rb[i] + 0.5 * rc[i];
    ref_x(n, ra, 1);
    for (int i = 0; i < n; i++) rb[i] = 0.25 * ra[i];
  }"""


def test_a_region_on_each_side_of_a_call_no_region_may_hold(tmp_path):
    engine = get_engine("analysis")
    split, one = RUN.replace("CALL", "refine"), RUN.replace("CALL", "bump")
    text, plans = plan_text(split, engine)
    run = plans["run"]
    assert len(run.loops) == 4, (run.loops, run.notes)
    said = [n for n in run.notes if "data region(s), split where" in n]
    assert said and "a call no region may hold" in said[0], run.notes
    datas = [a for a in acc_lines(text) if a.startswith("#pragma acc data")]
    assert len(datas) == 2, acc_lines(text)
    # the first region copies out `a`, which the call reads; the second copies it in
    assert "copyout(a[0:n]" in datas[0] or "copy(a[0:n]" in datas[0], datas
    assert "copyin(a[0:n]" in datas[1], datas
    # twin: a host-only callee stays inside the one region, with its updates
    ttext, tplans = plan_text(one, engine)
    tdatas = [a for a in acc_lines(ttext) if a.startswith("#pragma acc data")]
    assert len(tdatas) == 1 and len(tplans["run"].loops) == 4, acc_lines(ttext)
    assert any(a.startswith("#pragma acc update self(a") for a in acc_lines(ttext))
    # twin: the call inside a time loop between two loops. Regions on each side would be
    # entered every step, each moving its arrays both ways every time: the loops stay on
    # the host, and only the call's own constructs move data
    stext, splans = plan_text(STEPS, engine)
    assert not splans["run"].loops and not splans["run"].regions, splans["run"].notes
    assert not [a for a in acc_lines(stext[stext.index("void run"):])
                if a.startswith("#pragma acc parallel loop")], acc_lines(stext)
    res = evaluate_dynamic(write_suite(tmp_path, {
        "split": (split, MAIN.replace("REF", REF_RUN.replace("DEV", "1"))),
        "one": (one, MAIN.replace("REF", REF_RUN.replace("DEV", "0"))),
        "steps": (STEPS, MAIN.replace("REF", REF_STEPS))}),
        "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    v = 8 * N
    # split: b in, a and c out; refine's own x both ways; a and c in, b and c out
    assert moved["split"] == 9 * v, moved
    # steps, each step: refine's x both ways (split regions would add b and c in, a out,
    # a in, b out: 7 arrays a step)
    assert moved["steps"] == 3 * 2 * v, moved
