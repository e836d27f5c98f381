"""A whole object whose element count the planner knows as a number weighs as the sizes it
stands for.  ``malloc(N * N * sizeof(double))`` with ``#define N 64`` allocates an object of
4096 elements (C11 6.10.3: the macro is replaced before translation; 6.5.5: the count is an
integer constant expression), the same memory as ``n * n`` elements with ``n == 64``.  The
planner compares regions by weighted transfers (:func:`accellium.dataset.offload.region.
transfer_cost`) whose weights are the degrees of the sections' lengths, the sizes being
unknown; a known factor now adds one degree per ``IN_LOOP``-fold
(:func:`accellium.dataset.offload.region.magnitude`).  Before, the constant length weighed
as a scalar, and mapping the whole object (``copy(A[0:4096])``) on a parallel loop inside a
column loop -- the object moved in and out at every column -- looked cheaper than one data
region around the column loop with ``update``\\ s of the few elements the host code between
reads and writes (OpenACC 3.3, 2.14.4).

Whole programs (a column-by-column Cholesky factorisation: the host finishes the diagonal
element, a parallel loop the column below it) run in the data-environment emulator with the
offload plan: with the object's extent known (``N`` a constant macro) the plan keeps one
region around the column loop and moves the matrix once.  Twin: the same program with the
size a variable the function is passed (``n * n``, the degree-2 weight the planner always
had): the same plan and the same bytes."""

from __future__ import annotations

from _offload_util import run_verified

N = 64

FACTOR = {
    "known": ("#define N {n}\n", "static void factor(double *A)", "factor(A)",
              "N"),
    "unknown": ("", "static void factor(double *A, int n)", "factor(A, n)", "n"),
}

KERNEL = """#include <math.h>
#include <stdlib.h>
{define}
{signature}
{{
    int i, j, k;
    for (j = 0; j < {s}; j++) {{
        for (k = 0; k < j; k++)
            A[j * {s} + j] -= A[j * {s} + k] * A[j * {s} + k];
        A[j * {s} + j] = sqrt(A[j * {s} + j]);
        for (i = j + 1; i < {s}; i++) {{
            for (k = 0; k < j; k++)
                A[i * {s} + j] -= A[i * {s} + k] * A[j * {s} + k];
            A[i * {s} + j] /= A[j * {s} + j];
        }}
    }}
}}

void factor_copy(int n, double *out)
{{
    double *A = (double *)malloc({s} * {s} * sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            A[i * n + j] = 1.0 / (1.0 + abs(i - j)) + (i == j ? n : 0);
    {call};
    for (int k = 0; k < n * n; k++)
        out[k] = A[k];
    free(A);
}}
"""

MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void factor_copy(int n, double *out);
int main(void)
{{
    int n = {N}, bad = 0;
    double *out = malloc(sizeof(double) * n * n), *A = malloc(sizeof(double) * n * n);
    factor_copy(n, out);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            A[i * n + j] = 1.0 / (1.0 + abs(i - j)) + (i == j ? n : 0);
    for (int i = 0; i < n; i++) {{
        for (int j = 0; j < i; j++) {{
            for (int k = 0; k < j; k++)
                A[i * n + j] -= A[i * n + k] * A[j * n + k];
            A[i * n + j] /= A[j * n + j];
        }}
        for (int k = 0; k < i; k++)
            A[i * n + i] -= A[i * n + k] * A[i * n + k];
        A[i * n + i] = sqrt(A[i * n + i]);
    }}
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            bad += fabs(out[i * n + j] - A[i * n + j]) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def _kernel(name: str) -> str:
    define, signature, call, size = FACTOR[name]
    return KERNEL.format(define=define.format(n=N), signature=signature, call=call, s=size)


def _plan(row: dict, function: str) -> dict:
    return next(p for p in row["offload"]["plans"] if p["function"] == function)


def test_a_known_object_extent_keeps_the_region_around_the_column_loop(tmp_path):
    by = run_verified(tmp_path, {name: (_kernel(name), MAIN) for name in FACTOR},
                      variants=("offload",))
    plan = _plan(by["known"], "factor")
    assert len(plan["regions"]) == 1 and plan["regions"][0]["start_line"] == 8, plan
    assert [a["section"] for a in plan["arrays"]] == ["A[0:N*N]"], plan
    moved = {name: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"]
             for name, r in by.items()}
    # `factor`: the matrix in and out once, and per column the updates of the row left of
    # the diagonal and of the diagonal element (j + 2 elements); the caller's copy loop, one
    # pass over `A` (memory `factor_copy` allocates, written on the host by the call) into
    # `out`, stays on the host (docs/offload.md item 15): it moved `A` in and `out` out once
    # more, 2 * N * N * 8 bytes
    once = 2 * N * N * 8 + sum(j + 2 for j in range(N)) * 8
    assert moved["known"] == once, moved
    assert moved["unknown"] == moved["known"], moved
