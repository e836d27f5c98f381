"""The memory an element of a local array of pointers points to, passed to a function
(``f(w[7])``): is it dead after the call (:func:`dead_element`)?

The rule used (sound for C): ``w`` is a local (not ``static``) array of pointers of the caller
(``double *w[10]``), every use of ``w`` is an element ``w[e]`` (never ``w`` itself, never
``&w[e]``), and each element that may be the argument's — every ``w[e]`` unless ``e`` and the
argument's index are both known and differ — is only

* assigned a fresh allocation (``w[e] = malloc(...)``/``calloc``: its memory has no other
  name), or freed (``free(w[e])``; not a read), or
* before the call (not after it, not in a loop around it, not elsewhere in its statement)
  passed to a function of the program that only subscripts it (no other name is made).

Another element (``w[k]`` with ``k`` in ``0..5`` where the argument is ``w[7]``: the index's
range under the loops around the use is known and excludes the argument's constant index) may
be used in any way: it holds another allocation (no element that may be the argument's is
ever assigned anything but a fresh one, nor read into another name).  Then nothing reads the
argument's memory after the call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, subscript_index, text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.callgraph import is_static
from accellium.dataset.offload.extent import Extents
from accellium.dataset.offload.nodes import in_sizeof, loops_around, statement_of
from accellium.dataset.offload.shapes import walk_declarator

if TYPE_CHECKING:
    from accellium.dataset.offload.callgraph import CallGraph as _File

__all__ = ["dead_element"]


def _pointer_array(caller: Node, w: str) -> bool:
    """Is ``w`` a local (not ``static``) array of pointers of the caller (``double *w[5]``)?"""
    for d in iter_nodes(_field(caller, "body") or caller):
        if d.type != "declaration" or is_static(d):
            continue
        for decl in d.children_by_field_name("declarator"):
            name, parts = walk_declarator(decl)
            if name == w:
                return [k for k, _ in parts] == ["pointer", "array"]
    return False


def _allocated(use: Node) -> bool:
    """``w[k] = malloc(...)`` / ``calloc``."""
    p = use.parent
    if p is None or p.type != "assignment_expression" or _field(p, "left") != use or \
            text(_field(p, "operator")) != "=":
        return False
    right = unparen(_field(p, "right"))
    return right is not None and is_call(right) and \
        text(_field(right, "function")) in ("malloc", "calloc")


def _freed(use: Node) -> bool:
    args = use.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    return call is not None and text(_field(call, "function")) == "free"


def _other(ex: Extents, use: Node, c: poly.Poly | None) -> bool:
    """Is ``use`` (``w[e]``) provably not the element ``w[c]``: ``e``'s range under the loops
    around it is constant and excludes the constant ``c``, and its address is not taken?"""
    if c is None:
        return False
    up = use.parent
    if up is not None and up.type == "pointer_expression" and op(up) == "&":
        return False
    idx = subscript_index(use)
    span = ex.span(idx, use) if idx is not None else None
    if span is None or not poly.is_const(span.lo) or not poly.is_const(span.hi):
        return False
    k = c.get((), 0)
    return span.hi.get((), 0) < k or span.lo.get((), 0) > k


def _after(n: Node, call: Node, stmt: Node, around: list[Node]) -> bool:
    """Is ``n`` evaluated after ``call`` may have run: after its statement, elsewhere in its
    statement, or in a loop around it?"""
    if n.start_byte >= stmt.end_byte or any(a.start_byte <= n.start_byte < a.end_byte
                                            for a in around):
        return True
    return stmt.start_byte <= n.start_byte < stmt.end_byte and \
        not (call.start_byte <= n.start_byte < call.end_byte)


def dead_element(f: _File, caller: Node, call: Node, a: Node) -> bool:
    """Is the memory ``a`` (``w[e]``, an argument of ``call``) points to dead after the call
    (the module's rule)?"""
    base = unparen(_field(a, "argument"))
    if base is None or base.type != "identifier" or not _pointer_array(caller, text(base)):
        return False
    w = text(base)
    body = _field(caller, "body") or caller
    idx = subscript_index(a)
    c = poly.poly_of(idx) if idx is not None else None
    c = c if c is not None and poly.is_const(c) else None
    ex = Extents([body])
    stmt = statement_of(call)
    around = loops_around(stmt, caller)
    for n in iter_nodes(body):
        if n.type != "identifier" or text(n) != w or in_sizeof(n):
            continue
        use = n.parent
        if use is None:
            return False
        if use.type.endswith("declarator") and _field(use, "declarator") == n:
            continue  # the declaration
        if use.type != "subscript_expression" or _field(use, "argument") != n:
            return False
        if use.id == a.id or _other(ex, use, c) or _freed(use) or _allocated(use):
            continue
        if _after(n, call, stmt, around) or not f._passed_on(use, frozenset()):
            return False
    return True
