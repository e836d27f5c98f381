"""A search that may find nothing leaves a sentinel in its index, and a guard then replaces it:
``int i = -1; ... i = t; ... if (i == -1) i = n - 1;``.  A read after the guard sees ``i`` in
``0..n-1``, not ``-1..n-1`` (:mod:`accellium.dataset.offload.sentinel`, C11 6.8.4.1p2: the
guard's store runs exactly when ``i`` equals the sentinel).  Before, both the per-loop clauses
and the offload plan mapped ``x[-1:n+1]``, a section starting before the array: the emulator
fails it on bounds, a GPU runtime would abort.

``guard``: the read ``x[i]`` lies after the guard: ``x[0:n]`` in both columns, verified (some
``u[j]`` lie beyond the last ``cdf`` value, so the guard's store runs).  ``early`` (the twin):
the read ``x[i + 1]`` lies before the guard, where ``i`` may still be ``-1``: the section is
``x[0:n+1]``, which ``x[0]`` needs when the search misses; a rule that narrowed ``i`` at every
read maps ``x[1:n]`` and the program reads ``x[0]`` outside it (checked by making the rule
narrow every read: both columns then fail, the device's ``x[0]`` never copied in).  Without
the rule, ``guard`` fails on bounds in both columns (``x[-1:n+1]``; checked).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

N = 200

KERNEL = """void resample(int n, const double *restrict cdf, const double *restrict u,
              const double *restrict x, double *restrict out, int *restrict pos)
{
    for (int j = 0; j < n; j++) {
        int i = -1;
        for (int t = 0; t < n; t++) {
            if (cdf[t] >= u[j]) {
                i = t;
                break;
            }
        }
BEFORE        if (i == -1)
            i = n - 1;
AFTER    }
}
"""
MAIN = f"""#include <stdio.h>
#include <stdlib.h>
void resample(int n, const double *restrict cdf, const double *restrict u,
              const double *restrict x, double *restrict out, int *restrict pos);
int main(void)
{{
    int n = {N}, bad = 0;
    double *cdf = malloc(n * sizeof *cdf), *u = malloc(n * sizeof *u);
    double *x = malloc((n + 1) * sizeof *x), *out = malloc(n * sizeof *out);
    int *pos = malloc(n * sizeof *pos);
    for (int t = 0; t < n; t++) cdf[t] = t + 1, u[t] = 1.25 * t, out[t] = -1.0, pos[t] = -7;
    for (int t = 0; t <= n; t++) x[t] = 0.5 * t + 1.0;
    resample(n, cdf, u, x, out, pos);
    int missed = 0;
    for (int j = 0; j < n; j++) {{
        int i = -1;
        for (int t = 0; t < n; t++)
            if (cdf[t] >= u[j]) {{ i = t; break; }}
        missed += i == -1;
        double want = CHECK;
        if (i == -1)
            i = n - 1;
        bad += pos[j] != i || out[j] != want;
    }}
    puts(bad || !missed ? "BAD" : "OK");
    return 0;
}}
"""
CASES = {
    "guard": ("", "        out[j] = x[i];\n        pos[j] = i;\n", "x[i == -1 ? n - 1 : i]"),
    "early": ("        out[j] = x[i + 1];\n", "        pos[j] = i;\n", "x[i + 1]"),
}


def _program(case: str) -> tuple[str, str]:
    before, after, check = CASES[case]
    return KERNEL.replace("BEFORE", before).replace("AFTER", after), MAIN.replace("CHECK", check)


def _loop_sections(src: str) -> dict[str, str]:
    from accellium.dataset.analysis.tree import iter_nodes
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.loopdata import loop_data

    root = parse_tree(src.encode(), "c").root_node
    fn = next(n for n in iter_nodes(root) if n.type == "function_definition")
    loop = next(n for n in iter_nodes(fn) if n.type == "for_statement")
    return loop_data(loop, fn, root)[0]


def test_a_sentinel_replaced_by_a_guard_drops_out_of_the_section_read_after_it(tmp_path):
    assert _loop_sections(_program("guard")[0])["x"] == "x[0:n]"
    assert _loop_sections(_program("early")[0])["x"] == "x[0:n+1]"
    engine = get_engine("analysis")
    planned = {case: acc_lines(plan_text(_program(case)[0], engine)[0]) for case in CASES}
    assert any("x[0:n])" in a or "x[0:n]," in a for a in planned["guard"]), planned["guard"]
    assert not any("x[-1" in a for lines in planned.values() for a in lines), planned
    assert any("x[0:n+1]" in a for a in planned["early"]), planned["early"]
    run_verified(tmp_path, {case: _program(case) for case in CASES},
                 variants=("engine", "offload"))


def _held(body: str, decl: str = "int") -> list[tuple[str, str, str]]:
    """(where the bounds start to hold: ``init`` or ``guard``, lo, hi) of ``i``."""
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload import poly
    from accellium.dataset.offload.held import held_locals

    src = f"void f(int n, double *a, const double *c)\n{{\n    {decl} i = -1;\n    {body}\n}}\n"
    root = parse_tree(src.encode(), "c").root_node
    fn = next(f for f in root.named_children if f.type == "function_definition")
    return [("init" if at.type == "init_declarator" else "guard",
             poly.render(b.lo[0]), poly.render(b.hi[0]))
            for name, at, b in held_locals(fn) if name == "i"]


SEARCH = "for (int t = 0; t < n; t++) if (c[t] > 0) { i = t; break; } "


@pytest.mark.parametrize("guard, after", [
    # the sentinel at an end of the range: that end moves past it
    ("if (i == -1) i = n - 1;", ("0", "n-1")),
    ("if (-1 == i) { i = 0; }", ("0", "n-1")),
    ("if ((i) == -1) i = n - 1;", ("0", "n-1")),
    # an ordering with a signed constant: the values it replaces drop out
    ("if (i < 0) i = n - 1;", ("0", "n-1")),
    ("if (i <= -1) i = 0;", ("0", "n-1")),
    ("if (0 > i) i = n - 1;", ("0", "n-1")),
])
def test_a_final_guard_narrows_the_values_read_after_it(guard, after):
    got = _held(SEARCH + guard + " a[i] = 0;")
    assert got == [("init", "-1", "n-1"), ("guard", *after)], got


@pytest.mark.parametrize("body, decl", [
    # an else branch, a store after the guard, the guard inside another statement, a cast in
    # the comparison, an ordering with a bound of unknown type, an unsigned or char local
    (SEARCH + "if (i == -1) i = n - 1; else i = 0; a[i] = 0;", "int"),
    (SEARCH + "if (i == -1) i = n - 1; if (c[0] > 1) i = 1; a[i] = 0;", "int"),
    (SEARCH + "if (n > 2) { if (i == -1) i = n - 1; } a[i] = 0;", "int"),
    (SEARCH + "if ((char)i == -1) i = n - 1; a[i] = 0;", "int"),
    (SEARCH + "if (i < n) i = n - 1; a[i] = 0;", "int"),
    (SEARCH + "if (i == -1) i = n - 1; a[i] = 0;", "unsigned"),
    (SEARCH + "if (i == -1) i = n - 1; a[i] = 0;", "char"),
    # the guard's consequence does more than store the replacement
    (SEARCH + "if (i == -1) { i = n - 1; a[0] = 1; } a[i] = 0;", "int"),
])
def test_no_narrowing_unless_the_guard_is_the_last_plain_store(body, decl):
    got = _held(body, decl)
    assert all(at == "init" for at, _, _ in got), (body, decl, got)
