"""Which offloaded loop replaces every element of an array's section before anything reads it
(then the region needs no copy in): a plain ``a[i] = ...`` over the whole section, dense, in
no ``if`` (but one whose other branch replaces the same element: :mod:`.branches`), with no
``break`` (a ``continue`` only on a path that stored the element first: :mod:`.branches`) —
or a hoisted call whose callee does so whenever it is called — run whenever the region runs
(:func:`covering`), or at the top of each iteration of a host loop around it
(:func:`looped_cover`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tree_sitter import Node

from accellium.dataset.analysis.tree import LOOP_TYPES, ancestors, iter_nodes, text
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import ArrayInfo
from accellium.dataset.offload.bounds import bounds_of, exact
from accellium.dataset.offload.branches import both_branches_replace, continue_replaced
from accellium.dataset.offload.calls import covering_arg, in_units
from accellium.dataset.offload.device import CallDevice, Device, Unit
from accellium.dataset.offload.extent import Extents, Span, loops_between
from accellium.dataset.offload.ranges import LoopRange, loop_range, loop_var, plain_range
from accellium.dataset.offload.shapes import Shape, walk_declarator
from accellium.dataset.offload.structure import Layout
from accellium.dataset.offload.uses import ArrayUse, array_uses, assignments

__all__ = ["covering", "whole_columns", "looped_cover", "footprint_cover", "rewriting_cover", "footprint",
           "reads_own_write",
           "unconditional"]


def unconditional(node: Node, top_ids: set[int]) -> bool:
    """Only blocks between ``node`` and the region's statements: it runs whenever the region
    does."""
    if node.id in top_ids:
        return True
    p = node.parent
    while p is not None and p.type == "compound_statement":
        if p.id in top_ids:
            return True
        p = p.parent
    return False


#: spans with each local of known value spelled out (:func:`.known.spelled_out`; None:
#: nothing to replace)
Known = Callable[[list[Span]], "list[Span] | None"]


def covering(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, scratch: bool = False,
             known: Known | None = None) -> tuple[Unit, ArrayUse, Node] | None:
    """An offloaded loop that always runs and replaces every element of the section (of the
    elements the loops reach, for an allocation mapped whole: ``scratch``, when nothing is
    copied back and the host reads nothing in the region, the others are never read), with
    the code after which every element is written: the loop, or the host loops of its nest
    around it (:func:`nest_tops`).  ``known``: the region's locals of known value, by which
    the loops' spans and the allocation's count compare (``n`` of ``int n = N;``)."""
    if info.shape.kind == "array":
        if declared_spans(info.shape) is None:
            return None
    elif info.shape.kind not in ("pointer", "rows"):
        return None
    elif info.alloc is not None and not scratch and not _whole_allocation(info, known):
        whole = _allocation_span(info)
        if whole is None:
            return None
        # the section is the whole allocation: a write must reach every element of it (the
        # loops' own spans, when they are known at all, may be narrower)
        info = replace(info, spans=[whole])
    elif info.spans is None:
        return None
    top_ids = {s.id for s in lay.stmts}
    for did, uses in info.uses.items():
        d = devices[did]
        loops = lay.device_loops.get(did)
        if loops:
            got = _covers_nest(d, uses, info, lay, known)
            if got is not None:
                return d, got, d.node
            outer = nest_tops(d, loops)[-1:]
            if outer and unconditional(outer[0], top_ids):
                got = _covers_in(outer[0], uses, info, known)
                if got is not None:
                    return d, got, outer[0]
        elif unconditional(d.node, top_ids):
            got = _covers(d, uses, info, lay, known)
            if got is not None:
                return d, got, d.node
    return None


def _allocation_span(info: ArrayInfo) -> Span | None:
    """Every element of the allocation a one-level pointer's section maps (``p[0:n]``)."""
    count = info.alloc.count if info.alloc is not None else None
    if count is None or info.shape.kind != "pointer" or info.shape.levels != 1:
        return None
    return Span(poly.const(0), poly.sub(count, poly.const(1)))


