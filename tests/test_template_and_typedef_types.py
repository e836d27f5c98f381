"""Types the analysis did not resolve (found by probing the per-loop answers): an accumulator
whose type is a template parameter (``template <class T> T tsum(const double *a, int n) { T s
= 0; for (...) s += a[i]; }`` called as ``tsum<int>``), and a subscript of a typedef'd narrow
type (``typedef unsigned char idx_t; idx_t c = i; b[c] += a[i];``).

A template's type parameter has whatever type an instantiation gives it ([temp.param]):
``tsum<int>`` truncates the sum at every step (C11 6.3.1.4), so ``reduction(+:s)`` — what the
loop got — adds the elements in another order and truncates other partial sums (the emulator:
wrong).  Such an accumulator is carried where the loop stores a value of another type into
it (a reduction over ``const T *a`` stays).  A typedef name is its type: ``idx_t c = i``
wraps at 256, so ``b[c]`` is no affine function of ``i`` (two iterations write one element);
the loop got ``parallel loop ... copy(b[0:n])`` — a race, and past the end of ``b`` (the
emulator: bounds).  A template parameter may be a narrow type too.

Whole programs (gcc/g++, the dynamic evaluation's emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

TEMPLATE = """template <class T>
static T tsum(const double *a, int n)
{
    T s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}

template <class T>
static T same(const T *a, int n)
{
    T s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}

double sums(int n, const double *a)
{
    return tsum<int>(a, n) + same<double>(a, n);
}
"""
TEMPLATE_MAIN = """#include <cstdio>
double sums(int n, const double *a);
int main()
{
    const int N = 1000;
    static double a[N];
    int t = 0;
    double s = 0.0;
    for (int i = 0; i < N; i++) { a[i] = 0.75 + (i % 3); t += a[i]; s += a[i]; }
    if (sums(N, a) != t + s) { std::puts("BAD"); return 1; }
    std::puts("OK");
    return 0;
}
"""
TYPEDEF = """typedef unsigned char idx_t;

void fold(int n, const double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++) {
        idx_t c = i;
        b[c] += a[i];
    }
}
"""
TYPEDEF_MAIN = """#include <stdio.h>
void fold(int n, const double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 1000 };
    static double a[N], b[256], r[256];
    for (int i = 0; i < N; i++) { a[i] = i % 5; r[(unsigned char)i] += a[i]; }
    fold(N, a, b);
    for (int k = 0; k < 256; k++)
        if (b[k] != r[k]) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_the_types_are_resolved():
    got = {s.line: s for s in annotate_source(TEMPLATE.encode(), get_engine("analysis"),
                                              path="k.cpp")}
    assert got[5].pragma is None and any("template parameter" in str(n) for n in got[5].notes)
    assert got[14].pragma is not None and "reduction(+:s)" in got[14].pragma, got[14]
    fold = annotate_source(TYPEDEF.encode(), get_engine("analysis"))[0]
    assert fold.pragma is None and any("b[c]" in str(n) for n in fold.notes), fold


def test_the_answers_verify(tmp_path):
    run_programs(tmp_path, {
        "template": ({"k.cpp": TEMPLATE, "main.cpp": TEMPLATE_MAIN}, ["k.cpp"]),
        "typedef": ({"k.c": TYPEDEF, "main.c": TYPEDEF_MAIN}, ["k.c"]),
    }, variants=("engine", "offload"))
