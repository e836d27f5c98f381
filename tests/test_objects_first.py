"""The order of a deep copy's items in the copy clauses: the objects first (``v[0:1]``), at
the head of ``copyin`` and ``copyin`` the first clause, then the members' sections and the
plain arrays.  A member's section is attached to its object's device copy only when the object
is present when the section is mapped (OpenACC 3.3, 2.6.8, 2.7.2), so the object goes first.
Both writers of copy clauses — :meth:`LoopFacts.data_clauses` (the analysis engine) and the
rank engine's :func:`copy_clauses` — give the same text; these tests pin it."""

from __future__ import annotations

import pytest

from accellium.dataset.analysis import analyze, scope_of
from accellium.server.engines.rank.dataenv import copy_clauses

FILE = """\
struct vec { int n; double *x; double *y; };

void f(struct vec *v, struct vec *w, double *y, const double *a, double *a2, int n)
{
    for (int i = 0; i < n; i++) {
LOOP
    }
}
"""

CASES = [
    # read members of two objects, a plain array read, one written
    ("y[i] = a[i] + v->x[i] + w->x[i];",
     ["copyin(v[0:1], w[0:1], a[0:n], v->x[0:n], w->x[0:n])", "copyout(y[0:n])"],
     ["copyin(v[0:1], w[0:1], a[0:n], v->x[0:n], w->x[0:n])", "copyout(y[0:n])"]),
    # a written pointer member: in copy, its object still first in copyin
    ("y[i] += a[i]; v->x[i] = w->y[i] + w->x[i];",
     ["copyin(w[0:1], v[0:1], a[0:n], w->y[0:n], w->x[0:n])", "copy(y[0:n], v->x[0:n])"],
     ["copyin(w[0:1], v[0:1], a[0:n], w->y[0:n], w->x[0:n])", "copy(y[0:n], v->x[0:n])"]),
    # the analysis engine keeps the other clauses in the order their arrays come, the rank
    # engine copyin/copyout/copy
    ("y[i] += 1.0; a2[i] = v->x[i];",
     ["copyin(v[0:1], v->x[0:n])", "copy(y[0:n])", "copyout(a2[0:n])"],
     ["copyin(v[0:1], v->x[0:n])", "copyout(a2[0:n])", "copy(y[0:n])"]),
    # a plain array written before the member is read: copyin still comes first
    ("y[i] = 2 * v->x[i];",
     ["copyin(v[0:1], v->x[0:n])", "copyout(y[0:n])"],
     ["copyin(v[0:1], v->x[0:n])", "copyout(y[0:n])"]),
]


def _facts(body: str):
    src = FILE.replace("LOOP", "        " + body)
    start = src.index("for (")
    end = src.index("\n    }\n", start) + len("\n    }")
    return analyze(src[start:end], "c", scope=scope_of(src, len(src[:start].encode()), "c"),
                   first_line=src[:start].count("\n") + 1)


@pytest.mark.parametrize("body,analysis,rank", CASES)
def test_objects_come_first_in_both_writers(body, analysis, rank):
    facts = _facts(body)
    assert [c.render() for c in facts.data_clauses()] == analysis
    assert [c.render() for c in copy_clauses(facts, list(facts.arrays))] == rank
