"""Data clauses that are correct for the data environment the engine can see.

``present(x)`` asserts that ``x`` is already on the device; when it is not, the program aborts
("data in PRESENT clause was not found on device").  So ``present(x)`` (and ``deviceptr(x)``,
which asserts a device address) is written only where the visible data environment says so:

* an enclosing construct names ``x`` in a data clause (a ``data`` region, ``enter data`` or
  ``declare`` among the enclosing directives, data clauses of an enclosing compute construct);
* the user's project examples in the same region (the very same enclosing directives) or the
  same file name ``x`` in ``present`` (that code keeps ``x`` on the device around this loop).

Everything else gets the copy family from the loop's own accesses (OpenACC 2.5 and later: a
copy clause first looks for the data on the device, so it is correct inside or outside a data
region): ``copyin`` for arrays only read, ``copyout`` for arrays only written, ``copy`` for
both, always with the section the loop bounds give (``a[0:n]``); an array reached through a
pointer's member comes after the object it is attached to (``copyin(v[0:1], v->x[0:n])``,
:mod:`accellium.dataset.analysis.deep`).  An array whose extent the
loop does not show (a pointer indexed by data, a 2-D access) gets no clause: the compiler's
implicit data handling is right where a guessed section would not be.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from accellium.dataset.analysis import LoopFacts, objects_first
from accellium.dataset.pragma import (
    COPY_CLAUSES,
    IDENT,
    Clause,
    Pragma,
    PragmaError,
    parse,
    split_top_level,
)

__all__ = ["justified_present", "correct_data", "copy_clauses", "DEVICE_ASSERTING"]

DEVICE_ASSERTING = {"present", "deviceptr"}
_NAME = re.compile(rf"\s*(?:readonly\s*:\s*)?({IDENT})\s*(\[|$)")


def _norm(enclosing: Sequence[str]) -> tuple[str, ...]:
    return tuple(re.sub(r"\s+", "", e) for e in enclosing if isinstance(e, str))


def justified_present(facts: LoopFacts, enclosing: Sequence[str], examples: Sequence
                      ) -> dict[str, str]:
    """Array -> its ``present`` argument, for the arrays of this loop whose presence on the
    device the visible data environment justifies (see the module doc)."""
    out = {k: v for k, v in facts.present.items() if k in facts.arrays}
    mine = _norm(enclosing)
    for e in examples:
        enc = getattr(e, "enclosing", None)
        same_region = enc is not None and bool(mine) and _norm(enc) == mine
        if not (same_region or getattr(e, "same_file", None)):
            continue
        try:
            p = parse(getattr(e, "pragma", ""))
        except (PragmaError, ValueError):
            continue
        for c in p.clauses:
            if c.name.lower() not in DEVICE_ASSERTING:
                continue
            for arg in split_top_level(c.args or ""):
                m = _NAME.match(arg)
                if m and m.group(1) in facts.arrays and m.group(1) not in out:
                    name = m.group(1)
                    out[name] = " ".join(arg.split())  # the project's own spelling
    return out


def _section(facts: LoopFacts, name: str, spellings: dict[str, str]) -> str | None:
    """The array's section from this loop's bounds (in the project's spelling when it has
    one), or None when the loop does not show its extent."""
    known = spellings.get(name)
    if known is not None:
        return known
    sec = facts.sections.get(name)
    if sec is None or "[" not in sec:
        return None
    if spellings.get("") == "[:":
        sec = re.sub(r"\[\s*0\s*:", "[:", sec)
    return sec


def copy_clauses(facts: LoopFacts, names: Sequence[str], spellings: dict[str, str] | None = None
                 ) -> list[Clause]:
    """``copyin``/``copyout``/``copy`` for ``names`` by their accesses in the loop, sectioned;
    arrays without a known section are left to the compiler."""
    by: dict[str, list[str]] = {}
    parents: list[str] = []
    for name in names:
        mode = facts.arrays.get(name)
        sec = _section(facts, name, spellings or {})
        if mode is None or sec is None:
            continue
        parent = facts.parents.get(name)
        if parent is not None:
            parents.append(parent)
        by.setdefault({"in": "copyin", "out": "copyout"}.get(mode, "copy"), []).append(sec)
    by = objects_first(by, parents)
    # one object may hold several written members (``copy(v[0:1])`` once)
    return [Clause(k, ", ".join(dict.fromkeys(v))) for k in ("copyin", "copyout", "copy")
            if (v := by.get(k))]


def correct_data(p: Pragma, facts: LoopFacts, justified: dict[str, str],
                 spellings: dict[str, str] | None = None) -> Pragma:
    """``p`` with every ``present``/``deviceptr`` argument the data environment does not
    justify moved to the copy family (or dropped when its extent is unknown), and copy-family
    clauses following this loop's accesses."""
    out: list[Clause] = []
    moved: list[str] = []
    placed = False
    for c in p.clauses:
        name = c.name.lower()
        if name in DEVICE_ASSERTING:
            keep = []
            for arg in split_top_level(c.args or ""):
                m = _NAME.match(arg)
                if m and m.group(1) in justified:
                    keep.append(arg.strip())
                elif m and m.group(1) in facts.arrays:
                    moved.append(m.group(1))
                # else: not an array of this loop (a struct, a name it lacks): dropped
            if keep:
                out.append(Clause(c.name, ", ".join(keep)))
            continue
        if name in COPY_CLAUSES:
            for arg in split_top_level(c.args or ""):
                m = _NAME.match(arg)
                if m and m.group(1) in facts.arrays:
                    moved.append(m.group(1))
            if not placed:
                out.append(Clause("__copy__"))
                placed = True
            continue
        out.append(c)
    copies = copy_clauses(facts, list(dict.fromkeys(moved)), spellings)
    res: list[Clause] = []
    for c in out:
        if c.name == "__copy__":
            res.extend(copies)
            copies = []
        else:
            res.append(c)
    res.extend(copies)
    return Pragma(p.directive, tuple(res))
