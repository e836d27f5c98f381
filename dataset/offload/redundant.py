"""Updates that move nothing new: two host statements of the region side by side, the first
followed by ``update device(a[s])``, the second preceded by ``update self(a[s])``.

Nothing runs between the two statements, so when the second begins the device copy of
``a[s]`` is the one the host has just pushed: bringing it back changes nothing (the ``self`` is
dropped).  If the second statement pushes ``a[s]`` itself afterwards, the first push is not
needed either, with or without the round trip: only host code (the second statement) runs
before that push, which sends all of ``a[s]`` as the host then holds it, the first
statement's writes included.  That holds only when no other ``update self`` of the array
goes above the second statement (it would copy the device's older values over the first
statement's writes: OpenACC 3.3, 2.14.4) and no ``break``/``continue`` can leave the second
statement before its push (the region admits no ``return``/``goto``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.tree import named
from accellium.dataset.offload.structure import exit_problem

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


def _array(section: str) -> str:
    return section.split("[", 1)[0]


def drop_redundant(updates: list[Update]) -> list[Update]:
    """``updates`` without the round trips and the pushes described above (the order is
    kept)."""
    drop: set[int] = set()
    for k, push in enumerate(updates):
        if push.direction != "device" or push.leaf.cond:
            continue
        nxt = _next_statement(push.leaf.anchor)
        if nxt is None:
            continue
        same = {j for j, pull in enumerate(updates)
                if pull.direction == "self" and not pull.leaf.cond and
                pull.section == push.section and pull.leaf.anchor.id == nxt.id}
        drop |= same
        other_pull = any(u.direction == "self" and u.leaf.anchor.id == nxt.id and
                         _array(u.section) == _array(push.section)
                         for j, u in enumerate(updates) if j not in same)
        pushed_again = any(u.direction == "device" and u.section == push.section and
                           u.if_present == push.if_present and
                           u.leaf.anchor.id == nxt.id and not u.leaf.cond for u in updates)
        if pushed_again and not other_pull and exit_problem([nxt]) is None:
            drop.add(k)
    return [u for k, u in enumerate(updates) if k not in drop]
