"""A base class's data members are members of the derived class (C++ [class.derived]p2): a
member function of the derived class names them bare, and they are ``this->m`` as its own are
([class.mfct.non-static]p2).  Before the thirty-third session only the class's own member list
was read: ``a`` of the base stayed a variable.  Now the bases the file, or a header it
includes, defines are read with the class (``classes.with_bases``); a base that is a template
parameter adds nothing.

A base's member cannot be a clause item, though: g++ 12 rejects ``copy(this->a[0:n])`` (and
``copy(a[0:n])``, ``Base::a``) in a member function of the derived class ("cannot take the
address of 'this', which is an rvalue expression"), and without the clause the device
dereferences the host's pointer.  The answers were ``parallel loop copyin(this[0:1],
this->a[0:this->n]) ...`` and the plans ``data ... copy(this->a[...])``, which the emulator
ran and g++ did not build (the dynamic evaluation now compiles what a tool wrote with gcc's
OpenACC compiler, ``build.openacc_rejected``).  Now such a loop gets no pragma and a note
(``server/safety._inherited_items``); the class's own members and a base member in a
section's bound (``this->n``) are unaffected.  Whole programs built with g++, run in the
data-environment emulator."""

from __future__ import annotations

from pathlib import Path

from _offload_util import run_programs

from accellium.dataset.includes import read_includes
from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine
from accellium.server.offload import offload_source

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


def test_a_loop_that_maps_a_base_member_gets_no_pragma_and_the_reason():
    engine = get_engine("analysis")
    got = {s.line: s for s in annotate_source(DERIVED.encode(), engine, path="d.cpp")}
    loop = DERIVED.splitlines().index("            b[i] = 2 * a[i];")  # the 1-based line above
    assert got[loop].pragma is None
    assert any("`this->a`: a member of a base class in a clause" in str(n)
               for n in got[loop].notes), got[loop].notes
    own = DERIVED.splitlines().index("        for (int i = 0; i < n; i++) a[i] = i;")
    assert got[own + 1].pragma is not None  # Base's own constructor: its own member
    plans = offload_source(DERIVED.encode(), engine, path="d.cpp", function="step")
    assert not plans[0].loops, plans[0].loops
    assert any("base class" in h["why"] for h in plans[0].host_loops), plans[0].host_loops


def test_a_base_in_a_header_is_read(tmp_path: Path):
    for name, body in HEADERS.items():
        (tmp_path / name).write_text(body)
    src = (tmp_path / "d.cpp").read_bytes()
    inc = read_includes(src, tmp_path / "d.cpp", "cpp")
    engine = get_engine("analysis")
    got = {s.line: s.pragma for s in annotate_source(src, engine, path=str(tmp_path / "d.cpp"),
                                                      includes=inc)}
    assert got[4] is None  # `a` is the header's base's member: read as `this->a`
    plans = offload_source(src, engine, path=str(tmp_path / "d.cpp"), includes=inc)
    assert not plans[0].loops and all("`this->a`" in h["why"] for h in plans[0].host_loops), \
        plans[0].host_loops


def test_a_template_parameter_base_adds_nothing():
    plans = offload_source(TEMPLATE_BASE.encode(), get_engine("analysis"), path="t.cpp")
    assert not plans[0].loops
    assert "this->a" in plans[0].host_loops[0]["why"]


def test_the_programs_build_and_verify(tmp_path):
    # each variant a tool wrote is compiled with g++ -fopenacc before it runs
    rows = run_programs(tmp_path, {"derived": ({"prog.cpp": DERIVED}, ["prog.cpp"]),
                                   "derived_header": (HEADERS, ["d.cpp"])},
                        variants=("engine", "per_loop_clauses", "offload"))
    assert set(rows) == {"derived", "derived_header"}
