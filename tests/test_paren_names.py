"""``(i) + x * y`` is ``i + (x * y)``, not a cast of ``+x`` to a type ``i`` times ``y``
(:func:`accellium.dataset.lines.grammar_view`).  A cast needs a type name (C11 6.5.4) and a
name is one only when a declaration makes it one (6.7.8): a name the buffer never declares as a
type is an object, and ``(i)`` is ``i`` (6.5.1p5).  The grammar cannot know that and read the
index macro ``#define IDX(i, j, k) ((i) + nx * ((j) + ny * (k)))`` of 3D stencils as
``((i) +nx) * (...)``: the loop indices ``i`` and ``j`` vanished from the subscript.  Proven on
a whole program built with gcc and run in the data-environment emulator: the sections of the
stencil were too small (``copy(B[nx*ny:...])`` missed rows the loop writes: the device wrote
past its copy) and the inner loops looked "written by every iteration" (no pragma).  Now both
the per-loop pragmas and the plan verify, and the nest is collapsed.

Names the buffer declares or uses as types keep their casts: ``typedef``, object-like macros
whose body names a type, a name written before a declared name (``real x;``), ``..._t``."""

from __future__ import annotations

import pytest
from _offload_util import run_verified

from accellium.dataset.analysis import analyze
from accellium.dataset.lines import grammar_view


@pytest.mark.parametrize(("text", "view"), [
    (b"x = B[((i) + (nx) * ((j) + (ny) * (k)))];", b"x = B[( i  +  nx  * ( j  +  ny  *  k ))];"),
    (b"y = (a)*(b) - (c)*(d);", b"y =  a * b  -  c *(d);"),
    (b"return (x) - y * z;", b"return  x  - y * z;"),
    (b"#define N 10\nx = (N) - 1 * y;", b"#define N 10\nx =  N  - 1 * y;"),
    # types: kept
    (b"typedef double real; y = (real) -x * z;", b"typedef double real; y = (real) -x * z;"),
    (b"real q; y = (real) -x * z;", b"real q; y = (real) -x * z;"),
    (b"#define real double\ny = (real) -x * z;", b"#define real double\ny = (real) -x * z;"),
    (b"y = (size_t) -1 * z;", b"y = (size_t) -1 * z;"),
    (b"y = (int) -x * z;", b"y = (int) -x * z;"),
    (b"template <typename T> T f(T x) { return (T) -x * 2; }",
     b"template <typename T> T f(T x) { return (T) -x * 2; }"),
    # parentheses of a call, a keyword's condition: kept
    (b"if (x) -y * z;", b"if (x) -y * z;"),
    (b"w = f(a) - (b) * c;", b"w = f(a) -  b  * c;"),
    (b"w = sizeof (a) * c;", b"w = sizeof (a) * c;"),
    # a parenthesized name before the `)` around it: no cast can end there
    (b"x = a[(((j)*(m)) + (i))];", b"x = a[(( j * m ) +  i )];"),
    (b"y = g((n));", b"y = g( n );"),
    (b"typedef int m; y = ((j)*(m));", b"typedef int m; y = ( j *(m));"),
    (b"p = (int (*)(m)) q;", b"p = (int (*)(m)) q;"),
])
def test_the_view_opens_a_parenthesized_name_that_is_no_type(text, view):
    assert grammar_view(text) == view
    assert len(grammar_view(text)) == len(text)


def test_the_analysis_sees_the_indices_inside_an_index_macro():
    f = analyze("for (int i = 1; i < nx - 1; i++) "
                "B[((i) + (nx) * ((j) + (ny) * (k)))] = A[((i) + (nx) * ((j) + (ny) * (k)))];")
    assert not f.carried, f.carried


NX, NY, NZ = 24, 20, 16

