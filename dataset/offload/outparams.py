"""Which allocation a caller's pointer points to when a function returns it through a
pointer-to-pointer parameter (:func:`stored_through`), and when that function's returned value
is the allocation's element count (:func:`returns_count`): the facts :mod:`.objects` reads to
give such a pointer the extent of the object.

``*out = p;`` stores ``p`` into the object ``*out`` designates (C11 6.5.3.2p4), which, for a
call ``g(..., &x, ...)``, is the caller's ``x`` (6.5.2.2p4: the parameter holds ``&x``).  The
rule used (sound for C):

* the caller's local pointer ``x`` is named by no assignment but the one ``&x`` passed directly
  as an argument of a call of ``g``, a function of the program defined once: so ``x`` holds
  whatever ``g`` stores through that parameter, or nothing (an indeterminate value, which no
  correct program reads, 6.2.4p6);
* ``g`` never assigns the parameter ``out`` and names it once, in the statement ``*out = p;``
  directly in its body (not in a loop or branch), where ``p`` is a local pointer of ``g`` (not a
  true array: its lifetime ends with the call, 6.2.4p2) — so nothing else is stored through
  ``out`` and no other name for it exists.

The object ``x`` points to is then ``p``'s, whose element count :mod:`.objects` knows from
``p``'s one allocation (in ``g``'s parameters, then the call's arguments).  When the count is
not a polynomial (``rp[n]`` of ``malloc(rp[n] * sizeof *adj)``), the caller may still know it
by name (:func:`returns_count`):

* the call initialises a local ``T m = g(..., &x, ...);`` of ``g``'s return type (no
  conversion), which :mod:`.objects` requires be assigned nowhere else;
* ``g``'s only ``return`` is the last statement of its body and returns the allocation's count
  expression as written; ``g`` has no ``goto``, and the allocation is a statement of its body
  (not in a loop or branch), so the statements between them run once, in order;
* that expression reads only names, constants, arithmetic and subscripts of local pointers
  whose only assignment is their own allocation in ``g`` (an object no parameter and no other
  allocation can point into, C11 7.22.3p1); its other names are parameters or locals of ``g``
  whose address is never taken;
* between the allocation and the ``return`` nothing takes an address, calls anything but
  ``malloc``, ``calloc`` or ``free``, or stores into a name the expression reads; each store is
  to a variable or to an element (``B[i]``, ``*B``) of a parameter or of another such fresh
  allocation ``B`` — so the expression has the same value at the ``return``.

The other way round (:func:`count_stored_through`): ``T *x = g(..., &c, ...);`` where ``g``
returns its allocation and stores the count through a parameter (a tree builder's
``nodes = build_tree(&n_nodes, ...)``).  ``c`` holds the count when:

* ``g`` has no ``goto``; its only ``return`` is the last statement of its body and returns a
  local pointer ``p`` whose only assignment is its one allocation, a statement of the body
  (not in a loop or branch);
* ``g`` names the parameter ``out`` once, in ``*out = e;``, a statement of its body after the
  allocation, ``e`` spelled as the allocation's count expression, which reads only names,
  constants and arithmetic: parameters or locals of ``g`` whose address is never taken (a
  variable without its address is changed only by a store naming it, C11 6.5p7), none of them
  assigned between the allocation and that store — so ``e`` is the count there;
* in the caller ``x`` is declared with that call as its value and of ``p``'s element type
  (the count is of ``T`` elements), and ``c`` is a local named by no assignment but that one
  ``&c``: it holds what ``g`` stored (6.5.3.2p4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.tree import (
    addressed_names,
    iter_nodes,
    named,
    norm,
    op,
    text,
    unparen,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import root_of as _root_of
from accellium.dataset.offload.arrays import assignment_positions
from accellium.dataset.offload.callgraph import param_names
from accellium.dataset.offload.nodes import callee_name
from accellium.dataset.offload.shapes import alloc_sites, count_expression, declarations, shape_of

__all__ = ["Stored", "stored_through", "returns_count", "count_stored_through"]

#: a function's one definition and its parameters (:meth:`.callgraph.CallGraph.lookup`)
Lookup = Callable[[str], "tuple[Node, list[str | None]] | None"]

_CALLS_BETWEEN = frozenset({"malloc", "calloc", "free"})
#: the expressions a count read back by name may be: names, constants, subscripts, arithmetic
_STABLE = frozenset({"identifier", "number_literal", "subscript_expression", "binary_expression",
                     "parenthesized_expression", "subscript_argument_list", "comment"})


@dataclass(frozen=True)
class Stored:
    """The caller's pointer holds ``local`` of ``callee`` after ``call``."""

    callee: Node
    call: Node
    local: str
    result: str | None  # the caller's name the call's value initialises (``m`` of
    # ``int m = g(...)``)


