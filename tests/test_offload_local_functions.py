"""Functions a planned function defines in its own body: a C++ lambda stored in a variable
(``auto fix = [&](int k) { a[k] = -a[k]; };``) and a GNU C nested function (``void fix(int k)
{ ... }``), found by probing the offload plans.

Defining one runs none of its body; a call runs it where the call is.  The plan read the
definition as host code using ``a[k]`` — ``update self(a[k:1]) if_present`` around it, with
the function's own parameter ``k``, which gcc rejects ("'k' undeclared") — and the call
``fix(3)`` between two offloaded loops as no use of ``a``: stale data on the device.  Now the
definition is no use, and each call is a use of every array its body names (``update self``
before, ``update device`` after; ``flow._local_functions``).  A lambda called where it is
written (``[&] { ... }()``) runs there, as before.

Whole programs (g++/gcc, the data-environment emulator): the plans verify, and the planned
files build with ``-fopenacc``.
"""

from __future__ import annotations

from _offload_util import run_programs

LAMBDA = """void lam(int n, double *a, double *b)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
    auto fix = [&](int k) { a[k] = -a[k]; };
    for (int i = 0; i < n; i++)
        b[i] = a[i] * 2.0;
    fix(3);
    for (int i = 0; i < n; i++)
        b[i] += a[i];
}
double lamr(int n, double *a, double *b)
{
    auto get = [=](int k) { return a[k]; };
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
    double s = get(3);
    for (int i = 0; i < n; i++)
        b[i] = a[i] * s;
    return s;
}
"""
LAMBDA_MAIN = """#include <cstdio>
void lam(int n, double *a, double *b);
double lamr(int n, double *a, double *b);
int main()
{
    const int N = 100;
    static double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = i;
    lam(N, a, b);
    for (int i = 0; i < N; i++) {
        double r = i == 3 ? -(i + 1.0) : i + 1.0;
        if (a[i] != r || b[i] != 2.0 * (i + 1.0) + r) { std::puts("BAD lam"); return 1; }
    }
    double s = lamr(N, a, b);
    if (s != -3.0) { std::puts("BAD s"); return 1; }
    for (int i = 0; i < N; i++)
        if (b[i] != a[i] * s) { std::puts("BAD lamr"); return 1; }
    std::puts("OK");
    return 0;
}
"""
NESTED = """void nf(int n, double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
    void fix(int k) { a[k] = -a[k]; }
    for (int i = 0; i < n; i++)
        b[i] = a[i] * 2.0;
    fix(3);
    for (int i = 0; i < n; i++)
        b[i] += a[i];
}
"""
NESTED_MAIN = """#include <stdio.h>
void nf(int n, double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 100 };
    static double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = i;
    nf(N, a, b);
    for (int i = 0; i < N; i++) {
        double r = i == 3 ? -(i + 1.0) : i + 1.0;
        if (a[i] != r || b[i] != 2.0 * (i + 1.0) + r) { puts("BAD"); return 1; }
    }
    puts("OK");
    return 0;
}
"""


def test_the_plans_verify(tmp_path):
    rows = run_programs(tmp_path, {
        "lambda": ({"k.cpp": LAMBDA, "main.cpp": LAMBDA_MAIN}, ["k.cpp"]),
        "nested": ({"k.c": NESTED, "main.c": NESTED_MAIN}, ["k.c"]),
    }, variants=("offload",))
    for name in ("lambda", "nested"):
        plans = rows[name]["offload"]["plans"]
        assert any(p["updates"] if "updates" in p else "update" in " ".join(p["notes"])
                   for p in plans), (name, plans)
