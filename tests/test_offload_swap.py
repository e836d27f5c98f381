"""Offload plans over pointer swaps (issue #15, ping-pong buffers): the present table maps host
addresses to device copies, so a region that holds both buffers with the whole section the
loops reach stays correct over the host loop that exchanges the two pointer variables; its data
clause names the buffers (the pointers' values where the region starts) and copies both back.
Whole programs, built with real gcc and run in the data-environment emulator (separate device
memory, a present table, bytes counted), prove the rule where it applies and that the plan still
verifies where it must not apply (a third buffer no loop uses, pointer arithmetic, another name
of a buffer used in the region)."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines as _acc
from _offload_util import line_after as _after
from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 4000
STEPS = 7  # odd: the result is in the buffer the caller passed second

STEP = """
static void smooth(int n, const double *restrict in, double *restrict out)
{
    for (int i = 0; i < n; i++)
        out[i] = 0.25 * in[i > 0 ? i - 1 : i] + 0.5 * in[i] + 0.25 * in[i < n - 1 ? i + 1 : i];
}
"""

# the caller swaps the pointers it passes to an offloaded callee (hotspot's shape)
CALL = STEP + """
double *relax(int n, int steps, double *a, double *b)
{
    double *tin = a, *tout = b;
    for (int t = 0; t < steps; t++) {
        smooth(n, tin, tout);
        double *tmp = tin;
        tin = tout;
        tout = tmp;
    }
    return tin;
}
"""
DRIVER = """#include <stdio.h>
#include <stdlib.h>
double *FUNC(int n, int steps, double *a, double *b);
static void ref(int n, int steps, double *r, double *s) {
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++)
      s[i] = 0.25 * r[i > 0 ? i - 1 : i] + 0.5 * r[i] + 0.25 * r[i < n - 1 ? i + 1 : i];
    double *x = r; r = s; s = x;
  }
}
int main(void) {
  int n = NSIZE, steps = STEPS;
  double *a = malloc(n * 8), *b = malloc(n * 8), *r = malloc(n * 8), *s = malloc(n * 8);
  for (int i = 0; i < n; i++) { a[i] = r[i] = (i * 7) % 19; b[i] = s[i] = 0; }
  double *res = FUNC(n, steps, a, b);
  ref(n, steps, r, s);
  double *want = steps % 2 ? s : r;
  int bad = res != (steps % 2 ? b : a);
  for (int i = 0; i < n; i++) bad += res[i] != want[i];
  /* both buffers, whichever holds the result: the other holds the step before */
  double *other = steps % 2 ? r : s, *got_other = steps % 2 ? a : b;
  for (int i = 0; i < n; i++) bad += got_other[i] != other[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# loops in the function itself, and a host read through a swapped pointer each step
LOOPS = """
double *relax(int n, int steps, double *a, double *b, double *probe)
{
    double *tin = a, *tout = b;
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            tout[i] = 0.25 * tin[i > 0 ? i - 1 : i] + 0.5 * tin[i]
                      + 0.25 * tin[i < n - 1 ? i + 1 : i];
        double *tmp = tin;
        tin = tout;
        tout = tmp;
        probe[t] = tin[n - 1];
    }
    return tin;
}
"""
LOOPS_DRIVER = DRIVER.replace(
    "double *FUNC(int n, int steps, double *a, double *b);",
    "double *relax(int n, int steps, double *a, double *b, double *probe);\n"
    "static double pr[64];\n"
    "static double *run5(int n, int steps, double *a, double *b) "
    "{ return relax(n, steps, a, b, pr); }").replace(
    "FUNC(n, steps, a, b)", "run5(n, steps, a, b)").replace(
    "  puts(bad", "  bad += pr[steps - 1] != want[n - 1];\n  puts(bad")

# the parameters themselves are swapped: the clause names them (their values at the start)
PARAMS = STEP + """
double *relax(int n, int steps, double *a, double *b)
{
    for (int t = 0; t < steps; t++) {
        smooth(n, a, b);
        double *tmp = a;
        a = b;
        b = tmp;
    }
    return a;
}
"""

# must not apply: a third buffer no loop uses is rotated in
THIRD = STEP + """
double *relax(int n, int steps, double *a, double *b)
{
    double *spare = calloc(n, sizeof *spare);
    double *tin = a, *tout = b;
    for (int t = 0; t < steps; t++) {
        smooth(n, tin, tout);
        double *tmp = tin;
        tin = tout;
        tout = spare;
        spare = tmp;
    }
    double *keep = steps % 2 ? b : a;
    for (int i = 0; i < n; i++)
        keep[i] = tin[i];
    free(spare);
    return keep;
}
"""

# must not apply: the pointers are computed into one allocation (pointer arithmetic)
ARITH = STEP + """
double *relax(int n, int steps, double *a, double *b)
{
    double *both = malloc(2 * n * sizeof *both);
    for (int i = 0; i < n; i++)
        both[i] = a[i];
    double *tin = both, *tout = both + n;
    for (int t = 0; t < steps; t++) {
        smooth(n, tin, tout);
        tin = both + ((t + 1) % 2) * n;
        tout = both + (t % 2) * n;
    }
    double *keep = steps % 2 ? b : a;
    for (int i = 0; i < n; i++)
        keep[i] = tin[i];
    free(both);
    return keep;
}
"""

# must not apply: the host reads the first buffer by its own name inside the region
ALIAS = STEP + """
double first_seen;

double *relax(int n, int steps, double *a, double *b)
{
    double *tin = a, *tout = b;
    for (int t = 0; t < steps; t++) {
        smooth(n, tin, tout);
        double *tmp = tin;
        tin = tout;
        tout = tmp;
        first_seen += a[0];
    }
    return tin;
}
"""

# the result alone (the rotations above leave other values in the spare buffers)
RESULT_DRIVER = DRIVER.replace("  for (int i = 0; i < n; i++) bad += got_other[i] != other[i];\n",
                               "  (void)other; (void)got_other;\n")
PROGRAMS = {"swap_call": (CALL, DRIVER), "swap_loops": (LOOPS, LOOPS_DRIVER),
            "swap_params": (PARAMS, DRIVER), "swap_third": (THIRD, RESULT_DRIVER),
            "swap_arith": (ARITH, RESULT_DRIVER), "swap_alias": (ALIAS, DRIVER)}


def _plan(src: str, engine) -> tuple[str, dict]:
    return plan_text("#include <stdlib.h>\n" + src, engine)


def test_region_over_a_swap_names_the_buffers(engine):
    text, plans = _plan(CALL, engine)
    assert _after(text, "#pragma acc data copy(a[0:n], b[0:n])") == \
        "for (int t = 0; t < steps; t++) {"
    rows = {a["name"]: a for a in plans["relax"].arrays}
    assert set(rows) == {"a", "b"} and "swap between these buffers" in rows["a"]["from"]
    assert plans["relax"].calls == [{"line": 13, "functions": ["smooth"]}]


def test_loops_over_a_swap_use_present_and_the_host_read_gets_an_update(engine):
    text, _ = _plan(LOOPS, engine)
    acc = _acc(text)
    assert "#pragma acc data copy(a[0:n], b[0:n])" in acc, acc
    assert any(a.startswith("#pragma acc parallel loop") and "present(" in a and "tin[0:n]" in a
               and "tout[0:n]" in a for a in acc), acc
    assert _after(text, "#pragma acc update self(tin[n-1:1])") == "probe[t] = tin[n - 1];"


def test_swapped_parameters_are_their_own_buffers(engine):
    text, _ = _plan(PARAMS, engine)
    assert _after(text, "#pragma acc data copy(a[0:n], b[0:n])") == \
        "for (int t = 0; t < steps; t++) {"


@pytest.mark.parametrize("src,why", [
    (THIRD, "`spare` is swapped with `spare`, `tin`, `tmp`, `tout`, but no offloaded loop uses"),
    (ARITH, "`tin` is assigned `tin = both + ((t + 1) % 2) * n` inside the region"),
    (ALIAS, "`a` (line 19) may point to a buffer the swapped pointers hold")])
def test_swaps_the_plan_cannot_follow_get_no_region_over_them(engine, src, why):
    text, plans = _plan(src, engine)
    notes = " ".join(plans["relax"].notes)
    assert why in notes, notes
    assert "acc data" not in text.split("double *relax")[1]


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: every plan verifies (after an odd number of
    swaps the result is in the second buffer, and both buffers hold what the serial program
    leaves there); where the rule applies each buffer moves once each way."""
    sized = {k: ("#include <stdlib.h>\n" + kernel,
                 main.replace("NSIZE", str(N)).replace("STEPS", str(STEPS))
                 .replace("FUNC", "relax"))
             for k, (kernel, main) in PROGRAMS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, sized), "analysis", runs=1, with_mutations=False,
                           offload=True)
    moved = verified_offload_bytes(res)
    vec = N * 8
    assert moved["swap_call"] == 4 * vec
    assert moved["swap_params"] == 4 * vec
    assert moved["swap_loops"] == 4 * vec + STEPS * 8  # and one element per step
    for name in ("swap_third", "swap_arith"):  # per step: the callee copies in and out
        assert moved[name] == STEPS * 2 * vec, (name, moved[name])
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
