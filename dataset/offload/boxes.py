"""Boxes: the elements of a file-scope true array that a function's device code writes whole,
or may read, each time the function is called — one span per declared dimension, in names a
caller of the same file spells as they are (integer constants, file-scope scalars nothing the
function runs stores to, names the file declares nowhere).

A caller's region needs no copy in of such an array when every element any of its units may
read (from before that unit ran) lies in a box that a call — or an offloaded loop of the
region itself — run earlier in the region, whenever the region runs, writes whole on the
device (:func:`boxed`): an initialisation that fills a box one plane short of the arrays, then
solvers that read inside that box.  The facts
used:

* A counted ``for`` loop (unit step, its index assigned only by its header) whose bounds are
  one polynomial each runs its index through every integer from its start to its last value;
  a nest of such loops, no bound naming an index of the nest, runs every combination of their
  values (C11 6.8.5.3).  A plain write ``a[e1]...[ek] = v`` whose subscripts are each an
  integer constant or one index of the nest plus a constant (each index in one subscript only)
  so replaces every element of the product of those ranges — when nothing between it and the
  offloaded loop can skip it (only blocks and counted loops, no jump: :func:`.cover.plain_nest`,
  :func:`.nodes.has_jump`) and the loop runs whenever the function's region does, and the
  region whenever the function is called (:func:`fill_box`).  Writes that differ only in one
  constant subscript fill the constants' range together when those are consecutive
  (``a[i][j][k][0..3]``).
* Every value a subscript takes lies within its span over the ranges of the loops around it
  (:meth:`.extent.Extents.span`), so the per-dimension union of the spans of the reads holds
  every element read (:func:`read_box`).  An array the function reads only where the same
  iteration of a host loop wrote it before, over the same footprint
  (:func:`.cover.footprint_cover`), needs no value from before the call: its box is empty.
* Spans are compared by constant differences only (``1..imax-2`` lies in ``0..imax-1`` for
  every ``imax``), so the comparison holds whatever values the names have, as long as they have
  the same value at both calls: no statement of the region, nor a function it calls, stores to
  them (:func:`.global_scalars.changes`).
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.tree import LOOP_TYPES, iter_nodes
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import ArrayInfo
from accellium.dataset.offload.device import CallDevice, Device, Unit
from accellium.dataset.offload.extent import Extents, Span
from accellium.dataset.offload.guards import guards_of
from accellium.dataset.offload.nodes import has_jump
from accellium.dataset.offload.ranges import loops_between, plain_range
from accellium.dataset.offload.structure import Layout
from accellium.dataset.offload.uses import ArrayUse

__all__ = ["Box", "fill_box", "read_box", "box_names", "boxed"]

#: Statements that may run what they hold other than once (C11 6.8.4.2, 6.8.5).
_REPEATING = frozenset({"while_statement", "do_statement", "switch_statement", "case_statement"})

#: One span per declared dimension of a true array.
Box = tuple[Span, ...]


def box_names(box: Box) -> set[str]:
    """The names the box's bounds use."""
    return {n for s in box for n in poly.names(s.lo) | poly.names(s.hi)}


def _offset(a: poly.Poly, b: poly.Poly) -> int | None:
    """``a - b`` when it is an integer constant."""
    d = poly.sub(a, b)
    if not d:
        return 0
    return d.get((), 0) if poly.is_const(d) else None


def _inside(r: Span, w: Span) -> bool:
    """Does ``r`` lie within ``w`` whatever values their names have?"""
    lo, hi = _offset(r.lo, w.lo), _offset(w.hi, r.hi)
    return lo is not None and lo >= 0 and hi is not None and hi >= 0


def _hull(spans: list[Span]) -> Span | None:
    """The span from the least start to the greatest end, when the starts and the ends each
    differ by constants only."""
    lo, hi = spans[0].lo, spans[0].hi
    for s in spans[1:]:
        a, b = _offset(s.lo, lo), _offset(s.hi, hi)
        if a is None or b is None:
            return None
        lo = s.lo if a < 0 else lo
        hi = s.hi if b > 0 else hi
    return Span(lo, hi)


