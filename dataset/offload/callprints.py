"""Footprints across calls: the elements a callee's device code reaches through an array
parameter, as a caller sees them (:func:`param_footprint`, :func:`in_caller`).

A footprint (:func:`~.cover.footprint`) is a subscript polynomial over the ranges of the loops
around it, the indices renamed by depth: two uses with equal footprints reach the same
elements.  A callee's parameter has one when every use of it in the function is in one
offloaded loop of its plan, through one footprint, and either

* every use is a read (the callee reads no element outside the footprint), or
* every use is a plain write ``p[f] = ...`` with only blocks and counted loops between it and
  the offloaded loop (no jump inside that loop), the loop runs whenever the function's region
  does (only blocks between it and the region's statements) and the region whenever the
  function is called: each call writes every element of the footprint and reads none of the
  parameter;

the offloaded loop may sit inside host loops of the region when they all belong to its nest
(:func:`.cover.nest_tops`: a ``kernels`` answer on the outer loop offloads the inner one) —
the footprint is then over the whole nest, from the outermost of them;

and its names are the callee's parameters, never assigned (they translate through the call's
arguments: each replaced by the polynomial of its argument).  The caller's flow then treats a
call like an offloaded loop with that footprint (:func:`.cover.footprint_cover`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.offload import poly
from accellium.dataset.offload.device import Device, Unit
from accellium.dataset.offload.nodes import has_jump
from accellium.dataset.offload.uses import ArrayUse

if TYPE_CHECKING:
    from accellium.dataset.offload.region import Region

__all__ = ["param_footprint", "in_caller", "footprint_names"]



def footprint_names(fp: tuple) -> set[str]:
    """The names of a footprint other than its renamed loop indices."""
    ranges, subs = fp
    items = [t for lo, hi in ranges for t in (lo, hi)] + list(subs)
    return {n for it in items for term, _ in it for n in term if not n.startswith("\0")}


def _map(items: tuple, values: dict[str, poly.Poly]) -> tuple | None:
    p: poly.Poly | None = dict(items)
    for name, value in values.items():
        p = poly.subst(p, name, value) if p is not None else None
    return tuple(sorted(p.items())) if p is not None else None


def _translated(fp: tuple, values: dict[str, poly.Poly]) -> tuple | None:
    """``fp`` with each name replaced by its value (names marked first: ``f(m, n)`` for
    ``f(n, m)`` swaps them)."""
    marks = {n: f"@{k}" for k, n in enumerate(values)}
    for step in ({n: poly.var(m) for n, m in marks.items()},
                 {marks[n]: v for n, v in values.items()}):
        ranges, subs = fp
        got_ranges = [(_map(lo, step), _map(hi, step)) for lo, hi in ranges]
        got_subs = [_map(sub, step) for sub in subs]
        if any(x is None for r in got_ranges for x in r) or any(x is None for x in got_subs):
            return None
        fp = (tuple(got_ranges), tuple(got_subs))
    return fp


def in_caller(fp: tuple | None, params: list[str | None], args: list[Node]) -> tuple | None:
    """The callee's footprint in the caller's names at a call (None: an argument for one of
    its names is not a polynomial)."""
    if fp is None:
        return None
    values: dict[str, poly.Poly] = {}
    for n in footprint_names(fp):
        if n not in params or params.index(n) >= len(args):
            return None
        value = poly.poly_of(args[params.index(n)])
        if value is None:
            return None
        values[n] = value
    return _translated(fp, values)


def _owner(node: Node, units: list[Unit]) -> Unit | None:
    return next((u for u in units if u.node.start_byte <= node.start_byte < u.node.end_byte),
                None)


def _nest_top(d: Device, region: Region) -> Node | None:
    """The offloaded loop, or — inside host loops of the region — the outermost of them when
    all belong to its nest (:func:`.cover.nest_tops`: a ``kernels`` answer on the nest's outer
    loop offloads the inner one); None otherwise."""
    from accellium.dataset.offload.cover import nest_tops

    loops = region.lay.device_loops.get(d.node.id) or ()
    if not loops:
        return d.node
    tops = nest_tops(d, loops)
    return tops[-1] if len(tops) == len(loops) else None


def param_footprint(mine: list[ArrayUse], region: Region, always: bool,
                    params: list[str | None], assigned: dict) -> tuple | None:
    """The footprint of a parameter's uses ``mine`` in the callee (the module's rule; the
    loop's nest may reach into host loops around it)."""
    from accellium.dataset.offload.cover import footprint, plain_nest, unconditional

    owners = {id(o) for o in (_owner(u.node, region.devices) for u in mine)}
    d = _owner(mine[0].node, region.devices) if mine else None
    if d is None or len(owners) != 1 or not isinstance(d, Device):
        return None
    reads, writes = any(u.read for u in mine), any(u.write for u in mine)
    top = _nest_top(d, region)
    if reads == writes or top is None:
        return None
    if writes and not (always
                       and unconditional(top, {s.id for s in region.lay.stmts})
                       and not has_jump(top)
                       and all(u.plain and plain_nest(u.node, top) for u in mine)):
        return None
    fps = {footprint(u, top) for u in mine}
    fp = fps.pop() if len(fps) == 1 else None
    if fp is None or any(n not in params or assigned.get(n) for n in footprint_names(fp)):
        return None
    return fp