def stored_through(caller: Node, x: str, lookup: Lookup) -> Stored | None:
    """The call that stores an allocation of its callee into the caller's pointer ``x``
    through ``&x`` (the module's rule; None: not shown)."""
    positions = assignment_positions(caller).get(x, [])
    addr = [n for n in iter_nodes(caller) if n.type == "pointer_expression" and op(n) == "&"
            and n.start_byte in positions]
    if len(positions) != 1 or len(addr) != 1 or text(unparen(_field(addr[0], "argument"))) != x:
        return None
    args = addr[0].parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    name = callee_name(call) if call is not None else None
    got = lookup(name) if name is not None else None
    if call is None or got is None:
        return None
    callee, params = got
    k = [a.id for a in named(args) if a.type != "comment"].index(addr[0].id)
    out = params[k] if k < len(params) else None
    local = _stored_local(callee, out) if out else None
    if local is None:
        return None
    return Stored(callee, call, local, _result_name(call, callee))


def _sole_store(body: Node, out: str) -> tuple[Node, Node | None] | None:
    """The statement ``*out = e;`` directly in ``body`` and its right side ``e``, when that
    statement is the only place ``body`` names ``out``."""
    uses = [n for n in iter_nodes(body) if n.type == "identifier" and text(n) == out]
    if len(uses) != 1:
        return None
    star = uses[0].parent
    store = star.parent if star is not None else None
    stmt = store.parent if store is not None else None
    if star is None or star.type != "pointer_expression" or op(star) != "*" or \
            store is None or store.type != "assignment_expression" or op(store) != "=" or \
            _field(store, "left") != star or stmt is None or \
            stmt.type != "expression_statement" or stmt.parent != body:
        return None
    return stmt, _field(store, "right")


def _stored_local(fn: Node, out: str | None) -> str | None:
    """``p`` when ``fn`` names its parameter ``out`` only in ``*out = p;`` directly in its body,
    ``p`` a local pointer of ``fn``."""
    body = _field(fn, "body")
    if body is None or not out or assignment_positions(fn).get(out):
        return None
    found = _sole_store(body, out)
    if found is None:
        return None
    p = unparen(found[1])
    if p is None or p.type != "identifier":
        return None
    shape = shape_of(text(p), declarations(fn, _root_of(fn)))
    if shape is None or not shape.local or shape.kind != "pointer" or shape.levels != 1:
        return None
    return text(p)


def _result_name(call: Node, callee: Node) -> str | None:
    """``m`` of ``T m = g(...);``, ``T`` spelled as ``g``'s return type (the value is not
    converted, C11 6.7.9p11)."""
    p = call.parent
    if p is None or p.type != "init_declarator" or unparen(_field(p, "value")) != call:
        return None
    d = unparen(_field(p, "declarator"))
    decl = p.parent
    if d is None or d.type != "identifier" or decl is None or \
            norm(text(_field(decl, "type"))) != norm(text(_field(callee, "type"))):
        return None
    return text(d)


