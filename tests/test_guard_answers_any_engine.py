"""The guard over pragmas an engine may answer that contradict the loop (a model writes what
similar loops write; retrieval copies another loop's clauses): ``server/safety_scalars.py``
(``private``/``firstprivate``/``reduction`` and data clauses against each scalar's role),
``server/safety_directive.py`` (directives that are no pragma for a loop), the ``serial``
construct's accumulations (``server/safety_data._returned_scalars``), ``no_create``/``attach``
of data nothing put on the device (``justified_device_data``) and ``auto`` in a ``parallel``
construct (``server/safety.asserts_parallel``).

Before, each pragma below came back from the guard unchanged (or with only its data clauses
completed) over the loops of ``KERNEL``, and the program built with it printed wrong results,
raced, aborted on data not on the device, or did not compile: ``private(s)`` on a sum,
``firstprivate(s)``, ``reduction(*:s)`` and ``reduction(max:s)`` on ``s += a[i]``,
``reduction(+:a)`` on a pointer, ``copyout(s)`` beside ``reduction(+:s)``, ``copyin(s)``,
``create(x)`` or ``present(s)`` of a value read after the loop, ``private(m)`` on a bound, ``firstprivate(a)`` on the array, ``serial loop`` (and ``parallel loop seq``, which
becomes it) over a running sum (a scalar is firstprivate in a ``serial`` construct),
``parallel loop auto`` (gcc partitions it; a compiler that does not runs it in every gang),
``no_create``/``attach`` of host data, ``data copy(a)`` over a host loop writing ``a``,
``update self`` and ``atomic`` above a ``for``; inside a data region that maps ``a[0:n]``,
``present(a)``/``copy(a)``/``copyin(a)`` name the pointer variable, not its elements
(``server/safety_data.pointers_with_sections``: the region's section instead), and a
``present`` of a pointer the loop does not use aborts.

Proven on a whole program: each answer, guarded, over every outer loop of the kernel, built
with gcc -fopenacc and run in the data-environment emulator, verifies.
"""

from __future__ import annotations

import pytest
from _fixed_engine import FixedAnswer
from _offload_util import failing_as_written, write_suite

from accellium.server.annotate import annotate_source, apply_edits

KERNEL = """double k1(int n, const double *a, double *b)
{
    for (int i = 0; i < n; i++)
        b[i] = a[i] * 2.0;
    return b[0];
}
double k2(int n, const double *a)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
void k3(int n, double *a)
{
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
}
void k4(int n, int m, const double *a, const double *b, double *c)
{
    for (int i = 0; i < n; i++) { /* nest */
        for (int j = 0; j < m; j++)
            c[i * m + j] = a[i * m + j] + b[j];
    }
}
double k5(int n, const double *a, double *b)
{
    double x = 0.0;
    for (int i = 0; i < n; i++) {
        x = a[i] * 2.0;
        b[i] = x;
    }
    return x;
}
void k6(int n, double *a)
{
    for (int i = 1; i < n; i++)
        a[i] = a[i - 1] + 1.0;
}
double k8(int n, const double *a)
{
    double m = -1.0;
    for (int i = 0; i < n; i++)
        if (a[i] > m) m = a[i];
    return m;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
double k1(int n, const double *a, double *b);
double k2(int n, const double *a);
void k3(int n, double *a);
void k4(int n, int m, const double *a, const double *b, double *c);
double k5(int n, const double *a, double *b);
void k6(int n, double *a);
double k8(int n, const double *a);
int main(void) {
  int n = 3000, m = 20; long bad = 0;
  double *a = malloc(n * m * 8), *b = malloc(n * m * 8), *c = malloc(n * m * 8);
  for (int i = 0; i < n * m; i++) { a[i] = i % 7; b[i] = -1; c[i] = -1; }
  double r = k1(n, a, b); bad += r != 0.0;
  for (int i = 0; i < n; i++) bad += b[i] != 2.0 * (i % 7);
  double s = k2(n, a), e = 0; for (int i = 0; i < n; i++) e += i % 7; bad += s != e;
  k3(n, a); for (int i = 0; i < n; i++) bad += a[i] != i % 7 + 1.0;
  for (int i = 0; i < n * m; i++) a[i] = i % 7;
  for (int j = 0; j < m; j++) b[j] = j;
  k4(n, m, a, b, c); for (int i = 0; i < n * m; i++) bad += c[i] != a[i] + (i % m);
  r = k5(n, a, b); bad += r != 2.0 * ((n - 1) % 7);
  k6(n, a); for (int i = 0; i < n; i++) bad += a[i] != i;
  for (int i = 0; i < n; i++) a[i] = (i * 37) % 1001;
  r = k8(n, a); bad += r != 1000.0;
  if (bad) printf("BAD %ld\\n", bad); else puts("OK");
  return 0;
}
"""

