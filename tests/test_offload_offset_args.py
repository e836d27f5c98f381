"""Offload plans over calls that pass an offset into an array (issue #15, application shape:
``layer(out + p * n, data + p * n, n)`` inside the caller's loop over patterns or rows).

The facts: ``x + k`` points to element ``k`` of ``x``'s array (C11 6.5.6p8) and the callee's
``p[e]`` is ``*(p + e)`` (C11 6.5.2.1p2), so the callee reaching ``p[lo..hi]`` reaches the
caller's ``x[k+lo .. k+hi]``; the caller's region maps the union over its loop, and the
callee's own "present or copy" clause finds the section inside it (OpenACC 3.3, 2.6.2, 2.7).
Twin: an offset whose value the planner cannot follow (read from an array) keeps the call out
of a region.  Whole programs built with gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

NP, NC, STEPS = 12, 500, 6

ROWS = """
static void axpy_row(double *restrict y, const double *restrict x, double a, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

void run(int np, int n, int steps, const double *data, double *out, const int *start)
{
    for (int t = 0; t < steps; t++) {
        for (int p = 0; p < np; p++)
            axpy_row(out + p * n, data + p * n, 0.5 + t, n);
        out[(t * 37) % (np * n)] *= 0.5;
    }
}
"""

# twin: the offset into `data` is read from an array (its value is data, not a bound)
LOOKED_UP = ROWS.replace("data + p * n, 0.5", "data + start[p], 0.5")

MAIN = """#include <stdio.h>
void run(int np, int n, int steps, const double *data, double *out, const int *start);
int main(void) {
  enum { NP = NPV, NC = NCV, STEPS = STEPSV };
  static double data[NP * NC], out[NP * NC], ref[NP * NC];
  static int start[NP];
  int bad = 0;
  for (int p = 0; p < NP; p++) start[p] = p * NC;
  for (int i = 0; i < NP * NC; i++) { data[i] = (i * 7) % 13; out[i] = ref[i] = i % 5; }
  run(NP, NC, STEPS, data, out, start);
  for (int t = 0; t < STEPS; t++) {
    for (int i = 0; i < NP * NC; i++) ref[i] += (0.5 + t) * data[i];
    ref[(t * 37) % (NP * NC)] *= 0.5;
  }
  for (int i = 0; i < NP * NC; i++) bad += out[i] != ref[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_offset_arguments_join_the_callers_region(engine):
    text, plans = plan_text(ROWS, engine)
    acc = acc_lines(text)
    assert "#pragma acc data copyin(data[0:n*np]) copy(out[0:n*np])" in acc, acc
    assert "#pragma acc update self(out[(t * 37) % (np * n):1])" in acc, acc
    assert plans["run"].calls == [{"line": 12, "functions": ["axpy_row"]}]


def test_an_offset_read_from_an_array_keeps_the_call_out(engine):
    text, plans = plan_text(LOOKED_UP, engine)
    notes = " ".join(plans["run"].notes)
    assert "of the call to `axpy_row` at line 12 is not an array of the caller" in notes, notes
    assert not any(a.startswith("#pragma acc data") for a in acc_lines(text))


def test_the_programs_verify_in_the_emulator(tmp_path):
    """Both plans verify; over the offsets each array moves once (data in, out both ways, one
    element each way per step for the host's update), where the twin moves the rows per call."""
    main = MAIN.replace("NPV", str(NP)).replace("NCV", str(NC)).replace("STEPSV", str(STEPS))
    programs = {"offset_rows": (ROWS, main), "offset_looked_up": (LOOKED_UP, main)}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    whole = NP * NC * 8
    assert moved["offset_rows"] == 3 * whole + STEPS * 2 * 8, moved
    assert moved["offset_looked_up"] >= STEPS * 3 * whole, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