def _whole_allocation(info: ArrayInfo, known: Known | None = None) -> bool:
    """Do the loops' accesses span the whole allocation the section maps (``p[0:n]`` of
    ``p = malloc(n * sizeof *p)``)?  Then a write reaching every element of the spans
    reaches every element the section copies.  With ``known``, also when the two are the
    same once the locals of known value are spelled out (``p[0:n]`` of ``p = malloc(N *
    sizeof *p)`` after ``int n = N;``: the same number wherever the region runs)."""
    count = info.alloc.count if info.alloc is not None else None
    if count is None or info.spans is None or len(info.spans) != 1:
        return False
    whole = Span(poly.const(0), poly.sub(count, poly.const(1)))
    if info.spans[0].same(whole):
        return True
    if known is None:
        return False
    spans, alloc = known(info.spans) or info.spans, known([whole]) or [whole]
    return spans[0].same(alloc[0])


def declared_spans(shape: Shape) -> list[Span] | None:
    """Every element a true array declares (``T a[N][2*M]``: ``[0, N-1]``, ``[0, 2*M-1]``),
    when each size is a polynomial of numbers and names; the section a clause naming the
    array whole maps."""
    if shape.kind != "array" or shape.decl is None:
        return None
    sizes = _declared_sizes(shape)
    if sizes is None or len(sizes) != shape.levels:
        return None
    return [Span(poly.const(0), poly.sub(p, poly.const(1))) for p in sizes]


def _declared_sizes(shape: Shape) -> list[poly.Poly] | None:
    """The sizes of the declarator that names ``shape.name`` in its declaration, first
    subscript first."""
    assert shape.decl is not None
    for d in shape.decl.children_by_field_name("declarator"):
        name, parts = walk_declarator(d)
        if name != shape.name:
            continue
        sizes: list[poly.Poly] = []
        for _, node in reversed(parts):  # all array declarators: the shape is a true array
            size = poly.poly_of(_field(node, "size"))
            if size is None:
                return None
            sizes.append(size)
        return sizes
    return None


def nest_tops(d: Unit, loops: tuple[int, ...]) -> list[Node]:
    """The host loops of the region around an offloaded loop that belong to its nest,
    innermost first: each a ``for`` loop with a condition, with only blocks and such loops
    between it and the offloaded loop.  Whether a nest writes an array whole before reading
    it is a fact of the nest — its bounds and subscripts — whichever of its loops the
    per-loop answer offloads (``parallel loop collapse(2)`` on the outer loop, or a
    ``kernels`` answer there that leaves it on the host and offloads the inner one)."""
    if not isinstance(d, Device):
        return []
    out: list[Node] = []
    want = set(loops)
    p = d.node.parent
    while p is not None and want:
        if p.type == "for_statement" and _field(p, "condition") is not None and p.id in want:
            out.append(p)
            want.discard(p.id)
        elif p.type != "compound_statement":
            break
        p = p.parent
    return out


def _covers_nest(d: Unit, uses: list[ArrayUse], info: ArrayInfo, lay: Layout,
                 known: Known | None = None) -> ArrayUse | None:
    """A loop inside host loops that writes, over all their iterations, every element of the
    section of an array nothing in the region reads: when the host loops are counted loops
    with only blocks between them and the loop (no ``if``, no ``break``/``goto``/``return``,
    a ``continue`` only as :func:`.branches.continue_replaced` allows), each element is written once the nest has run, so what a copy in would bring
    is overwritten before the copy out (``g[i][j][k]`` with ``i``, ``j`` on the host)."""
    if not isinstance(d, Device) or _read_in_region(info, lay):
        return None
    top = next((s for s in lay.stmts if s.start_byte <= d.node.start_byte < s.end_byte), None)
    if top is None:
        return None
    jumps = any(n.type in ("continue_statement", "break_statement", "goto_statement",
                           "return_statement") for n in iter_nodes(top))
    return _plain_cover(Extents(lay.stmts), top, uses, info, jumps, known)


