"""From a chosen region to line edits: the data directive (and the braces of its block), the
``enter data``/``exit data`` pairs, the ``update`` lines, each offloaded loop's pragma with its
data clauses replaced by ``present(...)``, and ``routine seq`` above the functions they call."""

from __future__ import annotations

import re
from collections.abc import Iterable

from accellium.dataset.analysis.context import DATA_CLAUSE_NAMES
from accellium.dataset.analysis.tree import op, unparen
from accellium.dataset.loops import LineIndex, parse_tree
from accellium.dataset.offload import poly
from accellium.dataset.offload.atomics import ATOMIC_LINE
from accellium.dataset.offload.device import Device
from accellium.dataset.offload.edits import PlanEdit, Rank
from accellium.dataset.offload.flow import Lifetime
from accellium.dataset.offload.members import object_arg
from accellium.dataset.offload.ranges import loop_bound, loop_var
from accellium.dataset.offload.region import SECTION_LENGTHS, Region
from accellium.dataset.pragma import Clause, Pragma, PragmaError, parse_valid

__all__ = ["region_edits", "loop_pragma", "clause_list"]

#: Clauses a per-loop pragma loses inside the region: the region decides where data lives.
_DROP = frozenset(DATA_CLAUSE_NAMES | {"deviceptr", "no_create", "attach", "detach"})
_ORDER = ("copyin", "copy", "copyout", "create", "delete")


def clause_list(by_kind: dict[str, list[str]]) -> list[Clause]:
    return [Clause(k, ", ".join(by_kind[k])) for k in _ORDER if by_kind.get(k)]


def loop_pragma(d: Device, region: Region, data: list[Clause] | None = None) -> str | None:
    """The engine's pragma with its data clauses replaced: ``present`` of the region's
    sections the loop uses, or (a lone loop that is the whole region) the data clauses."""
    base = Pragma(d.pragma.directive, tuple(c for c in d.pragma.clauses
                                            if c.canonical_name not in _DROP))
    # a pointer that holds a device address (acc_malloc's value) stays in `deviceptr` (OpenACC
    # 3.3, 2.7.4): the region maps none of it (:mod:`.device_memory`)
    dev = [v for c in d.pragma.clauses if c.canonical_name == "deviceptr"
           for v in c.variables() if v not in region.arrays]
    if dev:
        base = base.with_clauses(Clause("deviceptr", ", ".join(dict.fromkeys(dev))))
    if data is not None:
        p = base.with_clauses(*data)
    else:
        names = [info.section for info in region.arrays.values() if d.node.id in info.uses]
        p = base.with_clauses(Clause("present", ", ".join(names))) if names else base
    try:
        return parse_valid(p.render()).render()
    except PragmaError:
        return None


def _line(lines: LineIndex, row: int, text: str) -> str:
    return lines.indent(row) + text


def _lifetime_edits(lines: LineIndex, region: Region) -> list[PlanEdit]:
    groups: dict[tuple[int, Rank], dict[str, list[str]]] = {}
    indent_row: dict[tuple[int, Rank], int] = {}
    first, last = region.stmts[0], region.stmts[-1]
    for name, life in region.flow.lifetimes.items():
        sec = region.section(name)
        enter = _enter_at(life, first)
        exit_ = _exit_at(life, last)
        for (row, rank, ind), clause in ((enter, life.enter), (exit_, life.exit)):
            groups.setdefault((row, rank), {}).setdefault(clause, []).append(sec)
            indent_row[(row, rank)] = ind
    # a member array's section attaches to its object's device copy (OpenACC 3.3, 2.7.2),
    # so the objects enter before the members' `enter data` and leave after their `exit data`
    objects = _objects(region, region.flow.lifetimes)
    if objects:
        row0, end = first.start_point[0], last.end_point[0] + 1
        groups[(row0, Rank.ENTER_OBJECT)] = {"copyin": objects}
        indent_row[(row0, Rank.ENTER_OBJECT)] = row0
        groups[(end, Rank.EXIT_OBJECT)] = {"delete": objects}
        indent_row[(end, Rank.EXIT_OBJECT)] = last.start_point[0]
    out = []
    for (row, rank), by_kind in groups.items():
        head = "enter data" if rank in (Rank.ENTER_AFTER, Rank.ENTER_START,
                                        Rank.ENTER_OBJECT) else "exit data"
        text = Pragma(head, tuple(clause_list(by_kind))).render()
        out.append(PlanEdit(row, (_line(lines, indent_row[(row, rank)], text),), rank))
    return out


