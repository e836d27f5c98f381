"""A jump out of a host statement skips the ``update device`` after it (issue #15).

In each step of a time loop a device loop reads ``a``; between two device loops host code
writes ``a[0]`` and then leaves the iteration with ``continue``.  The plan puts a host
statement's push right after the statement, so when that statement is a ``switch`` (or an
``if`` whose ``else`` branch is another ``if``: not a ``{ }`` branch, so the whole statement
is one piece of host code) holding the ``continue``, the push is never reached and the next
step's device loop reads the old ``a[0]``.  Such a region is refused: the function is planned
without it.

Twin: the same write and ``continue`` in a ``{ }`` branch of a plain ``if``.  Its updates go
inside the branch, the push above the ``continue``: the region is kept.

Whole programs, built with real gcc and run in the data-environment emulator; the plan the
planner wrote before (the region with the push after the ``switch``) is run as written too,
and fails there (stale data)."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """void step(int n, int iters, double *a, double *b)
{
    for (int t = 0; t < iters; t++) {
        for (int i = 0; i < n; i++)
            b[i] = b[i] + 2.0 * a[i];
HOST
        for (int i = 0; i < n; i++)
            a[i] = a[i] * 0.5 + b[i];
    }
}
"""
SWITCH = """        switch (t % 3) {
        case 1:
            a[0] = a[0] + 1.0;
            continue;
        default:
            break;
        }"""
ELSE_IF = """        if (t % 3 == 0) {
            b[1] = b[1] - 1.0;
        } else if (t % 3 == 1) {
            a[0] = a[0] + 1.0;
            continue;
        }"""
BRACED = """        if (t % 3 == 1) {
            a[0] = a[0] + 1.0;
            continue;
        }"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void step(int n, int iters, double *a, double *b);
int main(void) {
  int n = 1000, iters = 7, bad = 0;
  double *a = malloc(8 * n), *b = malloc(8 * n), *ra = malloc(8 * n), *rb = malloc(8 * n);
  double *x = ra, *y = rb;
  for (int i = 0; i < n; i++) { a[i] = ra[i] = i % 7; b[i] = rb[i] = 1.0; }
  step(n, iters, a, b);
  {
    double *a = x, *b = y;
    for (int t = 0; t < iters; t++) {
      for (int i = 0; i < n; i++) b[i] = b[i] + 2.0 * a[i];
HOST
      for (int i = 0; i < n; i++) a[i] = a[i] * 0.5 + b[i];
    }
  }
  for (int i = 0; i < n; i++) bad += fabs(a[i] - ra[i]) > 1e-9 || fabs(b[i] - rb[i]) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
# What the planner wrote for SWITCH before: the push after the switch, which `continue` skips.
OLD_SWITCH_PLAN = """void step(int n, int iters, double *a, double *b)
{
    #pragma acc data copy(b[0:n], a[0:n])
    for (int t = 0; t < iters; t++) {
        #pragma acc parallel loop present(b[0:n], a[0:n])
        for (int i = 0; i < n; i++)
            b[i] = b[i] + 2.0 * a[i];
        #pragma acc update self(a[0:1])
SWITCH
        #pragma acc update device(a[0:1])
        #pragma acc parallel loop present(b[0:n], a[0:n])
        for (int i = 0; i < n; i++)
            a[i] = a[i] * 0.5 + b[i];
    }
}
""".replace("SWITCH", SWITCH)


def _program(host: str) -> tuple[str, str]:
    return KERNEL.replace("HOST", host), MAIN.replace("HOST", host)


def test_a_jump_out_of_a_pushing_statement_refuses_the_region(tmp_path):
    engine = get_engine("analysis")
    for host, line in ((SWITCH, 9), (ELSE_IF, 10)):
        text, plans = plan_text(_program(host)[0], engine)
        assert not plans["step"].regions, text
        assert not acc_lines(text), text
        assert any(f"`continue` at line {line} leaves it before the `update device`" in note
                   for note in plans["step"].notes), plans["step"].notes
    twin, tplans = plan_text(_program(BRACED)[0], engine)
    assert tplans["step"].regions, tplans["step"].notes
    lines = [ln.strip() for ln in twin.splitlines()]
    assert lines[lines.index("continue;") - 1] == "#pragma acc update device(a[0:1])", twin
    res = evaluate_dynamic(write_suite(tmp_path / "plans", {
        "switch": _program(SWITCH), "else_if": _program(ELSE_IF),
        "braced": _program(BRACED)}), "analysis", runs=2, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, r in rows.items():
        assert r["status"] == "verified", (name, r["reason"])
    assert rows["braced"]["bytes_h2d"] > 0, rows["braced"]  # the twin's region moves data


def test_the_old_plan_reads_stale_data(tmp_path):
    """The control: the region the planner wrote for the ``switch`` before fails."""
    manifest = write_suite(tmp_path, {"old": (OLD_SWITCH_PLAN, _program(SWITCH)[1])})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    row = res["programs"][0]["original"]
    assert row["status"] == "data", row
