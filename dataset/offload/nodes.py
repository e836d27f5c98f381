"""Small questions about a syntax node that several planner modules ask."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import named

__all__ = ["statement_of", "in_sizeof", "block_items"]


def statement_of(node: Node) -> Node:
    """The statement (or declaration) that contains ``node``."""
    p = node
    while p.parent is not None and not (p.type.endswith("_statement") or p.type == "declaration"):
        p = p.parent
    return p


def in_sizeof(n: Node) -> bool:
    """Is ``n`` inside a ``sizeof`` of its statement (not evaluated, C11 6.5.3.4p2)?"""
    p = n.parent
    while p is not None and not p.type.endswith("statement"):
        if p.type == "sizeof_expression":
            return True
        p = p.parent
    return False


def block_items(body: Node | None) -> list[Node]:
    """The statements of a block (a single statement for an unbraced body)."""
    if body is None:
        return []
    if body.type == "compound_statement":
        return [c for c in named(body) if c.type != "comment"]
    return [body]
