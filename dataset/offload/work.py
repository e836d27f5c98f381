"""How much work a unit of the plan does, to choose which loop keeps the device when two
loops' accesses of one array cannot share a section (:func:`.arrays.collect`).

The rule: a deeper loop nest does more work (each level multiplies the iterations by a trip
count the planner cannot see, so depth dominates); between nests of equal depth, the one whose
body has more arithmetic operations and array accesses per iteration does more."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import iter_nodes

__all__ = ["work"]

_LOOPS = ("for_statement", "while_statement", "do_statement", "for_range_loop")
_ARITH = ("binary_expression", "subscript_expression", "call_expression",
          "assignment_expression", "update_expression")


def _depth(node: Node) -> int:
    """The deepest chain of loops in ``node`` (itself included)."""
    best = 0
    stack = [(node, 0)]
    while stack:
        n, d = stack.pop()
        if n.type in _LOOPS:
            d += 1
            best = max(best, d)
        stack.extend((c, d) for c in n.named_children)
    return best


def work(node: Node) -> tuple[int, int]:
    """(loop nest depth, operations and array accesses in the nest): larger is more work."""
    return _depth(node), sum(n.type in _ARITH for n in iter_nodes(node))
