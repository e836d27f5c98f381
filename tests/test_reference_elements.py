"""A C++ reference parameter a call of the file binds to an element of the array it passes
for another parameter is that element under a second name ([dcl.ref]p1;
``dataset/offload/passed_alike.element_references``, ``dataset/analysis/pipeline.
_bound_references``).

``scale(a[0], a, n)`` calls ``void scale(const double &s, double *a, int n)``, whose loop
``a[i] = s * a[i]`` reads ``s`` — the element ``a[0]`` iteration 0 writes.  Run in order,
every iteration after the first reads the new ``a[0]``; before, the loop got ``parallel loop
copy(a[0:n])``, whose iterations read ``s`` before or after iteration 0 wrote it.  Now it is a
possible carried dependence (the note names the reference and the array).  A call binding a
separate variable keeps the loop parallel, as does a loop that only reads the array.

Proven on a whole program (g++, the data-environment emulator): the authors' ``parallel loop``
fails, the engines' answers verify.
"""

from __future__ import annotations

import pytest

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine
from tests.test_dynamic import _engine_verified

KERNEL = """void scale(const double &s, double *a, int n)
{
#pragma acc parallel loop copy(a[0:n])
    for (int i = 0; i < n; i++) // L bound
        a[i] = s * a[i];
}

void shift(const double &s, double *b, int n)
{
#pragma acc parallel loop copy(b[0:n])
    for (int i = 0; i < n; i++) // L apart
        b[i] = b[i] + s;
}

double total(const double &w, const double *c, int n)
{
    double t = 0.0;
#pragma acc parallel loop copyin(c[0:n]) reduction(+:t)
    for (int i = 0; i < n; i++) // L reads
        t += w * c[i];
    return t;
}

double run(double *a, double *b, int n)
{
    double k = 0.5;
    scale(a[0], a, n);
    shift(k, b, n);
    return total(a[1], a, n);
}
"""
MAIN = """#include <cstdio>
double run(double *a, double *b, int n);
int main() {
  const int n = 20000; static double a[n], b[n]; long bad = 0;
  for (int i = 0; i < n; i++) { a[i] = 2 + i % 3; b[i] = i % 5; }
  double t = run(a, b, n);
  /* in order: a[0] = 2 * 2, then a[i] = 4 * a[i] (s is the new a[0]) */
  double e = 0;
  for (int i = 0; i < n; i++) {
    bad += a[i] != (i == 0 ? 4.0 : 4.0 * (2 + i % 3));
    bad += b[i] != i % 5 + 0.5;
    e += a[1] * a[i];
  }
  bad += t != e;
  std::puts(bad ? "BAD" : "OK");
  return 0;
}
"""


def _answer(name: str, engine: str):
    """The engine's answer for the marked loop, in its file (pragmas removed)."""
    stripped = "\n".join(ln for ln in KERNEL.splitlines() if not ln.startswith("#pragma"))
    row = next(k for k, ln in enumerate(stripped.splitlines()) if f"// L {name}" in ln)
    return annotate_source(stripped.encode(), get_engine(engine), path="k.cpp", lang="cpp",
                           line=row + 1)[-1]


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_the_reference_to_an_element_is_a_dependence(engine):
    s = _answer("bound", engine)
    notes = " ".join(str(n) for n in s.notes)
    assert "`s` is a reference a call of this file binds to an element of `a`" in notes, notes
    assert s.pragma is None or not s.pragma.startswith("#pragma acc parallel"), s.pragma


@pytest.mark.parametrize("name", ["apart", "reads"])
def test_a_separate_object_or_a_loop_that_only_reads_stays_parallel(name):
    s = _answer(name, "analysis")
    assert s.pragma is not None and s.pragma.startswith("#pragma acc parallel loop"), s
    assert "binds to an element" not in " ".join(str(n) for n in s.notes)


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_the_program_verifies_with_the_engines_answers(tmp_path, engine):
    row = _engine_verified(tmp_path, "refs", {"k.cpp": KERNEL, "main.cpp": MAIN},
                           "a parallel loop reading a reference to an element it writes",
                           engine, ("race", "data"))
    lines = {ln.split("// L ")[1]: k + 1 for k, ln in enumerate(KERNEL.splitlines())
             if "// L " in ln}
    parallel = {p["line"] for p in row["engine"]["pragmas"] if p["parallel"]}
    assert lines["bound"] not in parallel, row["engine"]["pragmas"]
