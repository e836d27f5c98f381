"""Whether an OpenACC loop directive may be put on a ``for`` statement: its header form.

A ``loop`` directive (alone or combined: ``parallel loop``, ``kernels loop``, ``serial loop``)
applies to a loop whose trip count is known when it starts (OpenACC 3.3, 2.9: the loop
variable of integer, pointer or random-access-iterator type, monotonic toward the test, the
trip count computable in constant time on entry).  Compilers read C/C++ loops with the
OpenMP canonical loop form (OpenMP 4.5, 2.6), and GCC rejects any other header, whatever the
clauses (``seq`` included): "expected iteration declaration or initialization", "missing
controlling predicate", "invalid increment expression".  The form, as GCC parses it:

* init: ``var = lb`` or one declaration with an initializer (``int i = 0``), not a comma
  list, not in parentheses, a variable of integer or pointer type (not ``float``, ``double``
  or ``bool``);
* test: ``var relop b`` or ``b relop var`` with ``relop`` one of ``< <= > >=``, not in
  parentheses (``!=`` is OpenMP 5's, which GCC does not take for OpenACC);
* increment: ``++var``, ``var++``, ``--var``, ``var--``, ``var += s``, ``var -= s``,
  ``var = var + s``, ``var = s + var``, ``var = var - s`` (parentheses around it are fine);
* a C++ range-based ``for`` is not a ``for (init; test; incr)`` loop at all.

:func:`form_problem` says why a header is not of that form (None when it is).  A compiler may
accept more (OpenMP 5's ``!=``), never less, so a loop this accepts compiles everywhere.
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import field, op, text, unparen

__all__ = ["form_problem"]

_RELOPS = ("<", "<=", ">", ">=")
# declared types that are not integer or pointer types (a typedef name may be either: kept)
_NOT_INTEGER = frozenset({"float", "double", "bool", "_Bool"})


def _init_var(init: Node | None) -> tuple[str | None, str]:
    """(the variable, the problem) of a header's init clause."""
    if init is None:
        return None, "it has no init expression (`for (; ...)`)"
    if init.type == "declaration":
        decls = init.children_by_field_name("declarator")
        if len(decls) != 1 or decls[0].type != "init_declarator":
            return None, ("its init declares more than one variable"
                          if len(decls) != 1 else "its init declares a variable without a value")
        kept = {text(c) for c in init.named_children
                if c.type in ("type_qualifier", "storage_class_specifier")}
        if kept & {"const", "static", "extern", "thread_local", "_Thread_local"}:
            return None, f"its variable is `{' '.join(sorted(kept))}`"
        value = field(decls[0], "value")
        if value is None or value.type == "initializer_list":
            return None, "its init is not `var = value`"
        d = field(decls[0], "declarator")
        pointer = d is not None and d.type == "pointer_declarator"
        while d is not None and d.type in ("pointer_declarator", "reference_declarator"):
            d = d.named_children[-1] if d.named_children else None
        t = field(init, "type")
        if not pointer and t is not None and t.type == "primitive_type" and \
                text(t) in _NOT_INTEGER:
            return None, f"its variable is a `{text(t)}` (an integer or pointer is needed)"
        if d is None or d.type != "identifier":
            return None, "its init declares no plain variable"
        return text(d), ""
    if init.type == "assignment_expression" and op(init) == "=":
        left = field(init, "left")
        if left is not None and left.type == "identifier":
            return text(left), ""
    if init.type == "comma_expression":
        return None, "its init is a comma list"
    return None, "its init is not `var = value` nor one declaration with a value"


def _test_ok(cond: Node | None, var: str) -> str:
    if cond is None:
        return "it has no test (`for (...; ; ...)`)"
    if cond.type != "binary_expression" or op(cond) not in _RELOPS:
        return f"its test `{text(cond)}` is not `{var} < bound` (or <=, >, >=)"
    left, right = field(cond, "left"), field(cond, "right")
    if not any(s is not None and s.type == "identifier" and text(s) == var
               for s in (left, right)):
        return f"its test `{text(cond)}` does not compare `{var}` itself"
    return ""


def _incr_ok(update: Node | None, var: str) -> str:
    u = unparen(update)
    if u is None:
        return "it has no increment (`for (...; ...; )`)"

    def is_var(n: Node | None) -> bool:
        n = unparen(n)
        return n is not None and n.type == "identifier" and text(n) == var

    if u.type == "update_expression" and is_var(field(u, "argument")):
        return ""
    if u.type == "assignment_expression" and is_var(field(u, "left")):
        if op(u) in ("+=", "-="):
            return ""
        right = unparen(field(u, "right"))
        if op(u) == "=" and right is not None and right.type == "binary_expression":
            if op(right) == "+" and (is_var(field(right, "left")) or
                                     is_var(field(right, "right"))):
                return ""
            if op(right) == "-" and is_var(field(right, "left")):
                return ""
    return f"its increment `{text(u)}` is not `{var}++`, `{var} += step` or kin"


def form_problem(loop: Node) -> str | None:
    """Why no OpenACC loop directive may go on ``loop`` (a ``for_statement`` or a C++
    ``for_range_loop``), or None when its header has the canonical form."""
    if loop.type == "for_range_loop":
        return "it is a range-based `for`, not `for (init; test; increment)`"
    if loop.type != "for_statement":
        return "it is not a `for` loop"
    var, problem = _init_var(field(loop, "initializer"))
    if var is None:
        return problem
    return _test_ok(field(loop, "condition"), var) or \
        _incr_ok(field(loop, "update"), var) or None
