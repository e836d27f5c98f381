"""Data lifetime across files (issue #15): when the program's files are known, a caller in
another file that calls an offloaded function from a host loop maps its arrays once around
the loop (the callee keeps its "present or copy" clauses, which then move nothing); a global
pointer the callee's file binds once (an init function storing the caller's pointer and
length) is mapped through the caller's own pointer.  Whole programs built with gcc and run in
the data-environment emulator prove that the hoisted plans verify and move less, that host
code between the calls gets its ``update``, and that the plan stays per-function where a
caller is not known or the global's value is not."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, verified_offload_bytes, write_suite

from accellium.dataset.offload.program import exports, plan_callers
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import apply_plans, offload_source

N = 4000
STEPS = 6

RELAX = """
void relax(int n, const double *src, double *u)
{
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * (u[i] + src[i]);
}
"""

_HEAD = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void relax(int n, const double *src, double *u);
int main(void)
{
    int n = NSIZE;
    double *src = malloc(n * sizeof *src), *u = malloc(n * sizeof *u);
    double *rs = malloc(n * sizeof *rs), *ru = malloc(n * sizeof *ru);
    for (int i = 0; i < n; i++) {
        src[i] = rs[i] = (i % 7) * 1.0;
        u[i] = ru[i] = 0.0;
    }
"""
_TAIL = """    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += fabs(u[i] - ru[i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the caller repeats the call in a host loop: one region around it
HOISTED = _HEAD + """    for (int t = 0; t < STEPS; t++)
        relax(n, src, u);
    for (int t = 0; t < STEPS; t++)
        for (int i = 0; i < n; i++)
            ru[i] = 0.5 * (ru[i] + rs[i]);
""" + _TAIL
# the host reads u and writes src between the calls: update self / update device
BETWEEN = _HEAD + """    double s = 0.0, rsum = 0.0;
    for (int t = 0; t < STEPS; t++) {
        relax(n, src, u);
        s += u[t % n];
        src[t % n] = 2.0 * t;
    }
    for (int t = 0; t < STEPS; t++) {
        for (int i = 0; i < n; i++)
            ru[i] = 0.5 * (ru[i] + rs[i]);
        rsum += ru[t % n];
        rs[t % n] = 2.0 * t;
    }
    if (s != rsum)
        u[0] = -1.0;
""" + _TAIL

# an init function binds the field and its length to static globals; the kernels use them
FIELD = """
static double *field;
static int len;

void field_init(double *f, int n)
{
    field = f;
    len = n;
}

double field_first(void)
{
    return field[0];
}

void field_scale(double s)
{
    double *f = field;
    int n = len;
    for (int i = 0; i < n; i++)
        f[i] *= s;
}

void field_smooth(double *tmp)
{
    double *f = field;
    int n = len;
    for (int i = 1; i < n - 1; i++)
        tmp[i] = (f[i - 1] + 2.0 * f[i] + f[i + 1]) * 0.25;
    for (int i = 1; i < n - 1; i++)
        f[i] = tmp[i];
}
"""
_FIELD_HEAD = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void field_init(double *f, int n);
double field_first(void);
void field_scale(double s);
void field_smooth(double *tmp);
int main(void)
{
    int n = NSIZE;
    double *f = malloc(n * sizeof *f), *t = malloc(n * sizeof *t);
    double *r = malloc(n * sizeof *r), *rt = malloc(n * sizeof *rt);
    double *g = malloc(n * sizeof *g);
    for (int i = 0; i < n; i++)
        f[i] = r[i] = g[i] = (i % 10) * 1.0;
"""
_FIELD_TAIL = """    for (int k = 0; k < STEPS; k++) {
        for (int i = 0; i < n; i++) r[i] *= 1.1;
        for (int i = 1; i < n - 1; i++) rt[i] = (r[i - 1] + 2.0 * r[i] + r[i + 1]) * 0.25;
        for (int i = 1; i < n - 1; i++) r[i] = rt[i];
    }
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += fabs(f[i] - r[i]) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
_FIELD_LOOP = """    for (int k = 0; k < STEPS; k++) {
        field_scale(1.1);
        field_smooth(t);
    }
