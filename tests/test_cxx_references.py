"""C++ references in a loop: another name of the object they are bound to ([dcl.ref]p1).

- A reference parameter written in the loop (``void last(double &r, ...) { ... r = a[i]; }``)
  writes the caller's object, read after the function returns: it is live after the loop, as
  a global is.  Before, the analysis took ``r`` for a parameter dead at the function's end:
  ``parallel loop private(r)``, and the caller got the value ``r`` had before the loop.
- A reference the loop declares and writes through (``double &r = a[i]; r = r + 1;``) writes
  the bound element.  Before, the walk did not read the reference declarator at all (the
  grammar gives it no field): ``r`` was a variable of the enclosing scope and the answer
  ``parallel loop reduction(+:r) copyin(a[0:n])``, which does not compile (``r`` is not
  declared there) and would lose the writes.  Then such a loop carried a dependence naming the
  reference (the binding was not followed); since the forty-seventh session the walk reads
  ``r`` as the element it is bound to (``tests/test_cxx_writes_through_references.py``), so
  the loop gets ``parallel loop copy(a[0:n])``.  One that only reads through its reference
  keeps its parallel pragma, and a reference parameter summed into keeps its reduction.
- A reference the function binds before the loop to memory (``double &first = a[0];``), used
  in a loop that writes memory, reads what the loop may write (here ``a[0]`` at ``i == 0``):
  before, a scalar's value (``parallel loop copy(a[0:n])``, wrong from the second element on);
  now a dependence naming it.  A reference *parameter* is taken for a distinct object, as a
  pointer parameter is (the analysis's assumption for parameters, C and C++ alike).
Whole programs built with g++, run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

PROGRAMS = {
    "ref_param_last": ("""void last(double &r, const double *a, int n)
{
    for (int i = 0; i < n; i++)
        r = a[i];
}
""", "double r = 0; last(r, a, 64); bad = r != 63;"),
    "ref_declared_written": ("""void inc(double *a, int n)
{
    for (int i = 0; i < n; i++) {
        double &r = a[i];
        r = r + 1;
    }
}
""", "inc(a, 64); for (int i = 0; i < 64; i++) bad |= a[i] != i + 1;"),
    "ref_declared_read": ("""void twice(const double *a, double *b, int n)
{
    for (int i = 0; i < n; i++) {
        const double &v = a[i];
        b[i] = 2 * v;
    }
}
""", "double b[64]; twice(a, b, 64); for (int i = 0; i < 64; i++) bad |= b[i] != 2 * i;"),
    # a reference the function binds before the loop to an element the loop writes
    "ref_outer_element": ("""void f(double *a, int n)
{
    double &first = a[0];
    for (int i = 0; i < n; i++)
        a[i] = a[i] + first + 1;
}
""", "f(a, 64); bad = a[0] != 1; for (int i = 1; i < 64; i++) bad |= a[i] != i + 2;"),
    "ref_param_sum": ("""void total(double &s, const double *a, int n)
{
    for (int i = 0; i < n; i++)
        s += a[i];
}
""", "double s = 0; total(s, a, 64); bad = s != 2016;"),
}
#: program -> the answer for its loop (line 3)
ANSWERS = {
    "ref_param_last": None,
    "ref_declared_written": "#pragma acc parallel loop copy(a[0:n])",
    "ref_declared_read": "#pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])",
    "ref_param_sum": "#pragma acc parallel loop reduction(+:s) copyin(a[0:n])",
}
LOOP_LINE = {"ref_outer_element": 4}


def _program(kernel: str, check: str) -> str:
    return kernel + f"""#include <cstdio>
int main()
{{
    double a[64];
    for (int i = 0; i < 64; i++)
        a[i] = i;
    int bad = 0;
    {check}
    std::puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def test_the_answers():
    engine = get_engine("analysis")
    for name, (kernel, _) in PROGRAMS.items():
        got = {s.line: s for s in annotate_source(kernel.encode(), engine, path="k.cpp")}
        line = LOOP_LINE.get(name, 3)
        assert got[line].pragma == ANSWERS.get(name), (name, got[line].pragma, got[line].notes)
    notes = annotate_source(PROGRAMS["ref_declared_written"][0].encode(), engine,
                            path="k.cpp")[0].notes
    assert not any("`r` is a reference bound to" in n for n in notes), notes  # followed
    notes = annotate_source(PROGRAMS["ref_param_last"][0].encode(), engine, path="k.cpp")[0].notes
    assert any("`r` is assigned in the loop (line 4) and read after it" in n for n in notes), notes
    notes = annotate_source(PROGRAMS["ref_outer_element"][0].encode(), engine,
                            path="k.cpp")[0].notes
    assert any("`first` is a reference bound to `a[0]` (line 3)" in n for n in notes), notes


def test_the_programs_verify(tmp_path):
    rows = run_programs(tmp_path, {k: ({"prog.cpp": _program(*v)}, ["prog.cpp"])
                                   for k, v in PROGRAMS.items()},
                        variants=("engine", "offload"))
    assert set(rows) == set(PROGRAMS)
