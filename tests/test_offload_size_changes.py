"""A section's size that the time loop changes other than by naming it (found by probing the
offload plans): through a pointer to it (``int *pm = &m; ... *pm *= 2;``) or a C++ reference
bound to it (``int &rm = m; rm *= 2;``).

A data construct evaluates its sections once, where it starts (OpenACC 3.3, 2.6.5): the
region above the time loop mapped ``a[0:m]`` with the first ``m``, and the second iteration's
``present(a[0:m])`` asked for more (present-abort).  Now such a store counts as a change of
the scalar (``arrays.assignment_positions``, read by ``extent.Extents``), as a direct ``m *=
2`` did: the region goes inside the time loop.  (A call of a function of the file that
stores to a global size, ``bump()`` doubling ``gm``, is not yet such a change: README, left as
found.)

Whole programs (gcc/g++, the data-environment emulator): the plans verify.
"""

from __future__ import annotations

from _offload_util import run_programs

KERNEL = """void through_pointer(int n, double *restrict a, double *restrict b)
{
    int m = n / 8;
    int *pm = &m;
    for (int t = 0; t < 3; t++) {
        for (int i = 0; i < m; i++)
            a[i] = a[i] + 1.0;
        for (int i = 0; i < m; i++)
            b[i] = a[i] * 2.0;
        *pm *= 2;
    }
}
"""
MAIN = """#include <stdio.h>
void through_pointer(int n, double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 800 };
    static double a[N], b[N], ra[N], rb[N];
    for (int i = 0; i < N; i++) { a[i] = ra[i] = i; b[i] = rb[i] = -1.0; }
    for (int m = N / 8, t = 0; t < 3; t++, m *= 2) {
        for (int i = 0; i < m; i++) ra[i] += 1.0;
        for (int i = 0; i < m; i++) rb[i] = ra[i] * 2.0;
    }
    through_pointer(N, a, b);
    for (int i = 0; i < N; i++)
        if (a[i] != ra[i] || b[i] != rb[i]) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""
REFERENCE = """void through_reference(int n, double *a, double *b)
{
    int m = n / 8;
    int &rm = m;
    for (int t = 0; t < 3; t++) {
        for (int i = 0; i < m; i++)
            a[i] = a[i] + 1.0;
        for (int i = 0; i < m; i++)
            b[i] = a[i] * 2.0;
        rm *= 2;
    }
}
"""
REFERENCE_MAIN = """#include <cstdio>
void through_reference(int n, double *a, double *b);
int main()
{
    const int N = 800;
    static double a[N], b[N], ra[N], rb[N];
    for (int i = 0; i < N; i++) { a[i] = ra[i] = i; b[i] = rb[i] = -1.0; }
    for (int m = N / 8, t = 0; t < 3; t++, m *= 2) {
        for (int i = 0; i < m; i++) ra[i] += 1.0;
        for (int i = 0; i < m; i++) rb[i] = ra[i] * 2.0;
    }
    through_reference(N, a, b);
    for (int i = 0; i < N; i++)
        if (a[i] != ra[i] || b[i] != rb[i]) { std::puts("BAD"); return 1; }
    std::puts("OK");
    return 0;
}
"""


def test_the_plans_verify(tmp_path):
    run_programs(tmp_path, {
        "c": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"]),
        "cxx": ({"k.cpp": REFERENCE, "main.cpp": REFERENCE_MAIN}, ["k.cpp"]),
    }, variants=("offload",))
