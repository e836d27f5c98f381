"""A C++ reference the loop binds to an element (``auto &q = p[i];``) is another name of that
element ([dcl.ref]p1), and ``q.x`` a member of it ([expr.ref]p6): a member written through
the reference is a write of ``p[i]`` (``dataset/analysis/walker.py``,
``BodyWalk.element_references``, as ``T *q = &p[i]; q->x`` was already).  Before, the walk read
``q.x`` as a member of an object of its own and the reference rule
(``dataset/analysis/references.py``) saw only writes to ``q`` itself, so

- ``P &q = p[i + 1]; q.x = p[i].x;`` (each iteration writes the next element) got
  ``parallel loop copyin(p[0:n])``: a race, and the writes never copied back;
- ``auto &q = p[i]; q.x += q.v * dt;`` got ``copyin(p[0:n])``: the new positions lost.

A write through the reference that the walk does not follow (an element of a member array,
``q.hist[0] = ...``; a call given ``q``) is still a dependence naming the reference.  Whole
programs, built with g++ and run in the emulator."""

from __future__ import annotations

import pytest
from _offload_util import write_programs

from accellium.dataset.analysis import analyze
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

HEAD = """struct V { double x, y; };
struct P { V pos; double m; double hist[4]; };
"""

# (body of `for (int i = 0; i < n - 1; i++) { ... }`, parallel?, p written?)
BODIES = [
    ("P &q = p[i + 1];\n    q.m = p[i].m;", False, True),
    ("P &q = p[i + 1];\n    p[i].m = q.m;", False, True),
    ("auto &q = p[i];\n    q.pos.x += q.m * dt;", True, True),
    ("const P &q = p[i];\n    out[i] = q.pos.x + q.m;", True, False),
    ("P &q = p[n - 2 - i];\n    q.m = p[i].m;", False, True),
    ("P &q = p[i];\n    q.hist[0] = q.m;", False, True),  # not followed: refused
    ("P &q = p[i];\n    q.m++;", True, True),
    ("const P &q = p[i];\n    out[i] = sqrt(q.m) + fabs(q.pos.y);", True, False),
    # written in an inner loop
    ("auto &q = p[i];\n    for (int k = 0; k < 4; k++) q.m += out[k];", True, True),
    ("P &q = p[i + 1];\n    for (int k = 0; k < 4; k++) q.m += p[i].m;", False, True),
    ("auto &h = p[i].hist;\n    for (int k = 0; k < 4; k++) h[k] = 0;", False, True),
]


@pytest.mark.parametrize(("body", "parallel", "written"), BODIES)
def test_members_written_through_an_element_reference(body, parallel, written):
    facts = analyze(HEAD + "void f(int n, P *p, double *out, double dt) {\n"
                    f"  for (int i = 0; i < n - 1; i++) {{\n    {body}\n  }}\n}}\n", "cpp")
    assert facts.safe is parallel, facts.carried
    if parallel:
        assert ("p" in facts.arrays and facts.arrays["p"] != "in") is written, facts.arrays


PROG = HEAD + """#include <cstdio>

void advance(int n, P *p, double dt)
{
    for (int i = 0; i < n; i++) {
        auto &q = p[i];
        q.pos.x += q.m * dt;
    }
}

void shift(int n, P *p)
{
PRAGMA
    for (int i = 0; i < n - 1; i++) {
        P &q = p[i + 1];
        q.m = p[i].m;
    }
}

int main()
{
    const int n = 4000;
    P *p = new P[n];
    for (int i = 0; i < n; i++) { p[i].pos.x = i; p[i].pos.y = 0; p[i].m = 1.0 + i % 5; }
    advance(n, p, 0.5);
    int bad = 0;
    for (int i = 0; i < n; i++) bad += p[i].pos.x != i + 0.5 * (1.0 + i % 5);
    shift(n, p);
    for (int i = 0; i < n; i++) bad += p[i].m != 1.0;
    std::puts(bad ? "BAD" : "OK");
    delete[] p;
    return 0;
}
"""


def test_the_engines_follow_the_reference_and_verify(tmp_path):
    man = write_programs(tmp_path, {
        "refs": ({"prog.cpp": PROG.replace("PRAGMA\n", "")}, ["prog.cpp"]),
        "naive": ({"prog.cpp": PROG.replace("PRAGMA", "#pragma acc parallel loop copy(p[0:n])")},
                  [])}, wrong=["naive"])
    for engine in ("analysis", "auto"):
        r = evaluate_dynamic(man, engine, threads=4, runs=3, with_mutations=False)
        rows = {p["name"]: p for p in r["programs"]}
        assert rows["naive"]["original"]["status"] == "race", rows["naive"]["original"]
        eng = rows["refs"]["engine"]
        assert eng["status"] == "verified", (engine, eng)
        lines = PROG.replace("PRAGMA\n", "").splitlines()
        advance = lines.index("void advance(int n, P *p, double dt)") + 3
        shift = lines.index("void shift(int n, P *p)") + 3
        by_line = {p["line"]: p for p in eng["pragmas"]}
        assert by_line[advance]["parallel"], (engine, eng["pragmas"])
        assert "copy(p[0:n])" in by_line[advance]["pragma"], (engine, eng["pragmas"])
        assert shift not in by_line or not by_line[shift]["parallel"], (engine, eng["pragmas"])
