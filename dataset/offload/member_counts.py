"""Element counts kept in the members of a struct variable: ``p = malloc(s.bytes)`` after
``s.bytes = s.n * sizeof(T);``, and ``s.n`` read by a function that receives ``s`` by value
(the facts :mod:`.objects` reads when a size lives in a structure, as many applications keep
their dimensions: ``dim.space_elem``, ``grid.nx``).

C facts encoded:

* a struct variable the function declares (a local, or a parameter: C11 6.9.1p9, a parameter
  is an object of its own, assigned the argument's value at the call, 6.5.2.2p4) whose
  address is never taken (no ``&s``, ``&s.m``) is reached by no lvalue but its own name: a
  pointer to it, or to a member, can only come from ``&`` (an object with automatic storage
  is accessed through an lvalue, C11 6.5p7; without its address no pointer designates it),
  so no call and no store through a pointer can change ``s.m`` (:func:`own_member`);
* then ``s.m`` changes only at a store whose lvalue is ``s`` itself or a member path that
  overlaps ``m`` (``s.m``, ``s.m.k``, ``s = t``), which the function's text shows
  (:func:`_stores`): none at all — the member holds at every point the value it had when the
  function was entered (:func:`fixed_member`);
* a member whose only store is one expression statement ``s.m = e;`` of the function body's
  outermost block holds ``e``'s value from that statement on: those statements run once each,
  in order (C11 6.8.2p3; a ``goto`` may jump back, so a function with one is refused), and
  the names ``e`` uses keep their values when their own single stores come before it
  (:func:`member_value`);
* ``malloc(s.bytes)`` with ``s.bytes`` holding ``c * sizeof(T)`` allocates ``c`` objects of
  ``T`` (C11 7.22.3.4): ``c`` elements of a ``T *`` when ``T`` is the pointer's element type
  (``sizeof(T)``, ``sizeof *p``, ``sizeof p[0]``) — any other ``sizeof`` gives no count
  (:func:`member_alloc_count`).

Everything else gives no count (a member reached through a pointer ``g->n``, whose object
a call may change; a member stored twice or inside a loop or branch)."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.member_reads import (
    _floating_member,
    _Types,
    member_key,
    member_read,
    parse_key,
)
from accellium.dataset.analysis.scope import declared_names
from accellium.dataset.analysis.tree import (
    field,
    iter_nodes,
    named,
    norm,
    op,
    root_of,
    subscript_index,
    text,
    unparen,
)
from accellium.dataset.offload import poly

__all__ = ["own_member", "fixed_member", "member_value", "member_alloc_count"]

_ROUNDS = 4  # members spelled out inside one another (``s.bytes`` -> ``s.n * 8`` -> ...)


def _body(fn: Node) -> Node:
    return field(fn, "body") or fn


def _declarations(fn: Node, obj: str) -> list[tuple[Node, int, bool]]:
    """(declaration, pointer/array levels, static) of each declaration of ``obj`` in ``fn``."""
    out = []
    for n in iter_nodes(fn):
        if n.type in ("parameter_declaration", "declaration"):
            for d in declared_names(n):
                if d.name == obj:
                    out.append((n, d.levels, d.static))
    return out


def _own_path(lv: Node | None, obj: str) -> tuple[str, ...] | None:
    """The member path of an lvalue in ``obj``'s own storage (``s`` -> ``()``, ``s.a.n`` ->
    ``("a", "n")``, ``s.a[2]`` -> ``("a",)``: an element of a member array is part of that
    member); None for an lvalue outside it (``v->n``, ``x``)."""
    n = unparen(lv)
    path: list[str] = []
    while n is not None and n.type in ("field_expression", "subscript_expression"):
        if n.type == "field_expression":
            if text(field(n, "operator")) == "->":
                return None
            path.append(text(field(n, "field")))
        else:
            path.clear()  # ``s.a[i].k``: the member ``a`` as a whole
        n = unparen(field(n, "argument"))
    if n is None or n.type != "identifier" or text(n) != obj:
        return None
    return tuple(reversed(path))


def _top_statement(fn: Node, n: Node) -> Node | None:
    """The statement of ``fn``'s outermost block that holds ``n``."""
    body = _body(fn)
    while n.parent is not None and n.parent != body:
        n = n.parent
    return n if n.parent == body else None


def own_member(fn: Node, key: str, until: int | None = None) -> bool:
    """Is ``key`` (``s.m``, only ``.`` steps) a member of a struct variable ``fn`` declares
    once, not ``static``, whose address ``fn`` never takes (the module's first fact)?  With
    ``until``: whose address is taken only in statements of the outermost block that start at
    or after byte ``until`` — before those run, no pointer to it exists (and a function with a
    ``goto`` may run them earlier: refused)."""
    read = parse_key(key)
    if read is None or read[2] or _floating_member(_Types(fn, root_of(fn)), read[1][-1]):
        return False  # a count is an integer: a member the file declares floating is none
    obj = read[0]
    decls = _declarations(fn, obj)
    if len(decls) != 1 or decls[0][1] != 0 or decls[0][2]:
        return False
    for n in iter_nodes(fn):
        if n.type == "pointer_expression" and op(n) == "&" and \
                _own_path(field(n, "argument"), obj) is not None:
            top = _top_statement(fn, n) if until is not None and not _has_goto(fn) else None
            if top is None or top.start_byte < (until or 0):
                return False
    return True