# each failed in the emulator before (the module doc)
ANSWERS = [
    "#pragma acc parallel loop private(s)",
    "#pragma acc parallel loop private(x, m)",
    "#pragma acc parallel loop firstprivate(s)",
    "#pragma acc parallel loop firstprivate(a)",
    "#pragma acc parallel loop reduction(*:s)",
    "#pragma acc parallel loop reduction(max:s)",
    "#pragma acc parallel loop reduction(+:a)",
    "#pragma acc parallel loop reduction(+:s) copyout(s)",
    "#pragma acc parallel loop copyin(s)",
    "#pragma acc kernels copyin(s, x, m)",
    "#pragma acc kernels loop copyin(s) reduction(+:s)",
    "#pragma acc parallel loop create(x)",
    "#pragma acc serial loop copyin(m)",
    "#pragma acc parallel loop present(s)",
    "#pragma acc serial loop",
    "#pragma acc parallel loop seq",
    "#pragma acc serial",
    "#pragma acc parallel loop auto",
    "#pragma acc parallel loop no_create(a, b)",
    "#pragma acc parallel loop attach(a)",
    "#pragma acc data copy(a[0:n])",
    "#pragma acc update self(a[0:n])",
    "#pragma acc atomic",
]


def _guarded(answer: str) -> tuple[str, dict[int, tuple[str | None, str]]]:
    """The kernel with ``answer``, guarded, over every outer loop (an inner loop's pragma
    would nest one compute construct in another), and the answers by line."""
    src = KERNEL.encode()
    inner = {k + 1 for k, ln in enumerate(KERNEL.splitlines()) if "int j = 0" in ln}
    got = [s for s in annotate_source(src, FixedAnswer(answer), path="kernel.c")
           if s.line not in inner]
    new, _ = apply_edits(src, got)
    return new.decode(), {s.line: (s.pragma, " ".join(str(n) for n in s.notes)) for s in got}


def _loop_line(marker: str) -> int:
    """The line of the loop header at or above the line holding ``marker``."""
    lines = KERNEL.splitlines()
    at = next(k for k, ln in enumerate(lines) if marker in ln)
    return next(k + 1 for k in range(at, -1, -1) if "for (" in lines[k])


def test_every_guarded_answer_verifies_in_the_emulator(tmp_path):
    # the guarded answers stand as each program's own pragmas
    programs = {f"a{k:02d}": (_guarded(a)[0], MAIN) for k, a in enumerate(ANSWERS)}
    failed = failing_as_written(write_suite(tmp_path, programs))
    assert not failed, {ANSWERS[int(k[1:])]: v for k, v in failed.items()}


