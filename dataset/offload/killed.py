"""Memory a caller overwrites whole after a call before anything reads it
(:func:`overwritten_after`): what the callee left there is never read, so the callee's region
need not copy it back.

The rule used (sound for C), for the caller's name ``x`` of memory no other name reaches (the
conditions of :mod:`.live`: a local array, or a local pointer whose only assignment is its
one ``malloc``/``calloc``, that escapes nowhere), whose object has ``N`` elements (the array's
declared size, the allocation's count):

* the call is in an expression statement or a declaration (no jump inside it) that names ``x``
  nowhere else, an item of a ``{ }`` block;
* the statements after it in that block up to the first one that names ``x`` hold no
  ``goto``/``break``/``continue``/``return`` (control reaches that statement, the *kill*,
  before anything else can read the memory; it has no other name) and declare no ``x``;
* the kill replaces every element ``x[0..N-1]`` before reading any:

  - a counted ``for`` loop (unit step, index assigned only by its header) over ``0..N-1``
    whose header does not name ``x`` and whose body, with no jump, has as its first item
    naming ``x`` an expression statement whose only uses of ``x`` are plain assignments
    ``x[i] = ...`` (``i`` the index; a chain ``p[i] = x[i] = e`` counts) — every later use
    of ``x`` in the body is ``x[i]`` itself, the element this iteration already replaced;
  - or an expression statement that is a direct call of a function of the program, ``x``
    passed once as a plain argument to a parameter the function never assigns, whose body
    starts (before any jump, before anything else naming that parameter) with such a loop
    over ``0..L-1`` of the parameter — ``L`` in the function's parameters, which it never
    assigns — and ``L`` with the call's arguments for those parameters is ``N``;

* the names of ``N`` are parameters of the caller it never assigns or locals assigned only by
  their declaration (so ``N`` has one value from the allocation to the kill).

Everything else is not proven overwritten."""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import assignment_positions
from accellium.dataset.offload.nodes import (
    assignment_chain,
    block_items,
    callee_name,
    has_jump,
    in_sizeof,
)
from accellium.dataset.offload.ranges import loop_range
from accellium.dataset.offload.shapes import walk_declarator
from accellium.dataset.offload.uses import array_uses, assignments

__all__ = ["overwritten_after", "object_size"]


#: A function of the program by name (None: unknown, or defined more than once) and its
#: parameter names.
Lookup = Callable[[str], "tuple[Node, list[str | None]] | None"]


def object_size(t: str) -> poly.Poly | None:
    """The element count a declared size spells (``100``, ``n``)."""
    t = t.strip()
    try:
        return poly.const(int(t, 0))
    except ValueError:
        return poly.var(t) if t.isidentifier() else None


def _names(node: Node, x: str) -> bool:
    """Does ``node`` name ``x`` (outside ``sizeof``)?"""
    return any(n.type == "identifier" and text(n) == x and not in_sizeof(n)
               for n in iter_nodes(node))


def _kill_loop(loop: Node, x: str) -> poly.Poly | None:
    """``N`` when ``loop`` replaces ``x[0..N-1]`` before reading any of it (the module's rule),
    in the names of its header."""
    if loop.type != "for_statement":
        return None
    body = _field(loop, "body")
    if body is None or has_jump(body):
        return None
    if any(_names(c, x) for c in loop.children if c.id != body.id):
        return None  # the header
    r = loop_range(loop, {})
    if r is None or not r.unit or len(r.lo) != 1 or len(r.hi) != 1 or r.lo[0] != poly.const(0):
        return None
    if set(assignments(body).count) & poly.names(r.hi[0]):
        return None  # the body changes its bound
    first = next((s for s in block_items(body) if _names(s, x)), None)
    if first is None or first.type != "expression_statement":
        return None
    uses = [u for u in array_uses(body) if u.name == x]
    if not uses or any(u.whole or len(u.subs) != 1 or isinstance(u.subs[0], int)
                       or text(u.subs[0]) != r.var for u in uses):
        return None  # an element other than this iteration's (or the pointer itself)
    if any(n.type == "identifier" and text(n) == x and not in_sizeof(n)
           and not any(u.node.start_byte <= n.start_byte < u.node.end_byte for u in uses)
           for n in iter_nodes(body)):
        return None
    mine = [u for u in uses if first.start_byte <= u.node.start_byte < first.end_byte]
    if not mine or any(not (u.plain and u.write and not u.read) for u in mine) or \
            not _plain_chain(first, mine):
        return None
    return poly.add(r.hi[0], poly.const(1))


