"""Host statements that read or write a mapped array through a local pointer made by an
earlier statement (found by probing the offload plans).

In C, ``p[k]`` is ``*(p + k)`` (C11 6.5.2.1) and ``double *bottom = u + (n-1)*m;`` holds the
address of row ``n-1`` of ``u`` (6.5.6p8): the declaration touches no element, and the later
``bottom[j] = bc[j];`` writes ``u`` on the host *there*.  So an ``update device`` must come
after that write and an ``update self`` before a read such as ``tr[t] = *m;`` (OpenACC 3.3,
2.14.4).  Before, the plan took the declaration naming the array for the host's use of it and
put ``update self``/``update device`` around the declaration only: a boundary written through
the pointer afterwards never reached the device (stale device data), and a value read
through a pointer declared before the kernel that wrote it was the host's old copy (stale
host data).  Now each statement that dereferences such a pointer, steps it or passes it on
is a use of the array (:mod:`accellium.dataset.offload.host_pointers`): with the element's
subscript when the pointer's value is fixed, else the whole array.

Whole programs (gcc, the data-environment emulator): the plans verify.
"""

from __future__ import annotations

from _offload_util import function_lines, line_starting, plan_text, run_programs

from accellium.server.engines import get_engine

KERNEL = """#include <string.h>

void heat2d(int n, int m, int T, double *restrict u, double *restrict w,
            const double *restrict bc)
{
    for (int t = 0; t < T; t++) {
        double *bottom = u + (n - 1) * m;
        for (int j = 0; j < m; j++)
            bottom[j] = bc[j] * (1.0 + 0.1 * t);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                w[i * m + j] = 0.25 * (u[(i - 1) * m + j] + u[(i + 1) * m + j]
                                       + u[i * m + j - 1] + u[i * m + j + 1]);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                u[i * m + j] = w[i * m + j];
    }
}

void mid_trace(int n, int T, double *restrict a, double *restrict b, double *restrict tr)
{
    for (int t = 0; t < T; t++) {
        const double *mid = a + n / 2;
        for (int i = 0; i < n; i++)
            a[i] = 0.9 * a[i] + 0.1 * b[i];
        tr[t] = *mid;
        for (int i = 0; i < n; i++)
            b[i] = b[i] + a[i];
    }
}

void stepped(int n, int T, double *restrict a, double *restrict b)
{
    for (int t = 0; t < T; t++) {
        double *q = b + 10;
        for (int k = 0; k < 5; k++)
            *q++ = t + k;
        for (int i = 0; i < n; i++)
            a[i] = a[i] + b[i];
        for (int i = 0; i < n; i++)
            b[i] = 0.5 * a[i];
    }
}

void copied_row(int n, int T, double *restrict a, double *restrict b,
                const double *restrict bc)
{
    for (int t = 0; t < T; t++) {
        double *row = b + n / 2;
        memcpy(row, bc, 8 * sizeof *row);
        for (int i = 0; i < n; i++)
            a[i] = a[i] + b[i];
        for (int i = 0; i < n; i++)
            b[i] = 0.5 * a[i];
    }
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <string.h>
void heat2d(int n, int m, int T, double *restrict u, double *restrict w,
            const double *restrict bc);
void mid_trace(int n, int T, double *restrict a, double *restrict b, double *restrict tr);
void stepped(int n, int T, double *restrict a, double *restrict b);
void copied_row(int n, int T, double *restrict a, double *restrict b,
                const double *restrict bc);

enum { N = 30, M = 20, L = 400, T = 4 };
static double u[N * M], w[N * M], ru[N * M], rw[N * M], bc[M];
static double a[L], b[L], ra[L], rb[L], tr[T], rtr[T];

static int differ(const double *x, const double *y, int n)
{
    for (int i = 0; i < n; i++)
        if (fabs(x[i] - y[i]) > 1e-9 * (1.0 + fabs(y[i]))) return 1;
    return 0;
}

static void fill(void)
{
    for (int i = 0; i < L; i++) { a[i] = ra[i] = sin(0.3 * i); b[i] = rb[i] = cos(0.7 * i); }
}

int main(void)
{
    int bad = 0;
    for (int i = 0; i < N * M; i++) { u[i] = ru[i] = sin(0.1 * i); w[i] = rw[i] = 0.0; }
    for (int j = 0; j < M; j++) bc[j] = 1.0 + j;
    heat2d(N, M, T, u, w, bc);
    for (int t = 0; t < T; t++) {
        for (int j = 0; j < M; j++) ru[(N - 1) * M + j] = bc[j] * (1.0 + 0.1 * t);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < M - 1; j++)
                rw[i * M + j] = 0.25 * (ru[(i - 1) * M + j] + ru[(i + 1) * M + j]
                                        + ru[i * M + j - 1] + ru[i * M + j + 1]);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < M - 1; j++) ru[i * M + j] = rw[i * M + j];
    }
    bad |= differ(u, ru, N * M) | differ(w, rw, N * M);

    fill();
    mid_trace(L, T, a, b, tr);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < L; i++) ra[i] = 0.9 * ra[i] + 0.1 * rb[i];
        rtr[t] = ra[L / 2];
        for (int i = 0; i < L; i++) rb[i] = rb[i] + ra[i];
    }
    bad |= differ(a, ra, L) | differ(b, rb, L) | differ(tr, rtr, T);

    fill();
    stepped(L, T, a, b);
    for (int t = 0; t < T; t++) {
        for (int k = 0; k < 5; k++) rb[10 + k] = t + k;
        for (int i = 0; i < L; i++) ra[i] = ra[i] + rb[i];
        for (int i = 0; i < L; i++) rb[i] = 0.5 * ra[i];
    }
    bad |= differ(a, ra, L) | differ(b, rb, L);

    fill();
    copied_row(L, T, a, b, bc);
    for (int t = 0; t < T; t++) {
        memcpy(rb + L / 2, bc, 8 * sizeof *rb);
        for (int i = 0; i < L; i++) ra[i] = ra[i] + rb[i];
        for (int i = 0; i < L; i++) rb[i] = 0.5 * ra[i];
    }
    bad |= differ(a, ra, L) | differ(b, rb, L);
    puts(bad ? "BAD" : "OK");
    return bad;
}
"""


