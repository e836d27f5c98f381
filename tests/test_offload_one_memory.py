"""A region must not reach one memory under two names (issue #15; ``dataset/offload/one_memory``).

``double *p = a + 1;`` before the loops makes ``p[i]`` the element ``a[i + 1]`` (C11 6.5.6p8).
Before, the planner mapped ``p`` and ``a`` as two arrays of one region: ``copyin(a[0:n])
copyout(p[0:n-1])`` — the second section is partly present when it is entered, and the exit
action that brings the count to zero (``copyin``'s delete) discards what the loop wrote
through ``p`` — and a host read of ``a[0]`` after a loop wrote it through ``p`` got no
``update self``, a host write of ``a[0]`` no ``update device``.  The emulator (separate
device memory) printed the wrong results for each.  Now the loops that reach the memory
under the pointer's name stay on the host, and a pointer only the host code uses keeps the
region off; a pointer into an array the region does not otherwise name keeps its region.

Whole programs built with gcc, run in the data-environment emulator.
"""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, run_verified

N = 4000

# a loop writes through the view, the next reads the array (the sections overlap)
SHIFTED = """void shifted(int n, double *a, const double *b, double *c)
{
    double *p = a + 1;
    for (int i = 0; i < n - 1; i++)
        p[i] = 2.0 * b[i];
    for (int i = 0; i < n; i++)
        c[i] = a[i] + b[i];
}
"""
SHIFTED_MAIN = """#include <stdio.h>
#include <stdlib.h>
void shifted(int n, double *a, const double *b, double *c);
int main(void) {
  int n = NSIZE; long bad = 0;
  double *a = malloc(n * 8), *b = malloc(n * 8), *c = malloc(n * 8);
  for (int i = 0; i < n; i++) { a[i] = -1.0; b[i] = i % 13; c[i] = 0.0; }
  shifted(n, a, b, c);
  for (int i = 0; i < n; i++) {
    double e = i == 0 ? -1.0 : 2.0 * b[i - 1];
    bad += a[i] != e; bad += c[i] != e + b[i];
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# the loops use the view only; the host reads and writes the array by its own name between
HOST = """double host(int n, double *a, const double *b)
{
    double *p = a;
    for (int i = 0; i < n; i++)
        p[i] = b[i] * 3.0;
    double s = a[0];
    a[1] = -5.0;
    for (int i = 0; i < n; i++)
        p[i] += s;
    return s;
}
"""
HOST_MAIN = """#include <stdio.h>
#include <stdlib.h>
double host(int n, double *a, const double *b);
int main(void) {
  int n = NSIZE; long bad = 0;
  double *a = malloc(n * 8), *b = malloc(n * 8);
  for (int i = 0; i < n; i++) { a[i] = 0.0; b[i] = 1 + i % 5; }
  double s = host(n, a, b);
  bad += s != 3.0 * b[0];
  for (int i = 0; i < n; i++) bad += a[i] != (i == 1 ? -5.0 : 3.0 * b[i]) + s;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# twin: the view is the only name of its memory in the region: the region stays
ALONE = """void alone(int n, double *a, const double *b, double *c)
{
    double *p = a + n;
    for (int i = 0; i < n; i++)
        p[i] = 2.0 * b[i];
    for (int i = 0; i < n; i++)
        c[i] = p[i] + b[i];
}
"""
ALONE_MAIN = """#include <stdio.h>
#include <stdlib.h>
void alone(int n, double *a, const double *b, double *c);
int main(void) {
  int n = NSIZE; long bad = 0;
  double *a = malloc(2 * n * 8), *b = malloc(n * 8), *c = malloc(n * 8);
  for (int i = 0; i < 2 * n; i++) a[i] = -1.0;
  for (int i = 0; i < n; i++) b[i] = i % 11;
  alone(n, a, b, c);
  for (int i = 0; i < n; i++) {
    bad += a[i] != -1.0; bad += a[n + i] != 2.0 * b[i]; bad += c[i] != 3.0 * b[i];
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_the_loop_reaching_the_array_through_the_view_stays_on_the_host(engine):
    text, plans = plan_text(SHIFTED, engine)
    plan = plans["shifted"]
    assert [h["line"] for h in plan.host_loops] == [4], plan.host_loops
    assert "`p` points into `a` (line 3)" in plan.host_loops[0]["why"]
    assert "as `p` and as `a`" in plan.host_loops[0]["why"]
    acc = acc_lines(text)
    assert acc and not any("p[" in a for a in acc), acc
    assert any("a[0:n]" in a for a in acc), acc


# other ways a function points a pointer into an array before its loops: the loop writing
# through the pointer stays on the host, the loop reading the array keeps its pragma
VIEWS = [
    ("b = a + 1;", "b", "a"),  # a parameter pointed into another
    ("double *p = &a[2];", "p", "a"),
    ("double *p; p = a;", "p", "a"),
    ("double *p = n > 5 ? a : c;", "p", "a"),
    ("double *p; if (n > 5) p = a; else p = c;", "p", "a"),
    ("double *p = (double *)a;", "p", "a"),
]


@pytest.mark.parametrize(("decl", "view", "base"), VIEWS)
def test_pointers_into_an_array_before_the_loops(engine, decl, view, base):
    src = (f"void f(int n, double *a, double *b, double *c)\n{{\n    {decl}\n"
           f"    for (int i = 0; i < n - 2; i++)\n        {view}[i] = c[i] + 1.0;\n"
           f"    for (int i = 0; i < n; i++)\n        c[i] = {base}[i] * 2.0;\n}}\n")
    text, plans = plan_text(src, engine)
    plan = plans["f"]
    assert [h["line"] for h in plan.host_loops] == [4], (plan.host_loops, plan.notes)
    assert f"`{view}` points into `{base}` (line 3)" in plan.host_loops[0]["why"]
    assert any(f"{base}[0:n]" in a for a in acc_lines(text)), text


def test_a_view_only_the_host_code_names_keeps_every_loop_home(engine):
    text, plans = plan_text(HOST, engine)
    assert acc_lines(text) == [], text
    assert {h["line"] for h in plans["host"].host_loops} == {4, 8}


def test_planning_the_same_text_again_finds_the_view_again(engine):
    """The stores are kept with the file's facts (one parse of its text), and each plan
    parses the text anew: they are matched by position, not by node (before, the second
    plan of a text — an editor's second request, a test after another — found no view and
    wrote the first loop's `present(p[0:n])` beside `a`)."""
    for _ in range(3):
        _, plans = plan_text(HOST, engine)
        assert {h["line"] for h in plans["host"].host_loops} == {4, 8}
        _, plans = plan_text(SHIFTED, engine)
        assert [h["line"] for h in plans["shifted"].host_loops] == [4]


def test_a_view_alone_in_its_region_keeps_the_region(engine):
    text, plans = plan_text(ALONE, engine)
    acc = acc_lines(text)
    assert any(a.startswith("#pragma acc data") and "p[0:n]" in a for a in acc), acc
    assert plans["alone"].host_loops == []


def test_the_programs_verify_in_the_emulator(tmp_path):
    """Before: `shifted` and `host` printed BAD with the plan applied (the emulator's
    separate device memory); now each plan verifies, and only `alone` moves data."""
    def sized(main: str) -> str:
        return main.replace("NSIZE", str(N))
    rows = run_verified(tmp_path, {"shifted": (SHIFTED, sized(SHIFTED_MAIN)),
                                   "host": (HOST, sized(HOST_MAIN)),
                                   "alone": (ALONE, sized(ALONE_MAIN))},
                        variants=("offload",))
    moved = {k: (r["offload"]["bytes_h2d"] or 0) + (r["offload"]["bytes_d2h"] or 0)
             for k, r in rows.items()}
    assert moved["host"] == 0, moved
    assert moved["shifted"] == 3 * N * 8, moved  # a and b in, c out
    assert moved["alone"] == 3 * N * 8, moved  # b in, p's half of a out, c out