def returns_count(fn: Node, p: str) -> bool:
    """Is ``fn``'s returned value the element count of ``p``'s one allocation (the module's
    rule)?"""
    body = _field(fn, "body")
    if body is None or any(n.type == "goto_statement" for n in iter_nodes(body)):
        return False
    returns = [n for n in iter_nodes(body) if n.type == "return_statement"]
    top = [s for s in named(body) if s.type != "comment"]
    allocs = [a for a in alloc_sites(body) if a.name == p]
    if len(returns) != 1 or not top or top[-1] != returns[0] or len(allocs) != 1 or \
            allocs[0].stmt.parent != body:
        return False
    site = allocs[0].stmt
    assigned = assignment_positions(fn)
    if any(not (site.start_byte <= at < site.end_byte) for at in assigned.get(p, [])):
        return False
    count = unparen(count_expression(allocs[0]))
    value = unparen(named(returns[0])[0]) if named(returns[0]) else None
    if count is None or value is None or norm(text(count)) != norm(text(value)):
        return False
    if any(n.is_named and n.type not in _STABLE for n in iter_nodes(count)):
        return False
    names = {text(n) for n in iter_nodes(count) if n.type == "identifier"}
    bases = {text(unparen(_field(n, "argument"))) for n in iter_nodes(count)
             if n.type == "subscript_expression"}
    params = set(param_names(fn))
    addressed = addressed_names(body)
    if not all(_fresh(fn, body, b, assigned) for b in bases) or \
            any(not (n in params or _local(fn, n)) or n in addressed
                for n in names - bases):
        return False
    return _unchanged(fn, body, site.start_byte, returns[0].start_byte, names, assigned)


def _fresh(fn: Node, body: Node, b: str, assigned: dict[str, list[int]]) -> bool:
    """Is ``b`` a local pointer of ``fn`` assigned only by its one allocation (an object no
    other pointer was formed to point into, C11 7.22.3p1)?"""
    shape = shape_of(b, declarations(fn, _root_of(fn)))
    sites = [a.stmt for a in alloc_sites(body) if a.name == b]
    return shape is not None and shape.local and shape.kind == "pointer" and len(sites) == 1 \
        and all(sites[0].start_byte <= at < sites[0].end_byte for at in assigned.get(b, []))


def _local(fn: Node, name: str) -> bool:
    shape = shape_of(name, declarations(fn, _root_of(fn)))
    return shape is not None and shape.local


def _unchanged(fn: Node, body: Node, start: int, end: int, names: set[str],
               assigned: dict[str, list[int]]) -> bool:
    """Nothing in ``fn`` between the byte offsets ``start`` and ``end`` can change the value of
    an expression reading ``names``: no call but an allocation or ``free``, no ``&``, and each
    store names a variable not in ``names`` or an element ``B[i]``/``*B`` of a parameter or a
    fresh allocation ``B`` not in ``names``."""
    params = set(param_names(fn))
    for n in iter_nodes(body):
        if not (start <= n.start_byte < end):
            continue
        if is_call(n) and text(_field(n, "function")) not in _CALLS_BETWEEN:
            return False
        if n.type == "pointer_expression" and op(n) == "&":
            return False
        if n.type not in ("assignment_expression", "update_expression"):
            continue
        target = unparen(_field(n, "left" if n.type == "assignment_expression" else "argument"))
        if target is not None and target.type == "identifier":
            if text(target) in names:
                return False
            continue
        if target is None or not (target.type == "subscript_expression" or
                                  target.type == "pointer_expression" and op(target) == "*"):
            return False
        b = unparen(_field(target, "argument"))
        if b is None or b.type != "identifier" or text(b) in names or \
                not (text(b) in params or _fresh(fn, body, text(b), assigned)):
            return False
    return True


