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

The form is also a promise about the body, which no compiler checks: the loop variable changes
only in the increment, and the bound and the step are loop invariant (OpenMP 4.5, 2.6: "var
must not be modified during the execution of the for-loop other than in incr-expr"; OpenACC
3.3, 2.9: the trip count is computed when the loop starts).  A loop directive runs the
iterations the header counts, each with its own value of the variable; a body that skips ahead
(``if (a[i] < 0) i++;``) or shrinks its bound (``if (done) n = i;``) does something else when
its iterations run apart, and gcc takes the pragma without a word.  :func:`body_problem` says
where the body breaks that promise: it assigns the variable, or a name or lvalue the bound or
the step reads, or takes the address of one (then a call may assign it).  A declaration of the
same name in the body hides the loop's from there on (its own block, or a nested ``for``'s
header), as C's scopes do (C11 6.2.1p4).
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.tree import field, named, norm, op, step_of, text, unparen
from accellium.dataset.analysis.value_types import floating_expression
from accellium.dataset.analysis.walker import decl_name, declarators

__all__ = ["form_problem", "body_problem", "bound_problem"]

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


def bound_problem(loop: Node, type_of: Callable[[str], str | None]) -> str | None:
    """Why the test of a header of the canonical form (:func:`form_problem` None) is not one
    an OpenACC loop may have, or None: its bound is of a floating type (``s < nsteps`` with
    ``double nsteps``, ``i < 0.5 * n``; ``type_of``: a name's declared type).  The bound of
    the canonical form has a type compatible with the loop variable's integer type (OpenMP
    4.5, 2.6), and gcc rejects a floating one ("invalid controlling predicate")."""
    cond = field(loop, "condition") if loop.type == "for_statement" else None
    var, _ = _init_var(field(loop, "initializer")) if cond is not None else (None, "")
    if cond is None or var is None or _test_ok(cond, var):
        return None
    left, right = field(cond, "left"), field(cond, "right")
    bound, own = (right, left) if left is not None and text(left) == var else (left, right)
    if floating_expression(own, type_of):
        return None  # a pointer to floating elements (`p < end`: their types read alike)
    if floating_expression(bound, type_of):
        return f"its bound `{text(bound)}` is of a floating type: the test of an OpenACC " \
            "loop compares the variable with an integer"
    return None


def direction_problem(loop: Node) -> str | None:
    """Why the iterations of a header gcc takes (:func:`form_problem` None) do not run from
    its initial value towards its bound (:func:`_direction_ok`), or None."""
    if loop.type != "for_statement":
        return None
    var, _ = _init_var(field(loop, "initializer"))
    if var is None:
        return None
    return _direction_ok(field(loop, "condition"), field(loop, "update"), var) or None


def _direction_ok(cond: Node | None, update: Node | None, var: str) -> str:
    """A test that bounds ``var`` from above (``var < b``, ``var <= b``, ``b > var``) with an
    increment counting it down, or the other way round, is not the canonical form: the
    iterations do not run from the initial value towards the bound (OpenACC 3.3, 2.9; OpenMP
    5.2, 4.4.1), and such a loop ends only when the index wraps (``size_t i = n - 1; i < n;
    i--``) or overflows."""
    if cond is None or cond.type != "binary_expression":
        return ""
    o = op(cond)
    if text(field(cond, "right")).strip() == var:
        o = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(o, o)
    up = {"<": 1, "<=": 1, ">": -1, ">=": -1}.get(o, 0)
    step = (s := step_of(update, var)) and (1 if s > 0 else -1)
    if up and step and up != step:
        return (f"its test `{text(cond)}` bounds `{var}` from "
                f"{'above' if up > 0 else 'below'} while its increment `{text(update)}` counts "
                f"it {'down' if step < 0 else 'up'}: the iterations do not run towards the "
                "bound (the loop ends only when the index wraps)")
    return ""


