"""A loop whose body changes its own variable, its bound or its step is not a canonical loop
(``dataset/analysis/loop_form.body_problem``; OpenMP 4.5, 2.6; OpenACC 3.3, 2.9): a loop
directive runs the iterations the header counts when the loop starts, each with its own value
of the variable, and gcc takes the pragma without a word.  Before, the analysis read such a
loop as any other: ``if (a[i] < 0) { i++; b[i] = -1; }`` got ``parallel loop`` (the skip is
lost when the iterations run apart), a bound shrunk in the body was called a ``+`` reduction,
and an inner loop advancing the outer index left the outer loop ``parallel loop``.

The same kind of hole: a name the body declares ``static`` (or ``extern``, thread storage)
is one object every iteration shares (C11 6.2.4p3), not the iteration's own; the analysis read
it as a local, so ``static double keep; keep += a[i]; b[i] = keep;`` got ``parallel loop``.
Written by the loop (its initialiser runs once, before the program starts: not a write of the
loop), it is a carried dependence (``pipeline._shared_declared``).

Proven on a whole program (real gcc, real threads): the authors' ``parallel loop`` on each
such loop fails, the engines' answers verify and assert no parallelism there, and the twins
whose body changes only a copy of the variable, or reads a ``static const``, keep their
``parallel loop``.
"""

from __future__ import annotations

import pytest

from accellium.dataset.analysis import analyze
from accellium.dataset.analysis.loop_form import body_problem
from accellium.dataset.analysis.tree import first_loop
from accellium.dataset.loops import parse_tree
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import guard
from tests.test_dynamic import _engine_verified

# (loop, what the body changes, or None)
BODIES = [
    ("for (int i = 0; i < n; i++) { if (a[i] < 0) i++; b[i] = 1; }", "`i`"),
    ("for (int i = 0; i < n; i++) { b[i] = 1; i += 2; }", "`i`"),
    ("for (i = 0; i < n; i++) { b[i] = 1; --i; }", "`i`"),
    ("for (i = 0; i < n; i++) { b[i] = 1; (i) = f(i); }", "`i`"),
    ("for (int i = 0; i < n; i++) { b[i] = 1; next(&i); }", "`i`"),
    ("for (int i = 0; i < n; i++) { b[i] = 1; if (b[i] < 0) n--; }", "`n`"),
    ("for (int i = 0; i < n - k; i++) { b[i] = 1; k = b[i]; }", "`k`"),
    ("for (int i = 0; i < s->n; i++) { b[i] = 1; s->n = 0; }", "`s->n`"),
    ("for (int i = 0; i < s->n; i++) { b[i] = 1; s = s->next; }", "`s`"),
    ("for (int i = 0; i < len[r]; i++) { b[i] = 1; len[r]++; }", "`len[r]`"),
    ("for (int i = 0; i < n; i += st) { b[i] = 1; st = 2; }", "`st`"),
    ("for (int i = 0; i < f(n); i++) { b[i] = 1; n = 0; }", "`n`"),
    ("for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) { b[j] = 1; i++; }", "`i`"),
    # nothing the header reads is changed
    ("for (int i = 0; i < n; i++) { int k = i; k++; b[k] = 1; }", None),
    ("for (int i = 0; i < n; i++) { b[i] = 1; len[i]++; m = 0; }", None),
    ("for (int i = 0; i < n; i++) { double *p = &b[i]; *p = 1; }", None),
    # a declaration of the same name hides the loop's from there on (C11 6.2.1p4)
    ("for (int i = 0; i < n; i++) { b[i] = 1; { int i = 0; i++; b[i] = 2; } }", None),
    ("for (int i = 0; i < n; i++) { b[i] = 1; for (int i = 0; i < 3; i++) c[i] = 0; }", None),
    ("for (int i = 0; i < n; i++) { int n = 4; n--; b[i] = n; }", None),
    ("for (int i = 0; i < n; i++) { n++; int n = 4; b[i] = n; }", "`n`"),
]


def _loop(src: str, lang: str = "c"):
    loop = first_loop(parse_tree(src.encode(), lang).root_node)
    assert loop is not None
    return loop


