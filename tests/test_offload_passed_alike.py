"""Two pointer parameters a call passes the same array for get the same clause on one
construct (:mod:`accellium.dataset.offload.passed_alike`).

``resid(n, u, r, r)``: the residual update reads ``v`` and writes ``r``, and its caller in the
same file passes one array for both (C allows it: no ``restrict``, C11 6.7.3.1).  Each clause maps its section
on its own: the second finds the first's device copy present and counts a reference, and at
the construct's end only the exit action that drops the last reference acts (OpenACC 3.3,
2.6.7, 2.7.2) — a ``copyin``'s discards.  Nothing orders the exit actions of one construct's
clauses, and in the emulator (reverse order, as the specification allows) the per-loop
clauses ``copyin(v[1:n-2]) copyout(r[1:n-2])`` lost every result: the per-loop-clauses column
read stale data.  Now both are ``copy`` (whichever exit is last copies back) and it verifies,
moving ``u`` in and the one shared section both ways on each of the three calls.  The twin
``distinct`` (``resid(n, u, v, r)``: three arrays) keeps ``copyin(v...)``/``copyout(r...)``;
``shifted``'s caller passes ``a`` and ``a + n`` (two halves of one array): the sections differ
(``a[1:n-1]``, ``b[0:n-1]``), and as the planner cannot tell whether the memory overlaps —
then no clause pair is right in every order (the second would be partly present) — the loop
stays on the host.  The per-loop answers (the guard's data completion) follow the same rule
with the calls of the file: before, ``same``'s answer lost its results too."""

from __future__ import annotations

from _offload_util import run_verified

N, CALLS = 200, 3

KERNEL = """void resid(int n, const double *u, double *v, double *r)
{
    for (int i = 1; i < n - 1; i++)
        r[i] = v[i] - 0.5 * (u[i - 1] + u[i + 1]) + u[i];
}

void sweeps(int n, int m, const double *u, double *v, double *r)
{
    for (int s = 0; s < m; s++)
        resid(n, u, V, r);
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
void sweeps(int n, int m, const double *u, double *v, double *r);
static void host_resid(int n, const double *u, double *v, double *r)
{{
    for (int i = 1; i < n - 1; i++)
        r[i] = v[i] - 0.5 * (u[i - 1] + u[i + 1]) + u[i];
}}
int main(void)
{{
    static double u[{N}], v[{N}], r[{N}], hv[{N}], hr[{N}];
    for (int i = 0; i < {N}; i++) {{ u[i] = (i * 7) % 11; v[i] = r[i] = hv[i] = hr[i] = i % 5; }}
    sweeps({N}, {CALLS}, u, v, r);
    for (int s = 0; s < {CALLS}; s++)
        host_resid({N}, u, HV, hr);
    int bad = 0;
    for (int i = 0; i < {N}; i++) bad += fabs(r[i] - hr[i]) > 1e-12 || v[i] != hv[i];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
SHIFT = """void shift(int n, const double *a, double *b)
{
    for (int i = 0; i < n - 1; i++)
        b[i] = 2.0 * a[i + 1];
}

void halves(int n, double *a)
{
    shift(n, a, a + n);
}
"""
SHIFT_MAIN = f"""#include <stdio.h>
void halves(int n, double *a);
int main(void)
{{
    static double a[2 * {N}];
    for (int i = 0; i < 2 * {N}; i++) a[i] = i % 9;
    halves({N}, a);
    int bad = 0;
    for (int i = 0; i < {N} - 1; i++) bad += a[{N} + i] != 2.0 * ((i + 1) % 9);
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def test_parameters_passed_one_array_share_the_clause(tmp_path):
    same = (KERNEL.replace(", V, ", ", r, "), MAIN.replace(", HV, ", ", hr, "))
    distinct = (KERNEL.replace(", V, ", ", v, "), MAIN.replace(", HV, ", ", hv, "))
    rows = run_verified(tmp_path, {"same": same, "distinct": distinct,
                                   "shifted": (SHIFT, SHIFT_MAIN)},
                        variants=("serial", "engine", "per_loop_clauses", "offload"))
    pl = rows["same"]["per_loop_clauses"]
    inner = (N - 2) * 8
    assert pl["bytes_h2d"] == CALLS * (N * 8 + inner)
    assert pl["bytes_d2h"] == CALLS * inner
    two = rows["distinct"]["per_loop_clauses"]
    assert two["bytes_h2d"] == CALLS * (N * 8 + inner)
    assert two["bytes_d2h"] == CALLS * inner
    assert rows["shifted"]["per_loop_clauses"]["bytes_h2d"] == 0
    # the per-loop answers (the guard's data completion, :func:`server.safety_data.
    # passed_alike`) map them the same way
    (answer,) = rows["same"]["engine"]["pragmas"]
    assert "copy(" in answer["pragma"] and "copyin(v" not in answer["pragma"]
    assert rows["same"]["engine"]["bytes_d2h"] == CALLS * inner
    (answer,) = rows["distinct"]["engine"]["pragmas"]
    assert answer["pragma"] == ("#pragma acc parallel loop copyin(v[1:n-2], u[0:n]) "
                                "copyout(r[1:n-2])")
    assert rows["shifted"]["engine"]["pragmas"] == []


PAIRS = """
void f1(int n, double *a, double *b) { a[0] = b[n]; }
void f2(int n, double *a, double *b) { a[0] = b[n]; }
void f3(int n, double *a, double *b) { a[0] = b[n]; }
void g(int n, double *x, double *y) { f3(n, x, y); }
void h(int n, double *p, double **w, int k)
{
    f1(n, p, p);
    f1(n, w[k], (double *) w[k]);
    f2(n, p, p);
    f2(n, p, p + 1);
    g(n, p, p);
}
"""


def test_which_pairs_every_call_passes_the_same_pointer_for():
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.passed_alike import (
        aliased_parameters,
        same_pointer_parameters,
    )

    root = parse_tree(PAIRS.encode(), "c").root_node
    alike = aliased_parameters(root)
    ab = frozenset(("a", "b"))
    assert all(ab in alike[f] for f in ("f1", "f2", "f3")), alike
    same = same_pointer_parameters(root, alike)
    # `f2(n, p, p + 1)`: two addresses of one array; `f3` gets `g`'s pair, the same pointer
    assert same == {"f1": {ab}, "f3": {ab}, "g": {frozenset(("x", "y"))}}, same