def _written(u: ArrayUse, top: Node, levels: int) -> Box | None:
    """The elements a plain write replaces over the loops up to ``top`` (each loop a counted
    one of exact, index-free bounds; each subscript a constant or one index plus a constant,
    no index twice)."""
    if not u.plain or len(u.subs) != levels:
        return None
    ranges = {}
    for lp in loops_between(u.node, top):
        r = plain_range(lp)
        if r is None or not r.unit or len(r.lo) != 1 or len(r.hi) != 1:
            return None
        ranges[r.var] = r
    idx = set(ranges)
    if any((poly.names(r.lo[0]) | poly.names(r.hi[0])) & idx for r in ranges.values()):
        return None
    box: list[Span] = []
    used: set[str] = set()
    for sub in u.subs:
        p = poly.const(0) if isinstance(sub, int) else poly.poly_of(sub)
        if p is None:
            return None
        mine = poly.names(p) & idx
        if not mine:
            box.append(Span(p, p))
            continue
        v = mine.pop()
        off = poly.sub(p, poly.var(v))
        if mine or v in used or poly.names(off) & idx:
            return None
        used.add(v)
        box.append(Span(poly.add(ranges[v].lo[0], off), poly.add(ranges[v].hi[0], off)))
    return tuple(box)


def _merged(boxes: list[Box]) -> list[Box]:
    """Boxes that differ in one dimension only, each a constant there, joined where the
    constants' ranges touch or overlap."""
    out: list[Box] = []
    for b in boxes:
        if not any(all(s.same(t) for s, t in zip(b, o, strict=True)) for o in out):
            out.append(b)
    joined = True
    while joined:
        joined = False
        for x in range(len(out)):
            for y in range(x + 1, len(out)):
                got = _join(out[x], out[y])
                if got is not None:
                    out[x] = got
                    del out[y]
                    joined = True
                    break
            if joined:
                break
    return out


def _join(a: Box, b: Box) -> Box | None:
    diff = [k for k, (s, t) in enumerate(zip(a, b, strict=True)) if not s.same(t)]
    if len(diff) != 1:
        return None
    k = diff[0]
    s, t = a[k], b[k]
    if not all(poly.is_const(p) for p in (s.lo, s.hi, t.lo, t.hi)):
        return None
    lo1, hi1, lo2, hi2 = (p.get((), 0) for p in (s.lo, s.hi, t.lo, t.hi))
    if lo2 > hi1 + 1 or lo1 > hi2 + 1:
        return None
    return (*a[:k], Span(poly.const(min(lo1, lo2)), poly.const(max(hi1, hi2))), *a[k + 1:])


def fill_box(info: ArrayInfo, devices: list[Unit], lay: Layout, fn: Node, always: bool
             ) -> Box | None:
    """The box the function's device code writes whole whenever it is called, reading no
    element of the array anywhere (the module's rule); None: no such box."""
    uses = [u for us in info.uses.values() for u in us]
    if not always or not uses or any(u.read or not u.plain for u in uses) or \
            any(n.type == "goto_statement" for n in iter_nodes(fn)):
        return None
    top_ids = {s.id for s in lay.stmts}
    by_id = {d.node.id: d for d in devices}
    boxes = [b for did, us in info.uses.items()
             if (b := _unit_fill(by_id.get(did), us, info.shape.levels, top_ids)) is not None]
    merged = _merged(boxes)
    return merged[0] if len(merged) == 1 else None


def _unit_fill(d: Unit | None, uses: list[ArrayUse], levels: int, top_ids: set[int]
               ) -> Box | None:
    """The box an offloaded loop of the region writes whole whenever the region runs (an item
    of it: only blocks between; no jump in it), reading no element of the array: its plain
    writes' boxes (:func:`_written`), joined into one; None: no such box."""
    from accellium.dataset.offload.cover import plain_nest, unconditional

    if not isinstance(d, Device) or not unconditional(d.node, top_ids) or has_jump(d.node) or \
            any(u.read or not u.plain for u in uses):
        return None
    boxes = [b for u in uses
             if (b := _written(u, d.node, levels) if plain_nest(u.node, d.node) else None)
             is not None]
    merged = _merged(boxes)
    return merged[0] if len(merged) == 1 else None


