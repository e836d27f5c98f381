"""C++ calls written with a qualified name need a device version as any call does.

``util::sq(x)``, ``K::twice(x)`` and ``::cube(x)`` name the function through its namespace
or class ([basic.lookup.qual]); the check that every function a compute construct calls has
a device version (OpenACC 3.3, 2.15.1) read only plain names, so each got ``parallel loop``
and no ``#pragma acc routine seq`` line — a GPU build that does not link (gcc: "referenced
in offloaded code but hasn't been marked").  Now such a call is followed as a plain one: a
function of a namespace of the file gets its line above its definition there (gcc takes
it), one of the global namespace above its own; a static member defined in its class body
(where gcc takes no such line) or a function defined elsewhere keeps the loop on the host
with a note."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

MAIN = """
int main() { int n = 300; double *a = new double[n], *b = new double[n];
  for (int i = 0; i < n; i++) a[i] = i;
  run(a, b, n); int bad = 0;
  for (int i = 0; i < n; i++) bad += b[i] != 2.0 * i * i;
  std::puts(bad ? "BAD" : "OK"); delete[] a; delete[] b; return 0; }
"""
KERNELS = {
    "namespace": """namespace util {
double sq2(double x) { return 2 * x * x; }
}
void run(const double *a, double *b, int n) {
  for (int i = 0; i < n; i++)
    b[i] = util::sq2(a[i]);
}""",
    "global_namespace": """double sq2(double x) { return 2 * x * x; }
void run(const double *a, double *b, int n) {
  for (int i = 0; i < n; i++)
    b[i] = ::sq2(a[i]);
}""",
    "static_member": """struct K { static double sq2(double x) { return 2 * x * x; } };
void run(const double *a, double *b, int n) {
  for (int i = 0; i < n; i++)
    b[i] = K::sq2(a[i]);
}""",
}
ELSEWHERE = """namespace util { double sq2(double x); }
void run(const double *a, double *b, int n) {
  for (int i = 0; i < n; i++)
    b[i] = util::sq2(a[i]);
}
"""


def _loop(src: str):
    line = src[:src.index("  for", src.index("void run"))].count("\n") + 1
    got = annotate_source(src.encode(), get_engine("analysis"), path="k.cpp")
    return next(s for s in got if s.line == line)


def test_a_qualified_call_of_a_function_with_no_device_version_leaves_the_loop_alone():
    for src, callee in ((KERNELS["static_member"], "K::sq2"), (ELSEWHERE, "util::sq2")):
        loop = _loop(src)
        assert loop.pragma is None, (callee, loop.pragma)
        assert any(f"the loop calls `{callee}` (line 4), which has no device version here" in n
                   and "Give it a definition at file or namespace scope" in n
                   for n in loop.notes), (callee, loop.notes)


def test_a_namespace_function_gets_its_routine_line_where_it_is_defined(tmp_path):
    """The answers and plans verify on whole programs (before, the emulator failed the
    first two: a function that is not an acc routine ran in a compute region)."""
    for name in ("namespace", "global_namespace"):
        assert _loop(KERNELS[name]).pragma == \
            "#pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])", name
    programs = {k: ({"prog.cpp": "#include <cstdio>\n" + v + MAIN}, ["prog.cpp"])
                for k, v in KERNELS.items()}
    rows = run_programs(tmp_path, programs, variants=("engine", "offload"))
    assert set(rows) == set(KERNELS)


def test_the_routine_line_goes_inside_the_namespace():
    from _offload_util import plan_text

    text, _ = plan_text(KERNELS["namespace"], get_engine("analysis"), path="k.cpp",
                        function="run")
    lines = text.splitlines()
    assert lines[:3] == ["namespace util {", "#pragma acc routine seq",
                         "double sq2(double x) { return 2 * x * x; }"], lines
