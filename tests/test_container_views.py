"""Two pointers a C++ function takes from one container are one memory under two names
(``dataset/analysis/aliases._bases``: ``x.data()`` points to the first element of ``x``'s
storage, C++ [vector.data]; ``x.data() + k`` k elements further).

Before, a call's result was not followed: ``double *p = v.data(); double *q = v.data() + 1;``
were two memories to the per-loop analysis and to the offload planner, so ``q[i] = p[i] +
1.0`` got ``parallel loop copyin(p[0:n-1]) copyout(q[0:n-1])`` — a race (iteration ``i``
writes ``v[i + 1]``, which iteration ``i + 1`` reads), and two overlapping sections of one
memory, the second partly present (OpenACC 3.3, 2.7.2).  Now the loop is not proved parallel
(the note names both pointers and the container), and the planner keeps a loop reaching that
memory under two names on the host.  Pointers taken from two containers stay two memories.

Whole C++ programs built with g++, run in the data-environment emulator.
"""

from __future__ import annotations

import pytest
from _offload_util import plan_text, run_programs

from accellium.server.annotate import annotate_source
from tests.test_dynamic import _engine_verified

KERNEL = """#include <vector>

void shifted(std::vector<double> &v, int n)
{
    double *p = v.data();
    double *q = v.data() + 1;
#pragma acc parallel loop copyin(p[0:n-1]) copyout(q[0:n-1])
    for (int i = 0; i < n - 1; i++) // L shifted
        q[i] = p[i] + 1.0;
}

void apart(std::vector<double> &v, std::vector<double> &w, int n)
{
    const double *p = v.data();
    double *q = w.data();
#pragma acc parallel loop copyin(p[0:n]) copyout(q[0:n])
    for (int i = 0; i < n; i++) // L apart
        q[i] = 2.0 * p[i];
}
"""
MAIN = """#include <cstdio>
#include <vector>
void shifted(std::vector<double> &v, int n);
void apart(std::vector<double> &v, std::vector<double> &w, int n);
int main() {
  int n = 20000; long bad = 0;
  std::vector<double> v(n, 0.0), w(n, -1.0);
  v[0] = 3.0;
  shifted(v, n);
  for (int i = 0; i < n; i++) bad += v[i] != 3.0 + i;
  apart(v, w, n);
  for (int i = 0; i < n; i++) bad += w[i] != 2.0 * v[i];
  std::puts(bad ? "BAD" : "OK");
  return 0;
}
"""

# the offload planner: a loop writes through one pointer, the next reads the other
TWO_LOOPS = """#include <vector>

void two(std::vector<double> &v, const double *b, double *c, int n)
{
    double *p = v.data() + 1;
    double *q = v.data();
    for (int i = 0; i < n - 1; i++)
        p[i] = 2.0 * b[i];
    for (int i = 0; i < n; i++)
        c[i] = q[i] + b[i];
}
"""
TWO_MAIN = """#include <cstdio>
#include <vector>
void two(std::vector<double> &v, const double *b, double *c, int n);
int main() {
  int n = 4000; long bad = 0;
  std::vector<double> v(n, -1.0), b(n), c(n, 0.0);
  for (int i = 0; i < n; i++) b[i] = i % 13;
  two(v, b.data(), c.data(), n);
  for (int i = 0; i < n; i++) {
    double e = i == 0 ? -1.0 : 2.0 * b[i - 1];
    bad += v[i] != e; bad += c[i] != e + b[i];
  }
  std::puts(bad ? "BAD" : "OK");
  return 0;
}
"""


def _suggestion(name: str, engine):
    stripped = "\n".join(ln for ln in KERNEL.splitlines() if not ln.startswith("#pragma"))
    row = next(k for k, ln in enumerate(stripped.splitlines()) if f"// L {name}" in ln)
    return annotate_source(stripped.encode(), engine, path="k.cpp", lang="cpp",
                           line=row + 1)[-1]


def test_two_pointers_into_one_container_are_not_proved_parallel(engine):
    s = _suggestion("shifted", engine)
    notes = " ".join(s.notes)
    assert s.pragma is None, s.pragma
    assert "`p` may point into `v` (line 5)" in notes, notes
    assert "which the loop also reaches as `q`" in notes, notes


def test_pointers_into_two_containers_stay_parallel(engine):
    s = _suggestion("apart", engine)
    assert s.pragma is not None and "parallel loop" in s.pragma, (s.pragma, s.notes)
    assert "may point into" not in " ".join(s.notes), s.notes


@pytest.mark.parametrize("engine_name", ["analysis", "auto"])
def test_the_program_verifies_with_the_engines_answers(tmp_path, engine_name):
    """The authors' pragma on `shifted` fails in the emulator (overlapping sections of one
    memory: partly present); the engines leave that loop sequential and keep `apart` parallel."""
    eng = _engine_verified(tmp_path, "views", {"k.cpp": KERNEL, "main.cpp": MAIN},
                           "a parallel loop over two pointers into one vector",
                           engine_name, "present-abort")["engine"]
    rows = {ln.split("// L ")[1]: k + 1 for k, ln in enumerate(KERNEL.splitlines())
            if "// L " in ln}
    parallel = {p["line"] for p in eng["pragmas"] if p["parallel"]}
    assert rows["shifted"] not in parallel, eng["pragmas"]
    assert rows["apart"] in parallel, eng["pragmas"]


def test_the_plan_keeps_the_loops_through_either_pointer_home(engine, tmp_path):
    """Before: one region `copyout(p[0:n-1]) copyin(q[0:n])`, the second section partly
    present; neither pointer is the container itself, so both loops stay home."""
    text, plans = plan_text(TWO_LOOPS, engine, path="k.cpp")
    plan = plans["two"]
    assert [h["line"] for h in plan.host_loops] == [7, 9], (plan.host_loops, plan.notes)
    assert "`p` points into `v` (line 5)" in plan.host_loops[0]["why"], plan.host_loops
    assert "`q` points into `v` (line 6)" in plan.host_loops[1]["why"], plan.host_loops
    rows = run_programs(tmp_path, {"two": ({"k.cpp": TWO_LOOPS, "main.cpp": TWO_MAIN},
                                           ["k.cpp"])}, variants=("offload",))
    assert rows["two"]["offload"]["status"] == "verified", rows["two"]