def whole_columns(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, fn: Node
                  ) -> tuple[poly.Poly, ...] | None:
    """For rows of a known length (``T a[N][M]``) that no host code of the region uses other
    than by plain writes: the last column of each dimension after the first (``m - 1``) up to
    which an offloaded loop that always runs, with no jump in it, writes with a plain, dense
    write every row of the section from column 0 — whole rows when the bounds are the sizes,
    which the function's callers can tell from the arguments even when the function cannot
    (:mod:`.callsites`) — before any code of the region reads the array: every read is in a
    unit after that loop (the loop is an item of the region, which runs in order; no ``goto``
    in the function) or, in the loop, of the element it just wrote (:func:`reads_own_write`:
    ``c[i][j] = 0; for (k ...) c[i][j] += ...``).  None: no such write."""
    if info.spans is None or len(info.spans) != 1 or info.alloc is not None or \
            info.shape.kind != "rows" or not info.shape.dims or _host_read(info, devices, lay):
        return None
    top_ids = {s.id for s in lay.stmts}
    reads = [u for uses in info.uses.values() for u in uses if u.read]
    if reads and any(n.type == "goto_statement" for n in iter_nodes(fn)):
        return None
    for did, uses in info.uses.items():
        d = devices[did]
        if not isinstance(d, Device) or not unconditional(d.node, top_ids) or \
                any(n.type in ("continue_statement", "break_statement", "goto_statement",
                               "return_statement") for n in iter_nodes(d.node)):
            continue
        ex = Extents([d.node])
        for u in uses:
            if not u.plain or not plain_nest(u.node, d.node) or \
                    len(u.subs) != 1 + len(info.shape.dims) or \
                    not all(ex.dense(sub, u.node) for sub in u.subs):
                continue
            spans = [ex.span(sub, u.node) for sub in u.subs]
            if spans[0] is None or not spans[0].same(info.spans[0]):
                continue
            his = [c.hi for c in spans[1:] if c is not None and
                   c.same(Span(poly.const(0), c.hi))]
            if len(his) == len(info.shape.dims) and all(
                    r.node.start_byte >= d.node.end_byte or reads_own_write(r, u)
                    for r in reads):
                return tuple(his)
    return None


def _host_read(info: ArrayInfo, devices: dict[int, Unit], lay: Layout) -> bool:
    """Does host code of the region (outside its units) read the array, or use it other than
    by a plain write?"""
    names = info.aliases or {info.name}
    units = list(devices.values())
    return any(u.name in names and (u.read or not u.plain) and not in_units(u.node, units)
               for s in lay.stmts for u in array_uses(s))


def _read_in_region(info: ArrayInfo, lay: Layout) -> bool:
    """Does any code of the region read the array (or use it other than by a plain write)?"""
    if any(u.read for uses in info.uses.values() for u in uses):
        return True
    names = info.aliases or {info.name}
    return any(u.name in names and (u.read or not u.plain)
               for s in lay.stmts for u in array_uses(s))


def _covers(d: Unit, uses: list[ArrayUse], info: ArrayInfo, lay: Layout,
            known: Known | None = None) -> ArrayUse | None:
    """The write by which the unit replaces every element of the section, each time it runs."""
    if isinstance(d, CallDevice):
        declared = declared_spans(info.shape) if info.shape.kind == "array" else None
        return covering_arg(d, uses, info, Extents(lay.stmts), declared)
    return _covers_in(d.node, uses, info, known)


def _covers_in(top: Node, uses: list[ArrayUse], info: ArrayInfo, known: Known | None = None
               ) -> ArrayUse | None:
    """The plain write under ``top`` (an offloaded loop, or a host loop of its nest) that
    reaches every element of the section over the iterations of the loops up to ``top``,
    with no jump under ``top`` but a ``continue`` after which, or before which on its path,
    the element is stored all the same (:func:`.branches.continue_replaced`): every element
    is written once ``top`` has run."""
    jumps = any(n.type in ("continue_statement", "break_statement", "goto_statement",
                           "return_statement") for n in iter_nodes(top))
    return _plain_cover(Extents([top]), top, uses, info, jumps, known)