@pytest.mark.parametrize(("answer", "marker", "want", "note"), [
    ("#pragma acc parallel loop private(s)", "s += a[i]",
     "#pragma acc parallel loop reduction(+:s) copyin(a[0:n])",
     "`s` left out of `private`: its value enters each iteration"),
    ("#pragma acc parallel loop private(x, m)", "/* nest */", None,
     "`m` left out of `private`: its value enters each iteration"),
    ("#pragma acc parallel loop firstprivate(s)", "s += a[i]",
     "#pragma acc parallel loop reduction(+:s) copyin(a[0:n])",
     "`s` left out of `firstprivate`: the loop writes it"),
    ("#pragma acc parallel loop reduction(max:s)", "s += a[i]",
     "#pragma acc parallel loop reduction(+:s) copyin(a[0:n])",
     "`reduction(max:s)` made `reduction(+:s)`"),
    ("#pragma acc parallel loop reduction(+:s) copyout(s)", "s += a[i]", None,
     "`s` moved from `copyout` to `copy`"),
    ("#pragma acc serial loop", "s += a[i]", "#pragma acc serial loop copyin(a[0:n]) copy(s)",
     "`s` added to `copy`"),
    ("#pragma acc kernels copyin(s, x, m)", "s += a[i]", None,
     "`s` moved from `copyin` to `copy`: the code after the loop reads the value it leaves"),
    ("#pragma acc parallel loop present(s)", "s += a[i]",
     "#pragma acc parallel loop reduction(+:s) copyin(a[0:n])", "`s` left out of `present`"),
    ("#pragma acc parallel loop auto", "s += a[i]",
     "#pragma acc parallel loop reduction(+:s) copyin(a[0:n])", "`auto` left out"),
    ("#pragma acc parallel loop auto", "a[i] = a[i - 1] + 1.0", "#pragma acc kernels copy(a[0:n])",
     "carried dependence"),
    ("#pragma acc data copy(a[0:n])", "a[i] = a[i] + 1.0", None,
     "a `data` construct around a loop that runs on the host"),
    ("#pragma acc update self(a[0:n])", "a[i] = a[i] + 1.0", None,
     "`#pragma acc update` owns no statement"),
    ("#pragma acc atomic", "a[i] = a[i] + 1.0", None, "`#pragma acc atomic` owns no statement"),
])
def test_the_answer_and_the_note(answer, marker, want, note):
    _, got = _guarded(answer)
    pragma, notes = got[_loop_line(marker)]
    if want is not None or "owns no" in note or "`data` construct" in note:
        assert pragma == want, (pragma, notes)
    assert note in notes, notes


# in a data region: a pointer named without a section maps the pointer variable itself
# (``pointers_with_sections``); a true array named alone is all of it; a name the loop does
# not use leaves `present` (a pointer's would fail)
REGION = """void k3(int n, double *a)
{
    double t[64];
#pragma acc data copy(a[0:n]) create(t)
    {
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 1.0;
    for (int i = 0; i < 64; i++) /* array */
        t[i] = i;
    for (int i = 0; i < 64; i++) /* back */
        a[i] += t[i];
    }
}
"""
REGION_MAIN = """#include <stdio.h>
#include <stdlib.h>
void k3(int n, double *a);
int main(void) {
  int n = 3000; long bad = 0;
  double *a = malloc(n * 8);
  for (int i = 0; i < n; i++) a[i] = i % 7;
  k3(n, a);
  for (int i = 0; i < n; i++) bad += a[i] != i % 7 + 1.0 + (i < 64 ? i : 0);
  if (bad) printf("BAD %ld\\n", bad); else puts("OK");
  return 0;
}
"""
IN_REGION = ["#pragma acc parallel loop present(a, t)", "#pragma acc parallel loop copy(a)",
             "#pragma acc kernels present(a)", "#pragma acc parallel loop copyin(a)"]


def test_a_pointer_without_a_section_gets_the_regions_section(tmp_path):
    src = REGION.encode()
    lines = REGION.splitlines()
    first = next(k + 1 for k, ln in enumerate(lines) if "a[i] = a[i] + 1.0" in ln) - 1
    array = next(k + 1 for k, ln in enumerate(lines) if "/* array */" in ln)
    programs = {}
    for k, answer in enumerate(IN_REGION):
        got = annotate_source(src, FixedAnswer(answer), path="kernel.c")
        by_line = {s.line: s for s in got}
        assert "a[0:n]" in (by_line[first].pragma or ""), (answer, by_line[first].pragma)
        if k == 0:
            assert by_line[first].pragma == "#pragma acc parallel loop present(a[0:n])"
            notes = " ".join(str(n) for n in by_line[first].notes)
            assert "maps the pointer itself" in notes and "`present(t)` left out" in notes
            assert by_line[array].pragma == "#pragma acc parallel loop present(t)"
        programs[f"r{k}"] = (apply_edits(src, got)[0].decode(), REGION_MAIN)
    failed = failing_as_written(write_suite(tmp_path, programs))
    assert not failed, {IN_REGION[int(k[1:])]: v for k, v in failed.items()}


def test_a_directive_that_owns_no_statement_is_refused_whatever_the_code():
    """The code need not parse as a loop (the guard's other rules need its facts)."""
    from accellium.server.engines.base import LoopQuery
    from accellium.server.safety import guard

    for code in ("while (k < n) a[k++] = 0;", "x = 1;"):
        text, notes = guard(LoopQuery(code), "#pragma acc update self(a[0:n])")
        assert text is None and "owns no statement" in str(notes[-1]), (code, text, notes)
        assert guard(LoopQuery(code), "#pragma acc parallel loop")[0] is not None