def _enter_at(life: Lifetime, first) -> tuple[int, Rank, int]:
    if life.enter_after is not None:
        s = life.enter_after
        return s.end_point[0] + 1, Rank.ENTER_AFTER, s.start_point[0]
    return first.start_point[0], Rank.ENTER_START, first.start_point[0]


def _exit_at(life: Lifetime, last) -> tuple[int, Rank, int]:
    if life.exit_before is not None:
        s = life.exit_before
        return s.start_point[0], Rank.EXIT_FREE, s.start_point[0]
    return last.end_point[0] + 1, Rank.EXIT_END, last.start_point[0]


def enclosing_loops(node) -> tuple[frozenset[str], list[poly.Poly]]:
    """The indices of the ``for`` loops around ``node`` in its function, and the differences
    ``E - V`` they keep positive: inside ``for (...; V < E; ...)`` (or ``E > V``) the body runs
    only while ``E - V >= 1``."""
    names: set[str] = set()
    out: list[poly.Poly] = []
    n = node.parent
    while n is not None and n.type != "function_definition":
        var = loop_var(n) if n.type == "for_statement" else None
        if var:
            names.add(var)
            cond = n.child_by_field_name("condition")
            bound, _ = loop_bound(cond, var, up=True)
            if bound is not None and op(unparen(cond)) in ("<", ">"):
                hi = poly.poly_of(bound)
                d = poly.sub(hi, poly.var(var)) if hi is not None else None
                if d is not None:
                    out.append(d)
        n = n.parent
    return frozenset(names), out


def _poly_text(expr: str) -> poly.Poly | None:
    """The polynomial of a length written in a section (``n-k``), None when not one."""
    root = parse_tree(f"long __len = {expr};".encode(), "c").root_node
    decl = root.named_children[0] if root.named_child_count else None
    init = decl.child_by_field_name("declarator") if decl is not None else None
    value = init.child_by_field_name("value") if init is not None else None
    return poly.poly_of(value) if value is not None and not root.has_error else None


def _positive(length: str, bounds: list[poly.Poly]) -> bool:
    """Is ``length`` at least 1, or at least one of ``bounds`` (each at least 1), whatever its
    names (>= 0)?  (``j+1``, a row prefix with the diagonal element, is never empty.)"""
    p = _poly_text(length)
    if p is None:
        return False
    for b in [poly.const(1), *bounds]:
        d = poly.sub(p, b)
        if d is not None and poly.nonneg(d):
            return True
    return False


def nonempty_guard(section: str, indices: frozenset[str] = frozenset(),
                   positive: list[poly.Poly] | None = None) -> str:
    """`` if(L > 0)`` for an ``update`` whose section may be empty at run time: a length that
    names the index of a loop around the update (``indices``) -- a row prefix ``A[N*j:j]``
    pulled in a loop over ``j`` from 0 is empty on its first iteration -- unless the loops
    keep it positive (``positive``, :func:`enclosing_loops`: ``c[k:n-k]`` inside ``for (...;
    k < n - 1; ...)``).  A length of sizes only (``m-1``) is positive under the planner's
    assumption that every loop of the region runs at least once (docs/offload.md,
    "Assumptions").  An update of no element moves nothing, and so does one whose ``if``
    condition is false (OpenACC 3.3, 2.14.4), so the guard changes nothing the program
    computes; but gcc's libgomp aborts on an ``update`` of a zero-length section
    ("GOACC_update UNHANDLED kind 0x0f", seen on an NVIDIA GPU)."""
    lengths = [x.strip() for x in SECTION_LENGTHS.findall(section)]
    if not lengths or len(lengths) != section.count("[") or not indices:
        return ""
    open_ = [x for x in dict.fromkeys(lengths)
             if set(re.findall(r"[A-Za-z_]\w*", x)) & indices
             and not _positive(x, positive or [])]
    if not open_:
        return ""
    return " if(" + " && ".join(f"{x} > 0" if x.isidentifier() else f"({x}) > 0"
                                for x in open_) + ")"