def _plain_cover(ex: Extents, top: Node, uses: list[ArrayUse], info: ArrayInfo, jumps: bool,
                 known: Known | None) -> ArrayUse | None:
    """The plain write under ``top`` that reaches every element of the section densely (with
    a jump under ``top`` only past a ``continue`` that leaves the element stored), else the
    symmetric one (:func:`symmetric_cover`)."""
    for u in uses:
        if u.plain and plain_nest(u.node, top) and writes_whole(ex, u, info, known) and \
                all(ex.dense(sub, u.node) for sub in u.subs) and \
                (not jumps or continue_replaced(u.node, top)):
            return u
    return symmetric_cover(ex, uses, info, top, jumps)


def symmetric_cover(ex: Extents, uses: list[ArrayUse], info: ArrayInfo, top: Node,
                    jumps: bool) -> ArrayUse | None:
    """The first of two plain writes ``a[p][q]`` and ``a[q][p]`` in the body of a
    triangular nest under ``top`` — ``p`` over ``[L, H]`` (unit step), ``q`` nested
    directly in it over ``[p, H]`` or ``[L, p]`` — when ``[L, H]`` is the section's span in
    both subscripts: together they write every element of the square (a symmetric matrix
    filled from one triangle).  Any element ``(x, y)`` has ``x <= y`` or ``y < x``; with
    ``q`` from ``p`` to ``H``, the first is ``a[p][q]`` at ``p = x, q = y`` and the second
    ``a[q][p]`` at ``p = y, q = x`` (and the other way round with ``q`` from ``L`` to ``p``).
    Nothing but the two loops lies between the writes and the nest's body (a loop inside
    them could run no iteration), and the usual conditions of a covering write hold for
    both (:func:`plain_nest`, :func:`.branches.continue_replaced`)."""
    want = _wanted(info)
    if want is None or len(want) != 2 or not want[0].same(want[1]):
        return None
    writes = [u for u in uses if u.plain and len(u.subs) == 2 and
              not any(isinstance(x, int) for x in u.subs) and plain_nest(u.node, top) and
              (not jumps or continue_replaced(u.node, top))]
    for u in writes:
        p, q = (text(x) for x in u.subs)  # type: ignore[arg-type]
        if p == q or not p.isidentifier() or not q.isidentifier():
            continue
        loops = loops_between(u.node, top)
        if len(loops) < 2 or [loop_var(lp) for lp in loops[:2]] != [q, p]:
            continue
        twin = next((v for v in writes if [text(x) for x in v.subs] == [q, p] and  # type: ignore[arg-type]
                     [lp.id for lp in loops_between(v.node, top)] == [lp.id for lp in loops]),
                    None)
        if twin is not None and _transposed_square(ex, loops[1], loops[0], u, want[0]):
            return u
    return None


def _transposed_square(ex: Extents, outer: Node, inner: Node, u: ArrayUse, want: Span) -> bool:
    """Does the inner loop run from the outer index to the outer loop's upper bound, or from
    its lower bound to the outer index, the outer one over all of ``want`` with unit step?"""
    ro = loop_range(outer, ex.env_at(outer))
    ri = loop_range(inner, ex.env_at(inner))
    if ro is None or ri is None or not (ro.unit and ri.unit) or \
            not (len(ro.lo) == len(ro.hi) == len(ri.lo) == len(ri.hi) == 1):
        return False
    first = u.subs[0]
    got = ex.span(first, u.node) if not isinstance(first, int) else None
    if got is None or not got.same(want) or not Span(ro.lo[0], ro.hi[0]).same(want):
        return False
    index = poly.var(ro.var)
    return poly.compare(ri.lo[0], index) == 0 and poly.compare(ri.hi[0], ro.hi[0]) == 0 or \
        poly.compare(ri.lo[0], ro.lo[0]) == 0 and poly.compare(ri.hi[0], index) == 0


#: A unit, its write, the host loop at the top of whose iterations it runs, the code after
#: which every element is written (the unit, or a host loop of its nest).
Looped = tuple[Unit, ArrayUse, Node, Node]


def _around(node: Node, loop_id: int) -> Node | None:
    p = node.parent
    while p is not None and p.id != loop_id:
        p = p.parent
    return p


