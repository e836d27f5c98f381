"""A local assigned more than once, whose every value lies in a known range, bounds the host
reads it indexes (issue #15, :mod:`accellium.dataset.offload.held`).

``steps`` recomputes ``c`` on the device at each step ``k`` and searches it on the host for the
largest element from ``k`` on (the pivot search of an LU factorisation): ``int p = k;`` then
``p = i`` for ``i`` in ``k+1..n-1``.  Before, ``c[p]`` had no extent (``p`` is assigned in the
loop) and every step pulled all of ``c``; now ``p`` is in ``k..n-1`` (C11 6.2.4p6: the last
value stored to it) and the step pulls ``c[k:n-k]``, one ``update`` (the search's own
``c[k+1:n-k-1]`` lies inside it), then the one element ``val[k] = c[p]`` reads.

Twin: ``shifted`` moves ``p`` one down (``p -= 1``) when the search's first comparison
fails, and the search goes on comparing with ``c[p]``: a compound assignment makes the next
value out of the last, so the rule does not hold and the whole array is pulled.  A rule that
skipped ``p -= 1`` would bound ``p`` to ``k..n-1`` and the search would compare with a stale
``c[k-1]`` (checked by letting the rule skip compound assignments: the twin prints BAD).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

N = 300

KERNEL = """#include <math.h>
void steps(int n, double *restrict c, const double *restrict w, int *restrict best,
           double *restrict val)
{
    for (int k = 0; k < n - 1; k++) {
        for (int i = 0; i < n; i++)
            c[i] = fabs(w[i] - (double)k) + (double)((i * 7 + k) % 5);
        int p = k;
        for (int i = k + 1; i < n; i++) {
            if (c[i] > c[p])
                p = i;
TWIST        }
        best[k] = p;
        val[k] = c[p];
    }
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void steps(int n, double *restrict c, const double *restrict w, int *restrict best,
           double *restrict val);
int main(void)
{{
    int n = {N}, bad = 0;
    double *c = malloc(n * sizeof *c), *w = malloc(n * sizeof *w);
    double *rc = malloc(n * sizeof *rc), *val = malloc(n * sizeof *val);
    int *best = malloc(n * sizeof *best);
    for (int i = 0; i < n; i++) w[i] = (i * 37) % 101, c[i] = rc[i] = 0.0;
    steps(n, c, w, best, val);
    for (int k = 0; k < n - 1; k++) {{
        for (int i = 0; i < n; i++)
            rc[i] = fabs(w[i] - (double)k) + (double)((i * 7 + k) % 5);
        int p = k;
        for (int i = k + 1; i < n; i++) {{
            if (rc[i] > rc[p])
                p = i;
TWIST        }}
        bad += best[k] != p || val[k] != rc[p];
    }}
    for (int i = 0; i < n; i++) bad += c[i] != rc[i];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
CASES = {"search": "", "shifted": "            else if (i == k + 1 && p > 0)\n                p -= 1;\n"}


def _program(case: str) -> tuple[str, str]:
    return KERNEL.replace("TWIST", CASES[case]), MAIN.replace("TWIST", CASES[case])


def test_a_searched_index_bounds_the_host_read_unless_it_is_stored_to_by_a_compound_assignment(
        tmp_path):
    engine = get_engine("analysis")
    planned = {case: acc_lines(plan_text(_program(case)[0], engine)[0]) for case in CASES}
    pulls = {case: [a for a in lines if a.startswith("#pragma acc update self")]
             for case, lines in planned.items()}
    # the search's pull, then the one element ``val[k] = c[p]`` reads (a statement of its own)
    assert pulls["search"] == ["#pragma acc update self(c[k:n-k])",
                               "#pragma acc update self(c[p:1])"], planned["search"]
    assert pulls["shifted"] == ["#pragma acc update self(c[0:n])"], planned["shifted"]
    rows = run_verified(tmp_path, {case: _program(case) for case in CASES},
                        variants=("engine", "offload"))
    pulled = {case: r["offload"]["bytes_d2h"] for case, r in rows.items()}
    # the search pulls the n - k elements from k at each step; the twin all n of them
    assert pulled["search"] < 0.6 * pulled["shifted"], pulled


def _held(src: str) -> dict[str, tuple[list[str], list[str]]]:
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload import poly
    from accellium.dataset.offload.held import held_locals

    root = parse_tree(src.encode(), "c").root_node
    fn = next(f for f in root.named_children if f.type == "function_definition")
    return {name: ([poly.render(x) for x in b.lo], [poly.render(x) for x in b.hi])
            for name, _, b in held_locals(fn)}


@pytest.mark.parametrize("body, expected", [
    # every store a value of a known range: the union, ordered over the loop around the block
    ("for (int k = 0; k < n - 1; k++) { int p = k; for (int i = k + 1; i < n; i++) "
     "if (a[i] > a[p]) p = i; a[p] = 0; }", {"p": (["k"], ["n-1"])}),
    ("int q = 0; if (a[1] > a[0]) q = 1; else q = 2; a[q] = 0;", {"q": (["0"], ["2"])}),
    # a compound assignment, an increment, an address taken, a value read from memory, a value
    # made from itself, a jump, a static local, a store outside the block: no bound
    ("int q = 0; for (int i = 0; i < n; i++) q += 1; a[q] = 0;", {}),
    ("int q = 0; if (a[0] > 0) q = 1; q++; a[q] = 0;", {}),
    ("int q = 0; if (a[0] > 0) q = 1; pick(&q); a[q] = 0;", {}),
    ("int q = 0; if (a[0] > 0) q = (int)a[1]; a[q] = 0;", {}),
    ("int q = 0; for (int i = 0; i < n; i++) q = q + i; a[q] = 0;", {}),
    ("int q = 0; if (a[0] > 0) goto out; q = 1; out: a[q] = 0;", {}),
    ("static int q = 0; if (a[0] > 0) q = 1; a[q] = 0;", {}),
    ("int m = 3; for (int i = 0; i < n; i++) { int q = i; if (a[i] > 0) q = m; a[q] = 0; "
     "m = i; }", {}),
])
def test_which_locals_hold_bounded_values(body, expected):
    src = f"void pick(int *);\nvoid f(int n, double *a)\n{{\n    {body}\n}}\n"
    got = _held(src)
    assert got == expected, (body, got)


def test_a_macro_that_names_the_local_may_store_to_it():
    src = "#define SET(x, v) ((x) = (v))\nvoid f(int n, double *a)\n{\n" \
          "    int q = 0; if (a[0] > 0) q = 1; SET(q, n * n); a[q] = 0;\n}\n"
    assert _held(src) == {}
