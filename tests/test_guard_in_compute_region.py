"""Answers for a loop inside a compute construct, whatever engine gave them (a model writes what
similar loops write; retrieval copies another loop's pragma): ``server/safety_directive.
in_compute_region`` and ``server/safety._shared_among_gangs``.

Before, each answer below came back from the guard unchanged over the loops of ``KERNEL`` — a
loop inside a ``parallel loop``, a ``parallel`` block, a ``kernels`` block, a ``kernels loop``
— and the program did not build or printed wrong results:

* a compute construct (``parallel loop``, ``kernels loop``, ``kernels``, ``serial loop``,
  ``serial``) or a ``data`` construct inside a compute construct: gcc rejects the program
  ("'kernels' construct inside of 'parallel' region", "OpenACC construct inside of
  non-OpenACC region");
* ``loop seq``, ``loop vector``, ``loop worker`` on an independent loop directly in a
  ``parallel`` block, where no loop shares the work out among the gangs: every gang runs every
  iteration (``a[i] *= 2`` applied once per gang).

The data-environment emulator treated a nested compute construct as its body, so a suite run
verified what gcc does not build; it now fails the build (``evaluation/dynamic/translate``).

Proven on a whole program: each answer, guarded, on one loop at a time (the other loops with
their own pragmas), built with gcc -fopenacc and run in the emulator, verifies.
"""

from __future__ import annotations

import pytest
from _fixed_engine import FixedAnswer
from _offload_util import failing_as_written, gcc_compile, write_suite

from accellium.server.annotate import annotate_source

# ``@tN`` stands for loop tN's own pragma (REF), or for nothing on the loop under test
KERNEL = """void r1(int n, int m, double *a, const double *b)
{
#pragma acc parallel loop copy(a[0:n*m]) copyin(b[0:n*m])
    for (int i = 0; i < n; i++) {
@t1
        for (int j = 0; j < m; j++) /* t1 */
            a[i * m + j] += b[i * m + j];
    }
}
void r2(int n, double *a)
{
#pragma acc parallel copy(a[0:n])
    {
@t2
        for (int i = 0; i < n; i++) /* t2 */
            a[i] = a[i] * 2.0;
    }
}
void r3(int n, double *a, double *c)
{
#pragma acc kernels copy(a[0:n], c[0:n])
    {
@t3
        for (int i = 0; i < n; i++) /* t3 */
            a[i] = a[i] + 3.0;
@t4
        for (int i = 1; i < n; i++) /* t4 */
            c[i] = c[i - 1] + 1.0;
    }
}
double r4(int n, int m, const double *b)
{
    double t = 0.0;
#pragma acc parallel loop reduction(+:t) copyin(b[0:n*m])
    for (int i = 0; i < n; i++) {
        double s = 0.0;
@t5
        for (int j = 0; j < m; j++) /* t5 */
            s += b[i * m + j];
        t += s;
    }
    return t;
}
void r5(int n, int m, double *a)
{
#pragma acc kernels loop copy(a[0:n*m])
    for (int i = 0; i < n; i++) {
@t6
        for (int j = 0; j < m; j++) /* t6 */
            a[i * m + j] = 2.0 * a[i * m + j];
    }
}
"""
REF = {"t1": "#pragma acc loop", "t2": "#pragma acc loop", "t3": "#pragma acc loop",
       "t4": "#pragma acc loop seq", "t5": "#pragma acc loop reduction(+:s)",
       "t6": "#pragma acc loop"}
MAIN = """#include <stdio.h>
#include <stdlib.h>
void r1(int n, int m, double *a, const double *b);
void r2(int n, double *a);
void r3(int n, double *a, double *c);
double r4(int n, int m, const double *b);
void r5(int n, int m, double *a);
int main(void) {
  int n = 500, m = 30; long bad = 0;
  double *a = malloc(n * m * 8), *b = malloc(n * m * 8), *c = malloc(n * m * 8);
  for (int i = 0; i < n * m; i++) { a[i] = 1; b[i] = i % 5; }
  r1(n, m, a, b); for (int i = 0; i < n * m; i++) bad += a[i] != 1 + i % 5;
  for (int i = 0; i < n; i++) a[i] = i;
  r2(n, a); for (int i = 0; i < n; i++) bad += a[i] != 2.0 * i;
  for (int i = 0; i < n; i++) { a[i] = i; c[i] = 0; }
  r3(n, a, c); for (int i = 0; i < n; i++) bad += a[i] != i + 3.0 || c[i] != i;
  double t = r4(n, m, b), e = 0; for (int i = 0; i < n * m; i++) e += i % 5; bad += t != e;
  for (int i = 0; i < n * m; i++) a[i] = i;
  r5(n, m, a); for (int i = 0; i < n * m; i++) bad += a[i] != 2.0 * i;
  if (bad) printf("BAD %ld\\n", bad); else puts("OK");
  return 0;
}
"""
ANSWERS = ["#pragma acc parallel loop", "#pragma acc kernels loop independent",
           "#pragma acc kernels", "#pragma acc serial loop", "#pragma acc serial",
           "#pragma acc parallel loop gang vector copy(a[0:n])", "#pragma acc data copy(a[0:n])",
           "#pragma acc loop seq", "#pragma acc loop vector", "#pragma acc loop worker"]


