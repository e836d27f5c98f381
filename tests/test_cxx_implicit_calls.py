"""C++ code that calls functions without naming them: an operator on an object of class type,
the definition of an object whose class declares a constructor, its end of life where the
class declares a destructor (C++ [over.match.oper], [class.ctor], [class.dtor]).

In a compute construct each such call needs a device version as a call by name does (OpenACC
3.3, 2.15.1).  The analysis read only calls by name: ``c[i] = a[i] + a[i]`` with a member
``V::operator+`` got ``parallel loop``, which does not link for a GPU (ptxas: "Unknown
symbol"; the emulator now fails it, tests/test_dynamic_host_only.py).  Now such a function is
named like any callee: one the file defines at file scope (a free operator, a member defined
outside its class) gets its ``#pragma acc routine seq`` line with the loop's pragma; one
defined inside its class, where gcc takes no ``routine`` line, leaves the loop without a
pragma, with a note that says how to give it one."""

from __future__ import annotations

from _offload_util import V_DOUBLED_MAIN, run_programs

from accellium.dataset.offload.routines import routine_sites
from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

SUM = """void run(const V *a, V *c, int n) {
  for (int i = 0; i < n; i++)
    c[i] = a[i] + a[i];
}
"""
KERNELS = {
    "member_operator": "struct V { double x;\n"
                       "  V operator+(const V &o) const { V r; r.x = x + o.x; return r; } };\n"
                       + SUM,
    "free_operator": "struct V { double x; };\n"
                     "V operator+(const V &p, const V &q) { V r; r.x = p.x + q.x; return r; }\n"
                     + SUM,
    "member_out_of_class": "struct V { double x; V operator+(const V &o) const; };\n"
                           "V V::operator+(const V &o) const { V r; r.x = x + o.x; return r; }\n"
                           + SUM,
    "compound_assignment": """struct V { double x; V &operator+=(const V &o) { x += o.x; return *this; } };
void run(const V *a, V *c, int n) {
  for (int i = 0; i < n; i++) {
    c[i] = a[i];
    c[i] += a[i];
  }
}
""",
    "constructor": """struct V { double x; V() : x(0) {} V(double v) : x(v) {} };
void run(const V *a, V *c, int n) {
  for (int i = 0; i < n; i++) {
    V t(2 * a[i].x);
    c[i] = t;
  }
}
""",
    "destructor": """struct V { double x; };
struct W { double x; ~W() { x = -1; } };
void run(const V *a, V *c, int n) {
  for (int i = 0; i < n; i++) {
    W w;
    w.x = 2 * a[i].x;
    c[i].x = w.x;
  }
}
""",
    "scalar_operand": """struct V { double x; };
struct Acc { double s; Acc operator*(double k) const { Acc r; r.s = s * k; return r; } };
void run(const V *a, V *c, int n) {
  Acc one; one.s = 1.0;
  for (int i = 0; i < n; i++) {
    Acc t = one * (2 * a[i].x);
    c[i].x = t.s;
  }
}
""",
    # no call: an aggregate's initialisation and the assignment the compiler defines
    "aggregate": """struct V { double x; };
struct P { double x, y; };
void run(const V *a, V *c, int n) {
  for (int i = 0; i < n; i++) {
    P p = {a[i].x, a[i].x};
    c[i].x = p.x + p.y;
  }
}
""",
}
#: the function each kernel's loop calls without naming it and has no device version for
NO_DEVICE_VERSION = {"member_operator": "V::operator+", "compound_assignment": "V::operator+=",
                     "constructor": "V::V", "destructor": "W::~W",
                     "scalar_operand": "Acc::operator*"}


def _run_loop(src: str):
    """The analysis's suggestion for the loop of ``run``."""
    line = src[:src.index("  for", src.index("void run"))].count("\n") + 1
    got = annotate_source(src.encode(), get_engine("analysis"), path="k.cpp")
    return next(s for s in got if s.line == line)


def test_a_call_without_a_name_and_no_device_version_leaves_the_loop_without_a_pragma():
    for name, callee in NO_DEVICE_VERSION.items():
        loop = _run_loop(KERNELS[name])
        assert loop.pragma is None, (name, loop.pragma)
        assert any(f"the loop calls `{callee}` (called by an operator, a definition or the "
                   "end of life of an object of its class)" in n and
                   "Give it a definition at file or namespace scope, outside any class, "
                   "with `#pragma acc routine seq` above it" in n
                   for n in loop.notes), (name, loop.notes)


def test_an_operator_defined_at_file_scope_gets_its_routine_line():
    for name in ("free_operator", "member_out_of_class"):
        src = KERNELS[name]
        assert _run_loop(src).pragma == \
            "#pragma acc parallel loop copyin(a[0:n]) copyout(c[0:n])", name
        raw = src.encode()
        start = raw.index(b"  for")
        sites = routine_sites(raw, "cpp", start, raw.index(b"}\n", start) + 1)
        assert [row for row, _, _ in sites] == [1], (name, sites)  # the operator's definition
        # in C the same text calls nothing (no operator overloading): no line
        assert routine_sites(raw, "c", start, raw.index(b"}\n", start) + 1) == []


def test_the_answers_and_plans_verify_on_whole_programs(tmp_path):
    """Each kernel with its driver, run in the emulator with the per-loop answers and the
    offload plan (before, every kernel but ``aggregate`` failed there: a function with no
    device version ran in a compute region)."""
    programs = {k: ({"prog.cpp": "#include <cstdio>\n" + v + V_DOUBLED_MAIN}, ["prog.cpp"])
                for k, v in KERNELS.items()}
    rows = run_programs(tmp_path, programs, variants=("engine", "offload"))
    assert set(rows) == set(KERNELS)
