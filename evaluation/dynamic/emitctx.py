"""The emitter's context while it walks a C file: renames in force and the OpenACC execution
context (which construct, gang team, partitioned loops) that :mod:`translate` threads through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Ctx:
    """Where the emitter is: renames in force and the OpenACC execution context."""

    rename: dict[str, str] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()  # declarator names: never renamed
    construct: str | None = None  # parallel / kernels / serial, None on the host
    team: bool = False  # inside a gang team (gang-redundant code runs per gang)
    in_gang: bool = False  # inside a gang-partitioned loop
    in_lane: bool = False  # inside a lane-partitioned loop
    in_vector: bool = False  # inside a loop with an explicit `vector` clause: no level left
    bound: tuple[str, ...] = ()  # variables bound at the construct (per-gang copies)
    loopvars: frozenset[str] = frozenset()
    lane_private: frozenset[str] = frozenset()
    wcheck: tuple[str, str, str] | None = None  # (table, iteration, counter) of the lane loop
    atomic: bool = False
    # C++: the data members named bare in a member function's construct, written as members
    # of the bound ``this`` (:mod:`.cxxthis`)
    members: frozenset[str] = frozenset()

    def without(self, names: Iterable[str]) -> Ctx:
        drop = set(names)
        if not drop:
            return self
        lp = self.lane_private | drop if self.wcheck else self.lane_private
        return replace(self, rename={k: v for k, v in self.rename.items() if k not in drop},
                       lane_private=lp, members=self.members - drop)
