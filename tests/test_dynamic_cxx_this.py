"""The dynamic evaluation's emulator reads C++'s ``this`` as the pointer it is (issue #15).

In a non-static member function a data member named bare is ``this->a`` (C++
[class.mfct.non-static]p2) and ``this`` is a pointer prvalue: a compute construct reaches the
object through it, firstprivate and holding a host address unless a clause maps the object
(``copyin(this[0:1])``; OpenACC 3.3, 2.6.2), and a pointer member's elements only where its
section is attached to the object's device copy (2.6.8, 2.7.2) — as gcc compiles them (its
maps of the first construct below: ``map(to:*this [len: 24])``, ``map(attach:this->a [bias:
0])``).  Before, the emulator could not build ``this[0:1]`` (``&this``: "lvalue required"),
read ``this->x`` from the object's host memory and took a bare member for a variable: the
right pragmas failed to compile and a pragma that leaves the object on the host verified.

Also a member's section that starts after what the pointer points to (``copy(v->b[1:n-2])``)
is attached with the clause's bias, as gcc does; before, the emulator left the host address
in the device copy and failed the right pragma (C and C++ alike)."""

from __future__ import annotations

import pytest
from _offload_util import write_programs, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 64

#: a class whose constructor fills two arrays of ``n`` (its members named bare)
GRID = """class Grid {
public:
    int n;
    double *a, *b;
    Grid(int n) : n(n), a(new double[n]), b(new double[n]) {
        for (int i = 0; i < n; i++) { a[i] = i; b[i] = 0; }
    }
"""

CLASS = f"""#include <cstdio>
{GRID}    void step();
}};
void Grid::step()
{{
PRAGMA
    for (int i = 1; i < n - 1; i++)
        BODY;
}}
int main()
{{
    Grid g({N});
    g.step();
    int bad = 0;
    for (int i = 1; i < {N - 1}; i++)
        bad |= g.b[i] != i;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
EXPLICIT = "this->b[i] = 0.5 * (this->a[i - 1] + this->a[i + 1])"
BARE = "b[i] = 0.5 * (a[i - 1] + a[i + 1])"

#: name -> (pragma, body, the failure cause; None: verifies)
CASES = {
    "explicit": ("#pragma acc parallel loop copyin(this[0:1], this->a[0:n]) "
                 "copy(this->b[1:n-2])", EXPLICIT, None),
    "bare": ("#pragma acc parallel loop copyin(this[0:1], a[0:n]) copy(b[1:n-2])", BARE, None),
    "explicit_no_object": ("#pragma acc parallel loop copyin(this->a[0:n]) "
                           "copy(this->b[1:n-2])", EXPLICIT,
                           "pointer 'this' used in a compute region points to host memory"),
    "bare_no_object": ("#pragma acc parallel loop copyin(a[0:n]) copy(b[1:n-2])", BARE,
                       "pointer 'this' used in a compute region points to host memory"),
    "bare_no_section": ("#pragma acc parallel loop copyin(this[0:1], a[0:n])", BARE,
                        "'this->b' is a pointer member of a struct copied to the device"),
    "explicit_no_section": ("#pragma acc parallel loop copyin(this[0:1], this->a[0:n])",
                            EXPLICIT,
                            "'this->b' is a pointer member of a struct copied to the device"),
}

#: C: a pointer's member section from 1 (biased attach)
BIASED = """struct V { int n; double *a, *b; };
void step(struct V *v)
{
    #pragma acc parallel loop copyin(v[0:1], v->a[0:v->n]) copy(v->b[1:v->n-2])
    for (int i = 1; i < v->n - 1; i++)
        v->b[i] = 0.5 * (v->a[i - 1] + v->a[i + 1]);
}
"""
BIASED_MAIN = f"""#include <stdio.h>
#include <stdlib.h>
struct V {{ int n; double *a, *b; }};
void step(struct V *v);
int main(void)
{{
    struct V v = {{{N}, malloc({N} * sizeof(double)), calloc({N}, sizeof(double))}};
    for (int i = 0; i < {N}; i++)
        v.a[i] = i;
    step(&v);
    int bad = 0;
    for (int i = 1; i < {N - 1}; i++)
        bad |= v.b[i] != i;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("this")
    manifest = write_programs(tmp, {
        name: ({"prog.cpp": CLASS.replace("PRAGMA", p).replace("BODY", b)}, ["prog.cpp"])
        for name, (p, b, _) in CASES.items()})
    got = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    out = {r["name"]: r["original"] for r in got["programs"]}
    c = evaluate_dynamic(write_suite(tmp / "c", {"biased": (BIASED, BIASED_MAIN)}), None,
                         runs=1, with_mutations=False)
    out["biased"] = c["programs"][0]["original"]
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_this_is_a_pointer_the_construct_maps(rows, name):
    cause = CASES[name][2]
    row = rows[name]
    if cause is None:
        assert row["status"] == "verified", row["reason"]
        assert row["bytes_h2d"] >= 2 * N * 8 and row["bytes_d2h"] >= (N - 2) * 8, row
    else:
        assert row["status"] == "data" and cause in row["reason"], row


def test_a_members_section_from_one_is_attached_with_its_bias(rows):
    assert rows["biased"]["status"] == "verified", rows["biased"]["reason"]
