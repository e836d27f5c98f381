"""Stores of addresses: a loop that writes a pointer it computes into memory that outlives the
iteration (``row[r] = data + r * cols;``, ``p->next = &nodes[i + 1];``).

The fact of OpenACC: inside a compute construct a name of a mapped array or pointer, and the
address of a mapped object, are device addresses (OpenACC 3.3, 2.6.8 attach, 2.7.2 data
clauses; an unmapped pointer's device value is not the host's either).  An address computed
there and stored into memory the host reads back — an element of a copied array, a member of
a copied object — holds a device address on the host, which the host cannot dereference (or,
for an unmapped base, a value it never had).  Copying a pointer value read from memory
(``a[i] = b[i]``) stores what the host stored, and a pointer the iteration declares for its
own use (``float *row = a + i * n;``) never leaves the device; neither is a store of an
address here.

What counts as an address: ``&x``; a name declared as a pointer or an array (``data``, which
is an address as a value) and ``p + k``, ``p - k``, ``k + p`` of one; either branch of
``c ? p : q``.  A name's declaration comes from the loop's file (``declared``); for a loop
given alone only ``&x`` is certain.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.scope import Declared
from accellium.dataset.analysis.tree import field, iter_nodes, op, text, unparen

__all__ = ["address_stores"]

_MEMORY = ("subscript_expression", "field_expression", "pointer_expression")


def _is_address(node: Node | None, declared: Callable[[str], Declared | None],
                local: set[str]) -> bool:
    """Whether the value of ``node`` is an address the construct computes (see the module)."""
    stack = [node]
    while stack:
        n = unparen(stack.pop())
        if n is None:
            continue
        if n.type == "pointer_expression" and op(n) == "&":
            return True
        if n.type == "identifier":
            name = text(n)
            d = None if name in local else declared(name)
            if d is not None and d.function is None and d.levels - d.references > 0:
                return True
        elif n.type == "binary_expression" and op(n) in ("+", "-"):
            stack.append(field(n, "left"))
            if op(n) == "+":  # `p - q` is a distance, `k - p` no C
                stack.append(field(n, "right"))
        elif n.type == "conditional_expression":
            stack.extend((field(n, "consequence"), field(n, "alternative")))
    return False


def _root(node: Node | None) -> str | None:
    """The variable an lvalue's memory hangs from: ``a`` of ``a[i].x``, ``p`` of ``*p``,
    ``s`` of ``s->v[k]`` (None when it is not a chain of names)."""
    n = unparen(node)
    while n is not None:
        if n.type == "identifier":
            return text(n)
        if n.type in ("subscript_expression", "field_expression", "pointer_expression"):
            n = unparen(field(n, "argument"))
            continue
        return None
    return None


def address_stores(loop: Node, declared: Callable[[str], Declared | None],
                   local: set[str]) -> list[tuple[str, int]]:
    """The assignments in ``loop`` that store an address into memory outside the iteration:
    the left side an element, a member or ``*p`` of a name the loop does not declare
    (``local``: the names it declares), the right side an address (see the module); each as
    (the lvalue's text, its line)."""
    out: list[tuple[str, int]] = []
    for n in iter_nodes(loop):
        if n.type != "assignment_expression" or op(n) != "=":
            continue
        left = unparen(field(n, "left"))
        if left is None or left.type not in _MEMORY:
            continue
        if left.type == "pointer_expression" and op(left) != "*":
            continue
        base = _root(left)
        if base is None or base in local:
            continue
        if _is_address(field(n, "right"), declared, local):
            out.append((" ".join(text(left).split()), n.start_point[0] + 1))
    return out
