"""Host statements that reach a mapped array through a local pointer made by an earlier
statement (``double *bottom = u + (n-1)*m;`` then ``bottom[j] = bc[j];``, or
``const double *m = a + n/2;`` then ``tr[t] = *m;``).

In C, ``p[k]`` is ``*(p + k)`` (C11 6.5.2.1), and ``p = a + k`` (or ``&a[k]``, 6.5.3.2p3)
holds the address of element ``k`` of ``a``'s array (6.5.6p8): the statement that
dereferences ``p`` reads or writes ``a[k + ...]`` *there*, while the statement that makes
``p`` only computes an address and touches no element.  So the host's use of the array is
at each dereference of the pointer, and an ``update self`` must come before the reading
statement, an ``update device`` after the writing one — not around the pointer's
declaration (before, the plan put both there: a write through ``bottom`` after the
declaration never reached the device, and a read through ``m`` after a kernel that wrote
``a`` read the host's old copy).

:func:`pointer_use` turns a host use through such a pointer into a use of the array: the
element ``a[k + j]`` when the pointer's value is fixed (:func:`fixed_offsets`), else the
whole array, read and written.  :func:`address_only` tells the array's name in the
pointer's value, which is then no use, when every later use of the pointer is a
dereference the flow sees that way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.aliases import function_assignments
from accellium.dataset.analysis.tree import addressed_names, iter_nodes, op, text
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.offload.offset_locals import own_offset
from accellium.dataset.offload.uses import ZERO, ArrayUse, declarator_name

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import Scope

__all__ = ["fixed_offsets", "pointer_use", "address_only"]

#: The expressions an address passes through unchanged in value but for an offset.
_ADDRESS = frozenset({"parenthesized_expression", "cast_expression"})


def fixed_offsets(scope: Scope) -> dict[str, tuple[str, Node | None]]:
    """The pointers of the function whose value is one element of one array wherever they are
    used: ``T *p = a + k;`` (``&a[k]``, or ``= a``: offset none) as its only assignment, and
    no assignment in the function to ``a`` or a name of ``k`` (:func:`.offset_locals.own_offset`:
    ``k`` is arithmetic on the function's own names, none of them nor ``p`` has its address
    taken).  Each: pointer -> (array, offset).  Kept in ``scope.memo``."""
    key = f"fixed-offsets@{scope.fn.start_byte}"
    got = scope.memo.get(key)
    if isinstance(got, dict):
        return got
    counts = function_assignments(scope.fn, scope.memo).count
    addressed = addressed_names(scope.fn)
    out: dict[str, tuple[str, Node | None]] = {}
    for d in iter_nodes(scope.fn):
        if d.type != "init_declarator":
            continue
        name, arr, k, names = _own_value(d, scope, addressed)
        if name is None or arr is None or name in addressed or counts.get(name) != 1 or \
                any(counts.get(n) for n in names):
            continue
        out[name] = (arr, k)
    scope.memo[key] = out
    return out


def _own_value(d: Node, scope: Scope, addressed: set[str]
               ) -> tuple[str | None, str | None, Node | None, set[str]]:
    """(pointer, array, offset, names of the value) of ``T *p = a + k`` (offset ``k``) or
    ``T *p = a`` (no offset); Nones when the value is neither."""
    got = own_offset(d, scope, addressed)
    if got is not None:
        name, arr, k, names = got
        return name, text(arr), k, names
    value = _field(d, "value")
    declarator = _field(d, "declarator")
    while value is not None and value.type == "parenthesized_expression" and value.named_children:
        value = value.named_children[0]
    if value is None or value.type != "identifier" or declarator is None or \
            declarator.type != "pointer_declarator" or \
            (shape := scope.shape(text(value))) is None or \
            shape.kind not in ("pointer", "array", "rows") or text(value) in addressed:
        return None, None, None, set()
    return declarator_name(declarator), text(value), None, {text(value)}


def pointer_use(u: ArrayUse, array: str, scope: Scope) -> ArrayUse:
    """The use of ``array`` that the host use ``u`` through a pointer into it is: with the
    subscripts of the element when the pointer's offset is fixed (:func:`fixed_offsets`:
    ``p[j]`` of ``p = a + k`` is ``a[k + j]``), read and written as ``u``; else the whole
    array, read and written (what the pointer reaches is not known)."""
    from accellium.dataset.analysis.macros import parsed_expression

    fixed = fixed_offsets(scope).get(u.name)
    if fixed is not None and fixed[0] == array and u.subs and not u.whole and not u.member:
        _, k = fixed
        first = u.subs[0]
        if k is None:
            return ArrayUse(array, u.node, list(u.subs), u.read, u.write, u.plain)
        sub: Node | None = k if first == ZERO else \
            parsed_expression(f"{_operand(k)} + {_operand(first)}", "c")  # type: ignore[arg-type]
        if sub is not None:
            return ArrayUse(array, u.node, [sub, *u.subs[1:]], u.read, u.write, u.plain)
    return ArrayUse(array, u.node, [], True, True, False, True)


def _operand(e: Node) -> str:
    """The text of ``e`` as an operand of ``+``: parenthesised unless a name or a number."""
    t = " ".join(text(e).split())
    return t if e.type in ("identifier", "number_literal", "parenthesized_expression") \
        else f"({t})"


def address_only(u: ArrayUse, scope: Scope) -> bool:
    """Is the whole use ``u`` of an array only the address a pointer of
    :func:`fixed_offsets` is initialised with (``u`` of ``double *p = u + k;``, ``a[k]`` of
    ``&a[k]``), that pointer being used only to reach elements — subscripted or dereferenced
    where it is named, never passed on, copied or stepped?  Then each of its uses is a use of
    the array where it is made (:func:`pointer_use`), and the declaration touches no element
    (C11 6.5.6p8, 6.5.3.2p3)."""
    if not u.whole:
        return False
    cur = u.node
    while cur.parent is not None and (cur.parent.type in _ADDRESS or (
            cur.parent.type == "binary_expression" and (op(cur.parent) == "+" or (
                op(cur.parent) == "-" and _field(cur.parent, "left") == cur))) or (
            cur.parent.type == "pointer_expression" and op(cur.parent) == "&")):
        cur = cur.parent
    d = cur.parent
    if d is None or d.type != "init_declarator" or _field(d, "value") != cur:
        return False
    name = declarator_name(_field(d, "declarator"))
    fixed = fixed_offsets(scope).get(name) if name else None
    return fixed is not None and fixed[0] == u.name and _only_dereferenced(name, d, scope)


def _only_dereferenced(name: str | None, d: Node, scope: Scope) -> bool:
    """Is every use of ``name`` in the function, but its declarator ``d``, the pointer of an
    element access (``name[j]``, ``*name``, ``name->x``)?"""
    declared = _field(d, "declarator")
    for n in iter_nodes(scope.fn):
        if n.type != "identifier" or text(n) != name or \
                (declared is not None and declared.start_byte <= n.start_byte < declared.end_byte):
            continue
        p = n.parent
        if p is None:
            return False
        if p.type == "subscript_expression" and _field(p, "argument") == n:
            continue
        if p.type == "pointer_expression" and op(p) == "*":
            continue
        if p.type == "field_expression" and _field(p, "argument") == n:
            continue
        return False
    return True
