"""A comment after a statement on its line does not keep a data directive from going below it
(issue #15).

A region's closing brace goes on a line of its own below the range's last statement, so the
planner refused a range whose last statement shares its line with other code.  A comment
counted as such code: `} /* end of steps */` after a time loop kept the region from going
around the loop, and it went inside every step instead (or nowhere, when no inner range
was placeable).  A comment is one space (C11 5.1.1.2, phase 3): a line below the statement
is below the comment too, when the comment ends on that line.

Twin: a comment that goes on to the next line (`} /* end of` ... `steps */`): a line below
the statement would be inside the comment, so the region stays inside the loop's body, as
before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, line_after, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 500, 6
KERNEL = """void smooth(int n, int steps, double *u, double *v)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            v[i] = 0.5 * (u[i - 1] + u[i + 1]);
        for (int i = 1; i < n - 1; i++)
            u[i] = v[i];
    } END
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth(int n, int steps, double *u, double *v);
int main(void) {
  int n = 500, steps = 6, bad = 0;
  double *u = malloc(sizeof(double) * n), *v = malloc(sizeof(double) * n);
  double *ru = malloc(sizeof(double) * n), *rv = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) { u[i] = ru[i] = i % 13; v[i] = rv[i] = 0.0; }
  smooth(n, steps, u, v);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) rv[i] = 0.5 * (ru[i - 1] + ru[i + 1]);
    for (int i = 1; i < n - 1; i++) ru[i] = rv[i];
  }
  for (int i = 0; i < n; i++) bad += fabs(u[i] - ru[i]) > 1e-12 || fabs(v[i] - rv[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
CLOSED = KERNEL.replace("END", "/* end of steps */")
OPEN = KERNEL.replace("END", "/* end of\n       steps */")


def test_a_comment_after_the_last_statement_lets_the_region_go_around_it(tmp_path):
    engine = get_engine("analysis")
    text, plans = plan_text(CLOSED, engine)
    data = next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))
    # the region goes above the time loop (the loop is its one statement)
    assert line_after(text, data).startswith("for (int t = 0"), text
    # twin: the comment goes on to the next line; the region stays inside the loop's body
    ttext, tplans = plan_text(OPEN, engine)
    tdata = next(a for a in acc_lines(ttext) if a.startswith("#pragma acc data"))
    tlines = [ln.strip() for ln in ttext.splitlines()]
    assert tlines[tlines.index(tdata) - 1].startswith("for (int t = 0"), ttext
    res = evaluate_dynamic(write_suite(tmp_path, {"closed": (CLOSED, MAIN), "open": (OPEN, MAIN)}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # closed: u and v's interior both ways, once (the loop may run no step: v copied in);
    # open: every step u both ways and v's interior out
    assert moved["closed"] == 2 * 8 * N + 2 * 8 * (N - 2), moved
    assert moved["open"] == STEPS * (2 * 8 * N + 8 * (N - 2)), moved
