"""Locals that name an offset into an array (issue #15, application shape: a loop over
patterns whose body declares ``const double *x = patterns + p * n;`` and passes ``x`` to the
functions of its kernels).

A pointer declared ``T *x = a + k;`` (or ``= &a[k]``: ``&a[k]`` is ``a + k``, C11 6.5.3.2p3)
holds the address of element ``k`` of ``a``'s array (C11 6.5.6p8) from its declaration on,
as long as nothing assigns it again; so a later call passing ``x`` passes ``a + k`` with the
value ``k`` had at the declaration, and when nothing assigns ``a`` or a name of ``k`` between
the two, that is the value ``k`` has at the call.  Such a call is then the call passing the
offset argument ``a + k`` (:func:`.callsites._offset_arg`): the callee's ``p[lo..hi]`` is
``a[k+lo .. k+hi]``, and the caller's region maps ``a`` over its loop instead of naming
``x``, which a data directive above the declaration cannot (C11 6.2.1p4).

What is proven, so the caller sees every access made through ``x`` as one of ``a``:
the declaration is one pointer declarator in a block; ``x``, ``a`` and the names of ``k``
are not assigned, incremented or have their address taken in the statements of that block
after it (C11 6.5.16, 6.5.2.4, 6.5.3.1; an address taken anywhere in the function would
let a callee write the name: refused too); ``k`` is arithmetic on names and constants (no
call, no memory read: its value is the names'), those names being the function's own
parameters and locals or constants — a global could change in a callee — and ``a`` is one
of them or a true array (an array is no modifiable lvalue, C11 6.3.2.1p1); and every later
use of ``x`` is an argument of a call to a function whose summary reaches it only on the
device (no host read or write through it the region would not see, no use of ``x`` in the
caller's own host code)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.tree import (
    addressed_names,
    iter_nodes,
    named,
    op,
    subscripts,
    text,
    unparen,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.offload.nodes import callee_name
from accellium.dataset.offload.uses import assignments

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import Scope
    from accellium.dataset.offload.calls import Summary

__all__ = ["offset_bases", "offset_locals", "offset_value", "own_offset"]

#: The node types of an offset that is arithmetic on names and constants.
_ARITHMETIC = frozenset({"identifier", "number_literal", "binary_expression",
                         "parenthesized_expression", "unary_expression"})


def offset_value(value: Node | None) -> tuple[Node, Node] | None:
    """``a + k``, ``k + a`` or ``&a[k]`` (``a`` an identifier): (``a``, ``k``); None: another
    value.  Which operand is the array is the caller's to check (:func:`.callsites._offset_arg`
    reads the sum itself)."""
    value = unparen(value)
    if value is None:
        return None
    if value.type == "pointer_expression" and op(value) == "&":
        sub = unparen(_field(value, "argument"))
        if sub is None or sub.type != "subscript_expression":
            return None
        arr, idx = subscripts(sub)
        if arr is None or arr.type != "identifier" or len(idx) != 1:
            return None
        return arr, idx[0]
    if value.type == "binary_expression" and op(value) == "+":
        left, right = unparen(_field(value, "left")), unparen(_field(value, "right"))
        if left is not None and right is not None:
            return (left, right) if left.type == "identifier" else (right, left)
    return None


def offset_locals(fn: Node, scope: Scope, summaries: dict[str, Summary | str]
                  ) -> dict[int, Node]:
    """The arguments of calls in ``fn`` that are such locals: the identifier's node id -> the
    value of its declaration (``a + k`` or ``&a[k]``)."""
    body = _field(fn, "body")
    if body is None:
        return {}
    addressed = addressed_names(body)
    out: dict[int, Node] = {}
    for decl in iter_nodes(body):
        if decl.type != "declaration" or decl.parent is None or \
                decl.parent.type != "compound_statement":
            continue
        for d in decl.children_by_field_name("declarator"):
            got = _uses_of(d, decl, scope, summaries, addressed)
            for use in got or ():
                out[use.id] = unparen(_field(d, "value"))  # type: ignore[assignment]
    return out


def offset_bases(locals_: dict[int, Node]) -> frozenset[int]:
    """The nodes of those locals' values (``a`` of ``a + k``, ``a[k]`` of ``&a[k]``): the
    array uses they hold compute an address and access nothing (C11 6.5.6p8, 6.5.3.2p3)."""
    return frozenset(n.id for value in locals_.values() for n in iter_nodes(value))


def own_offset(d: Node, scope: Scope, addressed: set[str]
               ) -> tuple[str, Node, Node, set[str]] | None:
    """``(x, a, k, names)`` of a declarator ``T *x = a + k`` (or ``= &a[k]``) whose offset
    ``k`` is arithmetic on the function's own parameters and locals or constants, ``a`` one
    of them or a true array, and no name of ``a + k`` has its address taken in the function
    (``addressed``): the value of ``x`` is then the values of ``names`` (those of ``a`` and
    ``k``) where it is declared, which only the function's own assignments can change."""
    name = _pointer_name(d)
    got = offset_value(_field(d, "value")) if name is not None else None
    if name is None or got is None:
        return None
    arr, k = got
    names = {text(arr)} | {text(n) for n in iter_nodes(k) if n.type == "identifier"}
    if any(n.is_named and n.type not in _ARITHMETIC for n in iter_nodes(k)) or \
            names & addressed or \
            not all(_own(n, scope) for n in names - {text(arr)}) or \
            not (_own(text(arr), scope) or _true_array(text(arr), scope)):
        return None
    return name, arr, k, names