def _update_edits(lines: LineIndex, region: Region) -> list[PlanEdit]:
    out: list[PlanEdit] = []
    seen: set[tuple[int, int, str]] = set()
    for u in region.flow.updates:
        a = u.leaf.anchor
        if u.direction == "self":
            row, rank = a.start_point[0], Rank.UPDATE_SELF
        else:
            row, rank = a.end_point[0] + 1, Rank.UPDATE_DEVICE
        text = f"#pragma acc update {u.direction}({u.section})" + \
            (" if_present" if u.if_present else "") + \
            nonempty_guard(u.section, *enclosing_loops(a))
        if (row, rank, text) in seen:
            continue
        seen.add((row, rank, text))
        out.append(PlanEdit(row, (_line(lines, a.start_point[0], text),), rank))
    return out


def _lone_loop(region: Region) -> bool:
    return (len(region.stmts) == 1 and len(region.devices) == 1
            and isinstance(region.devices[0], Device)
            and region.stmts[0].id == region.devices[0].node.id
            and not region.flow.lifetimes and not region.flow.updates)


def _by_value(region: Region, name: str) -> bool:
    """Is ``name`` a member only calls receive, by value (no object to attach to,
    :mod:`.member_args`)?"""
    info = region.arrays.get(name)
    return info is not None and info.shape.by_value


def _objects(region: Region, names: Iterable[str]) -> list[str]:
    """The clause arguments of the objects the member arrays among ``names`` belong to (a
    member only calls receive by value has none), each once, in order."""
    return list(dict.fromkeys(o for name in names if not _by_value(region, name)
                              and (o := object_arg(name)) is not None))


def region_edits(lines: LineIndex, region: Region) -> tuple[list[PlanEdit], list[str]]:
    """The edits of a region, and the problems that kept loops out of it."""
    out: list[PlanEdit] = []
    problems: list[str] = []
    data: dict[str, list[str]] = {}
    objects = _objects(region, region.flow.clauses)
    if objects:  # each member array's object first: its section attaches to that copy
        data["copyin"] = objects
    for name, clause in region.flow.clauses.items():
        data.setdefault(clause, []).append(region.section(name))
    lone = _lone_loop(region) and not objects
    for d in region.devices:
        if not isinstance(d, Device):
            continue  # a call: its callee keeps its own pragmas
        text = loop_pragma(d, region, clause_list(data) if lone else None)
        if text is None:
            problems.append(f"line {d.loop.line}: no valid pragma with the region's clauses")
            continue
        out.append(PlanEdit(d.loop.start_line, (_line(lines, d.loop.start_line, text),),
                            Rank.LOOP))
        out += [PlanEdit(row, (_line(lines, row, ATOMIC_LINE),), Rank.ATOMIC)
                for row in d.atomics]
    first, last = region.stmts[0], region.stmts[-1]
    row0 = first.start_point[0]
    if data and not lone:
        text = Pragma("data", tuple(clause_list(data))).render()
        out.append(PlanEdit(row0, (_line(lines, row0, text),), Rank.DATA))
        if len(region.stmts) > 1:
            out.append(PlanEdit(row0, (_line(lines, row0, "{"),), Rank.BRACE_OPEN))
            out.append(PlanEdit(last.end_point[0] + 1, (_line(lines, row0, "}"),),
                                Rank.BRACE_CLOSE))
    out += _lifetime_edits(lines, region)
    out += _update_edits(lines, region)
    return out, problems
