"""A table filled by anti-diagonals (:func:`wavefront_filled`): every element the fill reads
was written before in the region, and the fill and the loops before it write every element of
the section — so the region needs no copy in.

The rule (sound for C; ``w`` a row length the region never assigns, the subscripts polynomials
of the loop indices and the locals of the loop's body assigned once):

* every device use of the array is in one offloaded loop ``L`` (index ``i``) at the top of the
  body of a counted host loop ``H`` (``d`` from ``D0`` up to ``D1`` by 1, a statement of the
  region; only blocks between, no ``break``/``continue``/``goto`` in ``H``), or in offloaded
  loops that run whenever the region does, before ``H``, and only write it (one plain
  ``a[e] = ...`` each, unit step) — the *borders*; the host reads nothing of it in the region;
* ``L`` writes ``a[R*w + C]`` once per iteration (plain, in no ``if``), with ``R + C == d``:
  the element of row ``R``, column ``C`` is written in the step ``d = R + C``; each read is
  ``a[(R - x)*w + (C - y)]`` with ``x, y`` in ``{0, 1}``, not both 0: an element of an
  earlier anti-diagonal;
* over ``H`` and ``L`` the write reaches rows ``R0..R1`` and columns ``C0..C1`` with
  ``C0 == 1``, ``C1 == w - 1``, and every cell of that rectangle is an iteration of ``H``/``L``:
  with ``d = R + C``, each index is at least every branch of its loop's start (a polynomial,
  or both branches of a conditional — the start is one of them) and at most every branch of
  its bound, each linear in ``R`` and ``C`` and so checked at the rectangle's corners; so a
  read of a cell of the rectangle sees the write of an earlier step;
* one border writes column 0 over rows ``R0-1..R1`` and one writes row ``R0-1`` over columns
  ``C0..C1``: a read outside the rectangle (row ``R0-1`` or column 0, the only cells the
  offsets reach) sees a border's write;
* the section lies within rows ``R0-1..R1`` of ``w`` elements: the fill and the borders write
  all of it, so nothing is copied out that the device did not write.

Everything else keeps its copy in."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import ArrayInfo
from accellium.dataset.offload.bounds import bounds_of
from accellium.dataset.offload.cover import plain_nest, unconditional
from accellium.dataset.offload.device import Device, Unit
from accellium.dataset.offload.extent import Extents, loops_between
from accellium.dataset.offload.nodes import has_jump
from accellium.dataset.offload.ranges import LoopRange, loop_bound, loop_init, loop_range, step_of
from accellium.dataset.offload.structure import Layout
from accellium.dataset.offload.uses import ArrayUse, array_uses, assignments

__all__ = ["wavefront_filled"]

Cell = tuple[poly.Poly, poly.Poly]  # row, column


def _subscript(u: ArrayUse, top: Node) -> poly.Poly | None:
    """The subscript's polynomial, the locals under ``top`` assigned once spelled out."""
    if len(u.subs) != 1 or isinstance(u.subs[0], int):
        return None
    b = bounds_of(u.subs[0], Extents([top]).env_at(u.node))
    return b.exact if b is not None else None


def _cell(p: poly.Poly, w: str) -> Cell | None:
    got = poly.split(p, w)
    if got is None or any(w in poly.names(q) for q in got):
        return None
    return got


def _same(a: poly.Poly, b: poly.Poly) -> bool:
    return not poly.sub(a, b)


def _le(a: poly.Poly, b: poly.Poly, mins: dict[str, int]) -> bool:
    c = poly.compare(a, b, mins)
    return c is not None and c <= 0