def _looped_tops(d: Unit, loops: tuple[int, ...]) -> list[tuple[Node, Node]]:
    """(the code at the top of each iteration of a host loop, that host loop), innermost
    first: the unit itself, then each host loop of its nest (:func:`nest_tops`) under another
    host loop — only blocks between each and the body of the host loop around it."""
    out: list[tuple[Node, Node]] = []
    for top in [d.node, *nest_tops(d, loops)]:
        inner = [lid for lid in loops if lid != top.id and
                 (h := _around(d.node, lid)) is not None and h.start_byte <= top.start_byte
                 and top.end_byte <= h.end_byte]
        host = _around(d.node, inner[-1]) if inner else None
        body = _field(host, "body") if host is not None else None
        if host is not None and body is not None and unconditional(top, {body.id}):
            out.append((top, host))
    return out


def looped_cover(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, fn: Node,
                 scratch: bool = False) -> list[Looped]:
    """The offloaded loops that replace every element of the section each time the innermost
    host loop around them runs its body (only blocks between them) — or whose nest does, the
    host loops of the nest between them and that host loop (:func:`nest_tops`) — with that
    host loop; none when the function has a ``goto`` (it could jump past the loop into the
    body).  ``scratch``: as for :func:`covering`."""
    if info.shape.kind == "array":
        if declared_spans(info.shape) is None:  # a true array: named whole in the clause
            return []
    elif info.spans is None or info.alloc is not None and not scratch or \
            info.shape.kind not in ("pointer", "rows"):
        return []
    if any(n.type == "goto_statement" for n in iter_nodes(fn)):
        return []
    out: list[Looped] = []
    for did, uses in info.uses.items():
        d = devices[did]
        for top, host in _looped_tops(d, lay.device_loops.get(did) or ()):
            got = _covers(d, uses, info, lay) if top.id == d.node.id else \
                _covers_in(top, uses, info)
            if got is not None:
                out.append((d, got, host, top))
    return out


def reads_own_write(u: ArrayUse, w: ArrayUse) -> bool:
    """A read of the element the covering write just wrote, later in the same block of the
    same iteration (``r[i] = e; s += r[i];``), or anywhere inside a later item of that block
    (``c[i][j] = 0; for (k = 0; k < n; k++) c[i][j] += ...``: the item runs after the write
    each time the block does), no name of the subscript nor the array assigned or declared
    in the block, no label inside the item (a ``goto`` could enter it).  A read in the write's
    own statement is not one, even after the write in the text (``a[i] = 0.5 * a[i] + s;``):
    the value stored is computed from it, so it reads the element's value from before the
    write (C11 6.5.16p3: the store is sequenced after the operands' value computations)."""
    if u.node.start_byte <= w.node.end_byte or text(u.node) != text(w.node):
        return False
    stmt_w, stmt_u = _statement(w.node), _statement(u.node)
    if stmt_w is None or stmt_u is None or stmt_w.parent is None or \
            stmt_w.parent.type != "compound_statement" or stmt_u.parent is None or \
            stmt_u.id == stmt_w.id:
        return False
    block = stmt_w.parent
    if stmt_w.parent.id != stmt_u.parent.id:
        item: Node | None = stmt_u
        while item is not None and item.parent is not None and item.parent.id != block.id:
            item = item.parent
        if item is None or item.parent is None or item.start_byte < stmt_w.end_byte or \
                any(n.type == "labeled_statement" for n in iter_nodes(item)):
            return False
    got = assignments(block)
    names = {text(n) for s in w.subs if not isinstance(s, int) for n in iter_nodes(s)
             if n.type == "identifier"} | {w.name}
    return not any(got.count.get(n) or n in got.declared for n in names)


def _statement(node: Node | None) -> Node | None:
    while node is not None and node.type != "expression_statement":
        node = node.parent
    return node


def plain_nest(node: Node, loop: Node) -> bool:
    """Only blocks, the statement itself and counted loops between the write and the loop —
    or an ``if`` whose other branch replaces the same element (:mod:`.branches`)."""
    p = node.parent
    while p is not None and p.id != loop.id:
        if p.type == "if_statement" and both_branches_replace(node, p):
            p = p.parent
            continue
        if p.type not in ("compound_statement", "expression_statement",
                          "assignment_expression", "else_clause") and p.type not in LOOP_TYPES:
            return False
        if p.type in LOOP_TYPES and (_field(p, "condition") is None or
                                     _outer_bounded(p, loop)):
            return False
        p = p.parent
    return p is not None


