"""Whether a loop nest writes an array whole before anything reads it is a fact of the nest — its
bounds and subscripts — not of the per-loop answer's form (issue #15).  A per-loop engine may
answer the outer loop of a nest ``parallel loop collapse(2)`` (the nest is one offloaded loop)
or ``kernels`` (the compiler decides: it asserts no parallelism, so the plan keeps the outer
loop on the host and offloads the inner one, once per row); either way the nest writes every
element of ``c`` (or of the interior ``b`` reads) before the next loop reads it, so the region
creates the array instead of copying it in.  Twins: the nest skips the first column, which the
next loop reads — the host's values must be copied in, whatever the answer.

The per-loop answers are the analysis engine's through the one pipeline (safety guard
included); the ``kernels`` answer is put on the nest's outer loop with the pipeline's own
parallelism test (``asserts_parallel``), as the ``auto`` engine answers ``srad``'s first nest.
Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import re

import pytest
from _offload_util import JACOBI_KERNEL, JACOBI_MAIN, acc_lines, marked_lines, run_as_written

from accellium.dataset.offload import LoopAdvice, plan_source
from accellium.dataset.pragma import parse
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, engine_advisor
from accellium.server.safety import asserts_parallel

N, STEPS = 24, 3

# srad's shape: per step, a nest writes the scratch grid c whole through a local k, the next
# nest reads it (c a scratch of the caller: nothing after the call reads it)
WHOLE = """
void smooth(int rows, int cols, int iters, double *restrict J, double *restrict c)
{
    for (int it = 0; it < iters; it++) {
        /* fill */
        for (int i = 0; i < rows; i++)
            for (int j = LO; j < cols; j++) {
                int k = i * cols + j;
                c[k] = 0.5 * J[k] + 1.0;
            }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                J[k] = 0.75 * J[k] + 0.125 * c[k];
            }
    }
}
"""
WHOLE_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth(int rows, int cols, int iters, double *restrict J, double *restrict c);
int main(void)
{
    int rows = NSIZE, cols = NSIZE + 3, iters = NSTEPS, bad = 0, size = rows * cols;
    double *J = malloc(size * sizeof *J), *c = malloc(size * sizeof *c);
    double *rj = malloc(size * sizeof *rj), *rc = malloc(size * sizeof *rc);
    for (int e = 0; e < size; e++) { J[e] = rj[e] = (e % 11) * 0.5; c[e] = rc[e] = e % 7; }
    smooth(rows, cols, iters, J, c);
    for (int it = 0; it < iters; it++) {
        for (int i = 0; i < rows; i++)
            for (int j = LO; j < cols; j++) rc[i * cols + j] = 0.5 * rj[i * cols + j] + 1.0;
        for (int e = 0; e < size; e++) rj[e] = 0.75 * rj[e] + 0.125 * rc[e];
    }
    for (int e = 0; e < size; e++) bad += fabs(J[e] - rj[e]) > 1e-12;
    free(c);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

# a footprint with holes: per step the nest writes b over the interior, the next nest reads b
# over the same interior (j from 1) — or one column more (j from 0), a hole never written
INTERIOR = JACOBI_KERNEL.replace("steps; t++) {\n", "steps; t++) {\n        /* fill */\n", 1)
INTERIOR_MAIN = JACOBI_MAIN

# heat3d's shape: the nests are in callees, the time loop in their caller, whose region holds
# the calls (the callee's footprint in the caller's names, docs/offload.md item 5)
CALLEES = """
static void fill(int n, const double *restrict a, double *restrict b)
{
    /* fill */
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            b[i * n + j] = 0.25 * (a[(i - 1) * n + j] + a[(i + 1) * n + j]
                                   + a[i * n + j - 1] + a[i * n + j + 1]);
}

static void use(int n, double *restrict a, const double *restrict b)
{
    for (int i = 1; i < n - 1; i++)
        for (int j = LO; j < n - 1; j++)
            a[i * n + j] = b[i * n + j];
}