"""
# bound once before the host loop: the caller maps f (copy) and t (create) around it
BOUND = _FIELD_HEAD + "    field_init(f, n);\n" + _FIELD_LOOP + _FIELD_TAIL
# must not apply: bound twice (the global's value at a call is not one pointer)
BOUND_TWICE = _FIELD_HEAD + "    field_init(g, n);\n    field_init(f, n);\n" + _FIELD_LOOP \
    + _FIELD_TAIL
# must not apply around the calls: a host function of that file reads the field between them
HOST_READ = _FIELD_HEAD + """    field_init(f, n);
    double s = 0.0;
    for (int k = 0; k < STEPS; k++) {
        field_scale(1.1);
        s += field_first();
        field_smooth(t);
    }
    if (s < 0.0)
        f[0] = -1.0;
""" + _FIELD_TAIL

PROGRAMS = {
    "hoisted": (RELAX, HOISTED),
    "between": (RELAX, BETWEEN),
    "bound": (FIELD, BOUND),
    "bound_twice": (FIELD, BOUND_TWICE),
    "host_read": (FIELD, HOST_READ),
}


def _callers(kernel: str, main: str, engine, elsewhere: bool = True) -> str:
    """main.c with the data directives its calls get from kernel.c's plans."""
    k = kernel.encode()
    ex = exports(k, offload_source(k, engine, path="kernel.c", program=[main.encode()]))
    plans = plan_callers(main.encode(), ex, "c", [k] if elsewhere else None)
    return apply_plans(main.encode(), plans).decode()


def test_a_call_repeated_in_another_file_gets_one_region_there(engine):
    out = _callers(RELAX, HOISTED, engine)
    assert acc_lines(out) == ["#pragma acc data copyin(src[0:n]) copy(u[0:n])"], out
    assert out.index("#pragma acc data") < out.index("for (int t = 0; t < STEPS; t++)\n")


def test_host_code_between_the_calls_gets_updates(engine):
    acc = acc_lines(_callers(RELAX, BETWEEN, engine))
    assert acc == ["#pragma acc data copyin(src[0:n]) copy(u[0:n])",
                   "#pragma acc update self(u[t % n:1])",
                   "#pragma acc update device(src[t % n:1])"], acc


def test_a_static_callee_is_not_another_files(engine):
    """A `static` function cannot be called from another file: nothing is exported."""
    k = ("static" + RELAX).encode()
    ex = exports(k, offload_source(k, engine, path="kernel.c"))
    assert not ex.summaries and not plan_callers(HOISTED.encode(), ex, "c", [k])


def test_a_global_bound_once_is_mapped_through_the_callers_pointer(engine):
    acc = acc_lines(_callers(FIELD, BOUND, engine))
    assert acc == ["#pragma acc data copy(f[0:n]) create(t[0:n])"], acc


@pytest.mark.parametrize("main", [BOUND_TWICE, HOST_READ], ids=["twice", "host_read"])
def test_a_global_whose_value_is_not_known_gets_no_region(engine, main):
    assert acc_lines(_callers(FIELD, main, engine)) == []


def test_without_the_programs_other_files_the_global_is_not_known(engine):
    """Who else calls the binder is known only with every file of the program."""
    assert acc_lines(_callers(FIELD, BOUND, engine, elsewhere=False)) == []


def test_the_programs_verify_and_move_less(tmp_path):
    """gcc -fopenacc, separate device memory: every plan verifies; hoisted, the data moves
    once (the per-function plans move it at every call); the cases that must not hoist move
    what the per-function plans move."""
    sized = {k: (kernel, main.replace("NSIZE", str(N)).replace("STEPS", str(STEPS)))
             for k, (kernel, main) in PROGRAMS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, sized), "analysis", runs=1, with_mutations=False,
                           offload=True)
    moved = verified_offload_bytes(res)
    vec = N * 8
    assert moved["hoisted"] == 3 * vec  # src in, u in and out: once
    assert moved["between"] == 3 * vec + STEPS * 2 * 8  # and one element each way per step
    assert moved["bound"] == 2 * vec  # f in and out; t created
    rows = {r["name"]: r for r in res["programs"]}
    for name in ("bound_twice", "host_read"):
        per_call = (rows[name]["per_loop_clauses"]["bytes_h2d"] +
                    rows[name]["per_loop_clauses"]["bytes_d2h"])
        assert moved[name] > 2 * STEPS * vec, (name, moved[name])
        assert moved[name] <= per_call
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