KERNEL = """#define IDX(i, j, k) ((i) + (nx) * ((j) + (ny) * (k)))
void smooth(int nx, int ny, int nz, const float *A, float *B)
{
    for (int k = 1; k < nz - 1; k++)
        for (int j = 1; j < ny - 1; j++)
            for (int i = 1; i < nx - 1; i++)
                B[IDX(i, j, k)] = (A[IDX(i - 1, j, k)] + A[IDX(i + 1, j, k)]
                                   + A[IDX(i, j - 1, k)] + A[IDX(i, j + 1, k)]
                                   + A[IDX(i, j, k - 1)] + A[IDX(i, j, k + 1)]) / 6.0f;
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth(int nx, int ny, int nz, const float *A, float *B);
int main(void)
{
    int nx = NX, ny = NY, nz = NZ, n = NX * NY * NZ, bad = 0;
    float *A = malloc(n * sizeof *A), *B = malloc(n * sizeof *B);
    for (int p = 0; p < n; p++) { A[p] = (p % 17) * 0.25f; B[p] = -1.0f; }
    smooth(nx, ny, nz, A, B);
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                int p = i + nx * (j + ny * k);
                float want = -1.0f;
                if (i > 0 && i < nx - 1 && j > 0 && j < ny - 1 && k > 0 && k < nz - 1)
                    want = (A[p - 1] + A[p + 1] + A[p - nx] + A[p + nx]
                            + A[p - nx * ny] + A[p + nx * ny]) / 6.0f;
                bad += fabsf(B[p] - want) > 1e-5f;
            }
    puts(bad ? "BAD" : "OK");
    free(A), free(B);
    return 0;
}
"""


def test_the_index_macro_stencil_verifies_per_loop_and_planned(tmp_path):
    main = MAIN.replace("NX", str(NX)).replace("NY", str(NY)).replace("NZ", str(NZ))
    by = run_verified(tmp_path, {"stencil": (KERNEL, main)})
    pragmas = {q["line"]: q["pragma"] for q in by["stencil"]["engine"]["pragmas"]}
    outer = KERNEL[:KERNEL.index("for (int k")].count("\n") + 1
    assert "collapse(3)" in pragmas.get(outer, ""), pragmas
    # the section starts at the first element the nest writes, IDX(1, 1, 1)
    assert "B[nx*ny+nx+1:" in pragmas[outer], pragmas


# ``#define OFFSET(x, y, m) (((x)*(m)) + (y))``: the grammar read ``((j)*(m)) + (i)`` as a cast
# of ``+(i)`` to the type ``j (*)(m)``, so the macro looked like it read memory of its own (a
# call of it no argument names) and every loop using it was left without a pragma; the max
# reduction through ``fmax`` was not found either.
RELAX = """#include <math.h>
#define OFFSET(x, y, m) (((x)*(m)) + (y))
double relax(double *restrict A, double *restrict Anew, int m, int n)
{
    double error = 0.0;
    for (int j = 1; j < n - 1; j++)
        for (int i = 1; i < m - 1; i++) {
            Anew[OFFSET(j, i, m)] = 0.25 * (A[OFFSET(j, i + 1, m)] + A[OFFSET(j, i - 1, m)]
                                            + A[OFFSET(j - 1, i, m)] + A[OFFSET(j + 1, i, m)]);
            error = fmax(error, fabs(Anew[OFFSET(j, i, m)] - A[OFFSET(j, i, m)]));
        }
    return error;
}
"""
RELAX_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double relax(double *restrict A, double *restrict Anew, int m, int n);
int main(void)
{
    int m = 40, n = 30;
    double *A = calloc(m * n, sizeof *A), *Anew = calloc(m * n, sizeof *Anew);
    for (int i = 0; i < m; i++)
        A[i] = 1.0;
    double e = relax(A, Anew, m, n);
    puts(fabs(e - 0.25) < 1e-12 && fabs(Anew[m + 1] - 0.25) < 1e-12 ? "OK" : "BAD");
    free(A), free(Anew);
    return 0;
}
"""


def test_an_index_macro_of_a_parenthesized_product_leaves_the_loop_parallel(tmp_path):
    by = run_verified(tmp_path, {"relax": (RELAX, RELAX_MAIN)}, variants=("serial", "engine"))
    pragmas = {q["line"]: q["pragma"] for q in by["relax"]["engine"]["pragmas"]}
    outer = RELAX[:RELAX.index("for (int j")].count("\n") + 1
    assert "reduction(max:error)" in pragmas.get(outer, ""), pragmas
