"""A data clause with a zero-length section of a pointer (``copyin(L[i*n:i])`` at ``i = 0``) in
the data-environment emulator.  Such a clause maps nothing (OpenACC 3.3, 2.7.1: the section
has no elements), and the construct's loop then runs no iteration either, so the pointer is
never dereferenced on the device (libgomp maps a section whose size is 0 at run time like
any other and translates the pointer to it; not yet run on a GPU here).

The false failure: the region's binding of the pointer looked for a mapping of what it points
to, found none and aborted with "pointer 'L' used in a compute region points to host memory
that is not on the device" (exit 98) on the first row of a forward substitution annotated
row by row, the per-loop answer for a triangular solve.  Now a pointer with a zero-length
section in the construct's own clause is bound to a null device address, so a dereference
still fails.

Twins: the same loop with no clause for ``L`` still fails, and so does one whose section of
``y`` is always empty while the loop reads ``y`` (a clause on an earlier construct does not
excuse a later one either: the empty binding lasts one construct).

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void lower_solve(int n, const double *L, const double *b, double *y)
{
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        PRAGMA
        for (int j = 0; j < i; j++)
            s += L[i * n + j] * y[j];
        y[i] = (b[i] - s) / L[i * n + i];
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void lower_solve(int n, const double *L, const double *b, double *y);
int main(void)
{
    int n = 64, bad = 0;
    double *L = malloc(n * n * sizeof *L), *b = malloc(n * sizeof *b);
    double *y = malloc(n * sizeof *y), *r = malloc(n * sizeof *r);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) L[i * n + j] = i == j ? 2.0 : ((i + j) % 5) / (5.0 * n);
        b[i] = (i % 7) / 7.0;
    }
    lower_solve(n, L, b, y);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < i; j++) s += L[i * n + j] * r[j];
        r[i] = (b[i] - s) / L[i * n + i];
        bad += fabs(r[i] - y[i]) > 1e-12;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the back substitution's last row maps sections that start one past the end of the arrays
BACK = """void lower_solve(int n, const double *L, const double *b, double *y)
{
    for (int i = n - 1; i >= 0; i--) {
        double s = 0.0;
        #pragma acc parallel loop reduction(+:s) copyin(L[i*n+i+1:n-i-1], y[i+1:n-i-1])
        for (int j = i + 1; j < n; j++)
            s += L[j * n + i] * y[j];
        y[i] = (b[i] - s) / L[i * n + i];
    }
}
"""
BACK_MAIN = MAIN.replace("for (int j = 0; j < i; j++) s += L[i * n + j] * r[j];",
                         "for (int j = i + 1; j < n; j++) s += L[j * n + i] * r[j];").replace(
    "for (int i = 0; i < n; i++) {\n        double s",
    "for (int i = n - 1; i >= 0; i--) {\n        double s")


def test_zero_length_section_of_a_pointer(tmp_path):
    pragma = "#pragma acc parallel loop reduction(+:s) "
    good = {"row_sections": KERNEL.replace("PRAGMA", pragma + "copyin(L[i*n:i], y[0:i])")}
    # the column below the diagonal, transposed: L[j*n+i] for j > i is not one section, so the
    # whole matrix; the last row's sections of y start one past its end
    back = BACK.replace("copyin(L[i*n+i+1:n-i-1], ", "copyin(L[0:n*n], ")
    bad = {"unmapped": KERNEL.replace("PRAGMA", pragma + "copyin(y[0:i])"),
           "always_empty": KERNEL.replace("PRAGMA", pragma + "copyin(L[i*n:i], y[0:0])")}
    progs = {k: (v, MAIN) for k, v in {**good, **bad}.items()}
    progs["back_rows"] = (back, BACK_MAIN)
    manifest = write_suite(tmp_path, progs)
    res = evaluate_dynamic(manifest, None, threads=2, runs=1, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    assert got["row_sections"]["status"] == "verified", got["row_sections"]
    assert got["back_rows"]["status"] == "verified", got["back_rows"]
    for k in bad:
        assert got[k]["status"] != "verified", (k, got[k])