def test_a_write_through_a_row_pointer_is_pushed_after_it():
    """``update device`` of ``u`` after ``bottom[j] = ...``, before the stencil; none
    between the pointer's declaration and the loop writing through it."""
    text, _ = plan_text(KERNEL, get_engine("analysis"))
    body = function_lines(text, "heat2d")
    decl, write = line_starting(body, "double *bottom"), line_starting(body, "bottom[j] =")
    stencil = line_starting(body, "w[i * m + j] =")
    assert not any(ln.startswith("#pragma acc update device") for ln in body[decl:write]), body
    assert any(ln.startswith("#pragma acc update device(u") for ln in body[write:stencil]), body


def test_a_read_through_a_pointer_made_before_the_kernel_is_pulled_after_it():
    """``update self`` of ``a`` right before ``tr[t] = *mid;`` (after the kernel writing
    ``a``), none before the kernel."""
    text, _ = plan_text(KERNEL, get_engine("analysis"))
    body = function_lines(text, "mid_trace")
    kernel, read = line_starting(body, "a[i] = 0.9"), line_starting(body, "tr[t] = *mid;")
    assert not any("update self(a" in ln for ln in body[:kernel]), body
    assert any("update self(a" in ln for ln in body[kernel:read]), body


def test_a_stepped_or_passed_pointer_is_a_use_where_it_is_used():
    """``*q++ = ...`` and ``memcpy(row, ...)`` are followed by ``update device`` of ``b``."""
    text, _ = plan_text(KERNEL, get_engine("analysis"))
    for fn, use in (("stepped", "*q++ ="), ("copied_row", "memcpy(row")):
        body = function_lines(text, fn)
        at, kernel = line_starting(body, use), line_starting(body, "a[i] = a[i] + b[i];")
        assert any(ln.startswith("#pragma acc update device(b") for ln in body[at:kernel]), body


def test_the_plans_verify(tmp_path):
    run_programs(tmp_path, {
        "c": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"]),
    }, variants=("offload",))
