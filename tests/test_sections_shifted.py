"""Sections of arrays a loop reaches at the index plus a constant (``a[i - 1] + a[i + 1]``).

The elements ``a[i + c]`` reaches for ``i`` in ``[lo, hi)`` are ``lo + min c`` to ``hi - 1 +
max c`` (C11 6.5.6p8), so the section is known from the loop's bounds as ``a[i]``'s is.  Before,
only accesses of exactly ``a[i]`` gave a section: a stencil's input was named alone
(``copyin(a)``: the pointer, 8 bytes, OpenACC 3.3 2.7.1 — a host address on the device), and
an array reached through a pointer's member (``v->a[i - 1]``) had no clause at all, so its
loop got none.  An array the loop only writes takes one shift (``copyout`` returns the whole
section: two shifts of a write need not reach every element between them).  The length is
folded where the bounds are literal-ended (``1:n-2``, not ``1:n - 1-1``).

No section names what the loop's body declares or assigns (an inner loop's ``lo``/``hi``): the
clause is evaluated before the loop (the bundled suite's `bucket_rank` got
`copy(sorted[lo:hi-lo])` on its outer loop, which did not compile, once shifts gave sections).

The whole program (gcc -fopenacc, the data-environment emulator): the per-loop answer of the
member stencil verifies and moves the member's elements."""

from __future__ import annotations

import pytest
from _offload_util import run_verified

from accellium.dataset.analysis import analyze


@pytest.mark.parametrize("code, want", [
    ("for (int i = 1; i < n - 1; i++)\n  b[i] = 0.5 * (a[i - 1] + a[i + 1]);",
     {"a": "a[0:n]", "b": "b[1:n-2]"}),
    ("for (int i = 2; i < n; i++)\n  b[i] = a[i - 2] * c[i + 3];",
     {"a": "a[0:n-2]", "b": "b[2:n-2]", "c": "c[5:n-2]"}),
    ("for (int i = 0; i < n; i++)\n  b[i + 1] = a[i];", {"a": "a[0:n]", "b": "b[1:n]"}),
    ("for (int i = 1; i < n; i++)\n  x[i] = x[i - 1] + a[i];", {"a": "a[1:n-1]", "x": "x[0:n]"}),
    # written only, at two shifts: no section (not every element between them is written)
    ("for (int i = 0; i < n; i++)\n  { b[i] = 1; b[i + 2] = 2; }", {}),
    ("for (int i = 1; i < n - 1; i++)\n  v->b[i] = v->a[i - 1] + v->a[i + 1];",
     {"v->a": "v->a[0:n]"}),
    # an inner loop's bounds the body declares or assigns are no section of the outer loop's
    # clause (evaluated before the loop: `lo` is not in scope there, `hi` has another value)
    ("for (int b = 0; b < nb; b++) {\n  int lo = st[b], hi = lo + sz[b];\n"
     "  for (int i = lo + 1; i < hi; i++)\n    s[i] = 2 * t[i - 1];\n}",
     {"st": "st[0:nb]", "sz": "sz[0:nb]"}),
    ("for (int b = 0; b < nb; b++) {\n  hi = st[b + 1];\n"
     "  for (int i = st[b]; i < hi; i++)\n    s[i] = 2 * t[i];\n}",
     {"st": "st[0:nb+1]"}),
])
def test_sections_of_shifted_subscripts(code, want):
    assert analyze(code, "c").sections == want


@pytest.mark.parametrize("expr, c, want", [
    ("n - 1", 1, "n"), ("n - 1", -1, "n-2"), ("n", -1, "n-1"), ("2*n + 3", -5, "2*n-2"),
    ("7", -2, "5"), ("n * 2 - 1", 3, "n * 2+2"),
    # an operator that binds less tightly than `+`: the sum is not folded into it
    ("n >> 1", -1, "(n >> 1)-1"), ("a < b ? a : b", 2, "(a < b ? a : b)+2"),
    # none outside parentheses, brackets, `->` or `::`
    ("v->n", -1, "v->n-1"), ("std::min(a, b)", 1, "std::min(a, b)+1"), ("w[k > 0]", 1, "w[k > 0]+1"),
])
def test_the_text_of_a_shifted_bound(expr, c, want):
    from accellium.dataset.analysis.arrays import _shifted

    assert _shifted(expr, c) == want


N = 64
STENCIL = """struct V { int n; double *a, *b; };
void smooth(struct V *v)
{
    for (int i = 1; i < v->n - 1; i++)
        v->b[i] = 0.5 * (v->a[i - 1] + v->a[i + 1]);
}
"""
STENCIL_MAIN = f"""#include <stdio.h>
#include <stdlib.h>
struct V {{ int n; double *a, *b; }};
void smooth(struct V *v);
int main(void)
{{
    struct V v = {{{N}, malloc({N} * sizeof(double)), calloc({N}, sizeof(double))}};
    for (int i = 0; i < {N}; i++)
        v.a[i] = i;
    smooth(&v);
    int bad = 0;
    for (int i = 1; i < {N - 1}; i++)
        bad |= v.b[i] != i;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def test_a_member_stencil_is_offloaded_and_verifies(tmp_path):
    rows = run_verified(tmp_path, {"stencil": (STENCIL, STENCIL_MAIN)}, variants=("engine",))
    engine = rows["stencil"]["engine"]
    # the member's elements move (before: no pragma, nothing on the device)
    assert engine["bytes_h2d"] >= N * 8 and engine["bytes_d2h"] >= (N - 2) * 8, engine