def wavefront_filled(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, fn: Node) -> bool:
    """Does the region write every element of the section before anything reads it, the fill
    going by anti-diagonals (the module's rule)?  The caller has checked that the host reads
    nothing of the array in the region."""
    if info.spans is None or len(info.spans) != 1 or info.alloc is not None or \
            info.aliases or info.shape.kind != "pointer":
        return False
    if any(u.name == info.name for lf in lay.leaves for u in array_uses(lf.node)):
        return False  # host code of the region uses it
    readers = [did for did, us in info.uses.items() if any(u.read for u in us)]
    if len(readers) != 1 or not isinstance(devices[readers[0]], Device):
        return False
    fill = devices[readers[0]]
    loops = lay.device_loops.get(fill.node.id, ())
    top_ids = {s.id for s in lay.stmts}
    if len(loops) != 1 or loops[0] not in top_ids:
        return False
    host = next(s for s in lay.stmts if s.id == loops[0])
    body = _field(host, "body")
    if host.type != "for_statement" or body is None or has_jump(host) or \
            not unconditional(fill.node, {body.id}):
        return False
    ex = Extents([host])
    hr = loop_range(host, {})
    fr = loop_range(fill.node, ex.env_at(fill.node))
    if hr is None or fr is None or len(hr.lo) != 1 or len(hr.hi) != 1 or \
            step_of(_field(host, "update"), hr.var) != 1 or \
            step_of(_field(fill.node, "update"), fr.var) not in (1, -1):
        return False
    uses = info.uses[fill.node.id]
    writes = [u for u in uses if u.write]
    if len(writes) != 1 or any(u.write and u.read for u in uses) or not writes[0].plain or \
            loops_between(writes[0].node, fill.node) != [fill.node] or \
            not plain_nest(writes[0].node, fill.node):
        return False
    pw = _subscript(writes[0], fill.node)
    if pw is None:
        return False
    region = Extents(lay.stmts)
    for w in sorted(poly.names(pw) - {hr.var, fr.var}):
        if region.assigned.get(w) or w in region.declared:
            continue
        cell = _cell(pw, w)
        if cell is not None and cell[0] and _same(poly.add(*cell), poly.var(hr.var)) and \
                _fills(info, devices, lay, fn, fill, host, hr, fr, uses, cell, w):
            return True
    return False


def _fills(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, fn: Node, fill: Unit,
           host: Node, hr: LoopRange, fr: LoopRange, uses: list[ArrayUse], cell: Cell,
           w: str) -> bool:
    row, col = cell
    for u in uses:
        if not u.read:
            continue
        p = _subscript(u, fill.node)
        rc = _cell(p, w) if p is not None else None
        if rc is None:
            return False
        x, y = poly.sub(row, rc[0]), poly.sub(col, rc[1])
        if not (poly.is_const(x) or not x) or not (poly.is_const(y) or not y):
            return False
        dx, dy = x.get((), 0), y.get((), 0)
        if dx not in (0, 1) or dy not in (0, 1) or dx + dy == 0:
            return False
    ex = Extents([host])
    region = Extents(lay.stmts)
    ex.assume(region)  # the sizes the border loops bound too (``j <= m``: ``m >= 1``)
    rs = ex.span_of(row, row, uses[0].node)
    cs = ex.span_of(col, col, uses[0].node)
    wv = _value(fn, w)
    mins = ex.mins
    if rs is None or cs is None or wv is None or not _same(cs.lo, poly.const(1)) or \
            not _same(cs.hi, poly.sub(wv, poly.const(1))) and \
            not _same(cs.hi, poly.sub(poly.var(w), poly.const(1))):
        return False
    if not _rectangle(rs.lo, rs.hi, cs.lo, cs.hi, row, col, host, fill.node, hr, fr,
                      region, mins):
        return False
    r_lo = poly.sub(rs.lo, poly.const(1))
    if not _borders(info, devices, lay, host, w, r_lo, rs.hi, cs.lo, cs.hi, mins):
        return False
    sec = info.spans[0] if info.spans else None
    first, last = poly.mul(r_lo, wv), poly.mul(rs.hi, wv)
    if sec is None or first is None or last is None:
        return False
    return _le(first, sec.lo, mins) and \
        _le(sec.hi, poly.sub(poly.add(last, wv), poly.const(1)), mins)


def _value(fn: Node, w: str) -> poly.Poly | None:
    """The row length: a parameter, or a local assigned once (by its declaration)."""
    body = _field(fn, "body")
    a = assignments(body)
    if w in a.declared:
        v = a.values.get(w)
        return poly.poly_of(v) if a.count.get(w, 0) == 1 and v is not None else None
    return None if a.count.get(w) else poly.var(w)


def _branches(node: Node | None, scopes: list[Node], fixed: Extents, indices: set[str]
              ) -> list[poly.Poly] | None:
    """The values an expression can take: a polynomial, or either branch of a conditional —
    through a local of ``scopes`` assigned only by its declaration; every name in them but
    the loop indices unassigned in the region (``fixed``)."""
    n = unparen(node)
    if n is not None and n.type == "identifier":
        for sc in scopes:
            a = assignments(sc)
            v = a.values.get(text(n))
            if text(n) in a.declared and a.count.get(text(n)) == 1 and v is not None:
                n = unparen(v)
                break
    if n is None:
        return None
    parts = [_field(n, "consequence"), _field(n, "alternative")] \
        if n.type == "conditional_expression" else [n]
    out = [poly.poly_of(p) for p in parts]
    if any(p is None for p in out):
        return None
    got = [p for p in out if p is not None]
    if any(fixed.assigned.get(x) or x in fixed.declared
           for p in got for x in poly.names(p) - indices):
        return None
    return got


