"""Host code that reads one element between time steps (issue #15): an index expression that
depends on no loop index of the statement is one element, evaluated where the ``update`` goes
— right above the statement, inside the same branch of a host ``if`` (it runs only when the
branch does).  When the planner cannot show the element lies in the region's section (the
index has a division), the update carries ``if_present``: one element is wholly present or
wholly absent, and an absent one is an element no device code wrote.  Whole programs, built
with real gcc and run in the data-environment emulator, prove the rule and that the plan stays
conservative (the region's section) where it does not hold: the index depends on a loop index
of the statement, or the statement changes it between reads."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, line_after, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, STEPS, EVERY = 4000, 12, 4

KERNEL = """
void relax(int n, int steps, int every, double *u, double *v, double *probe)
{
    int c = n / 2 + n / 7;
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            v[i] = 0.5 * u[i] + 0.25 * (u[i - 1] + u[i + 1]);
        for (int i = 1; i < n - 1; i++)
            u[i] = v[i];
        if ((t + 1) % every == 0) {
            PROBE
        }
    }
}
"""
PROBES = {
    # one element: its index uses no loop index of the statement
    "one": "probe[t / every] = u[c];",
    # one element outside the region's section of v (which is v[1:n-2]): absent, a no-op
    "absent": "probe[t / every] = v[(n / n) * (n - 1)];",
    # the index depends on the statement's own loop index: the region's section
    "looped": "for (int k = 0; k < 3; k++) probe[t / every] += u[(k * n) / 3];",
    # the statement changes the index between two reads: the region's section
    "changed": "for (int k = 0; k < 3; k++) { probe[t / every] += u[c]; c = (c * 5) / 7 + 1; }",
}
REF = {
    "one": "p[t / every] = r[c];",
    "absent": "p[t / every] = -1.0;",
    "looped": "for (int k = 0; k < 3; k++) p[t / every] += r[(k * n) / 3];",
    "changed": "for (int k = 0; k < 3; k++) { p[t / every] += r[c]; c = (c * 5) / 7 + 1; }",
}
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void relax(int n, int steps, int every, double *u, double *v, double *probe);
int main(void) {
  int n = NSIZE, steps = NSTEPS, every = NEVERY, bad = 0, c = n / 2 + n / 7;
  double *u = malloc(n * 8), *v = malloc(n * 8), *r = malloc(n * 8), *s = malloc(n * 8);
  double probe[8] = {0}, p[8] = {0};
  for (int i = 0; i < n; i++) { u[i] = r[i] = (i * 7) % 13; v[i] = -1.0; }
  relax(n, steps, every, u, v, probe);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) s[i] = 0.5 * r[i] + 0.25 * (r[i - 1] + r[i + 1]);
    for (int i = 1; i < n - 1; i++) r[i] = s[i];
    if ((t + 1) % every == 0) { REF }
  }
  for (int i = 0; i < n; i++) bad += fabs(u[i] - r[i]) > 1e-12;
  for (int k = 0; k < steps / every; k++) bad += fabs(probe[k] - p[k]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def _plan(name: str, engine) -> list[str]:
    text, _ = plan_text(KERNEL.replace("PROBE", PROBES[name]), engine)
    return text


def test_one_element_is_updated_inside_the_branch(engine):
    text = _plan("one", engine)
    acc = acc_lines(text)
    assert acc[0] == "#pragma acc data copy(v[1:n-2], u[0:n])", acc
    assert line_after(text, "if ((t + 1) % every == 0) {") == \
        "#pragma acc update self(u[c:1]) if_present"
    assert line_after(text, "#pragma acc update self(u[c:1]) if_present") == \
        "probe[t / every] = u[c];"
    absent = acc_lines(_plan("absent", engine))
    assert "#pragma acc update self(v[(n / n) * (n - 1):1]) if_present" in absent, absent


@pytest.mark.parametrize("name", ["looped", "changed"])
def test_an_index_the_statement_changes_gets_the_section(engine, name):
    text = _plan(name, engine)
    assert line_after(text, "if ((t + 1) % every == 0) {") == "#pragma acc update self(u[0:n])"
    assert not any("if_present" in ln for ln in acc_lines(text))


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: every plan verifies; one element moves per
    probe (none for the absent one, whose update is a no-op), the region's section where the
    index changes."""
    progs = {name: ("#include <stdlib.h>\n" + KERNEL.replace("PROBE", probe),
                    MAIN.replace("REF", REF[name]).replace("NSIZE", str(N))
                    .replace("NSTEPS", str(STEPS)).replace("NEVERY", str(EVERY)))
             for name, probe in PROBES.items()}
    res = evaluate_dynamic(write_suite(tmp_path, progs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    u, probes = 2 * N * 8, STEPS // EVERY
    assert moved["one"] == u + probes * 8, moved
    assert moved["absent"] == u, moved
    assert moved["looped"] == moved["changed"] == u + probes * N * 8, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
