"""A call of an offloaded function whose loops reach a pointer declared at file scope by name
(:func:`accellium.dataset.offload.calls.file_pointer`).

``total`` sums the global ``double *a`` in an offloaded loop; ``main`` allocates ``a``, runs
``step(a)`` (hoisted: its argument is mapped by ``main``'s region) and then calls ``total()``.
The name ``a`` denotes the same object in both functions (C11 6.2.1p4) and ``total`` never
assigns it, so its ``a[0:n]`` is ``main``'s ``a[0:n]`` at the call: the call is hoisted
with that section, ``main``'s region holds it and ``total``'s "present or copy" clause moves
nothing (OpenACC 3.3, 2.7.1).  Before, the call was not hoisted and so a barrier for ``a``
(its loops would read the region's copy unseen by the region's data flow): the region stopped
before it and ``total`` copied ``a`` in again (``READS``), or, with a host write of ``a``
between the calls (``HOST_WRITE``), ``main`` got no region at all.  Now the region's flow sees
``total``'s device read and pushes the host's write before it.  Twin ``SWAP``: ``main``
exchanges two global pointers between calls of a kernel that reaches both by name: no region
(the mapped sections would follow the old allocations).  ``MOVED``/``MOVED_ARG``: a host call
that moves ``a`` to a new allocation is a barrier for it.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 256, 5

HEAD = f"""#include <stdio.h>
#include <stdlib.h>
#define N {N}
#define STEPS {STEPS}
int check(const double *a, double s, int n, int steps, int variant);
int n;
double *a, *b;

static void step(double *x)
{{
    for (int i = 0; i < n; i++)
        x[i] = 0.5 * x[i] + 1.0;
}}

static void relax(void)
{{
    for (int i = 1; i < n - 1; i++)
        b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
}}

static double total(void)
{{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}}
"""

READS = HEAD + """
int main(void)
{
    n = N;
    a = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++)
        a[i] = 0.25 * i;
    for (int t = 0; t < STEPS; t++)
        step(a);
    double s = total();
    puts(check(a, s, n, STEPS, 0) ? "BAD" : "OK");
    free(a);
    return 0;
}
"""

HOST_WRITE = HEAD + """
int main(void)
{
    n = N;
    a = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++)
        a[i] = 0.25 * i;
    double s = 0.0;
    for (int t = 0; t < STEPS; t++) {
        step(a);
        a[t] += 1.0;
        s += total();
    }
    puts(check(a, s, n, STEPS, 1) ? "BAD" : "OK");
    free(a);
    return 0;
}
"""

SWAP = HEAD + """
int main(void)
{
    n = N;
    a = malloc(n * sizeof(double));
    b = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++)
        a[i] = b[i] = 0.25 * i;
    for (int t = 0; t < STEPS; t++) {
        relax();
        double *tmp = a;
        a = b;
        b = tmp;
    }
    double s = total();
    puts(check(a, s, n, STEPS, 2) ? "BAD" : "OK");
    free(a);
    free(b);
    return 0;
}
"""

CHECK = f"""#include <math.h>
#define N {N}
int check(const double *a, double s, int n, int steps, int variant)
{{
    double x[N], y[N], r = 0.0;
    int bad = 0;
    for (int i = 0; i < n; i++) x[i] = y[i] = 0.25 * i;
    for (int t = 0; t < steps; t++) {{
        if (variant == 2) {{
            for (int i = 1; i < n - 1; i++) y[i] = (x[i - 1] + x[i] + x[i + 1]) / 3.0;
            for (int i = 0; i < n; i++) {{ double u = x[i]; x[i] = y[i]; y[i] = u; }}
            continue;
        }}
        if (variant == 3) {{
            for (int i = 0; i < n; i++) x[i] += 2.0;
            for (int i = 0; i < n; i++) r += x[i];
            continue;
        }}
        for (int i = 0; i < n; i++) x[i] = 0.5 * x[i] + 1.0;
        if (variant == 4)
            for (int i = 0; i < n; i++) x[i] = 0.5 * x[i] + 1.0;
        if (variant == 1) {{
            x[t] += 1.0;
            for (int i = 0; i < n; i++) r += x[i];
        }}
    }}
    if (variant == 4) r = x[0];
    else if (variant != 1 && variant != 3) for (int i = 0; i < n; i++) r += x[i];
    for (int i = 0; i < n; i++) bad += fabs(a[i] - x[i]) > 1e-9;
    return bad + (fabs(s - r) > 1e-9 * fabs(r));
}}
"""

# A host function of the file (no loop: nothing of it offloaded) that moves the global ``a``
# to a new allocation (``a = p``):
# after the call the name designates other memory (C11 6.5.16p3), so a region that mapped
# ``a[0:n]`` when it started holds none of it — its ``update``s and exit copy would name
# memory that is not present (OpenACC 3.3, 2.14.4: the emulator's present-abort).  The call
# is a barrier for ``a`` (:func:`accellium.dataset.offload.global_uses.pointer_stores`),
# whether the kernels reach ``a`` by name (MOVED, hoisted by the rule above) or as an
# argument (MOVED_ARG: the plan before this barrier aborted).
MOVE = """
#include <string.h>