def _uses_of(d: Node, decl: Node, scope: Scope, summaries: dict[str, Summary | str],
             addressed: set[str]) -> list[Node] | None:
    """The later uses of the local ``d`` declares when it is such a local (None: it is not)."""
    got = own_offset(d, scope, addressed)
    if got is None:
        return None
    name, _, _, names = got
    later = [s for s in named(decl.parent) if s.start_byte > decl.start_byte]
    counts: dict[str, int] = {}
    for s in [decl, *later]:
        for n, c in assignments(s).count.items():
            counts[n] = counts.get(n, 0) + c
    if counts.get(name) != 1 or any(counts.get(n) for n in names) or \
            any(name in assignments(s).declared for s in later):
        return None
    uses = [n for s in later for n in iter_nodes(s)
            if n.type == "identifier" and text(n) == name]
    return uses if all(_device_argument(u, summaries) for u in uses) else None


def _pointer_name(d: Node) -> str | None:
    """The name ``T *x = v`` declares (one ``*`` over the identifier); None: another
    declarator."""
    if d.type != "init_declarator":
        return None
    p = _field(d, "declarator")
    ident = _field(p, "declarator") if p is not None and p.type == "pointer_declarator" else None
    return text(ident) if ident is not None and ident.type == "identifier" else None


def _own(name: str, scope: Scope) -> bool:
    """Is ``name`` a parameter or local of the function (its every declaration there), or
    declared nowhere in the file (a macro's or an enumerator's constant)?"""
    return all(s.local or s.decl is not None and s.decl.type == "parameter_declaration"
               for s in scope.decls.get(name, []))


def _true_array(name: str, scope: Scope) -> bool:
    shape = scope.shape(name)
    return shape is not None and shape.kind == "array"


def _device_argument(use: Node, summaries: dict[str, Summary | str]) -> bool:
    """Is ``use`` an argument of a call to a function whose summary reaches that parameter
    with one subscript, on the device only?"""
    arg = use
    while arg.parent is not None and arg.parent.type == "parenthesized_expression":
        arg = arg.parent
    args = arg.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    if call is None or not is_call(call):
        return False
    name = callee_name(call)
    s = summaries.get(name) if name is not None else None
    if s is None or isinstance(s, str):
        return False
    kids = [a for a in named(args) if a.type != "comment"]
    ks = [k for k, a in enumerate(kids) if a.id == arg.id]
    if len(ks) != 1:
        return False
    k = ks[0]
    use_k = s.arrays.get(k)
    return use_k is not None and not use_k.inner and not use_k.rows and \
        k not in s.host_params and k not in s.host_reads