def _outer_bounded(inner: Node, loop: Node) -> bool:
    """Does the header of ``inner`` (a loop between a write and ``loop``) name the index of a
    loop around it up to ``loop``, with a range not provably non-empty (:func:`_runs_always`)?
    Then it may run no iteration for some of theirs (``for (j = 0; j < i; j++)`` at ``i =
    0``, ``k = i + 1; k < n`` at the last ``i``), and a write in its body does not happen
    for those (C11 6.8.5.3): it covers no section whole."""
    header = {text(n) for part in ("initializer", "condition")
              if (f := _field(inner, part)) is not None
              for n in iter_nodes(f) if n.type == "identifier"}
    p = inner.parent
    while p is not None:
        if p.type in LOOP_TYPES and (v := loop_var(p)) and v in header:
            return not _runs_always(inner)
        if p.id == loop.id:
            break
        p = p.parent
    return False


def _runs_always(inner: Node) -> bool:
    """Does ``inner`` run at least once for every value of the indices around it: each lower
    bound of its range at most each upper bound, the indices around at their smallest
    (``for (j = 0; j <= i; j++)`` with ``i >= 0``: yes; ``j < i``: not at ``i = 0``)?"""
    r = plain_range(inner)
    if r is None:
        return False
    around: dict[str, LoopRange] = {}
    for p in ancestors(inner):
        v = loop_var(p) if p.type == "for_statement" else None
        if v and v not in around and (pr := plain_range(p)) is not None:
            around[v] = pr
    return all(_never_negative(poly.sub(hi, lo), around) for lo in r.lo for hi in r.hi)


def _never_negative(d: poly.Poly, around: dict[str, LoopRange]) -> bool:
    """Is ``d`` at least 0 for every value of the loop indices of ``around`` in their ranges
    (each index at the end of its range that makes ``d`` smallest; other names sizes, at
    least 1)?"""
    for _ in range(4):
        index = next((n for n in poly.names(d) if n in around), None)
        if index is None:
            return poly.at_least_one(d)
        c = d.get((index,), 0)
        if c == 0 or any(index in t and t != (index,) for t in d):
            return False  # in a product: no end is the smallest
        r = around[index]
        ends = r.lo if c > 0 else r.hi
        if len(ends) != 1:
            return False
        got = poly.subst(d, index, ends[0])
        if got is None:
            return False
        d = got
    return False


def _size(text_: str) -> poly.Poly | None:
    t = text_.strip()
    if t.isidentifier():
        return poly.var(t)
    try:
        return poly.const(int(t, 0))
    except ValueError:
        return None


def _wanted(info: ArrayInfo) -> list[Span] | None:
    """The elements a covering write must reach, per subscript: the section's (rows: every
    element of a row; a true array: every element it declares)."""
    if info.shape.kind == "array":
        declared = declared_spans(info.shape)
        if declared is None:
            return None
        want = declared
    else:
        assert info.spans is not None
        want = list(info.spans)
    for d in info.shape.dims if info.shape.kind == "rows" else ():
        size = _size(d)
        if size is None:
            return None
        want.append(Span(poly.const(0), poly.sub(size, poly.const(1))))
    return want


def writes_whole(ex: Extents, u: ArrayUse, info: ArrayInfo, known: Known | None = None) -> bool:
    """Does the write reach every element of the section (rows: every element of a row; a
    true array: every element it declares)?  Bounds spelled through different object-like
    macros of the same size (a loop to ``ASIZE_2``, a section to ``ASIZE+2`` with ``#define
    ASIZE_2 (ASIZE+2)``) are compared once both are spelled out: the preprocessor replaces
    each name by its body wherever it is used (C11 6.10.3).  With ``known``, also once the
    region's locals of known value are spelled out (a loop to ``size`` after ``size = rows *
    cols;``, a section ``[0:cols*rows]`` from the other loops): the same number."""
    from accellium.dataset.offload.known import macros_spelled_at

    want = _wanted(info)
    if want is None or len(u.subs) < len(want):
        return False
    got: list[Span] = []
    for k in range(len(want)):
        span = ex.span(u.subs[k], u.node)
        if span is None:
            return False
        got.append(span)
    if all(g.same(w) for g, w in zip(got, want, strict=True)):
        return True
    spellings: list[Known] = [lambda spans: macros_spelled_at(spans, u.node)]
    for spelled in spellings + ([known] if known is not None else []):
        got2, want2 = spelled(got), spelled(want)
        if (got2 is not None or want2 is not None) and all(
                g.same(w) for g, w in zip(got2 or got, want2 or want, strict=True)):
            return True
    return False