# the nodes of an expression that name storage the body could assign
_LVALUES = ("identifier", "field_expression", "subscript_expression", "pointer_expression")


def _lvalues(expr: Node | None, var: str) -> set[str]:
    """The lvalues ``expr`` reads (whitespace-free text), the loop variable and the names of
    called functions left out."""
    out: set[str] = set()
    stack = [expr] if expr is not None else []
    while stack:
        n = stack.pop()
        if n.type in _LVALUES and not (n.type == "pointer_expression" and op(n) != "*"):
            key = norm(text(n))
            if key and key != var:
                out.add(key)
        if n.type == "call_expression":
            stack.extend(named(field(n, "arguments")))
            f = field(n, "function")
            if f is not None and f.type != "identifier":
                stack.append(f)  # `s->size(...)`, `(*f)(...)`: the object read
            continue
        stack.extend(named(n))
    return out


def _bound_and_step(loop: Node, var: str) -> set[str]:
    """What the test's bound and the increment's step read (a canonical header's)."""
    keys: set[str] = set()
    cond = unparen(field(loop, "condition"))
    if cond is not None and cond.type == "binary_expression":
        for side in (field(cond, "left"), field(cond, "right")):
            if not (side is not None and side.type == "identifier" and text(side) == var):
                keys |= _lvalues(side, var)
    u = unparen(field(loop, "update"))
    if u is not None and u.type == "assignment_expression":
        keys |= _lvalues(field(u, "right"), var)
    return keys


def _declared(n: Node) -> set[str]:
    """The names a declaration declares."""
    return {name for d, following in declarators(n)
            if (name := decl_name(d, following)) is not None}


def _target(n: Node) -> tuple[Node | None, str]:
    """The lvalue a node changes (or may let be changed) and how."""
    if n.type == "assignment_expression":
        return unparen(field(n, "left")), "assigned"
    if n.type == "update_expression":
        return unparen(field(n, "argument")), "assigned"
    if n.type == "pointer_expression" and op(n) == "&":
        return unparen(field(n, "argument")), "passed by address (then assignable)"
    return None, ""


def body_problem(loop: Node, canonical: bool = False) -> str | None:
    """Why ``loop``'s body breaks the canonical form's promise (the loop variable, its
    bound or its step changed in the body), or None.  Only for a header :func:`form_problem`
    accepts (``canonical``: the caller has asked it)."""
    if loop.type != "for_statement" or (not canonical and form_problem(loop) is not None):
        return None
    var, _ = _init_var(field(loop, "initializer"))
    if var is None:
        return None
    bound = _bound_and_step(loop, var)
    watched = {var} | bound
    body = field(loop, "body")
    stack: list[tuple[Node, frozenset[str]]] = [(body, frozenset())] if body else []
    while stack:
        n, hidden = stack.pop()
        target, how = _target(n)
        if target is not None:
            key = norm(text(target))
            head = key.split("->")[0].split(".")[0].split("[")[0].lstrip("*")
            if key in watched and head not in hidden:
                line = n.start_point.row + 1
                what = f"its variable `{var}`" if key == var else \
                    f"`{text(target)}`, which its bound or step reads,"
                return (f"{what} is {how} in its body (line {line}): a loop directive runs "
                        "the iterations the header counts when the loop starts, each with "
                        "its own value of the variable (OpenMP 4.5, 2.6; OpenACC 3.3, 2.9), "
                        "not the ones the body's change makes")
        kids = named(n)
        if n.type == "for_statement":
            init = field(n, "initializer")
            if init is not None and init.type == "declaration":
                hidden = hidden | (_declared(init) & watched)
        if n.type == "compound_statement":
            cur = hidden
            ordered = []
            for k in kids:
                if k.type == "declaration":
                    cur = cur | (_declared(k) & watched)
                ordered.append((k, cur))
            stack.extend(reversed(ordered))
        else:
            stack.extend((k, hidden) for k in reversed(kids))
    return None
