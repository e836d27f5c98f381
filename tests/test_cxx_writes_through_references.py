"""Writes through a C++ reference a loop declares (``double &r = a[i]; r = ...;``,
``P &p = ps[i]; p.x += ...;``): a reference is another name of the object it is bound to
([dcl.ref]p1), so what is assigned through it is assigned to that element.

Before, the analysis followed a member write through such a reference but not a write of the
reference itself: the loop got no pragma of its own (a carried dependence "not followed"),
while an engine's ``kernels`` answer (which leaves parallelism to the compiler) was completed
with ``copyin(a[0:n])`` — the loop's results stayed on the device.  The offload planner read
``ps[i]`` in ``P &p = ps[i]`` as a read only, and its region mapped ``ps`` ``copyin``.  A
structured binding (``auto &[x, y] = pts[i]``), whose names the walk does not follow, likewise
left ``pts`` read-only.

Now the walk reads ``r`` as the element it is bound to (``dataset/analysis/walker``), the
planner counts an element bound to a reference to non-const as written
(``reference_params.bound_to_writable_reference``), and a binding the walk does not follow
makes its element read and written.  Proven on a whole program (g++, the data-environment
emulator): the per-loop answers and the plan verify; each failed before.
"""

from __future__ import annotations

import subprocess

from _fixed_engine import FixedAnswer
from _offload_util import failing_as_written, run_programs, write_programs

from accellium.server.annotate import annotate_source, apply_edits

KERNEL = """struct P { double x, y, vx, vy; };

void relax(double *a, const double *b, int n, double w)
{
    for (int i = 0; i < n; ++i) { // L relax
        double &r = a[i];
        r = (1.0 - w) * r + w * b[i];
    }
}

void scale_rows(double *m, int rows, int cols)
{
    for (int i = 0; i < rows; ++i) // L rows
        for (int j = 0; j < cols; ++j) {
            auto &e = m[i * cols + j];
            e *= 2.0;
        }
}

void push(P *ps, int n, double dt)
{
    for (int i = 0; i < n; ++i) { // L push
        P &p = ps[i];
        p.x += dt * p.vx;
        p.y += dt * p.vy;
    }
}

double first_sum(double *a, const double *b, int n)
{
    for (int i = 0; i < n; ++i) { // L first
        double &r = a[0];
        r += b[i];
    }
    return a[0];
}
"""
MAIN = """#include <cstdio>
struct P { double x, y, vx, vy; };
void relax(double *a, const double *b, int n, double w);
void scale_rows(double *m, int rows, int cols);
void push(P *ps, int n, double dt);
double first_sum(double *a, const double *b, int n);
int main() {
  const int n = 6000, rows = 60, cols = 100; long bad = 0;
  static double a[n], b[n], m[rows * cols]; static P ps[n];
  for (int i = 0; i < n; i++) { a[i] = i % 7; b[i] = i % 5; ps[i] = {1.0 * i, 2.0, 1.0, -1.0}; }
  for (int i = 0; i < rows * cols; i++) m[i] = i % 11;
  relax(a, b, n, 0.5);
  for (int i = 0; i < n; i++) bad += a[i] != 0.5 * (i % 7) + 0.5 * (i % 5);
  scale_rows(m, rows, cols);
  for (int i = 0; i < rows * cols; i++) bad += m[i] != 2.0 * (i % 11);
  push(ps, n, 0.5);
  for (int i = 0; i < n; i++) bad += ps[i].x != i + 0.5 || ps[i].y != 1.5;
  for (int i = 0; i < n; i++) a[i] = 1.0;
  double s = first_sum(a, b, n), e = 1.0;
  for (int i = 0; i < n; i++) e += i % 5;
  bad += s != e;
  if (bad) std::printf("BAD %ld\\n", bad); else std::puts("OK");
  return 0;
}
"""
BINDING = """struct Q { double x, y; };
void reflect(Q *qs, int n)
{
    for (int i = 0; i < n; ++i) {
        auto &[x, y] = qs[i];
        double t = x;
        x = y;
        y = t;
    }
}
"""


def _lines(src: str) -> dict[str, int]:
    return {ln.split("// L ")[1]: k + 1 for k, ln in enumerate(src.splitlines()) if "// L " in ln}


def test_the_analysis_reads_a_write_through_the_reference_as_the_elements():
    from accellium.server.engines import get_engine

    got = {s.line: s for s in annotate_source(KERNEL.encode(), get_engine("analysis", train=()),
                                               path="kernel.cpp")}
    at = _lines(KERNEL)
    assert got[at["relax"]].pragma == "#pragma acc parallel loop copy(a[0:n]) copyin(b[0:n])"
    assert got[at["push"]].pragma == "#pragma acc parallel loop copy(ps[0:n])"
    assert (got[at["rows"]].pragma or "").startswith("#pragma acc parallel loop")
    assert "copy(m[" in (got[at["rows"]].pragma or "")
    # every iteration writes a[0] through `r`: not parallel (one location, no reduction clause)
    assert got[at["first"]].pragma is None
    assert any("`r`" in str(n) or "a[0]" in str(n) for n in got[at["first"]].notes)


def test_per_loop_answers_and_the_plan_verify(tmp_path):
    run_programs(tmp_path, {"refs": ({"kernel.cpp": KERNEL, "main.cpp": MAIN}, ["kernel.cpp"])},
                 variants=("engine", "offload", "per_loop_clauses"))


def test_a_kernels_answer_copies_the_elements_back(tmp_path):
    """An engine's `kernels` (the compiler decides) over each loop: the data clauses name the
    arrays written through references in `copy`, and the program verifies."""
    got = annotate_source(KERNEL.encode(), FixedAnswer("#pragma acc kernels"), path="kernel.cpp")
    by_line = {s.line: s.pragma for s in got}
    at = _lines(KERNEL)
    assert by_line[at["relax"]] == "#pragma acc kernels copyin(b[0:n]) copy(a[0:n])"
    assert by_line[at["push"]] == "#pragma acc kernels copy(ps[0:n])"
    text, _ = apply_edits(KERNEL.encode(), got)
    manifest = write_programs(tmp_path, {"k": ({"kernel.cpp": text.decode(), "main.cpp": MAIN},
                                               ["kernel.cpp"])})
    assert not failing_as_written(manifest)


def test_a_structured_binding_makes_its_element_written(tmp_path):
    """Its names are not followed (the loop keeps no pragma of its own), but an answer that
    leaves the loop to the compiler must copy the elements back; g++ builds it."""
    got = annotate_source(BINDING.encode(), FixedAnswer("#pragma acc kernels"), path="k.cpp")
    assert [s.pragma for s in got] == ["#pragma acc kernels copy(qs[0:n])"]
    text, _ = apply_edits(BINDING.encode(), got)
    src = tmp_path / "k.cpp"
    src.write_text(text.decode())
    out = subprocess.run(["g++", "-fopenacc", "-c", str(src), "-o", str(tmp_path / "k.o")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-800:]
