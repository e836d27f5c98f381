"""With the file known and no data directive of it mapping what a loop reaches, a compute
construct is only right if its own clauses map that memory; where no clause of the loop
can, the guard gives no compute construct (the host runs the loop correctly).  Four ways a
loop reaches memory that its subscripts alone do not show, each of which got a pragma whose
kernel dereferenced host memory on a GPU (found on real programs the project did not have):

* ``calls``: a pointer the loop passes to a function that writes through it
  (:func:`accellium.dataset.analysis.calls._reached_arrays`);
* ``chain``: an array reached through two pointer levels (``s->cells->n[i]``);
* ``walk``: a pointer dereferenced without a subscript (``l->head``, then ``p->next``);
* ``header``: a member ``g.v[i]`` of a struct variable whose type a header defines (it may
  be a pointer: a wrong guess faults).

Twins keep their pragma: the same loops in a file whose data directive maps the objects
(``mapped``), and ``flat``: a loop over a plain pointer with the extent in its bounds, which
the pragma's own ``copyin``/``copyout`` maps.  Whole programs built with real gcc and run in
the data-environment emulator with the per-loop suggestions applied."""

from __future__ import annotations

from _fixed_engine import FixedAnswer
from _offload_util import write_suite

from accellium.dataset.analysis import scope_of
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest

HEADER = "typedef struct { int n; double *v; } grid;\n"

KERNEL = """#include "types.h"
#include <stdlib.h>
struct cells { int count; int *n; };
struct sim { struct cells *cells; double *w; };
struct node { double val; struct node *next; };
struct list { struct node *head; };

static void bump(double *m, int n, int t)
{
    for (int k = 0; k < n; k++)
        m[k] += t;
}

void calls(double *m, int n, int steps)
{
    for (int t = 0; t < steps; t++)
        bump(m, n, t);
}

int chain(struct sim *s, int boxes)
{
    int total = 0;
    for (int b = 0; b < boxes; b++)
        total += s->cells->n[b];
    return total;
}

double walk(struct list *l)
{
    double sum = 0.0;
    struct node *p;
    for (p = l->head; p != NULL; p = p->next)
        sum += p->val;
    return sum;
}

void header(grid g, int n)
{
    for (int i = 0; i < n; i++)
        g.v[i] = 2.0 * i;
}

void flat(const double *a, double *b, int n)
{
    for (int i = 0; i < n; i++)
        b[i] = a[i] + 1.0;
}
"""

MAIN = """#include <stdio.h>
#include <stdlib.h>
#include "types.h"
struct cells { int count; int *n; };
struct sim { struct cells *cells; double *w; };
struct node { double val; struct node *next; };
struct list { struct node *head; };
void calls(double *m, int n, int steps);
int chain(struct sim *s, int boxes);
double walk(struct list *l);
void header(grid g, int n);
void flat(const double *a, double *b, int n);
int main(void)
{
    int n = 64, bad = 0;
    double *m = calloc(n, sizeof *m), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    calls(m, n, 4);
    for (int k = 0; k < n; k++) bad += m[k] != 6.0;
    struct cells c = {n, malloc(n * sizeof(int))};
    for (int k = 0; k < n; k++) c.n[k] = k % 3;
    struct sim s = {&c, NULL};
    bad += chain(&s, n) != 63;
    struct node nodes[5];
    for (int k = 0; k < 5; k++) { nodes[k].val = k; nodes[k].next = k < 4 ? &nodes[k + 1] : NULL; }
    struct list l = {nodes};
    bad += walk(&l) != 10.0;
    grid g = {n, malloc(n * sizeof(double))};
    header(g, n);
    for (int k = 0; k < n; k++) bad += g.v[k] != 2.0 * k;
    for (int k = 0; k < n; k++) a[k] = k;
    flat(a, b, n);
    for (int k = 0; k < n; k++) bad += b[k] != k + 1.0;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

LOOPS = {"calls": "for (int t = 0;", "chain": "for (int b = 0;", "walk": "for (p = l->head;",
         "header": "for (int i = 0; i < n; i++)\n        g.v", "flat": "for (int i = 0; i < n; i++)\n        b[i]"}
MAPPED = ("#pragma acc declare create(unused_marker)\n"
          "void mapped_region(double *m, struct sim *s, struct list *l, grid g) {\n"
          "#pragma acc enter data copyin(m[0:1], s[0:1], l[0:1], g)\n}\n")


# what an engine may answer for each loop (the guard decides what stays)
ANSWERS = {"calls": "#pragma acc serial", "chain": "#pragma acc parallel loop reduction(+:total)",
           "walk": "#pragma acc kernels", "header": "#pragma acc parallel loop",
           "flat": "#pragma acc parallel loop"}


def _pragma(src: str, function: str) -> str | None:
    at = src.index(LOOPS[function])
    end = src.index(";", src.index("\n", at) + 1) + 1
    q = LoopQuery(code=src[at:end], lang="c", scope=scope_of(src, len(src[:at].encode())))
    return suggest(q, FixedAnswer(ANSWERS[function]), fallback=None).pragma


def test_the_guard_gives_no_compute_construct_where_no_clause_maps_what_is_reached():
    for function in ("calls", "chain", "walk", "header"):
        assert _pragma(KERNEL, function) is None, function
    assert _pragma(KERNEL, "flat") == "#pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])"


def test_a_data_directive_of_the_file_naming_the_objects_keeps_the_pragma():
    src = KERNEL + MAPPED
    for function in ("chain", "walk", "header"):
        got = _pragma(src, function)
        assert got is not None and got.startswith(ANSWERS[function]), (function, got)


def test_the_program_verifies_with_the_suggestions_applied(tmp_path):
    manifest = write_suite(tmp_path, {"reached": (KERNEL, MAIN)},
                           headers={"reached": {"types.h": HEADER}})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False)
    p = res["programs"][0]
    assert p["engine"]["status"] == "verified", p["engine"]["reason"]
    lines = {q["line"] for q in p["engine"]["pragmas"]}
    flat_line = KERNEL[:KERNEL.index(LOOPS["flat"])].count("\n") + 1
    assert flat_line in lines, p["engine"]["pragmas"]
