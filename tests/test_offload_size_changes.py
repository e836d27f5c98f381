"""A section's size that the time loop changes other than by naming it (found by probing the
offload plans): through a pointer to it (``int *pm = &m; ... *pm *= 2;``) or a C++ reference
bound to it (``int &rm = m; rm *= 2;``).

A data construct evaluates its sections once, where it starts (OpenACC 3.3, 2.6.5): the
region above the time loop mapped ``a[0:m]`` with the first ``m``, and the second iteration's
``present(a[0:m])`` asked for more (present-abort).  Now such a store counts as a change of
the scalar (``arrays.assignment_positions``, read by ``extent.Extents``), as a direct ``m *=
2`` did: the region goes inside the time loop.  So does a call that may store to a
file-scope size (``bump()`` of the file doubling ``gm``, or ``ext_bump()`` defined in another
file: :func:`.global_scalars.changes`) — before, the region above the time loop aborted on
the second step's partly present section.

Whole programs (gcc/g++, the data-environment emulator): the plans verify.
"""

from __future__ import annotations

from _offload_util import plan_text, run_programs

from accellium.server.engines import get_engine

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

GLOBAL = """int gm, gx;
static void bump(void) { gm = gm * 2; }
void ext_bump(void);

void through_call(int n, double *restrict a, double *restrict b)
{
    gm = n / 8;
    for (int t = 0; t < 3; t++) {
        for (int i = 0; i < gm; i++)
            a[i] = a[i] + 1.0;
        for (int i = 0; i < gm; i++)
            b[i] = a[i] * 2.0;
        bump();
    }
}

void through_other_file(int n, double *restrict a, double *restrict b)
{
    gx = n / 8;
    for (int t = 0; t < 3; t++) {
        for (int i = 0; i < gx; i++)
            a[i] = a[i] + 1.0;
        for (int i = 0; i < gx; i++)
            b[i] = a[i] * 2.0;
        ext_bump();
    }
}
"""
GLOBAL_MAIN = """#include <stdio.h>
extern int gx;
void ext_bump(void) { gx = gx * 2; }
void through_call(int n, double *restrict a, double *restrict b);
void through_other_file(int n, double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 800 };
    static double a[N], b[N], ra[N], rb[N];
    for (int i = 0; i < N; i++) { a[i] = ra[i] = i; b[i] = rb[i] = -1.0; }
    for (int m = N / 8, t = 0; t < 3; t++, m *= 2) {
        for (int i = 0; i < m; i++) ra[i] += 1.0;
        for (int i = 0; i < m; i++) rb[i] = ra[i] * 2.0;
    }
    through_call(N, a, b);
    for (int m = N / 8, t = 0; t < 3; t++, m *= 2) {
        for (int i = 0; i < m; i++) ra[i] += 1.0;
        for (int i = 0; i < m; i++) rb[i] = ra[i] * 2.0;
    }
    through_other_file(N, a, b);
    for (int i = 0; i < N; i++)
        if (a[i] != ra[i] || b[i] != rb[i]) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_a_call_that_stores_the_size_keeps_the_region_inside_the_time_loop():
    """The region's data clause comes after the time loop's header, not above it."""
    text, plans = plan_text(GLOBAL, get_engine("analysis"))
    for fn, size in (("through_call", "gm"), ("through_other_file", "gx")):
        body = text.split(f"void {fn}(")[1].split("\n}\n")[0].splitlines()
        header = next(k for k, ln in enumerate(body) if ln.strip().startswith("for (int t"))
        data = [k for k, ln in enumerate(body) if ln.strip().startswith("#pragma acc data")]
        assert data and all(k > header for k in data), body
        assert any(f"[0:{size}]" in ln for ln in body), body
        assert plans[fn].notes, plans


def test_the_plans_verify(tmp_path):
    run_programs(tmp_path, {
        "c": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"]),
        "cxx": ({"k.cpp": REFERENCE, "main.cpp": REFERENCE_MAIN}, ["k.cpp"]),
        "call": ({"k.c": GLOBAL, "main.c": GLOBAL_MAIN}, ["k.c"]),
    }, variants=("offload",))
