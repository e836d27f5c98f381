"""Arrays reached through a member of a struct variable (``s.x[i]`` with ``struct vec s``)
that may hold a host pointer: what no compute construct on the loop alone puts on the device.

C and OpenACC facts this encodes:

* A struct variable a compute construct uses is copied to the device byte for byte (OpenACC
  3.3, 2.6.2: an aggregate no clause names is ``copy``), a pointer member with its host
  address: the kernel reads ``s.x[i]`` through that address and faults on a discrete GPU.
* The member is right on the device only when a section of it is mapped while ``s`` is
  present, which attaches the section to the device copy of ``s`` (2.6.8, 2.7.2).  On the
  compute construct itself the section alone (``copy(s.x[0:n])``) is mapped with ``s``
  absent (nothing to attach to), and ``s`` beside its own member is rejected by gcc 12
  ("appears more than once in data clauses").  So a data construct must map ``s`` and then
  the section — ``#pragma acc data copyin(s) copy(s.x[0:n])`` directly above the compute
  construct, whose structured block is then the compute construct with its loop — and the
  compute construct inside finds both present.
* A true array member (``double x[64]``) is part of ``s`` (C11 6.7.2.1): the copy of ``s``
  carries it, nothing is held.  So with the file known, only a member every definition of the
  struct declares a pointer is *proven* held; a loop seen alone, or a struct defined
  elsewhere, leaves the kind unknown.
* Only one level (``s.x``, not ``s.a.x`` or ``u[i].x``), of a struct variable the loop
  neither declares nor assigns and uses only through the member's elements
  (:func:`.deep.only_elements`).  Written, the section is ``copy`` (nothing proves a write
  covers it), read ``copyin``.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.deep import member_parts, only_elements
from accellium.dataset.analysis.facts import HeldMember, LoopFacts

__all__ = ["held_members"]


def held_members(facts: LoopFacts, loop: Node, owned: set[str], found: dict[str, str],
                 kind: Callable[[str, str], str | None] | None) -> list[HeldMember]:
    """The arrays ``s.x`` of ``facts.arrays`` reached through a member of a struct variable
    ``s`` that may hold a host pointer (module doc); ``owned``: names the loop declares or
    assigns; ``found``: sections by name (``s.x`` -> ``s.x[0:n]``); ``kind(s, x)``: the
    member's kind from the file (None: a loop seen alone)."""
    out: list[HeldMember] = []
    for name, mode in facts.arrays.items():
        got = member_parts(name)
        if got is None or got[2]:
            continue
        obj, member, _ = got
        if obj in owned or obj in facts.arrays or not only_elements(loop, name):
            continue
        k = kind(obj, member) if kind is not None else None
        if k == "array":
            continue
        out.append(HeldMember(name, obj, found.get(name, ""), mode != "in", k == "pointer"))
    return out
