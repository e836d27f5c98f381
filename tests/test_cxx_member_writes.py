"""A C++ member function's loop that writes a scalar data member (``last = a[i]``,
``count++``, ``sum += a[i]``) writes one location every iteration: the member is ``this->m``
(C++ [class.mfct.non-static]p2), and ``this`` points to the one object the iterations share
([expr.prim.this]) — a race, which no ``reduction`` can name (OpenACC 3.3, 2.5.15: a
reduction names variables).  The shared-write rule (``dataset/analysis/members.py``) read a
member chain only from a named pointer (``w->last``) and passed ``this->last`` by: the
analysis answered ``parallel loop`` for each of the loops below, and the emulator failed every
one (a race on the member, or ``this`` unmapped).  Now each gets no pragma; the loops that
index member arrays (an element chosen by data, a shifted element, a fixed one) were already
refused, and stay so.  Whole programs built with g++, run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine


def _prog(body: str, check: str) -> str:
    return f"""#include <cstdio>
struct W {{
    int n; double *a; double *b; int *idx; int *h; double last; int count; double sum;
    W() : n(64), a(new double[64]), b(new double[64]), idx(new int[64]), h(new int[8]),
          last(0), count(0), sum(0) {{
        for (int i = 0; i < 64; i++) {{ a[i] = i; b[i] = 1; idx[i] = i % 8; }}
        for (int i = 0; i < 8; i++) h[i] = 0;
    }}
    void go() {{
        for (int i = 0; i < n; i++)
            {body}
    }}
}};
int main() {{ W w; w.go(); int bad = !({check}); std::puts(bad ? "BAD" : "OK"); return 0; }}
"""


LOOP_LINE = 10
#: name -> (body, check, the member the note names); None: refused by other rules before
PROGRAMS = {
    "last": ("last = a[i];", "w.last == 63", "this->last"),
    "count": ("count++;", "w.count == 64", "this->count"),
    "sum": ("sum += a[i];", "w.sum == 2016", "this->sum"),
    "cond_count": ("if (a[i] > 10) count = count + 1;", "w.count == 53", "this->count"),
    "fixed_element": ("a[0] += b[i];", "w.a[0] == 64", None),
    "histogram": ("h[idx[i]]++;", "w.h[3] == 8", None),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_loop_gets_no_pragma(name):
    body, check, member = PROGRAMS[name]
    got = annotate_source(_prog(body, check).encode(), get_engine("analysis"), path="w.cpp",
                          line=LOOP_LINE + 1)
    loop = [s for s in got if s.line == LOOP_LINE]
    assert len(loop) == 1 and loop[0].pragma is None, [(s.line, s.pragma) for s in got]
    if member is not None:
        assert any(f"`{member}` (line {LOOP_LINE + 1}) is one location every iteration "
                   "writes" in n for n in loop[0].notes), loop[0].notes


def test_the_programs_verify_with_the_answers(tmp_path):
    rows = run_programs(tmp_path, {k: ({"prog.cpp": _prog(b, c)}, ["prog.cpp"])
                                   for k, (b, c, _) in PROGRAMS.items()},
                        variants=("engine", "offload"))
    assert set(rows) == set(PROGRAMS)
