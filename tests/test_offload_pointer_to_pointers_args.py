"""A caller's pointer to pointers passed as itself to a parameter of the same type (issue #15,
docs/offload.md item 13, :func:`accellium.dataset.offload.callsites.same_pointers`).

A callee over ``float **a`` reaches ``a[i][j]``, that is ``*(*(a + i) + j)`` (C11 6.5.2.1):
the pointers ``a[lo0..hi0]`` and, through each, the elements ``lo1..hi1`` of its row.  The
parameter holds the argument's value (C11 6.5.2.2p4), so when the caller passes its own
``float **w`` the callee's section, its bounds translated through the call's arguments, is
the caller's ``w[lo0:len0][lo1:len1]``: the caller's region maps it once with a two-level
section and the callee's "present or copy" clauses (OpenACC 3.3, 2.7.1) find it present.
Before, a callee's two-level section "did not translate into a caller's names": every call
of a time loop mapped both matrices again (the training loop of a small multilayer
perceptron moved 7.4x the bytes of the hand-written data region).

Twins: the caller passes ``a + 1`` (an offset into its pointer array: the call stays out of
regions with a note, the same bytes as before); host code between the calls writes an
element (its ``update self``/``update device``; the plan verifies).  Whole programs, built
with real gcc and run in the data-environment emulator, their bytes counted."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, M, STEPS = 48, 40, 8

KERNEL = """#include <stdlib.h>

void blend(float **a, float **b, int n, int m)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5f * a[i][j] + 0.25f * b[i][j] + 0.125f * j;
}

void run(float **a, float **b, int n, int m, int steps, float *trace)
{
    for (int t = 0; t < steps; t++) {
        blend(ARG_A, b, ROWS, m);
        blend(b, a, n, m);
        HOST
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void run(float **a, float **b, int n, int m, int steps, float *trace);
static float **apart(int n, int m) {
  float **p = malloc(n * sizeof *p);
  for (int i = 0; i < n; i++) p[i] = malloc(m * sizeof **p);
  return p;
}
static float **block(int n, int m) {
  float **p = malloc(n * sizeof *p), *q = malloc((size_t)n * m * sizeof *q);
  for (int i = 0; i < n; i++) p[i] = q + (size_t)i * m;
  return p;
}
static void blend(float **a, float **b, int n, int m) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) b[i][j] = 0.5f * a[i][j] + 0.25f * b[i][j] + 0.125f * j;
}
int main(void) {
  int n = NN, m = MM, bad = 0;
  float **a = apart(n, m), **b = block(n, m), **ra = apart(n, m), **rb = apart(n, m);
  float trace[SS], rtrace[SS];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      a[i][j] = ra[i][j] = (float)((i * 7 + j * 3) % 11);
      b[i][j] = rb[i][j] = (float)((i * 5 + j) % 13);
    }
  for (int t = 0; t < SS; t++) trace[t] = rtrace[t] = 0.0f;
  run(a, b, n, m, SS, trace);
  for (int t = 0; t < SS; t++) {
    blend(RA, rb, RROWS, m);
    blend(rb, ra, n, m);
    RHOST
  }
  for (int t = 0; t < SS; t++) bad += fabsf(trace[t] - rtrace[t]) > 1e-4f;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++)
      bad += fabsf(a[i][j] - ra[i][j]) > 1e-4f || fabsf(b[i][j] - rb[i][j]) > 1e-4f;
  puts(bad ? "BAD" : "OK");
  return 0;
}
"""
# name -> (the first call's first argument, its row count, the host code after the calls)
VARIANTS = {
    "pointers": ("a", "n", "trace[t] = a[t % n][1];"),
    "host_write": ("a", "n", "a[t % n][0] += 1.0f;"),
    "offset": ("a + 1", "n - 1", "trace[t] = a[t % n][1];"),
}


def _kernel(name: str) -> str:
    arg, rows, host = VARIANTS[name]
    return KERNEL.replace("ARG_A", arg).replace("ROWS", rows).replace("HOST", host)


def _main(name: str) -> str:
    arg, rows, host = VARIANTS[name]
    return (MAIN.replace("NN", str(N)).replace("MM", str(M)).replace("SS", str(STEPS))
            .replace("RROWS", rows).replace("RA", arg.replace("a", "ra"))
            .replace("RHOST", host.replace("trace", "rtrace").replace("a[", "ra[")))


@pytest.mark.parametrize("name", ["pointers", "host_write"])
def test_a_pointer_to_pointers_passed_as_itself_joins_the_callers_region(engine, name):
    text, plans = plan_text(_kernel(name), engine, program=[_main(name).encode()])
    run = plans["run"]
    assert [c["functions"] for c in run.calls] == [["blend"], ["blend"]], run.notes
    assert run.regions[0]["calls"] == 2, run.regions
    sections = {a["name"]: a["section"] for a in run.arrays}
    assert sections == {"a": "a[0:n][0:m]", "b": "b[0:n][0:m]"}, run.arrays
    assert any(a.startswith("#pragma acc data") for a in acc_lines(text)), text
    if name == "host_write":
        assert any(a.startswith("#pragma acc update device(a[") for a in acc_lines(text)), text


def test_an_offset_into_the_pointer_array_keeps_the_call_out(engine):
    _, plans = plan_text(_kernel("offset"), engine, program=[_main("offset").encode()])
    run = plans["run"]
    assert not run.calls, run.calls
    assert any("is not a pointer to pointers of the caller like `a`" in n
               for n in run.notes), run.notes


def test_the_programs_verify_and_the_matrices_move_once(tmp_path):
    """In the emulator every plan verifies; the hoisted one moves less than a quarter of what
    the twin moves (each of its 2 * STEPS calls maps both matrices)."""
    programs = {name: (_kernel(name), _main(name)) for name in VARIANTS}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert 4 * moved["pointers"] < moved["offset"], moved
    assert moved["pointers"] < moved["host_write"] < moved["offset"], moved
