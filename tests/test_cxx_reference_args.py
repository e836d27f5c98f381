"""C++ calls that write their arguments through reference parameters.

A reference parameter is bound to the object its argument designates ([dcl.init.ref]p5): a
callee assigning it assigns the caller's object.  The analysis, the function summaries and the
planner read an element argument (``inc(a[i])``) as a value passed, so ``inc(a[i])`` with
``void inc(double &x)`` got ``parallel loop copyin(a[0:n])`` (the increments never came back),
``inc(s[0])`` in every iteration got ``parallel loop gang vector copyin(s[0:1])`` (a race, and
the sum lost), and a plan with host code ``bump(a[0])`` between two loops did not update the
device copy; ``state(a[i], r, t)`` assigning ``r`` and ``t`` left them shared (a race).
Now a function's use of a reference parameter is a use of its argument's object (a write
where its first statement assigns it: the caller's value is dead there), an lvalue argument bound to a non-const reference is written, and so is one a
reference parameter of the library assigns (``std::swap``), and the planner's reads of host
code and loops say the same (``dataset/analysis/reference_params.py``).  A callee no
declaration of the file shows is still taken to take values."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

MAIN = """
int main() { int n = 500; double *a = new double[n]; double *b = new double[n];
  double s[2] = {0, 0};
  for (int i = 0; i < n; i++) { a[i] = i; b[i] = -i; }
  double r = run(a, b, s, n); int bad = 0;
  CHECK
  std::puts(bad ? "BAD" : "OK"); delete[] a; delete[] b; return 0; }
"""
# name -> (the kernel, the driver's check, the analysis's pragma for its loop: None, none)
KERNELS = {
    "inc_element": ("""void inc(double &x) { x += 1; }
double run(double *a, double *b, double *s, int n) {
  for (int i = 0; i < n; i++)
    inc(a[i]);
  return 0;
}""", "for (int i = 0; i < n; i++) bad += a[i] != i + 1;",
                    "#pragma acc parallel loop copy(a[0:n])"),
    "inc_shared": ("""void inc(double &x) { x += 1; }
double run(double *a, double *b, double *s, int n) {
  for (int i = 0; i < n; i++)
    inc(s[0]);
  return s[0];
}""", "bad += r != n;", None),
    "inc_scalar": ("""void inc(double &x, double v) { x += v; }
double run(double *a, double *b, double *s, int n) {
  double t = 0;
  for (int i = 0; i < n; i++)
    inc(t, a[i]);
  return t;
}""", "bad += r != n * (n - 1) / 2.0;", None),
    "set_out": ("""void set(double &out, double v) { out = 2 * v; }
double run(double *a, double *b, double *s, int n) {
  for (int i = 0; i < n; i++)
    set(b[i], a[i]);
  return 0;
}""", "for (int i = 0; i < n; i++) bad += b[i] != 2.0 * i;",
                "#pragma acc parallel loop copy(b[0:n]) copyin(a[0:n])"),
    "const_reference": ("""double twice(const double &v) { return 2 * v; }
double run(double *a, double *b, double *s, int n) {
  for (int i = 0; i < n; i++)
    b[i] = twice(a[i]);
  return 0;
}""", "for (int i = 0; i < n; i++) bad += b[i] != 2.0 * i;",
                        "#pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])"),
    "swap_pair": ("""void swp(double &x, double &y) { double t = x; x = y; y = t; }
double run(double *a, double *b, double *s, int n) {
  for (int i = 0; i < n; i++)
    swp(a[i], b[i]);
  return 0;
}""", "for (int i = 0; i < n; i++) bad += a[i] != -i || b[i] != i;",
                  "#pragma acc parallel loop copy(a[0:n], b[0:n])"),
    "library_swap": ("""#include <utility>
double run(double *a, double *b, double *s, int n) {
  for (int i = 0; i < n; i++)
    std::swap(a[i], b[i]);
  return 0;
}""", "for (int i = 0; i < n; i++) bad += a[i] != -i || b[i] != i;",
                     "#pragma acc parallel loop copy(a[0:n], b[0:n])"),
    # the callee assigns its reference parameters before reading them: each iteration's
    # own values (private), dead at the call after the loop
    "out_parameters": ("""void state(double z, double &r, double &t) { t = 300.0; r = z / t; }
double run(double *a, double *b, double *s, int n) {
  double r, t;
  for (int i = 0; i < n; i++) {
    state(a[i], r, t);
    b[i] = r * t;
  }
  state(1.0, r, t);
  return r;
}""", "for (int i = 0; i < n; i++) bad += (b[i] - i) * (b[i] - i) > 1e-18;",
                       "#pragma acc parallel loop private(r, t) copyin(a[0:n]) copyout(b[0:n])"),
    # the callee assigns one member: the rest of the object keeps the value from before
    "partial_member": ("""struct P3 { double x, y; };