def footprint(u: ArrayUse, loop: Node) -> tuple | None:
    """The elements a subscript reaches in a loop nest, as data: each loop's range (one lower
    and one upper bound, unit step) and the subscript's polynomial, the loop indices renamed by
    depth.  Two uses with equal footprints reach the same elements (the same polynomial over
    the same index ranges), whatever their loops' index names."""
    ex = Extents([loop])
    nest = list(reversed(loops_between(u.node, loop)))  # outermost first
    rename: dict[str, str] = {}
    ranges = []
    for k, lp in enumerate(nest):
        r = loop_range(lp, ex.env_at(lp))
        if r is None or not r.unit or len(r.lo) != 1 or len(r.hi) != 1:
            return None
        lo, hi = _renamed(r.lo[0], rename), _renamed(r.hi[0], rename)
        if lo is None or hi is None:
            return None
        ranges.append((lo, hi))
        rename[r.var] = f"\0{k}"
    subs = []
    for s in u.subs:
        b = exact(poly.const(0)) if isinstance(s, int) else bounds_of(s, ex.env_at(u.node))
        p = _renamed(b.exact, rename) if b is not None and b.exact is not None else None
        if p is None:
            return None
        subs.append(p)
    return tuple(ranges), tuple(subs)


def _renamed(p: poly.Poly, rename: dict[str, str]) -> tuple | None:
    out: poly.Poly | None = p
    for old, new in rename.items():
        out = poly.subst(out, old, poly.var(new)) if out is not None else None
    return tuple(sorted(out.items())) if out is not None else None


def _writer(d: Unit, uses: list[ArrayUse], info: ArrayInfo) -> tuple[ArrayUse, tuple] | None:
    """The plain write of a loop that reads nothing of the array but the element it has just
    written (:func:`reads_own_write`: ``a[i] = e; s = fmax(s, a[i]);``), with its footprint;
    or the argument of a call whose callee writes a footprint whole and reads none of it
    (:mod:`.callprints`)."""
    if isinstance(d, CallDevice):
        args = [a for a in d.args if a.name == info.name]
        if len(args) != 1 or args[0].fills is None:
            return None
        u = next((u for u in uses if u.node.id == args[0].node.id), None)
        return (u, args[0].fills) if u is not None else None
    if any(n.type in ("continue_statement", "break_statement", "goto_statement",
                      "return_statement") for n in iter_nodes(d.node)):
        return None
    for w in uses:
        if any(u.read and not reads_own_write(u, w) for u in uses):
            continue
        fw = footprint(w, d.node) if w.plain and plain_nest(w.node, d.node) else None
        if fw is not None:
            return w, fw
    return None


def _lifted_writer(top: Node, uses: list[ArrayUse], info: ArrayInfo, lay: Layout
                   ) -> tuple[ArrayUse, tuple] | None:
    """A plain write of the offloaded loop under ``top`` (a host loop of its nest) with its
    footprint over the loops up to ``top``, when nothing under ``top`` reads the array (host
    code included), nothing jumps and the region assigns no name of the footprint."""
    names = info.aliases or {info.name}
    if any(u.name in names and (u.read or not u.plain) for u in array_uses(top)) or any(
            n.type in ("continue_statement", "break_statement", "goto_statement",
                       "return_statement") for n in iter_nodes(top)):
        return None
    for w in uses:
        fw = footprint(w, top) if w.plain and plain_nest(w.node, top) else None
        if fw is not None and not _changed(fw, lay):
            return w, fw
    return None


