"""OpenACC lines in different branches of one ``#if`` group are alternatives — only one is
compiled — so the loop finder (the editors', ``accellium suggest``'s and the offload planner's
reading of a file) takes the one nearest the loop as its label and never the other as a
directive stacked above it (which would put the loop inside a compute construct it is not
in).  A group that closes before the loop holds its pragma whichever branch is compiled, and
a pragma in the ``#if`` branch does not label a loop in the ``#else`` branch.  The miner keeps
the data card's reading (an upper directive of such a pair is listed in ``enclosing``:
tests/test_mine_extract.py)."""

from __future__ import annotations

import pytest

from accellium.dataset.labels import in_other_branch
from accellium.dataset.lines import LineIndex
from accellium.dataset.loops import find_loops


def _loops(src: str):
    return find_loops(src.encode(), "c")


def _rows(src: str) -> dict[str, int]:
    """marker comment -> 0-based row."""
    out = {}
    for k, line in enumerate(src.splitlines()):
        if "/*@" in line:
            out[line.split("/*@", 1)[1].split("*/", 1)[0]] = k
    return out


ALTERNATIVES = """void f(int n, double *a, double *b) {
#pragma acc data copyin(b[0:n*n]) copy(a[0:n*n])
#ifdef USE_KERNELS
#pragma acc kernels loop gang
#elif defined(USE_SERIAL)
#pragma acc serial loop
#else
#pragma acc parallel loop gang vector_length(32)
#endif
  for (int i = 0; i < n; i++) {
#pragma acc loop vector
    for (int j = 0; j < n; j++) a[i*n+j] = b[i*n+j];
  }
}
"""


def test_the_nearest_alternative_is_the_label_and_the_others_are_not_stacked():
    outer, inner = _loops(ALTERNATIVES)
    assert outer.pragma is not None
    assert outer.pragma.text == "#pragma acc parallel loop gang vector_length(32)"
    # the data region above the group is stacked whichever branch is compiled
    assert [p.text for p in outer.stacked] == ["#pragma acc data copyin(b[0:n*n]) copy(a[0:n*n])"]
    assert outer.enclosing == ["#pragma acc data copyin(b[0:n*n]) copy(a[0:n*n])"]
    assert inner.enclosing == ["#pragma acc data copyin(b[0:n*n]) copy(a[0:n*n])",
                               "#pragma acc parallel loop gang vector_length(32)"]


def test_a_group_closed_before_the_loop_keeps_its_pragma():
    # the OpenACC branch's pragma applies to the loop; the other branch holds an OpenMP one
    src = ("void f(int n, double *a) {\n#ifdef _OPENACC\n#pragma acc parallel loop\n#else\n"
           "#pragma omp parallel for\n#endif\n  for (int i = 0; i < n; i++) a[i] = 0;\n}\n")
    (lp,) = _loops(src)
    assert lp.pragma is not None and lp.pragma.text == "#pragma acc parallel loop"
    # and stacked groups that each close: both in force
    src = ("void f(int n, double *a) {\n#ifdef A\n#pragma acc data copy(a[0:n])\n#endif\n"
           "#ifdef B\n#pragma acc parallel loop\n#endif\n  for (int i = 0; i < n; i++) a[i] = 0;\n}\n")
    (lp,) = _loops(src)
    assert lp.pragma is not None and lp.pragma.text == "#pragma acc parallel loop"
    assert [p.text for p in lp.stacked] == ["#pragma acc data copy(a[0:n])"]


def test_a_pragma_of_the_if_branch_does_not_label_a_loop_of_the_else_branch():
    src = ("void f(int n, double *a) {\n#ifdef GPU\n#pragma acc parallel loop\n#else\n"
           "  for (int i = 0; i < n; i++) a[i] = 0;\n#endif\n}\n")
    (lp,) = _loops(src)
    assert lp.pragma is None and lp.stacked == [] and lp.enclosing == []


SRC = """/*@a*/
#if A
/*@b*/
#  if B
#  else
#  endif
/*@c*/
#elif C
/*@d*/
#endif
/*@e*/
#ifdef D
/*@f*/
#endif
/*@g*/
"""


@pytest.mark.parametrize("upper, lower, other", [
    ("b", "c", False),  # a group opened and closed between them is skipped whole
    ("b", "d", True),   # `#elif` of the group holding both
    ("c", "d", True),
    ("b", "e", False),  # the group closed before the lower line
    ("a", "d", False),  # the upper line is outside the group
    ("e", "g", False),
    ("f", "g", False),
    ("a", "f", False),
])
def test_in_other_branch(upper, lower, other):
    rows = _rows(SRC)
    lines = LineIndex(SRC.encode())
    assert in_other_branch(lines, rows[upper], rows[lower]) is other
