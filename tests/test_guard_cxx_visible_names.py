"""In a C++ function that is no class's member, a clause may name only what the function and
the file declare (``server/safety_data.visible_names`` with ``LoopFacts.visible``, which a C++
file now gets for such functions: ``dataset/analysis/pipeline._free_function``).

An engine's answer copied from another loop names that loop's variables: ``reduction(+:out)``
or ``copy(v[0:n])`` over ``axpy``'s loop, where neither ``out`` nor ``v`` is declared.  gcc
rejects the pragma ("'out' was not declared in this scope"); before, only a C file's answers
were checked, and the program did not build.  A member function's class members are visible
in it bare, so its clauses stay as they are (a class's members, its bases' among them, are
not indexed).

Proven on a whole C++ program (g++, the data-environment emulator): each answer, guarded, over
every loop of the kernel, builds and verifies.
"""

from __future__ import annotations

import pytest
from _fixed_engine import FixedAnswer
from _offload_util import failing_as_written, write_programs

from accellium.server.annotate import annotate_source, apply_edits

KERNEL = """namespace lin {
double scale = 0.5;
}

void axpy(int n, double a, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

void accum(int n, const double *x, double &out)
{
    for (int i = 0; i < n; i++)
        out += x[i];
}

void halve(int n, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] *= lin::scale;
}
"""
MAIN = """#include <cstdio>
void axpy(int n, double a, const double *x, double *y);
void accum(int n, const double *x, double &out);
void halve(int n, double *y);
int main() {
  const int n = 5000; static double x[n], y[n]; long bad = 0;
  for (int i = 0; i < n; i++) { x[i] = i % 7; y[i] = 1; }
  axpy(n, 2.0, x, y);
  for (int i = 0; i < n; i++) bad += y[i] != 1 + 2.0 * (i % 7);
  double o = 3.0, e = 3.0;
  accum(n, y, o);
  for (int i = 0; i < n; i++) e += y[i];
  bad += o != e;
  halve(n, y);
  for (int i = 0; i < n; i++) bad += y[i] != 0.5 * (1 + 2.0 * (i % 7));
  std::puts(bad ? "BAD" : "OK");
  return 0;
}
"""
ANSWERS = ["#pragma acc parallel loop reduction(+:out)", "#pragma acc parallel loop private(s)",
           "#pragma acc parallel loop copy(v[0:n])", "#pragma acc parallel loop copyin(out)",
           "#pragma acc parallel loop firstprivate(lin::scale)"]


def _guarded(answer: str) -> tuple[str, dict[int, tuple[str | None, str]]]:
    got = annotate_source(KERNEL.encode(), FixedAnswer(answer), path="kernel.cpp")
    text = apply_edits(KERNEL.encode(), got)[0].decode()
    return text, {s.line: (s.pragma, " ".join(str(n) for n in s.notes)) for s in got}


@pytest.mark.parametrize(("answer", "name"), [(ANSWERS[0], "out"), (ANSWERS[2], "v")])
def test_a_name_the_function_does_not_declare_leaves_the_clause(answer, name):
    _, got = _guarded(answer)
    axpy = next(k + 1 for k, ln in enumerate(KERNEL.splitlines()) if "y[i] += a * x[i]" in ln)
    pragma, notes = got[axpy - 1]
    assert pragma is not None and f"{name}" not in pragma.split("copyin")[0], pragma
    assert f"`{name}`: not a variable declared where the pragma goes" in notes, notes


def test_every_guarded_answer_builds_and_verifies(tmp_path):
    programs = {f"a{k}": ({"kernel.cpp": _guarded(a)[0], "main.cpp": MAIN}, ["kernel.cpp"])
                for k, a in enumerate(ANSWERS)}
    failed = failing_as_written(write_programs(tmp_path, programs))
    assert not failed, {ANSWERS[int(k[1:])]: v for k, v in failed.items()}
