"""Branches into a loop from outside it: a ``goto`` elsewhere in the function to a label
inside the loop's body.  A compute construct or a loop directive on the loop is a structured
block, which no branch may enter (OpenACC 3.3, 1.6): the jump would start an iteration on the
host past the construct's start, its data clauses never run.  Seen only with the loop's file
(a loop given alone has no outside)."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.facts import Exit, ExitKind
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, text

__all__ = ["goto_entries"]


def goto_entries(loop: Node, labels: set[str]) -> list[Exit]:
    """Each ``goto`` of the loop's function, outside the loop, to one of ``labels`` (the
    labels inside the loop)."""
    if not labels:
        return []
    fn = loop.parent
    while fn is not None and fn.type != "function_definition":
        fn = fn.parent
    if fn is None:
        return []
    return [Exit(ExitKind.ENTRY, n.start_point[0] + 1) for n in iter_nodes(fn)
            if n.type == "goto_statement"
            and not loop.start_byte <= n.start_byte < loop.end_byte
            and text(_field(n, "label")) in labels]
