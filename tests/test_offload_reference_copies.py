"""A benchmark's own layout: ``main`` allocates, an initialisation fills the data and a copy of
it for the reference check (``a[i] = f(i); ref[i] = a[i];``), the kernel runs, a check
compares, and ``main`` only frees (issue #15; :mod:`accellium.dataset.offload.generate`,
:func:`accellium.dataset.offload.live.live_after`).

* The initialisation only generates data: its one read is the element the same iteration
  stored just before (C11 6.5.16p3: after ``a[s] = e`` the element holds ``e``'s value), so it
  stays on the host like any generator, instead of being offloaded to copy both arrays back.
* ``main`` passes its arrays to that initialisation before its region; the function only
  subscripts them (it keeps no pointer), so after the region nothing but ``free`` reaches the
  memory: ``copyin``, not ``copy``.

Twins: ``conditional`` stores ``a[i]`` in odd iterations only (the read may see the value
``main`` left: the loop is no generator), ``kept`` hands ``a`` to a function that saves the pointer in a global
that a function called after the region reads (the memory escapes: copied out).  Whole
programs, built with real gcc and run in the data-environment emulator, their bytes counted."""

from __future__ import annotations

from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 3000
S = N * 8

KERNEL = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double *saved;
void remember(double *p) { SAVE }
double late(void) { return LATE; }
static void init_array(int n, double *s, double *a, double *ref)
{
    for (int i = 0; i < n; i++) {
        STORE
        ref[i] = a[i];
    }
    *s = 1.0 + 0.0 * a[n - 1];  /* the host reads the data: no region holds this call */
}
static void kernel(int n, double s, double *a)
{
    for (int i = 0; i < n; i++) {
        double x = a[i];
        for (int k = 0; k < 40; k++)
            x = sqrt(x + s);
        a[i] = x;
    }
}
static void reference(int n, double s, double *r)
{
    for (int i = 0; i < n; i++) {
        double x = r[i];
        for (int k = 0; k < 40; k++)
            x = sqrt(x + s);
        r[i] = x;
    }
}
int main(void)
{
    int n = NSIZE, bad = 0;
    double s;
    double *a = malloc(n * sizeof *a), *ref = malloc(n * sizeof *ref);
    for (int i = 0; i < n; i++)
        a[i] = 1.0;
    init_array(n, &s, a, ref);
    REMEMBER
    kernel(n, s, a);
    reference(n, s, ref);
    for (int i = 0; i < n; i++)
        bad += fabs(a[i] - ref[i]) > 1e-12 || (i % 2 && fabs(a[i] - 1.6) > 0.1);
    bad += late() < 0.0;
    puts(bad ? "BAD" : "OK");
    free(a);
    free(ref);
    return 0;
}
"""
DRIVER = "int driver_unused(void) { return 0; }\n"


def _program(store: str = "a[i] = (double)(i % 11) / n;", save: str = "(void)p;",
             late: str = "0.0") -> tuple[str, str]:
    return (KERNEL.replace("STORE", store).replace("REMEMBER", "remember(a);" if late != "0.0" else "").replace("SAVE", save).replace("LATE", late)
            .replace("NSIZE", str(N)), DRIVER)


PROGRAMS = {
    "stored": _program(),
    # the store does not always happen: ref[i] = a[i] may read the value main left (data)
    "conditional": _program(store="if (i % 2) a[i] = (double)(i % 11) / n;"),
    # the pointer escapes into a global, read through it after main's region
    "kept": _program(save="saved = p;", late="saved[0]"),
}


def test_the_initialisation_stays_on_the_host_and_main_copies_nothing_back(engine):
    _, plans = plan_text(PROGRAMS["stored"][0], engine)
    init = plans["init_array"]
    assert not init.loops and "only generates `a`, `ref`" in init.host_loops[0]["why"], init
    clauses = {a["name"]: a["clause"] for a in plans["main"].arrays}
    assert clauses == {"a": "copyin", "ref": "copyin"}, clauses


def test_the_twins_keep_their_offload_and_copy(engine):
    _, plans = plan_text(PROGRAMS["conditional"][0], engine)
    assert plans["init_array"].loops, plans["init_array"]
    _, plans = plan_text(PROGRAMS["kept"][0], engine)
    clauses = {a["name"]: a["clause"] for a in plans["main"].arrays}
    assert clauses == {"a": "copy", "ref": "copyin"}, clauses


def test_the_programs_verify_and_the_reference_copies_stay_on_the_host(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, PROGRAMS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    got = verified_offload_bytes(res)
    # a and ref in once for the kernel and the check, nothing back (the sum: 4 bytes each way)
    assert got["stored"] == 2 * S + 8, got
    # the initialisation offloaded: a and ref back from it as well
    assert got["conditional"] > got["stored"], got
    # a copied back: the function after the region reads it through the global
    assert got["kept"] >= got["stored"] + S, got
