"""A loop of a C++ member function: the data members it names bare are members of ``this``
(C++ [class.mfct.non-static]p2), and its compute construct maps the object first.

``copyin(a[0:n])`` on a bare pointer member compiles (gcc reads ``this->a``), but the construct
reaches ``a`` and ``n`` through the pointer ``this``: unmapped, it holds the host address (gcc:
``map(alloc:*this [len: 0])``, ``map(attach:this->a)`` — the attach needs the object present).
The analysis now reads, with the file, the loop of a member function whose class body the
file holds as the members it names (``dataset/analysis/classes.py``): ``copyin(this[0:1],
this->a[0:this->n])``, and a written pointer member's kind from the class body (the deep copy
of ``dataset/analysis/deep.py``); a parameter or local of the same name is no member.

Whole programs, built with g++ and run in the data-environment emulator, which binds ``this``
as the pointer it is (tests/test_dynamic_cxx_this.py): before, the per-loop answer of every
program below failed there ("pointer 'this' used in a compute region points to host memory");
now each verifies."""

from __future__ import annotations

from _offload_util import run_programs
from test_dynamic_cxx_this import GRID

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

N = 64


def _prog(members: str, outside: str, calls: str, check: str) -> str:
    return f"""#include <cstdio>
{GRID}{members}
}};
{outside}
int main()
{{
    Grid g({N});
    {calls}
    int bad = 0;
    {check}
    std::puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


PROGRAMS = {
    "reduce": _prog("""    double sum() const {
        double s = 0;
        for (int i = 0; i < n; i++)
            s += a[i];
        return s;
    }""", "", "double s = g.sum();", f"bad = s != {N * (N - 1) // 2}.0;"),
    "copy_out_of_line": _prog("    void copy();", """void Grid::copy()
{
    for (int i = 0; i < n; i++)
        b[i] = 2.0 * a[i];
}""", "g.copy();", f"for (int i = 0; i < {N}; i++) bad |= g.b[i] != 2.0 * i;"),
    "shadowed": _prog("""    void scale(double *a, int m) {
        for (int i = 0; i < m; i++)
            a[i] = 2.0 * b[i];
    }""", "", "double *t = new double[64]; for (int i = 0; i < 64; i++) g.b[i] = i; "
              "g.scale(t, 64);", f"for (int i = 0; i < {N}; i++) bad |= t[i] != 2.0 * i;"),
}


def test_the_answers_map_this_first():
    engine = get_engine("analysis")
    want = {"reduce": "#pragma acc parallel loop reduction(+:s) copyin(this[0:1], "
                      "this->a[0:this->n])",
            "copy_out_of_line": "#pragma acc parallel loop copyin(this[0:1], "
                                "this->a[0:this->n]) copy(this->b[0:this->n])",
            # `a` is the parameter: a plain array; `b` the member
            "shadowed": "#pragma acc parallel loop copyin(this[0:1], this->b[0:m]) "
                        "copyout(a[0:m])"}
    for name, pragma in want.items():
        got = annotate_source(PROGRAMS[name].encode(), engine, path="prog.cpp")
        member_loops = [s for s in got if s.line > 8 and s.pragma and "this" in s.pragma]
        assert [s.pragma for s in member_loops] == [pragma], (name, [s.pragma for s in got])


def test_the_programs_verify_in_the_emulator(tmp_path):
    rows = run_programs(tmp_path, {k: ({"prog.cpp": v}, ["prog.cpp"])
                                   for k, v in PROGRAMS.items()}, variants=("engine",))
    assert set(rows) == set(PROGRAMS)
    for name, row in rows.items():
        assert row["engine"]["bytes_h2d"] > 0, (name, row["engine"])  # the loop offloaded