def count_stored_through(caller: Node, x: str, lookup: Lookup) -> str | None:
    """The caller's name ``c`` holding the element count of the object ``x`` points to, when
    ``x`` is initialised by a call ``g(..., &c, ...)`` that returns its allocation and stores
    the count through that parameter (the module's rule; None: not shown)."""
    decls = [n for n in iter_nodes(caller) if n.type == "init_declarator" and
             _declarator_id(_field(n, "declarator")) == x]
    if len(decls) != 1 or assignment_positions(caller).get(x):
        return None
    call = unparen(_field(decls[0], "value"))
    name = callee_name(call) if call is not None and is_call(call) else None
    got = lookup(name) if name is not None else None
    if call is None or got is None:
        return None
    callee, params = got
    found = _returns_with_count(callee)
    if found is None:
        return None
    p, out = found
    if _element_type(caller, x) != _element_type(callee, p) or out not in params:
        return None
    args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
    k = params.index(out)
    arg = unparen(args[k]) if k < len(args) else None
    if arg is None or arg.type != "pointer_expression" or op(arg) != "&":
        return None
    c = unparen(_field(arg, "argument"))
    if c is None or c.type != "identifier" or not _local(caller, text(c)) or \
            assignment_positions(caller).get(text(c), []) != [arg.start_byte]:
        return None
    return text(c)


def _declarator_id(d: Node | None) -> str | None:
    """The name a ``T *x`` declarator declares (one pointer level)."""
    if d is None or d.type != "pointer_declarator":
        return None
    inner = _field(d, "declarator")
    return text(inner) if inner is not None and inner.type == "identifier" else None


def _element_type(fn: Node, name: str) -> str | None:
    shape = shape_of(name, declarations(fn, _root_of(fn)))
    if shape is None or shape.decl is None or shape.kind != "pointer" or shape.levels != 1:
        return None
    return norm(text(_field(shape.decl, "type")))


def _returns_with_count(fn: Node) -> tuple[str, str] | None:
    """(``p``, ``out``) when ``fn`` returns its local allocation ``p`` and stores its count
    through its parameter ``out`` (the module's rule)."""
    body = _field(fn, "body")
    if body is None or any(n.type == "goto_statement" for n in iter_nodes(body)):
        return None
    returns = [n for n in iter_nodes(body) if n.type == "return_statement"]
    top = [s for s in named(body) if s.type != "comment"]
    value = unparen(named(returns[0])[0]) if len(returns) == 1 and named(returns[0]) else None
    if not top or top[-1] != returns[0] or value is None or value.type != "identifier":
        return None
    p = text(value)
    allocs = [a for a in alloc_sites(body) if a.name == p]
    assigned = assignment_positions(fn)
    if len(allocs) != 1 or allocs[0].stmt.parent != body or not _fresh(fn, body, p, assigned):
        return None
    site = allocs[0].stmt
    count = unparen(count_expression(allocs[0]))
    if count is None or any(n.is_named and n.type not in _ARITH for n in iter_nodes(count)):
        return None
    names = {text(n) for n in iter_nodes(count) if n.type == "identifier"}
    addressed = addressed_names(body)
    params = [n for n in param_names(fn) if n]
    if any(not (n in params or _local(fn, n)) or n in addressed for n in names):
        return None
    for out in params:
        stmt = _count_store(body, out, count)
        if stmt is None or stmt.start_byte < site.end_byte or assigned.get(out):
            continue
        if any(site.end_byte <= at < stmt.start_byte for n in names for at in assigned.get(n, [])):
            return None
        return p, out
    return None


#: the expressions a count stored back may be: names, constants, arithmetic
_ARITH = frozenset({"identifier", "number_literal", "binary_expression",
                    "parenthesized_expression", "comment"})


def _count_store(body: Node, out: str, count: Node) -> Node | None:
    """The statement ``*out = e;`` of ``body`` (its outermost block) when it is the only place
    naming ``out`` and ``e`` is spelled as ``count``."""
    found = _sole_store(body, out)
    if found is None:
        return None
    stmt, e = found[0], unparen(found[1])
    return stmt if e is not None and norm(text(e)) == norm(text(count)) else None
