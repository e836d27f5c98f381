"""A keyword followed by ``(`` in a macro's body calls nothing (found by Rodinia's backprop).

``#define fastcopy(to, from, len) { ...; for (_i = 0; _i < _l; _i++) *_to++ = *_from++; }``
expands to a loop, ``sizeof(float)`` is an operator, C++'s ``double(x)`` a conversion (C11
6.4.1, C++ [lex.key], [expr.type.conv]).  The planner read every name followed by ``(`` in a
macro's body as a call, so a loop using ``fastcopy`` stayed on the host "calling `for`, whose
definition is not in this file", a note that sent the user looking for a function ``for``.
Now the loop's own reason is given (here: its iterations depend on each other)."""

from __future__ import annotations

from _offload_util import plan_text

from accellium.dataset.analysis.macros import definition, macro_calls
from accellium.dataset.loops import parse_tree
from accellium.server.engines import get_engine

SRC = """#include <string.h>
#define fastcopy(to, from, len) \\
{ \\
  register char *_to, *_from; \\
  register int _i, _l; \\
  _to = (char *)(to); \\
  _from = (char *)(from); \\
  _l = (len); \\
  for (_i = 0; _i < _l; _i++) *_to++ = *_from++; \\
}
#define SCALED(x) (scale(x) * sizeof(double) + (double)(x))

double scale(double x);

void pack(int n, float **w, char *mem)
{
    int memcnt = 0;
    for (int i = 0; i < n; i++) {
        float v = w[i][0];
        fastcopy(&mem[memcnt], &v, sizeof(float));
        memcnt += sizeof(float);
    }
}
"""


def _macro(name: str):
    root = parse_tree(SRC.encode(), "c").root_node
    node = next(n for n in root.named_children
                if n.type == "preproc_function_def" and name in n.text.decode()[:40])
    return definition(node)


def test_keywords_before_a_parenthesis_are_no_calls():
    assert macro_calls(_macro("fastcopy")) == []
    assert macro_calls(_macro("SCALED")) == ["scale"]


def test_a_loop_using_the_macro_is_not_said_to_call_for():
    _, plans = plan_text(SRC, get_engine("analysis"))
    notes = " ".join(plans["pack"].notes)
    assert "`for`" not in notes and "no pragma" in notes, notes
