"""A scratch array the callee reaches through row views is still the caller's scratch.

``double *dst = B + i*m`` declared in a loop's body, never assigned again and used only for
elements (``dst[j]``), holds ``B``'s address only for that iteration's accesses: a block-scope
object's lifetime ends with its block (C11 6.2.4p2, p6), so the function only subscripts
``B``, through the view (``.views.makes_view``, read by ``CallGraph.kept``).  When the caller
allocates ``B``, passes it and then only frees it, nothing reads what the region left in it
(docs/offload.md, item 8): the plan need not copy it back.  Before, the view's ``B + i*m`` was
taken for an escape of ``B`` and the region copied ``B`` back.

Twin: a first loop stores its view in a global (``keep = dst``) and the caller reads the last
row through it after the call.  That view is no element use: ``B``'s address outlives the
function, ``B`` is live and copied back (a rule that skipped the check would leave the host's
``B`` stale: checked by making ``makes_view`` ignore the views' uses — the twin prints BAD).

Whole programs, built with gcc -fopenacc and run in the data-environment emulator."""

from __future__ import annotations

from pathlib import Path

from _offload_util import run_verified

N, M = 48, 32
KERNEL = """double *keep;
void rows(int n, int m, int steps, double *restrict A, double *restrict B)
{
TWIST    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) {
            double *dst = B + i * m;
            for (int j = 0; j < m; j++)
                dst[j] = 0.5 * A[i * m + j] + 0.25;
        }
        for (int e = 0; e < n * m; e++)
            A[e] = B[e] + 1.0;
    }
}
"""
TWIST = """    for (int i = n - 1; i < n; i++) {
        double *dst = B + i * m;
        keep = dst;
    }
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
extern double *keep;
void rows(int n, int m, int steps, double *restrict A, double *restrict B);
int main(void)
{{
    int n = {N}, m = {M}, steps = 3, bad = 0;
    double *A = malloc(n * m * sizeof *A), *B = malloc(n * m * sizeof *B);
    double *R = malloc(n * m * sizeof *R), *S = malloc(n * m * sizeof *S);
    for (int e = 0; e < n * m; e++) {{ A[e] = R[e] = e % 7; B[e] = S[e] = 0.0; }}
    rows(n, m, steps, A, B);
    for (int t = 0; t < steps; t++)
        for (int e = 0; e < n * m; e++) {{ S[e] = 0.5 * R[e] + 0.25; R[e] = S[e] + 1.0; }}
    for (int e = 0; e < n * m; e++) bad += fabs(A[e] - R[e]) > 1e-12;
TWIST    free(A); free(B); free(R); free(S);
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
READ = "    for (int j = 0; j < m; j++) bad += keep[j] != S[(n - 1) * m + j];\n"


def _region(row: dict) -> dict[str, str]:
    plan = next(p for p in row["offload"]["plans"] if p["function"] == "rows")
    return {a["name"]: a["clause"] for a in plan["arrays"]}


def test_an_array_reached_through_row_views_is_dead_after_the_call_unless_a_view_escapes(
        tmp_path: Path):
    programs = {"views": (KERNEL.replace("TWIST", ""), MAIN.replace("TWIST", "")),
                "escape": (KERNEL.replace("TWIST", TWIST), MAIN.replace("TWIST", READ))}
    rows = run_verified(tmp_path, programs, variants=("offload",))
    # the views' array is scratch: copied in at most, never back
    assert _region(rows["views"])["B"] in ("copyin", "create"), _region(rows["views"])
    # a view kept in a global: the caller reads B after the call, so it is copied back
    assert _region(rows["escape"])["B"] in ("copy", "copyout"), _region(rows["escape"])
    size = N * M * 8
    assert rows["views"]["offload"]["bytes_d2h"] == size, rows["views"]["offload"]  # A only
