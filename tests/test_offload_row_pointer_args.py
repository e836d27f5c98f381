"""A caller's pointer to rows passed as itself to a parameter declared as rows (issue #15,
docs/offload.md item 13, :func:`accellium.dataset.offload.callsites.same_rows`).

A parameter ``double a[N][M]`` has type ``double (*)[M]`` (C11 6.7.6.3p7: an array parameter
is adjusted to a pointer to its element type), so a caller's ``double (*A)[M]`` (from
``malloc``) passed as ``A`` — or ``&A[0]``, ``A + 0``, the same pointer — is the parameter
itself: ``a[i]`` is ``A[i]`` (C11 6.5.2.1), and the rows ``lo..hi`` the callee reaches are the
caller's rows ``lo..hi``, mapped ``A[lo:len][0:M]``.  Before, only ``*A`` of a ``double
(*A)[N][M]`` was accepted for such a parameter: the call stayed on the host and every call of
the time loop mapped both arrays again.  Now ``run``'s region holds the time loop and the
arrays move once.

The caller's rows declared with another macro of the same value (``double (*A)[MM]``,
``#define MM 48``) are the same row type: sizes that are integer constant expressions are
compared by value (C11 6.7.6.2p6, :mod:`accellium.dataset.offload.size_values`).  Twin: the
caller's rows of a runtime size (``double (*A)[m]`` with ``int m = M``): no constant value to
compare and not the same as written, the call stays out of regions (the same plan and bytes
as before the rule).  Whole programs, built with real gcc and run in the data-environment
emulator, their bytes counted."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, M, STEPS = 64, 48, 10

KERNEL = """#include <stdlib.h>
#define N 64
#define M 48
#define MM 48

static void smooth(int n, int m, double a[N][M], double b[N][M])
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.25 * a[i - 1][j] + 0.5 * a[i][j] + 0.25 * a[i + 1][j];
}

double run(int steps)
{
    int n = N, m = M;
    double (*A)[ROW] = malloc(N * sizeof *A);
    double (*B)[ROW] = malloc(N * sizeof *B);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            A[i][j] = B[i][j] = (double)((i * 7 + j * 3) % 11);
    for (int t = 0; t < steps; t++) {
        smooth(n, m, ARG_A, ARG_B);
        smooth(n, m, ARG_B, ARG_A);
    }
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            s += A[i][j] * (i + 1) + B[i][j];
    free(A);
    free(B);
    return s;
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
double run(int steps);
static double a[{N}][{M}], b[{N}][{M}];
static void smooth(double x[{N}][{M}], double y[{N}][{M}]) {{
  for (int i = 1; i < {N} - 1; i++)
    for (int j = 0; j < {M}; j++)
      y[i][j] = 0.25 * x[i - 1][j] + 0.5 * x[i][j] + 0.25 * x[i + 1][j];
}}
int main(void) {{
  for (int i = 0; i < {N}; i++)
    for (int j = 0; j < {M}; j++) a[i][j] = b[i][j] = (double)((i * 7 + j * 3) % 11);
  for (int t = 0; t < {STEPS}; t++) {{ smooth(a, b); smooth(b, a); }}
  double s = 0.0;
  for (int i = 0; i < {N}; i++)
    for (int j = 0; j < {M}; j++) s += a[i][j] * (i + 1) + b[i][j];
  double got = run({STEPS});
  puts(fabs(got - s) <= 1e-9 * fabs(s) ? "OK" : "BAD");
  return 0;
}}
"""
FORMS = {"rows": ("A", "B"), "address": ("&A[0]", "&B[0]"), "plus": ("A + 0", "B + 0")}


def _kernel(form: str, row: str = "M") -> str:
    a, b = FORMS[form]
    return KERNEL.replace("ROW", row).replace("ARG_A", a).replace("ARG_B", b)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_pointer_to_rows_passed_as_itself_joins_the_callers_region(engine, form):
    text, plans = plan_text(_kernel(form), engine, program=[MAIN.encode()])
    run = plans["run"]
    assert [c["functions"] for c in run.calls] == [["smooth"], ["smooth"]], run.notes
    assert run.regions[0]["calls"] == 2, run.regions
    sections = {a["name"]: a["section"] for a in run.arrays}
    assert sections == {"A": "A[0:n][0:M]", "B": "B[0:n][0:M]"}, run.arrays
    assert not any("pointer to an array of rows" in n for n in run.notes), run.notes
    assert any(a.startswith("#pragma acc data") or a.startswith("#pragma acc enter data")
               for a in acc_lines(text)), text


def test_rows_declared_with_another_macro_of_the_same_value_join(engine):
    _, plans = plan_text(_kernel("rows", "MM"), engine, program=[MAIN.encode()])
    run = plans["run"]
    assert [c["functions"] for c in run.calls] == [["smooth"], ["smooth"]], run.notes


def test_rows_of_a_runtime_size_keep_the_call_out(engine):
    _, plans = plan_text(_kernel("rows", "m"), engine, program=[MAIN.encode()])
    run = plans["run"]
    assert not run.calls, run.calls
    assert any("is not `*A` of a pointer to an array of rows like `a`" in n
               for n in run.notes), run.notes


def test_the_programs_verify_and_the_rows_move_once(tmp_path, engine):
    """In the emulator: the three forms verify and move the same bytes, less than a fifth of
    what the twin moves (each of its 2 * STEPS calls maps its own arrays)."""
    programs = {form: (_kernel(form), MAIN) for form in FORMS}
    programs["runtime_size"] = (_kernel("rows", "m"), MAIN)
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert moved["rows"] == moved["address"] == moved["plus"], moved
    assert 5 * moved["rows"] < moved["runtime_size"], moved