def _stores(fn: Node, key: str) -> list[Node]:
    """The assignments and ``++``/``--`` of ``fn`` that may change the member ``key`` of an
    :func:`own_member` variable: those whose lvalue's member path overlaps ``key``'s."""
    read = parse_key(key)
    assert read is not None
    obj, members = read[0], read[1]
    out = []
    for n in iter_nodes(fn):
        if n.type == "assignment_expression":
            lv = field(n, "left")
        elif n.type == "update_expression":
            lv = field(n, "argument")
        else:
            continue
        path = _own_path(lv, obj)
        if path is None:
            continue
        k = min(len(path), len(members))
        if path[:k] == members[:k]:
            out.append(n)
    return out


def fixed_member(fn: Node, key: str) -> bool:
    """Does ``key`` hold, everywhere in ``fn``, one value (an :func:`own_member` with no
    store: a parameter's from the call, a local's from its initialiser)?"""
    return own_member(fn, key) and not _stores(fn, key)


def _has_goto(fn: Node) -> bool:
    return any(n.type == "goto_statement" for n in iter_nodes(fn))


def _top_store(fn: Node, key: str, until: int | None = None) -> Node | None:
    """The expression statement ``key = e;`` of ``fn``'s outermost block when it is the
    member's only store (the module's third fact); None otherwise."""
    if not own_member(fn, key, until) or _has_goto(fn):
        return None
    stores = _stores(fn, key)
    if len(stores) != 1:
        return None
    s = stores[0]
    stmt = s.parent
    if s.type != "assignment_expression" or op(s) != "=" or stmt is None or \
            stmt.type != "expression_statement" or stmt.parent != _body(fn) or \
            member_key(field(s, "left")) != key:
        return None
    return stmt


def member_value(fn: Node, key: str, before: int, until: int | None = None
                 ) -> tuple[Node, int] | None:
    """(the value ``e``, where its statement starts) of ``key``'s only store ``key = e;``, a
    statement of ``fn``'s outermost block that ends before byte ``before``."""
    stmt = _top_store(fn, key, until)
    if stmt is None or stmt.end_byte > before:
        return None
    right = field(named(stmt)[0], "right")
    return (right, stmt.start_byte) if right is not None else None


def _members_env(fn: Node, e: Node, at: int, until: int | None
                 ) -> dict[str, poly.Poly] | None:
    """Each member read of ``e`` (evaluated at byte ``at``) as a name of its own: a member of
    a struct variable of ``fn`` whose only store comes before ``at`` in the outermost block, so
    that it has that value from there on, or one ``fn`` never stores (None: one that may
    change later)."""
    env: dict[str, poly.Poly] = {}
    for n in iter_nodes(e):
        if n.type != "field_expression" or member_read(n) is None:
            continue
        key = norm(text(n))
        if key in env:
            continue
        if member_value(fn, key, at, until) is None and not fixed_member(fn, key):
            return None
        env[key] = poly.var(key)
    return env


def _element_sizeof(s: Node, x: str, type_name: str) -> bool:
    """Is ``s`` (a ``sizeof``) the size of the element of ``x`` (of type ``type_name``):
    ``sizeof(T)``, ``sizeof *x``, ``sizeof x[0]``?"""
    inner = [c for c in named(s) if c.type != "comment"]
    if len(inner) != 1:
        return False
    if inner[0].type == "type_descriptor":
        return norm(text(inner[0])) == norm(type_name)
    t = unparen(inner[0])
    if t is None:
        return False
    if t.type == "identifier":  # ``sizeof(T)`` of a typedef name parses as an expression
        return text(t) == type_name
    if t.type == "pointer_expression" and op(t) == "*":
        a = unparen(field(t, "argument"))
        return a is not None and a.type == "identifier" and text(a) == x
    if t.type == "subscript_expression":
        a = unparen(field(t, "argument"))
        idx = unparen(subscript_index(t))
        return a is not None and text(a) == x and idx is not None and text(idx) == "0"
    return False


def _factors(e: Node | None) -> list[Node]:
    e = unparen(e)
    if e is None:
        return []
    if e.type != "binary_expression" or text(field(e, "operator")) != "*":
        return [e]
    return _factors(field(e, "left")) + _factors(field(e, "right"))


def member_alloc_count(fn: Node, stmt: Node, x: str, type_name: str, until: int | None = None
                       ) -> poly.Poly | None:
    """The element count of ``x``'s allocation ``malloc(s.bytes)`` in the statement ``stmt``
    of ``fn`` (``x`` of type ``type_name *``), when ``s.bytes`` holds ``c * sizeof(T)`` there
    (the module's facts): ``c``, its member reads kept as names (``s.n``), each holding its
    value until the statement of the outermost block that starts at byte ``until`` (the call
    the count is for; None: everywhere after its store)."""
    calls = [n for n in iter_nodes(stmt) if is_call(n) and
             text(field(n, "function")) == "malloc"]
    if len(calls) != 1:
        return None
    args = [a for a in named(field(calls[0], "arguments")) if a.type != "comment"]
    if len(args) != 1:
        return None
    size: Node | None = unparen(args[0])
    at = stmt.start_byte
    for _ in range(_ROUNDS):
        if size is None or size.type != "field_expression" or member_read(size) is None:
            break
        got = member_value(fn, norm(text(size)), at, until)
        if got is None:
            return None
        size, at = unparen(got[0]), got[1]
    factors = _factors(size)
    sizes = [f for f in factors if f.type == "sizeof_expression"]
    if len(sizes) != 1 or not _element_sizeof(sizes[0], x, type_name) or len(factors) < 2:
        return None
    out: poly.Poly | None = poly.const(1)
    for f in factors:
        if f is sizes[0]:
            continue
        env = _members_env(fn, f, at, until)
        value = poly.poly_of(f, env) if env is not None else None
        out = poly.mul(out, value) if out is not None and value is not None else None
    return out