static void bump(void)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 2.0;
}

static void move_a(void)
{
    double *p = malloc(n * sizeof(double));
    memcpy(p, a, n * sizeof(double));
    free(a);
    a = p;
}
"""

MOVED = HEAD + MOVE + """
int main(void)
{
    n = N;
    a = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++)
        a[i] = 0.25 * i;
    double s = 0.0;
    for (int t = 0; t < STEPS; t++) {
        bump();
        move_a();
        s += total();
    }
    puts(check(a, s, n, STEPS, 3) ? "BAD" : "OK");
    free(a);
    return 0;
}
"""

MOVED_ARG = HEAD + MOVE + """
int main(void)
{
    n = N;
    a = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++)
        a[i] = 0.25 * i;
    for (int t = 0; t < STEPS; t++) {
        step(a);
        move_a();
        step(a);
    }
    double s = a[0];
    puts(check(a, s, n, STEPS, 4) ? "BAD" : "OK");
    free(a);
    return 0;
}
"""

PROGRAMS = {"reads": READS, "host_write": HOST_WRITE, "swap": SWAP, "moved": MOVED,
            "moved_arg": MOVED_ARG}


def _main_plan(src: str):
    return plan_text(src, get_engine("analysis"), program=[CHECK.encode()])[1]["main"]


def test_a_kernel_reaching_a_global_pointer_is_hoisted():
    for src in (READS, HOST_WRITE):
        plan = _main_plan(src)
        assert len(plan.calls) == 2, plan.notes  # step(a) and total()
        assert not any("cannot be hoisted over" in n and "`total`" in n
                       for n in plan.notes), plan.notes
    swap = _main_plan(SWAP)
    # no region: the pointers exchange allocations, so `total`, reading `a` by name, may
    # read what `b` pointed to (either reason holds, the first found is given)
    assert not swap.loops and not swap.calls, swap.notes
    assert any("exchange allocations" in n or "through another pointer" in n
               for n in swap.notes), swap.notes


def test_a_call_storing_to_a_global_pointer_is_a_barrier_for_it():
    for src in (MOVED, MOVED_ARG):
        plan = _main_plan(src)
        assert any("may store to the global pointer `a`" in n for n in plan.notes), plan.notes


def test_the_programs_verify(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, {k: (v, CHECK) for k, v in PROGRAMS.items()}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
    # `a` goes to the device once and comes back once (8 bytes each way for total's sum
    # per call); before, `total` copied it in again (READS) or every loop moved it per step
    a_bytes = N * 8
    assert moved["reads"] <= a_bytes + 16, moved
    assert moved["host_write"] <= a_bytes + STEPS * (2 * 8 + 16), moved
    # every allocation `a` held went to the device and back with the loops that used it
    assert moved["moved_arg"] >= 2 * STEPS * 2 * a_bytes, moved
