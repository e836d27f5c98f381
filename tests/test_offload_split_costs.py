"""Each region of a split gets the cost rules of one region (issue #15).

A call no region may hold splits a function's loops into a region on each side of it
(:func:`accellium.dataset.offload.plan._split_at_barriers`).  The rules that leave loops on
the host because offloading them only adds transfers -- a loop that only generates data no
device code of its region reads (:mod:`accellium.dataset.offload.generate`), a single pass
without which the region moves less (:mod:`accellium.dataset.offload.single_pass`) -- ran on
the one region of a function only.  So an initialisation before such a call was offloaded in
a region of its own that copied every element it wrote out at the call, and the region after
the call copied it in again: on the host, only the second copy is made.

``gen``: two generators, the call, a loop reading both: the generators stay on the host (5
arrays moved where 7 were).  ``check``: a generator, the call, a stencil over time steps and a
dot product with an array nothing else reads: the generator and the dot product stay on the
host.  Twin ``fed``: a generator whose array a loop of its own region reads stays on the device
(the array is made there, never copied in), with the same bytes as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 400, 3
V = 8 * N  # bytes of one array of doubles

# offloads a loop of its own and reads `x` on the host: no region may hold a call of it
REFINE = """#include <math.h>
static void refine(int n, double *x)
{
    for (int i = 0; i < n; i++)
        x[i] = sqrt(x[i] + 1.0);
    x[0] = x[n - 1] * 0.5;
}
"""
GEN = REFINE + """
void run(int n, double *a, double *b, double *c)
{
    for (int i = 0; i < n; i++)
        a[i] = (double)(i % 7) / n;
    for (int i = 0; i < n; i++)
        b[i] = 1.0 + 0.5 * i / n;
    refine(n, a);
    for (int i = 0; i < n; i++)
        c[i] = a[i] * b[i];
}
"""
FED = REFINE + """
void run(int n, double *a, double *b, double *c)
{
    for (int i = 0; i < n; i++)
        a[i] = (double)(i % 7) / n;
    for (int i = 0; i < n; i++)
        b[i] = 2.0 * a[i];
    refine(n, b);
    for (int i = 0; i < n; i++)
        c[i] = a[i] * b[i];
}
"""
CHECK = REFINE + """
double check(int n, int steps, double *a, const double *r, double *u, double *w)
{
    for (int i = 0; i < n; i++)
        a[i] = (double)(i % 5) / n;
    refine(n, a);
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++)
            u[i] = w[i];
    }
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += r[i] * u[i];
    return s;
}
"""
HEAD = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
static void ref_x(int n, double *x)
{
    for (int i = 0; i < n; i++) x[i] = sqrt(x[i] + 1.0);
    x[0] = x[n - 1] * 0.5;
}
"""
RUN_MAIN = HEAD + """void run(int n, double *a, double *b, double *c);
int main(void)
{
    int n = NSIZE, bad = 0;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    double *ra = malloc(n * sizeof *a), *rb = malloc(n * sizeof *b);
    for (int i = 0; i < n; i++) a[i] = b[i] = c[i] = -1.0;
    run(n, a, b, c);
    for (int i = 0; i < n; i++) { ra[i] = (double)(i % 7) / n; rb[i] = REF_B; }
    ref_x(n, REFINED);
    for (int i = 0; i < n; i++)
        bad += fabs(a[i] - ra[i]) > 1e-12 || fabs(b[i] - rb[i]) > 1e-12 ||
               fabs(c[i] - ra[i] * rb[i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
CHECK_MAIN = HEAD + """double check(int n, int steps, double *a, const double *r, double *u, double *w);
int main(void)
{
    int n = NSIZE, steps = NSTEPS, bad = 0;
    double *a = malloc(n * sizeof *a), *r = malloc(n * sizeof *r), *u = malloc(n * sizeof *u);
    double *w = malloc(n * sizeof *w), *ra = malloc(n * sizeof *ra), *ru = malloc(n * sizeof *ru);
    double *rw = malloc(n * sizeof *rw);
    for (int i = 0; i < n; i++) { r[i] = 1.0 / (i + 1); u[i] = ru[i] = i % 9; w[i] = rw[i] = 0.0; }
    double s = check(n, steps, a, r, u, w), rs = 0.0;
    for (int i = 0; i < n; i++) ra[i] = (double)(i % 5) / n;
    ref_x(n, ra);
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++) rw[i] = (ru[i - 1] + ru[i] + ru[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++) ru[i] = rw[i];
    }
    for (int i = 0; i < n; i++) rs += r[i] * ru[i];
    for (int i = 0; i < n; i++)
        bad += fabs(a[i] - ra[i]) > 1e-12 || fabs(u[i] - ru[i]) > 1e-12;
    puts(bad || fabs(s - rs) > 1e-9 ? "BAD" : "OK");
    return 0;
}
"""


def _main(main: str, ref_b: str = "", refined: str = "") -> str:
    return (main.replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS))
            .replace("REF_B", ref_b).replace("REFINED", refined))


def _offloaded(plan) -> list[int]:
    return sorted(lp["line"] for lp in plan.loops)


def test_each_region_of_a_split_leaves_its_generators_and_single_passes_on_the_host(tmp_path):
    engine = get_engine("analysis")
    text, plans = plan_text(GEN, engine)
    run = plans["run"]
    # the two generators stay on the host, each with its note; the loop after the call is
    # offloaded in the one region left
    homed = [h for h in run.host_loops if "only generates" in h["why"]]
    assert len(homed) == 2 and len(run.loops) == 1, (run.loops, run.host_loops, run.notes)
    acc = acc_lines(text[text.index("void run"):])
    assert acc == ["#pragma acc parallel loop copyin(a[0:n], b[0:n]) copyout(c[0:n])"], acc
    # the stencil's region keeps the stencil; the generator and the dot product (reading an
    # array nothing else on the device reads) stay on the host
    _, cplans = plan_text(CHECK, engine)
    check = cplans["check"]
    assert len(check.loops) == 2, (check.loops, check.host_loops, check.notes)
    assert any("only generates `a`" in h["why"] for h in check.host_loops), check.host_loops
    assert any("one pass" in h["why"] for h in check.host_loops), check.host_loops
    # twin: a generator whose array a loop of its own region reads stays on the device
    _, fplans = plan_text(FED, engine)
    fed = fplans["run"]
    assert len(fed.loops) == 3 and not any("only generates" in h["why"]
                                           for h in fed.host_loops), (fed.loops, fed.notes)
    assert len(fed.regions) == 2, fed.regions
    res = evaluate_dynamic(write_suite(tmp_path, {
        "gen": (GEN, _main(RUN_MAIN, "1.0 + 0.5 * i / n", "ra")),
        "fed": (FED, _main(RUN_MAIN, "2.0 * ra[i]", "rb")),
        "check": (CHECK, _main(CHECK_MAIN))}),
        "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # gen: refine's x both ways; a and b in, c out (before: a and b out of a region of their
    # own as well, 7 arrays)
    assert moved["gen"] == 5 * V, moved
    # fed: a and b out of the first region (a made there, never copied in); refine's x both
    # ways; a and b in, c out -- as before
    assert moved["fed"] == 7 * V, moved
    # check: refine's x both ways; u both ways (w made on the device); no `a` out of a region
    # of its own, no `r` in
    assert moved["check"] == 4 * V, moved
