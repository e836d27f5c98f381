"""The emulator fails a compute construct that runs a function with no device version, whatever
form the call takes.

A function called in a compute region needs a device version (``#pragma acc routine``, OpenACC
3.3, 2.15.1), or the GPU build does not link: gcc names a free function ("referenced in
offloaded code but hasn't been marked"), ptxas a C++ member ("Unknown symbol").  The
emulator's check of the construct's text (``computegen.routine_check``) sees a call written by
the function's name; an overloaded operator, a constructor, a destructor or a call through a
macro calls a function without naming it, and those programs verified.  Now every program
function that is not an ``acc routine`` starts, in the emulation, with a check that fails the
run (as ``compile``) when it runs while a compute region does (``computegen.host_only``)."""

from __future__ import annotations

from _offload_util import V_DOUBLED_MAIN, write_programs

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

PRAGMA = "#pragma acc parallel loop copyin(a[0:n]) copyout(c[0:n])\n"
LOOP = "void run(const V *a, V *c, int n) {\n" + PRAGMA + \
    "  for (int i = 0; i < n; i++)\n    c[i] = a[i] + a[i];\n}\n"
CXX = {
    # no device version: each verified before
    "member_operator": "struct V { double x;\n"
                       "  V operator+(const V &o) const { V r; r.x = x + o.x; return r; } };\n"
                       + LOOP,
    "free_operator": "struct V { double x; };\n"
                     "V operator+(const V &p, const V &q) { V r; r.x = p.x + q.x; return r; }\n"
                     + LOOP,
    "constructor": "struct V { double x; V() : x(0) {} V(double v) : x(v) {} };\n"
                   "void run(const V *a, V *c, int n) {\n" + PRAGMA +
                   "  for (int i = 0; i < n; i++) {\n    V t(2 * a[i].x);\n    c[i] = t;\n  }\n}\n",
    # a device version: `routine seq` above the definition (gcc takes it at file scope only)
    "free_operator_routine": "struct V { double x; };\n#pragma acc routine seq\n"
                             "V operator+(const V &p, const V &q) { V r; r.x = p.x + q.x; "
                             "return r; }\n" + LOOP,
    "member_operator_routine": "struct V { double x; V operator+(const V &o) const; };\n"
                               "#pragma acc routine seq\n"
                               "V V::operator+(const V &o) const { V r; r.x = x + o.x; "
                               "return r; }\n" + LOOP,
}
# C: a function a macro calls, which the construct's text does not name
C_MACRO = """#include <stdio.h>
static double twice(double x) { return 2 * x; }
#define TWICE(x) twice(x)
ROUTINE
void run(const double *a, double *c, int n) {
#pragma acc parallel loop copyin(a[0:n]) copyout(c[0:n])
  for (int i = 0; i < n; i++)
    c[i] = TWICE(a[i]);
}
int main(void) { double a[300], c[300]; int bad = 0; for (int i = 0; i < 300; i++) a[i] = i;
  run(a, c, 300); for (int i = 0; i < 300; i++) bad += c[i] != 2.0 * i;
  puts(bad ? "BAD" : "OK"); return 0; }
"""


def test_a_function_without_device_version_fails_the_construct_that_runs_it(tmp_path):
    programs = {k: ({"prog.cpp": "#include <cstdio>\n" + v + V_DOUBLED_MAIN}, ["prog.cpp"])
                for k, v in CXX.items()}
    programs["macro_call"] = ({"prog.c": C_MACRO.replace("ROUTINE\n", "")}, ["prog.c"])
    programs["macro_call_routine"] = (
        {"prog.c": C_MACRO.replace("ROUTINE\n", "#pragma acc routine(twice) seq\n")}, ["prog.c"])
    res = evaluate_dynamic(write_programs(tmp_path, programs), None, runs=1,
                           with_mutations=False)
    rows = {r["name"]: r["original"] for r in res["programs"]}
    failing = {"member_operator": "operator+", "free_operator": "operator+",
               "constructor": "V", "macro_call": "twice"}
    for name, function in failing.items():
        assert rows[name]["status"] == "compile", (name, rows[name])
        assert f"function '{function}' (line" in rows[name]["reason"], rows[name]
        assert "is not an acc routine" in rows[name]["reason"], rows[name]
    for name in set(rows) - set(failing):
        assert rows[name]["status"] == "verified", (name, rows[name])
