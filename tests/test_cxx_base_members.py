"""A base class's data members are members of the derived class (C++ [class.derived]p2): a
member function of the derived class names them bare, and they are ``this->m`` as its own are
([class.mfct.non-static]p2).  Before, only the class's own member list was read: ``a`` of the
base stayed a variable — the per-loop answer ``copyin(this[0:1], a[0:n])`` (which gcc happens
to read through ``this``) and no plan ("cannot tell the type of `a`").  Now the bases the file,
or a header it includes, defines are read with the class (``classes.with_bases``): the answers
and the plans name ``this->a``; a base that is a template parameter adds nothing.  Whole
programs built with g++, run in the data-environment emulator."""

from __future__ import annotations

from pathlib import Path

from _offload_util import acc_lines, run_programs

from accellium.dataset.includes import read_includes
from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

N = 64
BASE = """class Base {
public:
    int n;
    double *a;
    Base(int n) : n(n), a(new double[n]) {
        for (int i = 0; i < n; i++) a[i] = i;
    }
};
"""
DERIVED = "#include <cstdio>\n" + BASE + f"""class Derived : public Base {{
public:
    double *b;
    Derived(int n) : Base(n), b(new double[n]) {{}}
    void step() {{
        for (int i = 0; i < n; i++)
            b[i] = 2 * a[i];
        for (int i = 0; i < n; i++)
            a[i] = b[i] + 1;
    }}
}};
int main()
{{
    Derived d({N});
    d.step();
    int bad = 0;
    for (int i = 0; i < {N}; i++) bad |= d.a[i] != 2 * i + 1 || d.b[i] != 2 * i;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
# the base in one header, the derived class in another that includes it, the member function
# defined in its own file
HEADERS = {"base.h": "#pragma once\n" + BASE, "d.h": """#pragma once
#include "base.h"
struct D : Base {
    double *b;
    D(int n) : Base(n), b(new double[n]) {}
    void step();
};
""", "d.cpp": """#include "d.h"
void D::step()
{
    for (int i = 1; i < n - 1; i++)
        b[i] = a[i - 1] + a[i + 1];
    for (int i = 1; i < n - 1; i++)
        a[i] = b[i];
}
""", "main.cpp": f"""#include <cstdio>
#include "d.h"
int main()
{{
    D d({N});
    d.step();
    int bad = 0;
    for (int i = 1; i < {N - 1}; i++) bad |= d.a[i] != 2 * i;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}}
"""}
TEMPLATE_BASE = """template <class T> struct TD : T {
    double *c;
    void go() {
        for (int i = 0; i < this->n; i++)
            c[i] = this->a[i];
    }
};
"""


def test_the_answers_and_the_plan_name_the_base_members_through_this():
    engine = get_engine("analysis")
    got = {s.line: s.pragma for s in annotate_source(DERIVED.encode(), engine, path="d.cpp")}
    loop = DERIVED.splitlines().index("            b[i] = 2 * a[i];")  # the 1-based line above
    assert got[loop] == ("#pragma acc parallel loop copyin(this[0:1], this->a[0:this->n]) "
                       "copy(this->b[0:this->n])")
    plans = offload_source(DERIVED.encode(), engine, path="d.cpp", function="step")
    assert acc_lines(apply_plans(DERIVED.encode(), plans).decode())[0] == \
        "#pragma acc data copyin(this[0:1]) copy(this->a[0:this->n]) copyout(this->b[0:this->n])"


def test_a_base_in_a_header_is_read(tmp_path: Path):
    for name, body in HEADERS.items():
        (tmp_path / name).write_text(body)
    src = (tmp_path / "d.cpp").read_bytes()
    inc = read_includes(src, tmp_path / "d.cpp", "cpp")
    engine = get_engine("analysis")
    got = {s.line: s.pragma for s in annotate_source(src, engine, path=str(tmp_path / "d.cpp"),
                                                      includes=inc)}
    assert got[4] == ("#pragma acc parallel loop copyin(this[0:1], this->a[0:this->n]) "
                      "copy(this->b[1:this->n-2])")
    plans = offload_source(src, engine, path=str(tmp_path / "d.cpp"), includes=inc)
    assert plans[0].loops and len(plans[0].loops) == 2, plans[0].host_loops


def test_a_template_parameter_base_adds_nothing():
    plans = offload_source(TEMPLATE_BASE.encode(), get_engine("analysis"), path="t.cpp")
    assert not plans[0].loops
    assert "this->a" in plans[0].host_loops[0]["why"]


def test_the_programs_verify(tmp_path):
    rows = run_programs(tmp_path, {"derived": ({"prog.cpp": DERIVED}, ["prog.cpp"]),
                                   "derived_header": (HEADERS, ["d.cpp"])},
                        variants=("engine", "per_loop_clauses", "offload"))
    for name, row in rows.items():
        moved = {v: row[v]["bytes_h2d"] + row[v]["bytes_d2h"]
                 for v in ("per_loop_clauses", "offload")}
        assert 0 < moved["offload"] < moved["per_loop_clauses"], (name, moved)
