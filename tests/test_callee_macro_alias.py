"""A call through an object-like macro that names a function is a call of that function:
``#define fmaxr fmaxf`` makes ``fmaxr(e, x)`` the call ``fmaxf(e, x)`` (the preprocessor rescans
the replacement with the rest of the file, C11 6.10.3.4p1).  Programs that switch their
precision in a header (``#ifdef USE_DOUBLE`` ... ``#define fmaxr fmax`` ... ``#else`` ...
``#define fmaxr fmaxf``) write their max reduction that way.  Before, the analysis saw a call
of an unknown function ``fmaxr`` (which would need ``routine seq`` on the device) and an
``error`` read before written: no parallel pragma, only ``kernels`` or nothing.  Now the max
reduction is found and the loop is parallel.  Whole program, built with real gcc and run in
the emulator; the header's group is decided by the compile command (no ``-DUSE_DOUBLE``).

Twin ``function``: ``fmaxr`` is a function-like macro whose body calls a function of the
program the analysis has no device version of — still refused."""

from __future__ import annotations

from _offload_util import run_verified

HEADER = """#ifndef COMMON_H
#define COMMON_H
#ifdef USE_DOUBLE
typedef double real;
#define fmaxr fmax
#define fabsr fabs
#else
typedef float real;
#define fmaxr fmaxf
#define fabsr fabsf
#endif
#endif
"""
KERNEL = """#include <math.h>
#include "common.h"
#define N 64
real step(real A[N][N], real Anew[N][N])
{
    real error = 0.0f;
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++) {
            Anew[i][j] = 0.25f * (A[i][j + 1] + A[i][j - 1] + A[i - 1][j] + A[i + 1][j]);
            error = fmaxr(error, fabsr(Anew[i][j] - A[i][j]));
        }
    return error;
}
"""
TWIN = KERNEL.replace('#include "common.h"', '#include "common.h"\nreal pick(real a, real b);\n'
                      '#undef fmaxr\n#define fmaxr(a, b) pick(a, b)')
MAIN = """#include <math.h>
#include <stdio.h>
#include "common.h"
#define N 64
real step(real A[N][N], real Anew[N][N]);
real pick(real a, real b) { return a > b ? a : b; }
static real A[N][N], Anew[N][N];
int main(void)
{
    for (int j = 0; j < N; j++)
        A[0][j] = 1.0f;
    real e = step(A, Anew);
    puts(fabsf(e - 0.25f) < 1e-6f && fabsf(Anew[1][5] - 0.25f) < 1e-6f ? "OK" : "BAD");
    return 0;
}
"""


def test_a_max_reduction_through_a_macro_alias_of_fmaxf(tmp_path):
    by = run_verified(tmp_path, {"alias": (KERNEL, MAIN), "function": (TWIN, MAIN)},
                      variants=("serial", "engine"),
                      headers={"alias": {"common.h": HEADER}, "function": {"common.h": HEADER}})
    outer = KERNEL[:KERNEL.index("for (int i")].count("\n") + 1
    pragmas = {q["line"]: q["pragma"] for q in by["alias"]["engine"]["pragmas"]}
    assert "reduction(max:error)" in pragmas.get(outer, ""), pragmas
    assert pragmas[outer].startswith("#pragma acc parallel loop"), pragmas
    twin = {q["line"]: q["pragma"] for q in by["function"]["engine"]["pragmas"]}
    twin_outer = TWIN[:TWIN.index("for (int i")].count("\n") + 1
    assert "parallel" not in (twin.get(twin_outer) or ""), twin
