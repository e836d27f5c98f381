"""Pointers into an array defined before the loop (found by probing the per-loop answers): a
copy of one (``double *p = a + 1; double *q = p;``), and one the loop only reads beside the
array (``const double *p = a + 1; b[i] = p[i] - a[i];``).

A pointer copied from another points where that one does (C11 6.5.16.1), so ``q[i]`` is
``a[i + 1]``: ``q[i] = 0.5 * a[i] + 1.0`` is a recurrence, and it got ``parallel loop
copyin(a[0:n-1]) copyout(q[0:n-1])`` (a race, and two overlapping sections of one memory:
the emulator's "partly present").  Now a copy's target is its source's, offsets added.  And
two names of one memory are mapped once, with the extent both reach, also when the loop only
reads them: ``copyin(p[0:n-1], a[0:n-1])`` overlapped (OpenACC 3.3, 2.6.6: a runtime
error); now ``copyin(a[0:n])``.

Whole programs (gcc, the dynamic evaluation's emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """void chain(int n, double *a)
{
    double *p = a + 1;
    double *q = p;
    for (int i = 0; i < n - 1; i++)
        q[i] = 0.5 * a[i] + 1.0;
}

void differences(int n, double *a, double *restrict b)
{
    const double *p = a + 1;
    const double *q = p;
    for (int i = 0; i < n - 1; i++)
        b[i] = q[i] - a[i];
}
"""
MAIN = """#include <stdio.h>
void chain(int n, double *a);
void differences(int n, double *a, double *restrict b);
int main(void)
{
    enum { N = 300 };
    static double a[N], r[N], b[N];
    for (int i = 0; i < N; i++) a[i] = r[i] = i % 7;
    differences(N, a, b);
    for (int i = 0; i < N - 1; i++)
        if (b[i] != r[i + 1] - r[i]) { puts("BAD"); return 1; }
    chain(N, a);
    for (int i = 0; i < N - 1; i++) r[i + 1] = 0.5 * r[i] + 1.0;
    for (int i = 0; i < N; i++)
        if (a[i] != r[i]) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_a_copied_pointer_is_its_source():
    got = annotate_source(KERNEL.encode(), get_engine("analysis"))
    assert got[0].pragma is None and any("q[i]" in str(n) for n in got[0].notes), got[0]
    assert got[1].pragma is not None and "copyin(a[0:n])" in got[1].pragma, got[1].pragma
    assert "q[" not in got[1].pragma, got[1].pragma


def test_the_answers_verify(tmp_path):
    run_programs(tmp_path, {"chains": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"])},
                 variants=("engine", "offload"))