@pytest.mark.parametrize("lang", ["c", "cpp"])
@pytest.mark.parametrize(("src", "changed"), BODIES)
def test_body_problem_names_what_the_body_changes(src, changed, lang):
    problem = body_problem(_loop(src, lang))
    if changed is None:
        assert problem is None, problem
    else:
        assert problem is not None and changed in problem and "line 1" in problem, problem
        assert problem.startswith("it") or problem.startswith("`"), problem


def test_a_header_problem_is_the_header_reader_s():
    assert body_problem(_loop("for (i = 0; i != n; i++) { i++; }")) is None


def test_the_guard_gives_no_loop_directive_and_the_collapse_stops_above():
    q = LoopQuery("for (int i = 0; i < n; i++) {\n    if (a[i] < 0) i++;\n    b[i] = a[i];\n}\n",
                  enclosing=("#pragma acc data copyin(a[0:n]) copy(b[0:n])",))
    assert analyze(q.code).loop_form
    # no loop directive, and no construct around the loop either: the analysis's data
    # clauses (`copyout(b[0:n])`: every element written) assume the header's iterations
    for pragma in ("#pragma acc parallel loop", "#pragma acc kernels loop",
                   "#pragma acc loop seq", "#pragma acc kernels copyin(a[0:n]) copyout(b[0:n])",
                   "#pragma acc serial copy(b[0:n])"):
        text, notes = guard(q, pragma)
        assert text is None, text
        assert any("its variable `i` is assigned in its body (line 2)" in n for n in notes), notes
    # the inner loop's bound or variable changed in its body: the outer loop keeps its form,
    # a `collapse` stops above the inner loop
    for change in ("if (j == 2) m--;", "if (a[i * m + j] > 1) j++;"):
        nest = ("for (int i = 0; i < n; i++)\n  for (int j = 0; j < m; j++) {\n"
                f"    a[i * m + j] = 0.0;\n    {change}\n  }}\n")
        facts = analyze(nest)
        assert not facts.loop_form and facts.canonical_depth == 1, change
    nest = nest.replace("a[i * m + j] > 1", "a[i * m + j] > 1.0 + m")
    text, notes = guard(LoopQuery(nest, enclosing=("#pragma acc data copy(a[0:n*m])",)),
                        "#pragma acc parallel loop collapse(2)")
    assert text == "#pragma acc parallel loop", (text, notes)
    assert any("collapse(2)" in n for n in notes), notes


STATICS = [
    ("static double keep = 0; keep += a[i]; b[i] = keep;", "keep"),
    ("static int cnt; cnt++; b[i] = a[i];", "cnt"),
    ("static double buf[4]; buf[0] = a[i]; b[i] = buf[0];", "buf"),
    ("extern double g; g = a[i]; b[i] = a[i];", "g"),
    ("static const double w[3] = {1, 2, 3}; b[i] = w[i % 3] * a[i];", None),
    ("static const double s = 2.0; b[i] = s * a[i];", None),
    ("double t = a[i]; b[i] = t;", None),
]


@pytest.mark.parametrize(("body", "shared"), STATICS)
def test_a_static_the_loop_writes_is_a_carried_dependence(body, shared):
    facts = analyze(f"for (int i = 0; i < n; i++) {{\n    {body}\n}}\n")
    named = [d for d in facts.carried if "static storage" in d.message]
    if shared is None:
        assert not named and facts.safe, facts.carried
    else:
        assert [d.var for d in named] == [shared] and not facts.safe, facts.carried
        assert named[0].line == 2


