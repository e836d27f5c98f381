"""A generator whose subscript is a call of an index macro stays on the host (issue #15,
:func:`accellium.dataset.offload.generate.pure_calls`).

Single-file benchmarks spell a flat array's element through a function-like macro of index
arithmetic, ``A[IDX(i, j)]`` with ``#define IDX(i, j) ((i) * n + (j))``.  The preprocessor
replaces the call by its body before the code is read (C11 6.10.3, translation phase 4), so
it is integer arithmetic on the loop's indices, no call: the loop reads no array and only
generates data (docs/offload.md, item 11).  Before, the call counted as a call of an unknown
function and the initialisation was offloaded with ``copy`` of the whole matrix (in and
out).  The twins: a loop that reads an element through a macro (``W(i)`` with ``#define W(i)
(w[(i)])``) reads an array and is offloaded as before; a macro whose body reads memory or
calls a function of the program (``(rowoff[(i)] + (j))``, ``g(i)``) is no arithmetic.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

M, N = 60, 80

KERNEL = """#define IDX(i, j) ((i) * n + (j))
#define W(i) (w[(i)])

void init(int m, int n, float *a)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            a[IDX(i, j)] = (float)((i + j) % n) / (5.0f * m);
}

void init_weighted(int m, int n, const float *w, float *a)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            a[IDX(i, j)] = W(i) * j / (5.0f * m);
}

void colsum(int m, int n, const float *a, float *y)
{
    for (int j = 0; j < n; j++) {
        float s = 0.0f;
        for (int i = 0; i < m; i++)
            s += a[IDX(i, j)];
        y[j] = s;
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void init(int m, int n, float *a);
void init_weighted(int m, int n, const float *w, float *a);
void colsum(int m, int n, const float *a, float *y);
int main(void)
{
    int m = NROWS, n = NCOLS, bad = 0;
    float w[NROWS];
    float *a = malloc(sizeof(float) * m * n), *b = malloc(sizeof(float) * m * n);
    float *y = malloc(sizeof(float) * n), *z = malloc(sizeof(float) * n);
    for (int i = 0; i < m; i++) w[i] = (float)(i % 5);
    init(m, n, a);
    init_weighted(m, n, w, b);
    colsum(m, n, a, y);
    colsum(m, n, b, z);
    for (int j = 0; j < n; j++) {
        double s = 0.0, t = 0.0;
        for (int i = 0; i < m; i++) {
            s += (float)((i + j) % n) / (5.0f * m);
            t += (float)(i % 5) * j / (5.0f * m);
        }
        bad += fabs(y[j] - s) > 1e-4 * s || fabs(z[j] - t) > 1e-4 * t + 1e-6;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _sized(text: str) -> str:
    return text.replace("NROWS", str(M)).replace("NCOLS", str(N))


PURE = """#define N 8
#define IDX(i, j) ((i) * N + (j))
#define OFF(i, j) (rowoff[(i)] + (j))
#define G(i) g(i)
int rowoff[4];
int g(int);
void f(double *a)
{
    for (int i = 0; i < 4; i++) a[IDX(i, 1)] = 1.0;
    for (int i = 0; i < 4; i++) a[OFF(i, 1)] = 1.0;
    for (int i = 0; i < 4; i++) a[G(i)] = 1.0;
}
"""


def test_only_a_macro_of_index_arithmetic_is_no_call():
    from accellium.dataset.analysis.tree import iter_nodes
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.generate import pure_calls

    root = parse_tree(PURE.encode(), "c").root_node
    loops = [n for n in iter_nodes(root) if n.type == "for_statement"]
    assert [pure_calls(lp) for lp in loops] == [True, False, False]


def test_an_index_macro_subscript_leaves_the_generator_on_the_host(engine):
    _, plans = plan_text(_sized(KERNEL), engine)
    init = plans["init"]
    assert not init.loops and not init.edits, init
    assert "only generates `a`" in init.host_loops[0]["why"], init.host_loops


def test_a_macro_that_reads_an_array_is_no_generator(engine):
    _, plans = plan_text(_sized(KERNEL), engine)
    assert plans["init_weighted"].loops, plans["init_weighted"]
    assert plans["colsum"].loops, plans["colsum"]


def test_the_program_verifies_and_the_generated_matrix_is_copied_in_once(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, {"idx": (_sized(KERNEL), _sized(MAIN))}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # init stays on the host; main's region over the other calls copies a and w in and y
    # and z out; b is made on the device by init_weighted (written whole, never read back)
    assert moved["idx"] == (M * N + M + 2 * N) * 4, moved