def _plain_chain(stmt: Node, writes: list) -> bool:
    """Each write is the left side of an ``=`` that is the statement's expression or the
    right side of such an ``=`` (``p[i] = x[i] = e``): it runs whenever the statement does."""
    chain = assignment_chain(stmt)
    return all(u.node.id in chain for u in writes)


def _kill_call(stmt: Node, x: str, lookup: Lookup) -> poly.Poly | None:
    """``N`` (in the caller's names) when ``stmt`` is a call whose callee starts by replacing
    the object ``x`` is passed as (the module's rule)."""
    if stmt.type != "expression_statement" or not named(stmt):
        return None
    call = unparen(named(stmt)[0])
    if call is None or not is_call(call):
        return None
    name = callee_name(call)
    got = lookup(name) if name is not None else None
    if got is None:
        return None
    fn, params = got
    args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
    at = [k for k, a in enumerate(args) if text(unparen(a)) == x]
    if len(at) != 1 or len(args) != len(params) or \
            sum(_names(a, x) for a in args) != 1:
        return None
    p = params[at[0]]
    assigned = assignment_positions(fn)
    if p is None or assigned.get(p):
        return None
    body = _field(fn, "body")
    first = next((s for s in block_items(body) if _names(s, p)), None)
    if body is None or first is None or \
            any(has_jump(s) for s in block_items(body) if s.start_byte < first.start_byte):
        return None
    count = _kill_loop(first, p)
    if count is None or any(n not in params or assigned.get(n) for n in poly.names(count)):
        return None
    return _renamed(count, params, args)


def _renamed(count: poly.Poly, params: list[str | None], args: list[Node]) -> poly.Poly | None:
    """``count`` with each parameter replaced by the polynomial of its argument."""
    out: poly.Poly | None = count
    for k, p in enumerate(params):
        if p and out is not None and p in poly.names(out):
            out = poly.subst(out, p, poly.var(f"\0{k}"))
    for k, a in enumerate(args):
        if out is None:
            return None
        if f"\0{k}" in poly.names(out):
            value = poly.poly_of(a)
            if value is None:
                return None
            out = poly.subst(out, f"\0{k}", value)
    return out


def _declared(body: Node, name: str) -> list[Node]:
    """The declarations of ``name`` under ``body``."""
    out = []
    for n in iter_nodes(body):
        if n.type == "declaration" and any(
                walk_declarator(d)[0] == name for d in n.children_by_field_name("declarator")):
            out.append(n)
    return out


def _stable(caller: Node, params: list[str | None], count: poly.Poly, origin: Node,
            stmt: Node) -> bool:
    """Has each name of ``count`` one value from ``origin`` (the array's declaration, the
    allocation) to ``stmt``: a parameter the caller never assigns nor hides, or its one local
    of that name, assigned only by its declaration, in scope at both?"""
    body = _field(caller, "body") or caller
    a = assignments(body)
    for n in poly.names(count):
        decls = _declared(body, n)
        if n in params:
            if decls or a.count.get(n, 0):
                return False
            continue
        if len(decls) != 1 or a.count.get(n, 0) != 1 or n not in a.values or \
                decls[0].start_byte > origin.start_byte:
            return False
        scope = decls[0].parent
        if scope is None or not all(scope.start_byte <= s.start_byte < scope.end_byte
                                    for s in (origin, stmt)):
            return False
    return True


def overwritten_after(caller: Node, stmt: Node, x: str, count: poly.Poly | None,
                      origin: Node, lookup: Lookup, params: list[str | None]) -> bool:
    """Does the caller replace every element of the object ``x`` (``count`` elements) after
    ``stmt`` (the statement of a call) before anything reads it (the module's rule)?
    ``origin``: the statement that gives the object (its declaration, its allocation).  The
    caller has checked that no other name reaches the object."""
    block = stmt.parent
    if count is None or block is None or block.type != "compound_statement" or \
            stmt.type not in ("expression_statement", "declaration") or has_jump(stmt) or \
            not _stable(caller, params, count, origin, stmt):
        return False
    after = [c for c in named(block) if c.start_byte >= stmt.end_byte and c.type != "comment"]
    for s in after:
        if not _names(s, x):
            if has_jump(s) or x in assignments(s).declared:
                return False
            continue
        got = _kill_loop(s, x) if s.type == "for_statement" else _kill_call(s, x, lookup)
        return got is not None and poly.sub(got, count) == {}
    return False
