"""Host code between offloaded loops that reaches a mapped array through another name the
planner's pointer copies do not follow: a structure initialised with its address (``struct
view v = {a}; v.p[k]``), a member or element assigned it (``v.p = a``, ``bufs[1] = b``), an
array of pointers (``double *bufs[2] = {a, b}``), a pointer initialised with a cast (``char
*raw = (char *)a``).  Each such name designates the array's memory (C11 6.5.2.3, 6.5.2.1,
6.3.2.3), so a statement that dereferences it uses the array (``dataset/offload/flow._views``):
``update self`` before it, ``update device`` after it.

Before, such a statement was no use of the array: the host read the stale value the device
had overwritten (the emulator: stale data).

Proven on whole programs (gcc, the data-environment emulator): the plans verify.
"""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """struct view { double *p; };
double through_struct(int n, double *a, double *b)
{
    struct view v = {a};
    double mid;
    for (int i = 0; i < n; i++)
        a[i] = a[i] * a[i] + 1.0;
    mid = v.p[n / 2];
    for (int i = 0; i < n; i++)
        b[i] = a[i] / mid;
    return mid;
}
double through_member(int n, double *a, double *b)
{
    struct view v;
    v.p = b;
    for (int i = 0; i < n; i++)
        b[i] = 2.0 * a[i];
    double first = v.p[1];
    for (int i = 0; i < n; i++)
        a[i] = b[i] - first;
    return first;
}
double through_table(int n, double *a, double *b)
{
    double *bufs[2] = {a, b};
    for (int i = 0; i < n; i++)
        b[i] = a[i] + 3.0;
    bufs[1][0] = -1.0;
    for (int i = 0; i < n; i++)
        a[i] = b[i] * 2.0;
    return a[0];
}
"""
MAIN = """#include <stdio.h>
#include <math.h>
double through_struct(int n, double *a, double *b);
double through_member(int n, double *a, double *b);
double through_table(int n, double *a, double *b);
int main(void)
{
    enum { N = 1000 };
    static double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = 0.001 * i;
    double m = through_struct(N, a, b);
    double want = (0.001 * (N / 2)) * (0.001 * (N / 2)) + 1.0;
    if (fabs(m - want) > 1e-12 || fabs(b[3] - (0.000009 + 1.0) / want) > 1e-12) { puts("BAD 1"); return 1; }
    double f = through_member(N, a, b);
    if (fabs(f - 2.0 * (0.000001 + 1.0)) > 1e-12 || a[1] != 0.0) { puts("BAD 2"); return 1; }
    for (int i = 0; i < N; i++) a[i] = i;
    if (through_table(N, a, b) != -2.0 || a[1] != 8.0) { puts("BAD 3"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_the_views_get_updates():
    text, _ = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    lines = [ln.strip() for ln in text.splitlines()]
    for use, array in (("mid = v.p[n / 2];", "a"), ("double first = v.p[1];", "b"),
                       ("bufs[1][0] = -1.0;", "b")):
        k = lines.index(use)
        assert lines[k - 1].startswith(f"#pragma acc update self({array}"), (use, lines[k - 3:k + 2])
    k = lines.index("bufs[1][0] = -1.0;")
    assert lines[k + 1].startswith("#pragma acc update device(b"), lines[k - 2:k + 3]


def test_the_plans_verify(tmp_path):
    run_verified(tmp_path, {"views": (KERNEL, MAIN)}, variants=("offload",))


# A pointer or a C++ reference to one element, declared between two offloaded loops
# (``double *p = &a[3]; *p = 100.0;``, ``double &r = a[3]; r = 100.0;``): the declaration got
# updates, the later statements through the name none (``flow._element_address``).
ELEMENT = """double through_pointer(int n, double *a, double *b)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
    double *p = &a[3];
    *p = 100.0;
    for (int i = 0; i < n; i++)
        a[i] = a[i] * 2.0;
    double s = *p;
    for (int i = 0; i < n; i++)
        b[i] = a[i] + s;
    return s;
}
"""
ELEMENT_MAIN = """#include <stdio.h>
double through_pointer(int n, double *a, double *b);
int main(void)
{
    enum { N = 100 };
    static double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = i;
    double s = through_pointer(N, a, b);
    for (int i = 0; i < N; i++) {
        double w = i == 3 ? 200.0 : 2.0 * (i + 1.0);
        if (a[i] != w || b[i] != w + 200.0 || s != 200.0) { puts("BAD"); return 1; }
    }
    puts("OK");
    return 0;
}
"""
REFERENCE = """void through_reference(int n, double *a, double *b)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
    double &r = a[3];
    r = 100.0;
    for (int i = 0; i < n; i++)
        b[i] = a[i] * 2.0;
}
"""
REFERENCE_MAIN = """#include <cstdio>
void through_reference(int n, double *a, double *b);
int main()
{
    const int N = 100;
    static double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = i;
    through_reference(N, a, b);
    for (int i = 0; i < N; i++) {
        double w = i == 3 ? 100.0 : i + 1.0;
        if (a[i] != w || b[i] != 2.0 * w) { std::puts("BAD"); return 1; }
    }
    std::puts("OK");
    return 0;
}
"""


def test_element_pointers_and_references_verify(tmp_path):
    from _offload_util import run_programs

    run_programs(tmp_path, {
        "pointer": ({"k.c": ELEMENT, "main.c": ELEMENT_MAIN}, ["k.c"]),
        "reference": ({"k.cpp": REFERENCE, "main.cpp": REFERENCE_MAIN}, ["k.cpp"]),
    }, variants=("offload",))