def _kernel(target: str | None) -> str:
    """KERNEL with every loop's own pragma but ``target``'s."""
    out = []
    for line in KERNEL.splitlines():
        if line.startswith("@"):
            if line[1:] != target:
                out.append(REF[line[1:]])
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _answered(answer: str, target: str) -> tuple[str, str | None, str]:
    """The kernel with ``answer``, guarded, on loop ``target`` (the line above its ``for``: the
    editor's quick fix puts it there, inside a nest too), the pragma and the notes."""
    src = _kernel(target)
    lines = src.splitlines()
    row = next(k for k, ln in enumerate(lines) if f"/* {target} */" in ln)
    got = {s.line: s for s in annotate_source(src.encode(), FixedAnswer(answer),
                                                 path="kernel.c")}[row + 1]
    if got.pragma:
        lines.insert(row, got.pragma)
    return "\n".join(lines) + "\n", got.pragma, " ".join(str(n) for n in got.notes)


def test_the_kernel_verifies_with_its_own_pragmas(tmp_path):
    assert not failing_as_written(write_suite(tmp_path, {"own": (_kernel(None), MAIN)}))


def test_every_guarded_answer_builds_with_gcc_and_verifies(tmp_path):
    programs, shown = {}, {}
    for k, answer in enumerate(ANSWERS):
        for target in REF:
            text, pragma, _ = _answered(answer, target)
            programs[f"a{k:02d}_{target}"] = (text, MAIN)
            shown[f"a{k:02d}_{target}"] = (answer, target, pragma)
    for name in ("a00_t1", "a00_t2", "a02_t3", "a03_t6", "a06_t2"):  # real gcc: it builds
        built = gcc_compile(tmp_path, programs[name][0], name)
        assert built.returncode == 0, (shown[name], built.stderr[-600:])
    failed = failing_as_written(write_suite(tmp_path / "suite", programs))
    assert not failed, {shown[k]: v for k, v in failed.items()}


@pytest.mark.parametrize(("answer", "target", "want", "note"), [
    ("#pragma acc parallel loop", "t1", "#pragma acc loop",
     "`parallel loop` inside the enclosing `parallel` construct does not compile"),
    ("#pragma acc kernels loop independent", "t3", "#pragma acc loop independent",
     "`kernels loop` inside the enclosing `kernels` construct does not compile"),
    ("#pragma acc serial loop", "t6", "#pragma acc loop seq",
     "using `loop seq`, which runs the loop once within it"),
    ("#pragma acc parallel loop", "t4", "#pragma acc loop",
     "`loop` leaves it to the compiler"),  # in `kernels`: the compiler keeps it sequential
    ("#pragma acc data copy(a[0:n])", "t2", "#pragma acc loop",
     "`data` inside the enclosing `parallel` construct does not compile (gcc: \"OpenACC "
     "construct inside of non-OpenACC region\")"),
    ("#pragma acc loop seq", "t2", "#pragma acc loop gang", "`gang` added (`seq` left out)"),
    ("#pragma acc loop vector", "t2", "#pragma acc loop gang vector", "`gang` added"),
    ("#pragma acc loop seq", "t1", "#pragma acc loop seq", ""),  # a gang loop around it
    ("#pragma acc loop seq", "t3", "#pragma acc loop seq", ""),  # `kernels`: not redundant
])
def test_the_answer_and_the_note(answer, target, want, note):
    _, pragma, notes = _answered(answer, target)
    assert pragma == want, (pragma, notes)
    assert note in notes, notes


def test_the_emulator_fails_a_compute_construct_nested_in_another(tmp_path):
    """As gcc does; before, the emulator ran the inner construct as the outer one's body."""
    nested = _kernel(None).replace(REF["t2"] + "\n        for (int i = 0; i < n; i++) /* t2 */",
                                   "#pragma acc parallel loop\n"
                                   "        for (int i = 0; i < n; i++) /* t2 */")
    assert "#pragma acc parallel loop\n        for (int i = 0; i < n; i++) /* t2 */" in nested
    assert gcc_compile(tmp_path, nested).returncode != 0
    failed = failing_as_written(write_suite(tmp_path / "suite", {"nested": (nested, MAIN)}))
    status, reason = failed["nested"]
    assert status == "compile" and "compute construct nested in another" in reason, failed


@pytest.mark.parametrize(("enclosing", "noted"), [
    (("#pragma acc parallel copy(a[0:n])",), True),
    (("#pragma acc parallel copy(a[0:n])", "#pragma acc loop seq"), True),
    (("#pragma acc parallel loop gang copy(a[0:n*n])",), False),
    (("#pragma acc kernels copy(a[0:n])",), False),
])
def test_a_sequential_loop_every_gang_runs_is_noted(enclosing, noted):
    """No pragma on the loop itself makes it run once there: the note says what does."""
    from accellium.server.engines.base import LoopQuery
    from accellium.server.safety import guard

    query = LoopQuery(code="for (int i = 1; i < n; i++) a[i] += a[i - 1];", lang="c",
                      enclosing=enclosing)
    for answer in ("#pragma acc loop", "#pragma acc loop seq"):
        pragma, notes = guard(query, answer)
        assert pragma == ("#pragma acc loop seq" if "kernels" not in enclosing[0] else answer)
        said = any("runs this loop in every gang" in str(n) for n in notes)
        assert said is noted, (enclosing, answer, [str(n) for n in notes])
