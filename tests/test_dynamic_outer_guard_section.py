"""A guard on a name the directive's loop does not change (an outer loop's index, a
parameter): the section must hold whether or not the guard does.

``if (i + 1 < n) a[i][j] = 0.5 * (a[i][j] + a[i + 1][j]);`` in a loop over ``j``: the loop
over ``i`` carries a dependence (row ``i + 1`` is read before iteration ``i + 1`` writes it),
so the pragma goes on the loop over ``j``, which runs once per ``i``.  The access reaches row
``i + 1`` only while ``i < n - 1`` (C11 6.8.4.1), but the directive's data clauses act at
its entry whatever the condition inside its loop (OpenACC 3.3, 2.6.5): ``copy(a[i:2][0:NC])``
at ``i = n - 1`` maps row ``n``, past a table of ``n`` rows (the emulator's ``bounds``; on a
GPU, host memory the program does not own is read and written back).  The section now holds
for every value the guard lets through (``i`` eliminated over ``0 .. n - 2``); a guard that
cuts nothing the subscripts reach (``if (j < i)`` over ``a[i][j]``) keeps the row section.
A guard on a parameter that bounds it on one side only (``if (k + 1 < n) b[(k + 1)*m + j]``)
gives no section at all: the loop is left to the host (or to a region that knows more).

Whole programs, built with gcc -fopenacc and run in the data-environment emulator; the
old section written as the authors' pragma is the control (it fails ``bounds``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import write_suite

from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.loopdata import loop_sections

KERNEL = """#define NR 48
#define NC 40
void sweep(int n, int m, double a[NR][NC], double *b, int k)
{
    for (int i = 0; i < n; i++) {
        OLD_A
        for (int j = 0; j < m; j++) { /* rows */
            if (i + 1 < n)
                a[i][j] = 0.5 * (a[i][j] + a[i + 1][j]);
        }
    }
    for (int i = 0; i < n; i++) {
        OLD_B
        for (int j = 0; j < m; j++) { /* flat */
            if (i + 1 < n)
                b[i * m + j] = 0.5 * (b[i * m + j] + b[(i + 1) * m + j]);
        }
    }
    for (int j = 0; j < m; j++) { /* param */
        if (k + 1 < n)
            b[(k + 1) * m + j] += 1.0;
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define NR 48
#define NC 40
static double a[NR][NC], r[NR][NC];
void sweep(int n, int m, double a[NR][NC], double *b, int k);
int main(void)
{
    int n = NR, m = NC, bad = 0;
    double *b = malloc(sizeof(double) * n * m), *rb = malloc(sizeof(double) * n * m);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            a[i][j] = r[i][j] = (i * 7 + j * 3) % 11;
            b[i * m + j] = rb[i * m + j] = (i * 5 + j) % 13;
        }
    sweep(n, m, a, b, n - 1);
    for (int i = 0; i + 1 < n; i++)
        for (int j = 0; j < m; j++) {
            r[i][j] = 0.5 * (r[i][j] + r[i + 1][j]);
            rb[i * m + j] = 0.5 * (rb[i * m + j] + rb[(i + 1) * m + j]);
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            bad += fabs(a[i][j] - r[i][j]) > 1e-12 || fabs(b[i * m + j] - rb[i * m + j]) > 1e-12;
    free(b);
    free(rb);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the sections the engine wrote before: they reach row n at i = n - 1
OLD = {"OLD_A": "#pragma acc parallel loop copy(a[i:2][0:NC])",
       "OLD_B": "#pragma acc parallel loop copy(b[i*m:2*m])"}


def _kernel(old: bool) -> str:
    k = KERNEL
    for mark, pragma in OLD.items():
        k = k.replace(mark, pragma if old else "")
    return k


def test_a_guard_on_an_outer_index_bounds_the_inner_loops_section(tmp_path: Path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    res = evaluate_dynamic(write_suite(tmp_path, {"new": (_kernel(False), MAIN),
                                                  "old": (_kernel(True), MAIN)}),
                           "analysis", runs=1, with_mutations=False, offload=False)
    rows = {r["name"]: r for r in res["programs"]}
    engine = rows["new"]["engine"]
    assert engine["status"] == "verified", engine["reason"]
    pragmas = {p["pragma"] for p in engine["pragmas"]}
    # both guarded inner loops offloaded, with sections inside the arrays
    assert "#pragma acc parallel loop copy(a[0:n][0:NC])" in pragmas, pragmas
    assert "#pragma acc parallel loop copy(b[0:m*n])" in pragmas, pragmas
    # the control: the old sections abort the emulation on the row past the table
    old = rows["old"]["original"]
    assert old["status"] == "bounds", (old["status"], old["reason"])


SRC = """void f(int n, int m, double a[64][64], int k)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) { GUARDED }
}
"""
CASES = {
    # the guard cuts row n from what a[i + 1] reaches: no section in terms of i holds
    "outer": ("if (i + 1 < n) a[i][j] = a[i + 1][j];", "a[0:n][0:64]"),
    # unguarded twin: the loop over i reaches row n itself; the row section says so
    "unguarded": ("a[i][j] = a[i + 1][j];", "a[i:2][0:64]"),
    # a guard that compares i with the inner index cuts nothing i reaches: the row stays
    "inner": ("if (j < i) a[i][j] = 1.0;", "a[i:1][0:64]"),
    # a guard on a parameter bounding it from above only: no section holds
    "param": ("if (k + 1 < n) a[k + 1][j] = 1.0;", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_inner_loop_section_under_a_guard_on_a_fixed_name(case):
    body, want = CASES[case]
    src = SRC.replace("GUARDED", body).encode()
    root = parse_tree(src, "c").root_node
    fn = next(n for n in iter_nodes(root) if n.type == "function_definition")
    inner = [n for n in iter_nodes(fn) if n.type == "for_statement"][1]
    got = loop_sections(inner, fn, root)
    assert got.get("a") == want, got


def test_a_region_inside_the_outer_loop_is_cut_too():
    """A data region over statements of the outer loop's body (what ``region.py`` builds its
    sections from) acts at its entry whatever the guard inside it says: the same cut."""
    from accellium.dataset.offload.extent import Extents

    src = SRC.replace("GUARDED", "if (i + 1 < n) a[i][j] = a[i + 1][j];").encode()
    root = parse_tree(src, "c").root_node
    outer, inner = [n for n in iter_nodes(root) if n.type == "for_statement"]
    use = next(n for n in iter_nodes(inner) if n.type == "subscript_expression"
               and n.text == b"a[i + 1]")
    row = use.child_by_field_name("index")
    spans = {}
    for cut in (False, True):
        got = Extents([inner], fixed_guards=cut).span(row, use)
        spans[cut] = got.section() if got is not None else None
    assert spans == {False: "i+1:1", True: "1:n-1"}, spans
