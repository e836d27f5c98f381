"""``(v[i]) - x`` is a subscript minus ``x``, not a cast of ``-x`` to the type ``v[i]``
(:func:`accellium.dataset.lines.grammar_view`): C has no cast to an array type (C11 6.5.4p2),
but the grammar's first reading of ``(name[i]) - x``, ``(name[i]) * x``, ``(name[i]) & x`` and
``(name[i]) + x`` is that cast, and the read of ``v`` was lost.  Two consequences, both proven
on whole programs built with gcc and run in the data-environment emulator:

* ``shift``: ``b[i] = (a[i + 1]) - s * t; a[i] = b[i] * 0.5;`` reads the element the next
  iteration writes.  With the read lost the loop looked independent and got a parallel pragma
  (a race); now it carries the dependence and stays sequential.
* ``blend``: ``o[i] = (v[i]) - c * u[i];`` — with ``v`` lost, no data clause mapped it and the
  device dereferenced host memory; now ``v`` is copied in.

The view keeps every length and offset (the parentheses become spaces) and keeps the
parentheses of calls, macros, ``sizeof``, keywords' conditions and C++ casts."""

from __future__ import annotations

import pytest
from _offload_util import run_verified

from accellium.dataset.analysis import analyze
from accellium.dataset.lines import grammar_view


@pytest.mark.parametrize(("text", "view"), [
    (b"o[i] = (v[i]) - a0 * u[i];", b"o[i] =  v[i]  - a0 * u[i];"),
    (b"w = (a[i][j]) * b;", b"w =  a[i][j]  * b;"),
    (b"q = (a[idx[i]]) & m;", b"q =  a[idx[i]]  & m;"),
    (b"y = (I[(k)*n + (j)]) + c;", b"y =  I[ k *n + (j)]  + c;"),  # (k): test_paren_names
    (b"x = f(v[i]) - 1;", b"x = f(v[i]) - 1;"),  # a call
    (b"x = sizeof(v[i]) - 1;", b"x = sizeof(v[i]) - 1;"),
    (b"while (v[i]) -x;", b"while (v[i]) -x;"),
    (b"z = static_cast<int>(v[i]) - 1;", b"z = static_cast<int>(v[i]) - 1;"),
    (b"r = (v[i]);", b"r = (v[i]);"),  # no operator after it: read right already
])
def test_the_view_opens_only_a_subscript_read_as_a_cast(text, view):
    assert grammar_view(text) == view
    assert len(grammar_view(text)) == len(text)


def test_the_analysis_sees_the_parenthesized_reads():
    f = analyze("for (i = 0; i < n - 1; i++) { b[i] = (a[i+1]) - s * t; a[i] = b[i] * 0.5; }")
    assert f.arrays.get("a") == "inout" and any(d.var == "a" for d in f.carried), f.carried
    f = analyze("for (i = 0; i < n; i++) { o[i] = (v[i]) - c * u[i]; }")
    assert f.arrays == {"v": "in", "u": "in", "o": "out"}, f.arrays
    assert not f.carried


N = 4000

KERNEL = """
void shift(int n, double *a, double *b, double s, double t)
{
    for (int i = 0; i < n - 1; i++) {
        b[i] = (a[i + 1]) - s * t;
        a[i] = b[i] * 0.5;
    }
}

void blend(int n, double *o, const double *v, const double *u, double c)
{
    for (int i = 0; i < n; i++)
        o[i] = (v[i]) - c * u[i];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void shift(int n, double *a, double *b, double s, double t);
void blend(int n, double *o, const double *v, const double *u, double c);
int main(void)
{
    int n = NSIZE, bad = 0;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *r = malloc(n * sizeof *r);
    double *o = malloc(n * sizeof *o), *v = malloc(n * sizeof *v), *u = malloc(n * sizeof *u);
    for (int i = 0; i < n; i++) { a[i] = r[i] = (i % 13) * 0.75; v[i] = i % 7; u[i] = i % 5; }
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CHECKS = {
    "shift": """shift(n, a, b, 2.0, 0.25);
    for (int i = 0; i < n - 1; i++) r[i] = (r[i + 1] - 0.5) * 0.5;
    for (int i = 0; i < n; i++) bad += fabs(a[i] - r[i]) > 1e-12;""",
    "blend": """blend(n, o, v, u, 1.5);
    for (int i = 0; i < n; i++) bad += fabs(o[i] - (v[i] - 1.5 * u[i])) > 1e-12;""",
}


def test_the_programs_verify_with_the_suggestions_applied(tmp_path):
    programs = {name: (KERNEL, MAIN.replace("NSIZE", str(N)).replace("CHECK", check))
                for name, check in CHECKS.items()}
    by = run_verified(tmp_path, programs)
    assert set(by) == set(CHECKS), by.keys()
    pragmas = {q["line"]: q["pragma"] for q in by["blend"]["engine"]["pragmas"]}
    blend_line = KERNEL[:KERNEL.index("for (int i = 0; i < n; i++)\n        o[i]")].count("\n") + 1
    assert "v[0:n]" in pragmas.get(blend_line, ""), pragmas
    shift_line = KERNEL[:KERNEL.index("for (int i = 0; i < n - 1; i++) {")].count("\n") + 1
    assert shift_line not in pragmas or "parallel" not in pragmas[shift_line], pragmas