def _reads_within(d: Unit, uses: list[ArrayUse], info: ArrayInfo, fw: tuple,
                  loops: tuple[int, ...]) -> bool:
    """Does the unit read only elements of the footprint ``fw`` — over the loop, or over the
    loops of its nest up to one of its host loops (:func:`nest_tops`)?"""
    if isinstance(d, CallDevice):
        return all(a.fills is not None or not a.read or a.reads_within == fw
                   for a in d.args if a.name == info.name)
    tops = [d.node, *nest_tops(d, loops)]
    return all(any(footprint(r, t) == fw for t in tops) for r in uses if r.read)


def footprint_cover(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, fn: Node,
                    scratch: bool = False) -> list[Looped]:
    """The loops at the top of each iteration of a host loop (only blocks between them) that
    write, in every iteration of their nest, the elements of a footprint that every device
    read of the array in other loops has too (``b[i*n + j]`` written and read over the same
    interior): each read sees what the same host iteration wrote, whatever lies in the holes
    of the section (nothing reads them).  The nest may reach into host loops around the
    offloaded loop (:func:`nest_tops`; nothing in them reads the array, the region assigns
    no name of the footprint).  A hoisted call counts as such a loop, or as such a read,
    with its callee's footprint in the caller's names (:mod:`.callprints`) — when the host
    reads nothing of the array in the region (``scratch``) and the region assigns no name of
    the footprint."""
    if info.alloc is not None or any(n.type == "goto_statement" for n in iter_nodes(fn)) or \
            not (info.shape.kind == "pointer" and info.spans is not None
                 or info.shape.kind == "array"):
        return []
    calls = any(isinstance(devices[did], CallDevice) for did in info.uses)
    out: list[Looped] = []
    for did, uses in info.uses.items():
        d = devices[did]
        loops = lay.device_loops.get(did) or ()
        for top, host in _looped_tops(d, loops):
            got = _writer(d, uses, info) if top.id == d.node.id else \
                _lifted_writer(top, uses, info, lay)
            if got is None:
                continue
            w, fw = got
            if calls and (not scratch or _changed(fw, lay)):
                continue
            if all(_reads_within(devices[rid], rs, info, fw, lay.device_loops.get(rid) or ())
                   for rid, rs in info.uses.items() if rid != did):
                out.append((d, w, host, top))
    return out


def _changed(fp: tuple, lay: Layout) -> bool:
    """Does the region assign or declare a name of the footprint?"""
    from accellium.dataset.offload.callprints import footprint_names

    ex = Extents(lay.stmts)
    return any(ex.assigned.get(n) or n in ex.declared for n in footprint_names(fp))


def rewriting_cover(info: ArrayInfo, devices: dict[int, Unit], lay: Layout, fn: Node,
                    reads: list[int]) -> Unit | None:
    """An offloaded loop that reads only elements of the array it wrote before in the same
    iteration and writes every element of the section (:func:`.selfwrite.rewrites`), run
    whenever the region runs (only blocks between it and the region's statements) before
    every other read (``reads``: the starts of the host reads, besides the other units') —
    or at the top of each iteration of the innermost host loop around it (only blocks
    between them), every other read after it in that host loop; none when the function has
    a ``goto``."""
    from accellium.dataset.offload.selfwrite import rewrites

    if info.spans is None or len(info.spans) != 1 or info.alloc is not None or \
            info.shape.kind != "pointer" or any(n.type == "goto_statement"
                                                 for n in iter_nodes(fn)):
        return None
    top_ids = {s.id for s in lay.stmts}
    for did in info.uses:
        d = devices[did]
        if not isinstance(d, Device) or not rewrites(d.node, info.name, info.spans[0]):
            continue
        loops = lay.device_loops.get(did)
        host: Node | None = None
        if loops:
            host = d.node.parent
            while host is not None and host.id != loops[-1]:
                host = host.parent
            body = _field(host, "body") if host is not None else None
            if body is None or not unconditional(d.node, {body.id}):
                continue
        elif not unconditional(d.node, top_ids):
            continue
        others = reads + [u.node.start_byte for rid, us in info.uses.items() if rid != did
                          for u in us if u.read]
        if all(p >= d.node.end_byte and (host is None or host.start_byte <= p < host.end_byte)
               for p in others):
            return d
    return None