KERNEL = """void skip(int n, const double *a, double *b)
{
#pragma acc parallel loop copyin(a[0:n]) copy(b[0:n])
    for (int i = 0; i < n - 1; i++) {
        if (a[i] < 0) {
            i++;
            b[i] = -1.0;
        } else {
            b[i] = a[i];
        }
    }
}

int shrink(int n, const double *a, double *b)
{
#pragma acc parallel loop copyin(a[0:n]) copy(b[0:n])
    for (int i = 0; i < n; i++) {
        b[i] = 2.0 * a[i];
        if (a[i] < 0)
            n--;
    }
    return n;
}

void rows(int n, int m, const double *a, double *b)
{
#pragma acc parallel loop copyin(a[0:n*m]) copy(b[0:n*m])
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            b[i * m + j] = a[i * m + j] + 1.0;
            if (j == m - 1 && a[i * m + j] < 0)
                i++;
        }
}

void running(int n, const double *a, double *b)
{
#pragma acc parallel loop copyin(a[0:n]) copy(b[0:n])
    for (int i = 0; i < n; i++) {
        static double keep = 0.0;
        keep += a[i];
        b[i] = keep;
    }
}

void scaled(int n, const double *a, double *b)
{
#pragma acc parallel loop copyin(a[0:n]) copy(b[0:n])
    for (int i = 0; i < n; i++) {
        static const double w = 2.0;
        b[i] = w * a[i];
    }
}

void twin(int n, const double *a, double *b)
{
#pragma acc parallel loop copyin(a[0:n]) copy(b[0:n])
    for (int i = 0; i < n; i++) {
        int k = i;
        k++;
        b[i] = a[i] + k;
    }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void skip(int n, const double *a, double *b);
int shrink(int n, const double *a, double *b);
void rows(int n, int m, const double *a, double *b);
void twin(int n, const double *a, double *b);
void running(int n, const double *a, double *b);
void scaled(int n, const double *a, double *b);
int main(void) {
  int n = 20000, m = 10; long bad = 0;
  double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n);
  double *e = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) a[i] = (i % 7 == 3) ? -1.0 : i;
  for (int i = 0; i < n; i++) { b[i] = 0; e[i] = 0; }
  skip(n, a, b);
  for (int i = 0; i < n - 1; i++) { if (a[i] < 0) { i++; e[i] = -1.0; } else e[i] = a[i]; }
  for (int i = 0; i < n; i++) { bad += b[i] != e[i]; b[i] = 0; e[i] = 0; }
  int left = shrink(n, a, b), k = n;
  for (int i = 0; i < k; i++) { e[i] = 2.0 * a[i]; if (a[i] < 0) k--; }
  bad += left != k;
  for (int i = 0; i < n; i++) { bad += b[i] != e[i]; b[i] = 0; e[i] = 0; }
  rows(n / m, m, a, b);
  for (int i = 0; i < n / m; i++) for (int j = 0; j < m; j++) {
    e[i * m + j] = a[i * m + j] + 1.0; if (j == m - 1 && a[i * m + j] < 0) i++; }
  for (int i = 0; i < n; i++) { bad += b[i] != e[i]; b[i] = 0; }
  twin(n, a, b);
  for (int i = 0; i < n; i++) bad += b[i] != a[i] + i + 1;
  running(n, a, b);
  { double r = 0; for (int i = 0; i < n; i++) { r += a[i]; bad += b[i] != r; } }
  scaled(n, a, b);
  for (int i = 0; i < n; i++) bad += b[i] != 2.0 * a[i];
  printf(bad == 0 ? "OK\\n" : "BAD %ld\\n", bad);
  free(a); free(b); free(e);
  return 0;
}
"""


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_loops_whose_body_changes_the_header_stay_sequential_and_verify(tmp_path, engine):
    eng = _engine_verified(tmp_path, "changes", {"k.c": KERNEL, "main.c": MAIN},
                           "parallel loops whose bodies change their iterations", engine,
                           "race")["engine"]
    lines = KERNEL.splitlines()
    heads = {name: next(k + 1 for k, ln in enumerate(lines) if ln.startswith(f"void {name}")
                        or ln.startswith(f"int {name}")) + 3
             for name in ("skip", "shrink", "rows", "running", "scaled", "twin")}
    parallel = {p["line"] for p in eng["pragmas"] if p["parallel"]}
    for name in ("skip", "shrink", "rows", "running"):
        assert heads[name] not in parallel, (name, eng["pragmas"])
    assert heads["twin"] in parallel and heads["scaled"] in parallel, eng["pragmas"]
