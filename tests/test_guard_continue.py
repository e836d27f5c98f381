"""A statement after ``if (c) continue;`` runs only where ``c`` is false
(``dataset/offload/guards.guards_of``; C11 6.8.6: a jump statement transfers control
unconditionally, so control never falls out of the ``if``'s body).  Before, only the
conditions around an access narrowed the index range its section is taken over: a loop that
skips its boundary iterations with ``continue`` got ``copyin(a[0:n+2])`` and
``copyin(a[-1:n+2])`` — sections reaching outside the array, which a GPU reads from memory
the program does not own (the emulator's ``bounds`` failure).  A label between the ``if`` and
the access (a ``goto`` may enter there) keeps the guard from holding.
"""

from __future__ import annotations

import pytest
from _cli_util import run_suggest

from accellium.dataset.analysis.tree import iter_nodes, text
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.guards import guards_of
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from tests.test_dynamic import _suite


def _guards(body: str) -> list[tuple[str, bool]]:
    src = f"void f(int n, double *a, double *b) {{\n  for (int i = 0; i < n; i++) {{\n{body}\n  }}\n}}\n"
    root = parse_tree(src.encode(), "c").root_node
    loop = next(n for n in iter_nodes(root) if n.type == "for_statement")
    at = next(n for n in iter_nodes(loop) if n.type == "subscript_expression"
              and text(n) == "a[i + 2]")
    return [(text(c), truth) for c, truth in guards_of(at, loop, leaving=True)]


@pytest.mark.parametrize(("body", "expected"), [
    ("if (i >= n - 2) continue;\n b[i] = a[i + 2];", [("(i >= n - 2)", False)]),
    ("if (i >= n - 2) { b[i] = 0; continue; }\n b[i] = a[i + 2];", [("(i >= n - 2)", False)]),
    ("if (i >= n - 2) break;\n b[i] = a[i + 2];", [("(i >= n - 2)", False)]),
    ("if (i >= n - 2) return;\n b[i] = a[i + 2];", [("(i >= n - 2)", False)]),
    ("if (i == 0) continue;\n if (i >= n - 2) continue;\n b[i] = a[i + 2];",
     [("(i == 0)", False), ("(i >= n - 2)", False)]),
    ("if (i >= n - 2) continue;\n if (i > 0) b[i] = a[i + 2];",
     [("(i > 0)", True), ("(i >= n - 2)", False)]),
    # the body does not always leave, or the access is not after the `if` in its block
    ("if (i >= n - 2) { if (b[i] > 0) continue; }\n b[i] = a[i + 2];", []),
    ("if (i >= n - 2) b[i] = 0;\n b[i] = a[i + 2];", []),
    ("b[i] = a[i + 2];\n if (i >= n - 2) continue;", []),
    ("{ if (i >= n - 2) continue; }\n b[i] = a[i + 2];", []),
    # a label between them: a `goto` may enter there with the condition true
    ("if (i >= n - 2) continue;\n again: b[i] = a[i + 2];", []),
    ("if (i >= n - 2) continue;\n here:;\n b[i] = a[i + 2];", []),
])
def test_an_if_that_leaves_its_block_guards_what_follows(body, expected):
    assert _guards(body) == expected


KERNEL = """void ahead(int n, const double *a, double *b)
{
    for (int i = 0; i < n; i++) {
        if (i >= n - 2)
            continue;
        b[i] = a[i] + a[i + 2];
    }
}

void edges(int n, const double *a, double *b)
{
    for (int i = 0; i < n; i++) {
        if (i + 1 >= n || i == 0) {
            b[i] = 0.0;
            continue;
        }
        b[i] = a[i - 1] + a[i + 1];
    }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void ahead(int n, const double *a, double *b);
void edges(int n, const double *a, double *b);
int main(void) {
  int n = 10000; long bad = 0;
  double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) { a[i] = i; b[i] = -1.0; }
  ahead(n, a, b);
  for (int i = 0; i < n; i++) bad += b[i] != (i < n - 2 ? 2.0 * i + 2 : -1.0);
  edges(n, a, b);
  for (int i = 0; i < n; i++) bad += b[i] != (i == 0 || i == n - 1 ? 0.0 : 2.0 * i);
  printf(bad == 0 ? "OK\\n" : "BAD %ld\\n", bad);
  free(a); free(b);
  return 0;
}
"""


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_boundary_iterations_skipped_with_continue_map_only_the_array(tmp_path, engine):
    man = _suite(tmp_path, {"skips": {"k.c": KERNEL, "main.c": MAIN}})
    r = evaluate_dynamic(man, engine, threads=4, runs=1, with_mutations=False, offload=True)
    row = r["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]
    eng = row["engine"]
    assert eng["status"] == "verified", eng
    assert row["offload"]["status"] == "verified", row["offload"]
    pragmas = {p["line"]: p["pragma"] or "" for p in eng["pragmas"]}
    assert len(pragmas) == 2 and all("parallel loop" in p for p in pragmas.values()), pragmas
    assert all("a[0:n]" in p for p in pragmas.values()), pragmas


def test_the_plan_keeps_a_store_on_both_paths_as_covering(tmp_path):
    """The covering-write rule follows the ``continue`` itself (``branches.continue_replaced``:
    ``edges`` stores ``b[i]`` on both paths, so the plan copies it out only); the sections are
    the narrowed ones (``ahead`` maps only the elements it writes, and ``a[0:n]``)."""
    src = tmp_path / "k.c"
    src.write_text(KERNEL)
    r = run_suggest(src, "--offload", "--engine", "analysis")
    assert r.returncode == 0, r.stderr
    lines = [ln.strip() for ln in r.stdout.splitlines() if "#pragma acc" in ln]
    assert any("copyin(a[0:n]) copy(b[0:n-2])" in ln for ln in lines), lines
    assert any("copyin(a[0:n]) copyout(b[0:n])" in ln for ln in lines), lines
    assert not any("a[-1" in ln or "n+2" in ln for ln in lines), lines
