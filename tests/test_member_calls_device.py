"""A loop that calls a member of an object (``v.data()``, ``s->f(x)``) takes no compute
construct when the file gives that callee no device version.

A compute construct needs a device version of every procedure it calls (OpenACC 3.3,
2.15.1); a C++ member function of a class the file does not define (a library container's
``data()``) or the function a structure's pointer holds cannot get one from a ``#pragma acc
routine`` line of the file.  The guard refused such free functions but read only calls by name:
``g[i] = v.data()[i] * 2`` got ``parallel loop copy(g)`` — a call with no device version,
returning the vector's host address to the device.  Now the call is named in the same note
and the loop gets no pragma, as for a free function defined elsewhere."""

from __future__ import annotations

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

VECTOR = """#include <vector>
double g[64];
void fill(std::vector<double> &v)
{
    for (int i = 0; i < 64; i++)
        g[i] = v.data()[i] * 2;
}
"""
POINTER = """struct op { double (*f)(double); };
void apply(const struct op *o, const double *x, double *y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = o->f(x[i]);
}
"""
PLAIN = """#include <vector>
void fill(std::vector<double> &v, double *g)
{
    double *p = v.data();
    for (int i = 0; i < 64; i++)
        g[i] = p[i] * 2;
}
"""


def _loop(src: str, path: str):
    got = annotate_source(src.encode(), get_engine("analysis"), path=path)
    return [s for s in got if s.pragma is not None or s.notes][0]


def test_a_library_member_call_leaves_the_loop_without_a_pragma():
    s = _loop(VECTOR, "k.cpp")
    assert s.pragma is None
    assert any("the loop calls `v.data` (line 6), which has no device version here" in n
               and "Take what the member gives" in n for n in s.notes), s.notes


def test_a_function_pointer_member_call_leaves_the_loop_without_a_pragma():
    s = _loop(POINTER, "k.c")
    assert s.pragma is None
    assert any("the loop calls `o->f` (line 5), which has no device version here" in n
               for n in s.notes), s.notes


def test_the_pointer_taken_before_the_loop_keeps_its_pragma():
    s = _loop(PLAIN, "k.cpp")
    assert s.pragma == "#pragma acc parallel loop copyin(p[0:64]) copyout(g[0:64])", s.notes


def test_the_emulator_fails_a_construct_that_calls_a_member(tmp_path):
    """The dynamic evaluation's emulator fails such a construct as a GPU build does (a call
    with no device version: `evaluation/dynamic/computegen.routine_check`); before, both
    programs below verified.  The analysis's answers for them (no pragma) verify."""
    from _offload_util import run_programs, write_programs

    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    vec = VECTOR.replace("    for (int i", "    #pragma acc parallel loop copy(g)\n    for (int i") + \
        """#include <cstdio>
int main() { std::vector<double> v(64); for (int i = 0; i < 64; i++) v[i] = i; fill(v);
  int bad = 0; for (int i = 0; i < 64; i++) bad |= g[i] != 2 * i; std::puts(bad ? "BAD" : "OK");
  return 0; }
"""
    ptr = POINTER.replace("    for (int i", "    #pragma acc parallel loop copyin(o[0:1], x[0:n]) "
                          "copyout(y[0:n])\n    for (int i") + """#include <stdio.h>
static double twice(double x) { return 2 * x; }
int main(void) { struct op o = {twice}; double x[64], y[64]; for (int i = 0; i < 64; i++) x[i] = i;
  apply(&o, x, y, 64); int bad = 0; for (int i = 0; i < 64; i++) bad |= y[i] != 2 * i;
  puts(bad ? "BAD" : "OK"); return 0; }
"""
    programs = {"vec": ({"prog.cpp": vec}, ["prog.cpp"]), "ptr": ({"prog.c": ptr}, ["prog.c"])}
    res = evaluate_dynamic(write_programs(tmp_path / "a", programs, wrong=set(programs)), None,
                           runs=1, with_mutations=False)
    for r in res["programs"]:
        assert r["original"]["status"] == "compile", r["original"]
        assert "no acc routine gives it a device version" in r["original"]["reason"]
    rows = run_programs(tmp_path / "b", programs, variants=("engine",))
    assert set(rows) == set(programs)
