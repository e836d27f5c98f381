"""Host statements that read or write a mapped array through a pointer declared at file scope
that a called function set (``static double *bc_ptr;``, ``set_bc(a)`` doing ``bc_ptr = a;``,
then ``bc_ptr[0] = v;`` between two kernels; found by probing the offload plans).

An identifier of file scope denotes one object in every function of its translation unit
(C11 6.2.1p4): what any function stores in ``bc_ptr`` (6.5.16.1p2; a call assigns its
argument to the parameter, 6.5.2.2p4) is what the planned function's ``bc_ptr`` holds, so
``bc_ptr[j]`` is ``a[j]`` (``probe = x + k`` makes ``*probe`` ``a[k]``, 6.5.6p8) and the host
statement reads or writes the array the region holds on the device: an ``update self`` must
come before it and an ``update device`` after it (OpenACC 3.3, 2.14.4).  Before, the plan
saw no use of ``a`` there (the name is ``bc_ptr``; the local pointers the plan follows,
:mod:`accellium.dataset.offload.host_pointers`, are made in the function itself): the write
never reached the device (RELAX_WRITE, RELAX_BOUND where ``main`` set the pointer, SMOOTH's
global array) and the read saw the host's old copy (TRACE_READ).  Now such a dereference is,
as a call whose callee dereferences the pointer already was, a use of each array the
pointer may point to (:func:`accellium.dataset.offload.points_to.aliased_calls`, the
program's points-to facts): the whole array, read and written.

Whole programs (gcc, the data-environment emulator): the plans verify.
"""

from __future__ import annotations

from _offload_util import function_lines, line_starting, plan_text, run_programs

from accellium.server.engines import get_engine

KERNEL = """#define G 600
double g[G], gw[G], gtr[8];
static double *bc_ptr, *probe, *bound, *edge;

static void set_bc(double *x)
{
    bc_ptr = x;
}

static void set_probe(double *x, int k)
{
    probe = x + k;
}

void bind_bound(double *x, int k)
{
    bound = x + k;
}

static void pick_edge(double *x)
{
    edge = x + G - 4;
}

void relax_write(int n, int T, double *a, double *b)
{
    set_bc(a);
    for (int t = 0; t < T; t++) {
        for (int i = 1; i < n - 1; i++)
            b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++)
            a[i] = b[i];
        bc_ptr[0] = 1.0 + t;
        bc_ptr[n - 1] = -1.0 - t;
    }
}

void trace_read(int n, int T, double *a, double *b, double *tr)
{
    set_probe(a, n / 2);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < n; i++)
            a[i] = 0.9 * a[i] + 0.1 * b[i];
        tr[t] = *probe;
        for (int i = 0; i < n; i++)
            b[i] = b[i] + a[i];
    }
}

void relax_bound(int n, int T, double *a, double *b)
{
    for (int t = 0; t < T; t++) {
        for (int i = 1; i < n - 1; i++)
            b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++)
            a[i] = b[i];
        *bound = 0.5 * *bound + t;
    }
}

void smooth_global(int T)
{
    pick_edge(g);
    for (int t = 0; t < T; t++) {
        for (int i = 1; i < G - 1; i++)
            gw[i] = 0.5 * g[i] + 0.25 * (g[i - 1] + g[i + 1]);
        for (int i = 1; i < G - 1; i++)
            g[i] = gw[i];
        gtr[t] = edge[0] + edge[3];
        edge[3] = 2.0 + t;
    }
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#define G 600
extern double g[G], gw[G], gtr[8];
void bind_bound(double *x, int k);
void relax_write(int n, int T, double *a, double *b);
void trace_read(int n, int T, double *a, double *b, double *tr);
void relax_bound(int n, int T, double *a, double *b);
void smooth_global(int T);

enum { L = 500, T = 5, K = 123 };
static double a[L], b[L], ra[L], rb[L], tr[T], rtr[T], rg[G], rgw[G], rgtr[T];

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

static void relax_ref(void)
{
    for (int i = 1; i < L - 1; i++) rb[i] = (ra[i - 1] + ra[i] + ra[i + 1]) / 3.0;
    for (int i = 1; i < L - 1; i++) ra[i] = rb[i];
}

int main(void)
{
    int bad = 0;
    fill();
    relax_write(L, T, a, b);
    for (int t = 0; t < T; t++) {
        relax_ref();
        ra[0] = 1.0 + t;
        ra[L - 1] = -1.0 - t;
    }
    bad |= differ(a, ra, L) | differ(b, rb, L);

    fill();
    trace_read(L, T, a, b, tr);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < L; i++) ra[i] = 0.9 * ra[i] + 0.1 * rb[i];
        rtr[t] = ra[L / 2];
        for (int i = 0; i < L; i++) rb[i] = rb[i] + ra[i];
    }
    bad |= differ(a, ra, L) | differ(b, rb, L) | differ(tr, rtr, T);

    fill();
    bind_bound(a, K);
    relax_bound(L, T, a, b);
    for (int t = 0; t < T; t++) {
        relax_ref();
        ra[K] = 0.5 * ra[K] + t;
    }
    bad |= differ(a, ra, L) | differ(b, rb, L);

    for (int i = 0; i < G; i++) g[i] = rg[i] = cos(0.01 * i);
    smooth_global(T);
    for (int t = 0; t < T; t++) {
        for (int i = 1; i < G - 1; i++) rgw[i] = 0.5 * rg[i] + 0.25 * (rg[i - 1] + rg[i + 1]);
        for (int i = 1; i < G - 1; i++) rg[i] = rgw[i];
        rgtr[t] = rg[G - 4] + rg[G - 1];
        rg[G - 1] = 2.0 + t;
    }
    bad |= differ(g, rg, G) | differ(gtr, rgtr, T);
    puts(bad ? "BAD" : "OK");
    return bad;
}
"""


def _plan() -> str:
    return plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])[0]


def test_a_write_through_a_pointer_a_callee_set_is_pushed_after_it():
    """``update device`` of the array after the host's write through the file-scope pointer
    (set in a callee of the planned function, or by ``main``), before the next step's kernel
    reads it; ``update self`` before it (the update moves the whole array)."""
    text = _plan()
    for fn, arr, first, last in (("relax_write", "a", "bc_ptr[0] =", "bc_ptr[n - 1] ="),
                                 ("relax_bound", "a", "*bound =", "*bound ="),
                                 ("smooth_global", "g", "gtr[t] =", "edge[3] =")):
        body = function_lines(text, fn)
        kernel, at, end = line_starting(body, "for (int i"), line_starting(body, first), line_starting(body, last)
        assert any(ln.startswith(f"#pragma acc update self({arr}")
                   for ln in body[kernel:at]), body
        assert any(ln.startswith(f"#pragma acc update device({arr}")
                   for ln in body[end:]), body


def test_a_read_through_a_pointer_a_callee_set_is_pulled_after_the_kernel():
    """``update self`` of ``a`` between the kernel writing it and ``tr[t] = *probe;``."""
    body = function_lines(_plan(), "trace_read")
    kernel, read = line_starting(body, "a[i] = 0.9"), line_starting(body, "tr[t] = *probe;")
    assert any("update self(a" in ln for ln in body[kernel:read]), body


def test_the_plans_verify(tmp_path):
    run_programs(tmp_path, {
        "c": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"]),
    }, variants=("offload",))