void jacobi(int n, int steps, double *restrict a, double *restrict b)
{
    for (int t = 0; t < steps; t++) {
        fill(n, a, b);
        use(n, a, b);
    }
}
"""

# (kernel, main, the array, the lower bound that writes/reads it whole, the one that does not)
CASES = {"whole": (WHOLE, WHOLE_MAIN, "c", "0", "1"),
         "interior": (INTERIOR, INTERIOR_MAIN, "b", "1", "0"),
         "callees": (CALLEES, INTERIOR_MAIN, "b", "1", "0")}
ANSWERS = ("engine", "kernels")


@pytest.fixture(scope="module")
def analysis():
    return engine_advisor(get_engine("analysis"), "c")


def _advisor(base, answer: str, outer_line: int):
    """The engine's answers, with ``kernels`` on the nest's outer loop for ``answer ==
    "kernels"`` (its parallelism as the pipeline tests it)."""
    if answer == "engine":
        return base

    def advise(source: bytes, lp) -> LoopAdvice:
        if lp.line != outer_line:
            return base(source, lp)
        pragma = "#pragma acc kernels"
        return LoopAdvice(pragma, asserts_parallel(parse(pragma), None))

    return advise


def _planned(case: str, whole: bool, answer: str, base) -> tuple[str, list]:
    kernel, main, _, full, part = CASES[case]
    lo = full if whole else part
    src, drv = kernel.replace("LO", lo), main.replace("LO", lo)
    outer = marked_lines(src)["fill"] + 1
    advise = _advisor(base, answer, outer)
    plans = plan_source(src.encode(), advise, lang="c", program=[drv.encode()])
    return apply_plans(src.encode(), plans).decode(), plans


def _clause(text: str, name: str) -> str:
    """The clause of ``name`` on the data region of the last function (the caller)."""
    last = text[text.rindex("\nvoid "):]
    data = next(a for a in acc_lines(last) if a.startswith("#pragma acc data"))
    got = re.search(r"(copyin|copyout|copy|create)\(([^()]*\b" + name + r"\[[^()]*)\)", data)
    assert got is not None, data
    return got.group(1)


@pytest.mark.parametrize("answer", ANSWERS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_nest_that_writes_the_array_first_creates_it_whatever_the_answer(case, answer,
                                                                           analysis):
    text, plans = _planned(case, True, answer, analysis)
    assert _clause(text, CASES[case][2]) == "create", text
    fill = marked_lines(text)["fill"]
    lines = text.splitlines()
    if case == "callees":
        return  # the callee's own pragmas: what the other cases show
    if answer == "kernels":  # the outer loop on the host, the inner one offloaded
        assert not lines[fill].strip().startswith("#pragma acc"), text
        assert lines[fill + 1].strip().startswith("#pragma acc parallel loop"), text
    else:
        assert lines[fill].strip().startswith("#pragma acc parallel loop"), text


@pytest.mark.parametrize("answer", ANSWERS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_nest_that_skips_a_column_read_later_keeps_the_copy_in(case, answer, analysis):
    text, _ = _planned(case, False, answer, analysis)
    assert _clause(text, CASES[case][2]) in ("copyin", "copy"), text


def test_the_planned_programs_verify_and_move_the_same_bytes(tmp_path, analysis):
    programs = {}
    for case, (_, main, _, full, part) in CASES.items():
        for whole in (True, False):
            drv = main.replace("LO", full if whole else part)
            drv = drv.replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS))
            for answer in ANSWERS:
                text, _ = _planned(case, whole, answer, analysis)
                programs[f"{case}_{'all' if whole else 'part'}_{answer}"] = \
                    {"kernel.c": text, "main.c": drv}
    moved = run_as_written(tmp_path, programs)  # asserts each printed OK
    for case in CASES:
        for kind in ("all", "part"):
            assert moved[f"{case}_{kind}_engine"] == moved[f"{case}_{kind}_kernels"], moved
        assert moved[f"{case}_all_engine"] < moved[f"{case}_part_engine"], moved