def _limits(loop: Node, var: str, scopes: list[Node], fixed: Extents, indices: set[str]
            ) -> tuple[list[poly.Poly], list[poly.Poly]] | None:
    """Polynomials the index is at least (each branch of its start: the start is one of them)
    and at most (each branch of its bound, made inclusive), whenever the loop runs."""
    name, start = loop_init(loop)
    bound, adjust = loop_bound(_field(loop, "condition"), var, True)
    if name != var or start is None or bound is None:
        return None
    lo = _branches(start, scopes, fixed, indices)
    hi = _branches(bound, scopes, fixed, indices)
    if lo is None or hi is None:
        return None
    return lo, [poly.add(h, poly.const(adjust)) for h in hi]


def _rectangle(r0: poly.Poly, r1: poly.Poly, c0: poly.Poly, c1: poly.Poly, row: poly.Poly,
               col: poly.Poly, host: Node, fill: Node, hr: LoopRange, fr: LoopRange,
               fixed: Extents, mins: dict[str, int]) -> bool:
    """Is every cell of ``r0..r1`` x ``c0..c1`` an iteration: with ``d = R + C`` and the fill's
    index from ``R`` or ``C``, each index is at least every branch of its loop's start and at
    most every branch of its bound (linear in ``R``, ``C``: checked at the four corners)?"""
    d, i = hr.var, fr.var
    k = poly.sub(row, poly.var(i))
    along = poly.is_const(k) or not k
    if not along:
        k = poly.sub(col, poly.var(i))
        if not (poly.is_const(k) or not k):
            return False
    hl = _limits(host, d, [], fixed, set())
    body = _field(host, "body")
    fl = _limits(fill, i, [body] if body is not None else [], fixed, {d})
    if hl is None or fl is None:
        return False
    cons: list[poly.Poly] = []  # each >= 0
    for var, (los, his) in ((d, hl), (i, fl)):
        cons += [poly.sub(poly.var(var), lo) for lo in los]
        cons += [poly.sub(hi, poly.var(var)) for hi in his]
    R, C = "\0r", "\0c"
    for f in cons:
        g = poly.subst(f, d, poly.add(poly.var(R), poly.var(C)))
        idx = poly.sub(poly.var(R if along else C), k)
        g = poly.subst(g, i, idx) if g is not None else None
        if g is None or any(t.count(R) + t.count(C) > 1 for t in g):
            return False
        for rv in (r0, r1):
            for cv in (c0, c1):
                h = poly.subst(g, R, rv)
                h = poly.subst(h, C, cv) if h is not None else None
                if h is None or not _le(poly.const(0), h, mins):
                    return False
    return True


def _borders(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, host: Node, w: str,
             r_lo: poly.Poly, r1: poly.Poly, c0: poly.Poly, c1: poly.Poly,
             mins: dict[str, int]) -> bool:
    """A border writing column 0 over rows ``r_lo..r1`` and one writing row ``r_lo`` over
    columns ``c0..c1``, each run whenever the region runs, before ``host``."""
    top_ids = {s.id for s in lay.stmts}
    column = row = False
    for did, us in info.uses.items():
        d = devices[did]
        if any(u.read for u in us):
            continue
        if not isinstance(d, Device) or lay.device_loops.get(did) or len(us) != 1 or \
                d.node.end_byte > host.start_byte or not unconditional(d.node, top_ids) or \
                has_jump(d.node) or not us[0].plain or not plain_nest(us[0].node, d.node) or \
                loops_between(us[0].node, d.node) != [d.node]:
            return False
        r = loop_range(d.node, {})
        p = _subscript(us[0], d.node)
        rc = _cell(p, w) if p is not None else None
        if r is None or rc is None or len(r.lo) != 1 or len(r.hi) != 1 or not r.unit:
            return False
        t = poly.var(r.var)
        if not rc[1] and _same(rc[0], t):
            column = column or _le(r.lo[0], r_lo, mins) and _le(r1, r.hi[0], mins)
        elif _same(rc[0], r_lo) and _same(rc[1], t):
            row = row or _le(r.lo[0], c0, mins) and _le(c1, r.hi[0], mins)
    return column and row
