"""The loop nest: the perfectly nested loops from the analysed one down, their indices and
bounds, and how many of them ``collapse`` may cover."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.tree import (
    LOOP_TYPES,
    ForHeader,
    body_statements,
    for_header,
    idents,
    text,
)
from accellium.dataset.analysis.tree import field as _field

__all__ = ["Nest", "read_nest"]


@dataclass
class Nest:
    loops: list[Node] = field(default_factory=list)  # the perfect nest, outermost first
    headers: list[ForHeader] = field(default_factory=list)  # up to the first unreadable one
    collapse: int = 1

    @property
    def index_vars(self) -> list[str]:
        return [h.var for h in self.headers if h.var]


def _collapse(loops: list[Node], headers: list[ForHeader]) -> int:
    """How many loops are perfectly nested and rectangular: an inner loop's bounds and
    condition use none of the outer indices (OpenACC 3.3, 2.9.1: collapse needs a
    rectangular iteration space)."""
    n = 1
    outer: set[str] = set()
    for k in range(1, len(headers)):
        outer.add(headers[k - 1].var or "")
        h = headers[k]
        words = idents(f"{h.lo} {h.hi}")
        if words & outer or not h.hi or idents(text(_field(loops[k], "condition"))) & outer:
            break
        n = k + 1
    return n


def read_nest(loop: Node) -> Nest:
    """The perfect nest starting at ``loop``."""
    loops = [loop]
    while True:
        inner = body_statements(loops[-1])
        if len(inner) == 1 and inner[0].type in LOOP_TYPES:
            loops.append(inner[0])
        else:
            break
    headers: list[ForHeader] = []
    for n in loops:
        h = for_header(n)
        if h.var is None:
            break
        headers.append(h)
    return Nest(loops, headers, _collapse(loops, headers))