void setx(P3 &p, double v) { p.x = v; }
double run(double *a, double *b, double *s, int n) {
  P3 q;
  q.y = 5;
  for (int i = 0; i < n; i++) {
    setx(q, a[i]);
    b[i] = q.x + q.y;
  }
  return 0;
}""", "for (int i = 0; i < n; i++) bad += b[i] != i + 5;", None),
    "passed_on": ("""void inc(double &x) { x += 1; }
void inc2(double &y) { inc(y); inc(y); }
double run(double *a, double *b, double *s, int n) {
  for (int i = 0; i < n; i++)
    inc2(a[i]);
  return 0;
}""", "for (int i = 0; i < n; i++) bad += a[i] != i + 2;",
                  "#pragma acc parallel loop copy(a[0:n])"),
    "neighbour": ("""void add(double &x, const double &y) { x += y; }
double run(double *a, double *b, double *s, int n) {
  for (int i = 1; i < n; i++)
    add(a[i], a[i - 1]);
  return 0;
}""", "for (int i = 0; i < n; i++) bad += a[i] != i * (i + 1) / 2.0;", None),
}
# host code between two offloaded loops writes an element through a reference; a call
# halves the size the second loop runs to
PLANS = {
    "host_between": """#include <cstdio>
void bump(double &x) { x += 100; }
void run(double *a, double *b, int n) {
  for (int i = 0; i < n; i++)
    a[i] = 2 * i;
  bump(a[0]);
  for (int i = 0; i < n; i++)
    b[i] = a[i] + 1;
}
int main() { int n = 400; double *a = new double[n], *b = new double[n];
  run(a, b, n); int bad = b[0] != 101;
  for (int i = 1; i < n; i++) bad += b[i] != 2.0 * i + 1;
  std::puts(bad ? "BAD" : "OK"); return 0; }
""",
    "size_changed": """#include <cstdio>
void half(int &m) { m = m / 2; }
void run(double *a, double *b, int n) {
  for (int i = 0; i < n; i++)
    a[i] = i;
  half(n);
  for (int i = 0; i < n; i++)
    b[i] = a[i] + a[i + n];
}
int main() { int n = 400; double *a = new double[n], *b = new double[n];
  for (int i = 0; i < n; i++) b[i] = -1;
  run(a, b, n); int bad = 0;
  for (int i = 0; i < n / 2; i++) bad += b[i] != 2.0 * i + n / 2;
  for (int i = n / 2; i < n; i++) bad += b[i] != -1;
  std::puts(bad ? "BAD" : "OK"); return 0; }
""",
}


def _source(name: str) -> str:
    kernel, check, _ = KERNELS[name]
    return "#include <cstdio>\n" + kernel + MAIN.replace("CHECK", check)


def test_the_loop_over_a_reference_argument_gets_the_pragma_its_writes_need():
    for name, (kernel, _, want) in KERNELS.items():
        src = _source(name)
        line = src[:src.index("  for", src.index("double run"))].count("\n") + 1
        got = annotate_source(src.encode(), get_engine("analysis"), path="k.cpp")
        loop = next(s for s in got if s.line == line)
        assert loop.pragma == want, (name, loop.pragma, loop.notes)
        del kernel


def test_the_answers_and_plans_verify_on_whole_programs(tmp_path):
    """Before, seven of the first eight kernels (all but ``const_reference``) failed in the
    emulator (results lost or raced) and both plans did (a stale device element; a section
    past its array); `std::swap`'s loop got no pragma."""
    programs = {k: ({"prog.cpp": _source(k)}, ["prog.cpp"]) for k in KERNELS}
    programs.update({k: ({"prog.cpp": v}, ["prog.cpp"]) for k, v in PLANS.items()})
    rows = run_programs(tmp_path, programs, variants=("engine", "offload"))
    assert set(rows) == set(programs)


def test_host_code_writing_through_a_reference_updates_the_device_copy():
    from _offload_util import plan_text

    text, plans = plan_text(PLANS["host_between"], get_engine("analysis"), path="k.cpp",
                            function="run")
    lines = [ln.strip() for ln in text.splitlines()]
    at = lines.index("bump(a[0]);")
    assert lines[at - 1] == "#pragma acc update self(a[0:1])", lines
    assert lines[at + 1] == "#pragma acc update device(a[0:1])", lines
