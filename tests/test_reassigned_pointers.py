"""A compute construct around a loop that assigns a pointer declared outside it and
dereferences it (``server/safety_data.reassigned_pointers``, ``LoopFacts.reassigned``).

A construct evaluates its data clauses once, where it starts (OpenACC 3.3, 2.7.1): after
``t = a; a = b; b = t;`` in a time loop, ``a`` reaches the other buffer, which the clauses
mapped with another section or not at all.  Before, the `auto` engine answered such a time
loop ``kernels copy(b[1:n-2])`` (the analysis followed neither pointer's values and left `a`
out of the loop's arrays): on a GPU the device code dereferences `a`'s host address.  Now no
compute construct goes on such a loop outside a data region (the plan, which follows swaps,
maps both buffers); a pointer the loop gives one value before every use (``p = a + i * m;``)
is followed as before and keeps its answer.  The same holds for a pointer the loop hands to a
call that may store to it: its address passed (``swap_ptr(&a, &b)``) or, in C++, bound to a
reference to non-const (``std::swap(a, b)``, [dcl.ref]).

Proven on a whole program in the data-environment emulator (separate device memory): the old
answer is a data error there, the engines' answers verify.
"""

from __future__ import annotations

import pytest

from accellium.dataset.analysis import analyze
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import guard
from tests.test_dynamic import _engine_verified

TIME_LOOP = """for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++)
        b[i] = 0.5 * (a[i - 1] + a[i + 1]);
    double *x = a;
    a = b;
    b = x;
}
"""


@pytest.mark.parametrize("pragma", [
    "#pragma acc kernels copy(b[1:n-2])",
    "#pragma acc kernels copy(a[0:n], b[0:n])",
    "#pragma acc serial copyin(a[0:n]) copy(b[0:n])",
    "#pragma acc parallel loop seq copy(a[0:n], b[0:n])",
])
def test_no_compute_construct_on_a_loop_that_moves_its_pointers(pragma):
    facts = analyze(TIME_LOOP)
    assert [n for n, _ in facts.reassigned] == ["b", "a"] or \
        sorted(n for n, _ in facts.reassigned) == ["a", "b"], facts.reassigned
    text, notes = guard(LoopQuery(TIME_LOOP), pragma)
    assert text is None, text
    assert any("is changed in the loop (line " in n.message and "data clauses once" in n.message
               for n in notes), notes


# the same swap through a call that may store to the pointers: their address passed, or
# (C++) bound to references to non-const
HANDED = [
    ("c", "for (int t = 0; t < steps; t++) {\n    for (int i = 1; i < n; i++)\n"
          "        b[i] = 0.5 * (b[i - 1] + a[i]);\n    swap_ptr(&a, &b);\n}\n"),
    ("cpp", "for (int t = 0; t < steps; t++) {\n    for (int i = 1; i < n; i++)\n"
            "        b[i] = 0.5 * (b[i - 1] + a[i]);\n    std::swap(a, b);\n}\n"),
]


@pytest.mark.parametrize(("lang", "loop"), HANDED)
def test_pointers_handed_to_a_call_that_may_store_to_them(lang, loop):
    facts = analyze(loop, lang=lang)
    assert sorted(facts.reassigned) == [("a", 4), ("b", 4)], facts.reassigned
    text, notes = guard(LoopQuery(loop, lang=lang), "#pragma acc kernels copyin(a[1:n-1]) copy(b[0:n])")
    assert text is None, text
    assert any("`a` is changed in the loop (line 4)" in n.message for n in notes), notes


def test_inside_a_data_region_the_loop_finds_what_the_region_mapped():
    q = LoopQuery(TIME_LOOP, enclosing=("#pragma acc data copy(a[0:n], b[0:n])",))
    text, _ = guard(q, "#pragma acc kernels")
    assert text == "#pragma acc kernels", text


def test_a_pointer_given_one_value_before_every_use_is_followed():
    rows = "for (int i = 0; i < n; i++) {\n    p = a + i * m;\n    for (int j = 0; j < m; j++)\n        p[j] = 2.0 * p[j];\n}\n"
    facts = analyze(rows)
    assert facts.reassigned == [], facts.reassigned
    text, _ = guard(LoopQuery(rows), "#pragma acc parallel loop copy(a[0:n*m])")
    assert text is not None and text.startswith("#pragma acc parallel loop"), text


KERNEL = """void swapped(int n, int steps, double *a, double *b)
{
#pragma acc kernels copy(b[1:n-2])
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        double *x = a;
        a = b;
        b = x;
    }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void swapped(int n, int steps, double *a, double *b);
int main(void) {
  int n = 5000; long bad = 0;
  double *a = malloc(n * 8), *b = malloc(n * 8), *r = malloc(n * 8), *s = malloc(n * 8);
  for (int i = 0; i < n; i++) { a[i] = r[i] = i % 7; b[i] = s[i] = 0; }
  swapped(n, 4, a, b);
  for (int t = 0; t < 4; t++) {
    for (int i = 1; i < n - 1; i++) s[i] = 0.5 * (r[i - 1] + r[i + 1]);
    double *x = r; r = s; s = x; }
  for (int i = 0; i < n; i++) bad += a[i] != r[i] || b[i] != s[i];
  printf(bad == 0 ? "OK\\n" : "BAD %ld\\n", bad);
  return 0;
}
"""


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_the_old_answer_fails_and_the_engines_verify(tmp_path, engine):
    row = _engine_verified(tmp_path, "swapped", {"k.c": KERNEL, "main.c": MAIN},
                           "kernels around a pointer swap, one buffer unmapped", engine, "data",
                           runs=1)
    assert "points to host memory" in row["original"]["reason"], row["original"]
    eng = row["engine"]
    assert 4 not in {p["line"] for p in eng["pragmas"] if p.get("pragma")}, eng["pragmas"]
