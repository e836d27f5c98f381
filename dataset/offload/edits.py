"""A plan as line edits: new lines above a row of the file, or rows removed (the OpenACC lines a
re-plan replaces).  Rows are those of the file the plan was made for; edits at one row apply in
:class:`Rank` order (what closes the statement above before what opens the next one, the loop's
own pragma last, right above its ``for``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Rank", "PlanEdit"]


class Rank(IntEnum):
    DELETE = 0
    UPDATE_DEVICE = 11  # after the statement above
    ENTER_AFTER = 12  # after the allocation above
    BRACE_CLOSE = 13
    EXIT_END = 14  # after the region
    EXIT_OBJECT = 15  # after the region, once its member arrays left: their objects
    ENTER_OBJECT = 16  # at the region's start, before its member arrays: their objects
    ROUTINE = 20
    ENTER_START = 21
    DATA = 22
    BRACE_OPEN = 23
    EXIT_FREE = 24  # before the free below
    UPDATE_SELF = 25
    LOOP = 29
    ATOMIC = 30  # right above its statement


_KIND = {Rank.DELETE: "delete", Rank.UPDATE_DEVICE: "update", Rank.UPDATE_SELF: "update",
         Rank.ENTER_AFTER: "enter", Rank.ENTER_START: "enter", Rank.EXIT_END: "exit",
         Rank.ENTER_OBJECT: "enter", Rank.EXIT_OBJECT: "exit",
         Rank.EXIT_FREE: "exit", Rank.BRACE_OPEN: "brace", Rank.BRACE_CLOSE: "brace",
         Rank.DATA: "data", Rank.LOOP: "loop", Rank.ROUTINE: "routine", Rank.ATOMIC: "atomic"}


@dataclass(frozen=True)
class PlanEdit:
    row: int  # 0-based: the new lines go above this row; or the first row removed
    lines: tuple[str, ...]  # indentation included, no line break
    rank: Rank
    delete: int = 0  # rows removed from ``row`` on (a DELETE edit)

    @property
    def kind(self) -> str:
        return _KIND[self.rank]

    def key(self) -> tuple[int, int]:
        return self.row, int(self.rank)

    def to_json(self) -> dict:
        return {"line": self.row + 1, "kind": self.kind, "lines": list(self.lines),
                "delete_lines": self.delete}
