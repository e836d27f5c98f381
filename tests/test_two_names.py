"""One object under two names outside the loop (found by probing the per-loop answers): a
pointer to the accumulator (``double *ps = &s; s += a[i]; b[i] = *ps;``), a C++ reference
bound to it (``double &rs = s; rs += a[i]; b[i] = s;``) or to an element of an array the loop
reads (``double &r = a[n - 1]; r += a[i];``).

``*ps`` designates ``s`` (C11 6.5.3.2p4) and a reference is another name of the object it is
bound to ([dcl.ref]p1): these loops are prefix sums, and the last one adds into ``a[n - 1]``,
which its last iteration reads.  The analysis took each name for an object of its own and
answered ``parallel loop reduction(+:s)`` (or ``(+:rs)``, ``(+:r)``): the emulator's race and
wrong results.  A loop that uses a scalar under both names and assigns one of them, or
assigns a reference bound to memory, now carries a dependence that names both.

Whole programs (gcc/g++, the dynamic evaluation's emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

POINTER = """void prefix(int n, const double *restrict a, double *restrict b)
{
    double s = 0.0;
    double *ps = &s;
    for (int i = 0; i < n; i++) {
        s += a[i];
        b[i] = *ps;
    }
}
"""
POINTER_MAIN = """#include <stdio.h>
void prefix(int n, const double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 300 };
    static double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = i % 7;
    prefix(N, a, b);
    double s = 0.0;
    for (int i = 0; i < N; i++) { s += a[i]; if (b[i] != s) { puts("BAD"); return 1; } }
    puts("OK");
    return 0;
}
"""
REFERENCE = """void prefix(int n, const double *a, double *b)
{
    double s = 0.0;
    double &rs = s;
    for (int i = 0; i < n; i++) {
        rs += a[i];
        b[i] = s;
    }
}

void into_last(int n, double *a)
{
    double &r = a[n - 1];
    for (int i = 0; i < n; i++)
        r += a[i];
}
"""
REFERENCE_MAIN = """#include <cstdio>
void prefix(int n, const double *a, double *b);
void into_last(int n, double *a);
int main()
{
    const int N = 300;
    static double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = i % 7;
    prefix(N, a, b);
    double s = 0.0;
    for (int i = 0; i < N; i++) { s += a[i]; if (b[i] != s) { std::puts("BAD"); return 1; } }
    into_last(N, a);
    if (a[N - 1] != 2.0 * s) { std::puts("BAD"); return 1; }
    std::puts("OK");
    return 0;
}
"""


def test_two_names_of_one_object_carry_a_dependence():
    for src, path in ((POINTER, "k.c"), (REFERENCE, "k.cpp")):
        for s in annotate_source(src.encode(), get_engine("analysis"), path=path):
            assert s.pragma is None, (path, s.line, s.pragma)
            assert any("not parallel as written" in str(n) for n in s.notes), s.notes


def test_the_answers_verify(tmp_path):
    run_programs(tmp_path, {
        "pointer": ({"k.c": POINTER, "main.c": POINTER_MAIN}, ["k.c"]),
        "reference": ({"k.cpp": REFERENCE, "main.cpp": REFERENCE_MAIN}, ["k.cpp"]),
    }, variants=("engine", "offload"))
