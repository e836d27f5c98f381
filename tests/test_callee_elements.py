"""What a function of the file reaches through a pointer argument (found by probing the
per-loop answers): ``sw(&a[i], &a[i + 1])``, ``a[i] = get(a, i)`` with ``get`` returning
``b[k + 1]``.

A callee that uses a pointer parameter only where it points (``*x``, ``x[0]``, ``x->m``: C11
6.5.3.2p4, 6.5.2.1p2) reads or writes the one object its argument points to: ``sw(&a[i], &a[i
+ 1])`` with ``sw`` swapping ``*x`` and ``*y`` writes ``a[i]`` and ``a[i + 1]``, and the
dependence test now sees both writes (the loop carries ``a[0]`` to the end: it got
``parallel loop``, a race).  A callee that does anything else with the pointer (``b[k + 1]``,
``p + 1``, passing it on) may use any element: a section from the loop's own accesses need
not cover them (``b[i] = get(a, i) - a[i]`` got ``copyin(a[0:n-1])``, short of ``a[n-1]``,
which ``get`` reads), and when the argument is the array's start (no index of the loop in
it) and the loop writes the array, the call may read what another iteration writes
(``a[i] = get(a, i)`` got ``parallel loop``: a race).  Now: no section from the loop's accesses
for such an array (no pragma where no data region maps it), and a dependence naming the call.

Whole programs (gcc, the dynamic evaluation's emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import run_verified

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """static void sw(double *x, double *y) { double t = *x; *x = *y; *y = t; }
static double get(const double *b, int k) { return b[k + 1]; }

void rotate(int n, double *a)
{
    for (int i = 0; i < n - 1; i++)
        sw(&a[i], &a[i + 1]);
}

void shift(int n, double *a)
{
    for (int i = 0; i < n - 1; i++)
        a[i] = get(a, i);
}

void diff(int n, const double *a, double *b)
{
    for (int i = 0; i < n - 1; i++)
        b[i] = get(a, i) - a[i];
}

static void bump(double *x) { *x += 1.0; }

void bump_all(int n, double *a)
{
    for (int i = 0; i < n; i++)
        bump(&a[i]);
}
"""
MAIN = """#include <stdio.h>
void rotate(int n, double *a);
void shift(int n, double *a);
void diff(int n, const double *a, double *b);
void bump_all(int n, double *a);
int main(void)
{
    enum { N = 500 };
    static double a[N], b[N], c[N], d[N], rb[N];
    for (int i = 0; i < N; i++) { a[i] = b[i] = c[i] = d[i] = (i * 7) % 13; rb[i] = -1.0; }
    rotate(N, a);
    shift(N, b);
    diff(N, c, d);
    for (int i = 0; i < N - 1; i++)
        if (a[i] != (((i + 1) * 7) % 13) || b[i] != (((i + 1) * 7) % 13) ||
            d[i] != (((i + 1) * 7) % 13) - ((i * 7) % 13)) { puts("BAD"); return 1; }
    if (a[N - 1] != 0.0) { puts("BAD"); return 1; }
    bump_all(N, c);
    for (int i = 0; i < N; i++)
        if (c[i] != (i * 7) % 13 + 1.0) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_the_calls_are_read_as_their_elements():
    got = {s.line: s for s in annotate_source(KERNEL.encode(), get_engine("analysis"))}
    assert got[6].pragma is None and any("a[i + 1]" in str(n) for n in got[6].notes), got[6]
    assert got[12].pragma is None and any("get(...)" in str(n) for n in got[12].notes), got[12]
    assert got[18].pragma is None or "a[0:n-1]" not in got[18].pragma.replace(" ", ""), got[18]
    assert got[26].pragma is not None and "parallel loop" in got[26].pragma, got[26]


def test_the_answers_verify(tmp_path):
    run_verified(tmp_path, {"callees": (KERNEL, MAIN)}, variants=("engine", "offload"))
