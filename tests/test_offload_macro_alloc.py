"""An array declared and allocated by a statement macro is not copied in before anything
wrote it (issue #15, :mod:`accellium.dataset.offload.unwritten`).

Benchmark drivers often declare and allocate each array with one function-like macro
(``ARRAY_DECL(r, N);`` expanding to ``double *r; r = (double *)alloc_data(...)``, the
allocator a wrapper of ``malloc``).  The planner already knew that memory fresh from
``malloc`` (or such a wrapper) holds indeterminate values until something writes it
(C11 7.22.3.4p2) and that a region need not copy it in; but it counted the macro call's own
``r`` (the argument the expansion declares and stores into) as a use between the allocation
and the region, so the reference output ``r``, which the host writes inside ``main``'s
region before an ``update device``, was copied in first: one array's bytes for nothing.
Now the name counts as the allocation's own when the expansion names it only to declare it
and to store the allocation into it, once.  A twin whose macro also writes an element
(``r[0] = 0.0``) is still copied in.  The plan's notes no longer call the macro a function
"not defined in this file".

Whole programs, built with real gcc and run in the data-environment emulator, their bytes
counted."""

from __future__ import annotations

from _offload_util import acc_lines, clauses_of, plan_text, run_verified

from accellium.server.engines import get_engine

N = 4096
S = N * 8

KERNEL = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N NSIZE
static void *alloc_data(unsigned long n, int size)
{
    void *p = malloc(n * size);
    if (!p)
        exit(1);
    return p;
}
#define ARRAY_DECL(var, n) double *var; var = (double *)alloc_data(n, sizeof(double))EXTRA
double seed(int i);

static void twice(int n, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = 2.0 * x[i];
}

static void twice_ref(int n, const double *x, double *y)
{
    y[0] = 2.0 * x[0];
    for (int i = 1; i < n; i++)
        y[i] = y[i - 1] + 2.0 * (x[i] - x[i - 1]);
}

static int compare(int n, const double *y, const double *r)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += !(fabs(y[i] - r[i]) <= 1e-9);
    return bad;
}

int main(void)
{
    int n = N, bad = 0;
    ARRAY_DECL(x, N);
    ARRAY_DECL(y, N);
    ARRAY_DECL(r, N);
    for (int i = 0; i < n; i++)
        x[i] = seed(i);
    twice(n, x, y);
    twice_ref(n, x, r);
    bad = compare(n, y, r);
    puts(bad ? "BAD" : "OK");
    free(x);
    free(y);
    free(r);
    return 0;
}
"""
DRIVER = "double seed(int i) { return (double)(i % 7) / 7.0; }\n"

PROGRAMS = {
    "decl_macro": (KERNEL.replace("EXTRA", "").replace("NSIZE", str(N)), DRIVER),
    # the expansion also writes an element: the memory is no longer untouched
    "decl_macro_writes": (KERNEL.replace("EXTRA", "; var[0] = 0.0").replace("NSIZE", str(N)),
                          DRIVER),
}


def _main_region(name: str) -> dict[str, str]:
    """The clause of each array on ``main``'s data region."""
    text, _ = plan_text(PROGRAMS[name][0], get_engine("analysis"),
                        program=[PROGRAMS[name][1].encode()])
    return clauses_of(next(a for a in acc_lines(text) if a.startswith("#pragma acc data")))


def test_a_macro_allocated_array_is_created_until_the_host_writes_it():
    assert _main_region("decl_macro") == {"x": "copyin", "y": "create", "r": "create"}
    assert _main_region("decl_macro_writes") == {"x": "copyin", "y": "create", "r": "copyin"}


def test_the_allocating_macro_is_no_call_in_the_notes():
    _, plans = plan_text(PROGRAMS["decl_macro"][0], get_engine("analysis"),
                         program=[PROGRAMS["decl_macro"][1].encode()])
    assert not [n for n in plans["main"].notes if "ARRAY_DECL" in n], plans["main"].notes


def test_the_programs_verify_and_the_untouched_array_moves_once(tmp_path):
    rows = run_verified(tmp_path, PROGRAMS, variants=("offload",))
    got = {k: (r["offload"]["bytes_h2d"] or 0) + (r["offload"]["bytes_d2h"] or 0)
           for k, r in rows.items()}
    # x in, r pushed by the update after the host writes it, the count in and out
    assert got["decl_macro"] == 2 * S + 8, got
    # r also copied in at the region's start
    assert got["decl_macro_writes"] == 3 * S + 8, got