def read_box(info: ArrayInfo, devices: list[Unit], lay: Layout, fn: Node) -> Box | None:
    """A box holding every element of the array the function's device code may read from
    before the call (empty: it reads none — none at all, or only what the same host
    iteration wrote before over the same footprint); None: not known."""
    from accellium.dataset.offload.cover import footprint_cover, reads_own_write

    by_id = {d.node.id: d for d in devices}
    if any(not isinstance(by_id.get(did), Device) for did in info.uses):
        return None
    reads = [u for us in info.uses.values() for u in us if u.read]
    if not reads:
        return ()
    for _, w, host, top in footprint_cover(info, by_id, lay, fn, True):
        rest = [u.node.start_byte for u in reads if not reads_own_write(u, w)]
        if all(top.end_byte <= p and host.start_byte <= p < host.end_byte for p in rest):
            return ()
    return _reads_hull(reads, info.shape.levels, Extents(lay.stmts))


def _reads_hull(reads: list[ArrayUse], levels: int, ex: Extents) -> Box | None:
    """Per dimension, the union of the spans the reads' subscripts reach (None: a read names
    fewer subscripts, or the spans do not order by constants)."""
    if any(len(u.subs) != levels or u.whole for u in reads):
        return None
    return _box_hull([[ex.span(u.subs[k], u.node) for k in range(levels)] for u in reads],
                     levels)


def _box_hull(boxes: list[list[Span | None]] | list[Box], levels: int) -> Box | None:
    """The smallest box holding ``boxes`` when each dimension's spans order by constants."""
    out: list[Span] = []
    for k in range(levels):
        spans = [b[k] if len(b) == levels else None for b in boxes]
        hull = _hull([s for s in spans if s is not None]) if all(spans) else None
        if hull is None:
            return None
        out.append(hull)
    return tuple(out)


def _always_called(call: Node, stmt: Node) -> bool:
    """Does the statement run the call whenever it runs: no condition around it inside the
    statement (:func:`.guards.guards_of`: ``if``/``else``, ``?:``, ``&&``, ``||``; C11
    6.5.13-15, 6.8.4), nor a loop or a ``switch`` (the statement itself included)?"""
    if guards_of(call, stmt):
        return False
    p: Node | None = call
    while p is not None:
        if p.type in LOOP_TYPES or p.type in _REPEATING:
            return False
        if p.id == stmt.id:
            return True
        p = p.parent
    return False


def _unit_reads(d: Unit, uses: list[ArrayUse], info: ArrayInfo, ex: Extents
                ) -> Box | None:
    """What a unit of the caller's region may read of the array from before it ran (empty:
    nothing); None: not known."""
    if isinstance(d, CallDevice):
        boxes = [a.read_box for a in d.args if a.name == info.name and a.read]
        if any(b is None for b in boxes):
            return None
        got = [b for b in boxes if b]
        return _box_hull(got, info.shape.levels) if got else ()
    reads = [u for u in uses if u.read]
    return _reads_hull(reads, info.shape.levels, ex) if reads else ()


def boxed(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, fn: Node,
          stored: Callable[[str], bool]) -> bool:
    """Does every unit of the region read, from before it ran, only elements of a box that a
    call or an offloaded loop earlier in the region writes whole (the module's rule)?  ``stored``: does a statement
    of the region, or a function it calls, store to the name?  (The caller checks that no host
    code of the region reads the array and that nothing is copied back.)"""
    if info.shape.kind != "array" or info.aliases or info.alloc is not None or \
            len(info.shape.dims) != info.shape.levels or \
            any(n.type == "goto_statement" for n in iter_nodes(fn)):
        return False
    from accellium.dataset.offload.cover import unconditional

    top_ids = {s.id for s in lay.stmts}
    fills: list[tuple[Node, Box]] = []
    for did, uses in info.uses.items():
        d = devices[did]
        own = _unit_fill(d, uses, info.shape.levels, top_ids)
        if own is not None:
            fills.append((d.node, own))
        if not isinstance(d, CallDevice) or len(d.callees) != 1 or \
                not unconditional(d.node, top_ids):
            continue
        args = [a for a in d.args if a.name == info.name]
        if len(args) == 1 and args[0].fill_box is not None and \
                _always_called(args[0].node, d.node):
            fills.append((d.node, args[0].fill_box))
    ex = Extents(lay.stmts)
    names: set[str] = set()
    for did, uses in info.uses.items():
        d = devices[did]
        want = _unit_reads(d, uses, info, ex)
        if want is None:
            return False
        if not want:
            continue
        fill = next((box for node, box in fills if node.end_byte <= d.node.start_byte and
                     len(box) == len(want) and
                     all(_inside(r, w) for r, w in zip(want, box, strict=True))), None)
        if fill is None:
            return False
        names |= box_names(want) | box_names(fill)
    return not any(stored(n) for n in names)
