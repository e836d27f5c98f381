"""Updates that move nothing new: two host statements of the region side by side, the first
followed by ``update device(a[s])``, the second preceded by ``update self(a[s])``.

Nothing runs between the two statements, so when the second begins the device copy of
``a[s]`` is the one the host has just pushed: bringing it back changes nothing (the ``self`` is
dropped).  If the second statement pushes ``a[s]`` itself afterwards, the first push is not
needed either: only host code (the second statement) runs before that push, which sends all of
``a[s]`` as the host then holds it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.tree import named

if TYPE_CHECKING:
    from accellium.dataset.offload.flow import Update

__all__ = ["drop_redundant"]


def _next_statement(node: Node) -> Node | None:
    parent = node.parent
    if parent is None or parent.type != "compound_statement":
        return None
    kids = [c for c in named(parent) if c.type != "comment"]
    idx = next((k for k, c in enumerate(kids) if c.id == node.id), None)
    return kids[idx + 1] if idx is not None and idx + 1 < len(kids) else None


def drop_redundant(updates: list[Update]) -> list[Update]:
    """``updates`` without the round trips described above (the order is kept)."""
    drop: set[int] = set()
    for k, push in enumerate(updates):
        if push.direction != "device" or push.leaf.cond:
            continue
        nxt = _next_statement(push.leaf.anchor)
        if nxt is None:
            continue
        for j, pull in enumerate(updates):
            if pull.direction != "self" or pull.leaf.cond or pull.section != push.section or \
                    pull.leaf.anchor.id != nxt.id:
                continue
            drop.add(j)
            if any(u.direction == "device" and u.section == push.section and
                   u.leaf.anchor.id == nxt.id and not u.leaf.cond for u in updates):
                drop.add(k)
    return [u for k, u in enumerate(updates) if k not in drop]
