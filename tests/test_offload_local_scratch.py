"""A function's local scratch array is created on the device, not copied in (issue #15).

An array of automatic storage duration declared without an initializer holds indeterminate
values each time its declaration is reached (C11 6.2.4p6, 6.7.9p10): a line solve's
transposed copy and coefficient arrays, declared in the function and filled by its own loops
on part of their extent, hold nothing a copy in could bring, on every call.  The plan used to
copy them in whenever its loops read an element it could not show they wrote first (here:
the sweep reads ``rt[i - 1][j]`` of a fill over ``1 <= j < n - 1``); now they are ``create``.
A ``static`` local keeps its values between calls, an initialised one holds its initializer's
and one a call fills before the region holds that call's: those are still copied in.

Whole programs, built with real gcc and run in the data-environment emulator (its second
run fills fresh device memory with a finite pattern, so a read of an element nothing wrote
changes the output)."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#define N 24
void fill(int n, double a[N][N]);
void line_solve(int n, double u[N][N], double r[N][N])
{
    DECL
    double rt[N][N];
    BEFORE
    for (int j = 1; j < n - 1; j++)
        for (int i = 0; i < n; i++)
            rt[i][j] = r[j][i];
    for (int j = 1; j < n - 1; j++)
        for (int i = 1; i < n - 1; i++)
            lhs[i][j] FILL 0.1 * u[j][i];
    for (int j = 1; j < n - 1; j++)
        for (int i = 2; i < n - 1; i++)
            rt[i][j] = (rt[i][j] + 0.5 * rt[i - 1][j]) / lhs[i][j];
    for (int j = 1; j < n - 1; j++)
        for (int i = 1; i < n - 1; i++)
            r[j][i] = rt[i][j];
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#define N 24
void line_solve(int n, double u[N][N], double r[N][N]);
void fill(int n, double a[N][N])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[i][j] = 2.0;
}
static double u[N][N], r[N][N], ref[N][N];
int main(void)
{
    int n = N, bad = 0;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
            u[j][i] = (i * 3 + j) % 5, r[j][i] = ref[j][i] = 1.0 + (i + 2 * j) % 7;
    for (int t = 0; t < 3; t++)
        line_solve(n, u, r);
    for (int t = 0; t < 3; t++) {
        double rt[N][N];
        for (int j = 1; j < n - 1; j++) {
            for (int i = 0; i < n; i++)
                rt[i][j] = ref[j][i];
            for (int i = 2; i < n - 1; i++)
                rt[i][j] = (rt[i][j] + 0.5 * rt[i - 1][j]) / (2.0 + 0.1 * u[j][i]);
            for (int i = 1; i < n - 1; i++)
                ref[j][i] = rt[i][j];
        }
    }
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
            bad += fabs(r[j][i] - ref[j][i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
#: (declaration of lhs, statement before the loops, how the fill stores): each gives the
#: same values (2 + 0.1 u); a static local is refilled by every call before it is read
VARIANTS = {
    "local": ("double lhs[N][N];", "", "= 2.0 +"),
    "static_local": ("static double lhs[N][N];", "", "= 2.0 +"),
    "initialised": ("double lhs[N][N] = {{0}};", "", "= 2.0 +"),
    "filled_by_call": ("double lhs[N][N];", "fill(n, lhs);", "+="),
}


def _kernel(variant: str) -> str:
    decl, before, fill = VARIANTS[variant]
    return KERNEL.replace("DECL", decl).replace("BEFORE", before).replace("FILL", fill)


def _region(variant: str) -> str:
    text, _ = plan_text(_kernel(variant), get_engine("analysis"), program=[MAIN.encode()])
    return next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))


def test_local_scratch_arrays_are_created_and_the_program_verifies(tmp_path):
    line = _region("local")
    assert "create(rt, lhs)" in line, line
    rows = run_verified(tmp_path, {v: (_kernel(v), MAIN) for v in ("local", "static_local")})
    moved = {v: r["offload"]["bytes_h2d"] for v, r in rows.items()}
    # the static local's values outlive the call: copied in, so the plain local moves less
    assert moved["local"] < moved["static_local"], moved


def test_a_local_whose_values_come_from_before_the_region_is_copied_in():
    line = _region("initialised")
    assert "copyin(lhs" in line and "create(rt)" in line, line
    # a static local also outlives the call (C11 6.2.4p3): what the region writes comes back
    line = _region("static_local")
    assert "lhs)" in line and "copy(" in line and "create(rt)" in line and \
        "copyin(lhs" not in line, line
    line = _region("filled_by_call")
    assert "lhs" in line and "create(rt)" in line and "create(rt, lhs)" not in line and \
        "create(lhs" not in line, line
