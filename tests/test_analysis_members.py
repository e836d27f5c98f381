"""A write to a struct member or through a pointer without a subscript (``st->count++``,
``*sum += x[i]``) is one location every iteration writes: a carried
dependence (a race in parallel; no ``reduction`` can name it).  Before, the analysis read such
a write as a mere read of ``st`` and called the loop independent.

Whole program: the engine's answer for a loop that counts into a struct member, accepted as
``suggest --apply`` writes it, verifies in the data-environment emulator; the control (the
naive ``parallel loop`` with the struct mapped) is a race there.  Twins the rule leaves alone:
an element pointer of the iteration, an element's member, a struct the iteration declares,
an ``atomic`` update."""

from __future__ import annotations

import pytest
from _offload_util import run_as_written, write_suite

from accellium.dataset.analysis import analyze
from accellium.dataset.pragma import parse
from accellium.server.annotate import annotate_source, apply_edits
from accellium.server.engines import get_engine
from accellium.server.safety import asserts_parallel


@pytest.mark.parametrize("code, name", [
    ("for (int i = 0; i < n; i++) { y[i] = 2 * x[i]; st->count += 1; }", "st->count"),
    ("for (int i = 0; i < n; i++) { if (x[i] > 0) st->count++; }", "st->count"),
    ("for (int i = 0; i < n; i++) *sum += x[i];", "sum"),  # sum[0]: the array analysis
    ("for (int i = 0; i < n; i++) { g->last = x[i]; y[i] = g->last * 2; }", "g->last"),
    ("for (int i = 0; i < n; i++) m->sub.hits = i;", "m->sub.hits"),
])
def test_a_write_to_one_shared_location_is_carried(code, name):
    f = analyze(code)
    assert not f.safe
    assert name in [d.var for d in f.carried], f.carried
    assert not any(v == name for _, v in f.reductions)


@pytest.mark.parametrize("code", [
    "for (int i = 0; i < n; i++) { particle_t *q = &p[i]; q->x += q->vx; }",
    # assigned in the loop: the alias analysis reads `q->x` as an element of `p`
    "for (int i = 0; i < n; i++) { q = &p[i]; q->x = i; }",
    "for (int i = 0; i < n; i++) p[i].x += 1.0;",
    "for (int i = 0; i < n; i++) { struct S t; t.a = x[i]; y[i] = t.a * 2; }",
    # a member of a struct variable is part of the variable (private like a scalar)
    "for (int i = 0; i < n; i++) { c.re = x[i]; c.im = 0; y[i] = c.re * c.re; }",
    "for (int i = 0; i < n; i++) v->y[i] += a * v->x[i];",
    "for (int i = 0; i < n; i++) {\n#pragma acc atomic update\n    st->count += 1;\n}",
])
def test_what_the_iteration_owns_is_no_shared_location(code):
    assert analyze(code).safe, analyze(code).carried


KERNEL = """
typedef struct { int count; double scale; } stats_t;

void tally(int n, const double *restrict x, double *restrict y, stats_t *st)
{
    for (int i = 0; i < n; i++) {
        y[i] = st->scale * x[i];
        if (x[i] > 0.5)
            st->count++;
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct { int count; double scale; } stats_t;
void tally(int n, const double *restrict x, double *restrict y, stats_t *st);
int main(void)
{
    int n = 2000, bad = 0, want = 0;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    stats_t st = {0, 3.0};
    for (int i = 0; i < n; i++) { x[i] = (i % 10) / 10.0; want += x[i] > 0.5; }
    tally(n, x, y, &st);
    for (int i = 0; i < n; i++) bad += fabs(y[i] - 3.0 * x[i]) > 1e-12;
    bad += st.count != want;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_the_engines_answer_runs_and_the_parallel_claim_races(tmp_path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    src = KERNEL.encode()
    new, applied = apply_edits(src, annotate_source(src, get_engine("analysis"), path="k.c",
                                                    lang="c"))
    for s in applied:
        assert not asserts_parallel(parse(s.pragma or "")), s.pragma
    run_as_written(tmp_path / "ok", {"p": {"kernel.c": new.decode(), "main.c": MAIN}})
    naive = KERNEL.replace("    for (int i", "    #pragma acc parallel loop copyin(x[0:n], "
                           "st[0:1]) copyout(y[0:n]) copy(st[0:1])\n    for (int i", 1)
    naive = naive.replace("copyin(x[0:n], st[0:1])", "copyin(x[0:n])")
    manifest = write_suite(tmp_path / "naive", {"p": (naive, MAIN)})
    r = evaluate_dynamic(manifest, None, runs=3, with_mutations=False)["programs"][0]
    assert r["original"]["status"] == "race", r["original"]


def test_a_pointer_the_loop_assigns_is_judged_once():
    """``q = w; q->x = i``: the alias analysis finds the shared ``w``; no second note."""
    f = analyze("for (int i = 0; i < n; i++) { q = w; q->x = i; }")
    assert not f.safe and [d.var for d in f.carried] == ["w"], f.carried
