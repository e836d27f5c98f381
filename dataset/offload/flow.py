"""Where the host and device copies of each array must be brought together.

The device copy is what the offloaded loops read and write; the host copy is what the host code
between them (and after the region) reads and writes.  The rules, for each array:

* before host code that reads it, ``update self`` of what it reads when an offloaded loop that
  writes the array may have run since (earlier in the region, or in an earlier iteration of a
  host loop around both);
* after host code that writes it, ``update device`` of what it wrote when an offloaded loop
  may use the array later, or the region copies the array back at its end (the device copy
  would overwrite the host's write);
* at the start, ``copyin`` unless an offloaded loop that always runs writes every element of
  the section (a plain ``a[i] = ...`` over the whole section, in no ``if``, no host loop, no
  ``continue``) before anything reads it; at the end, ``copyout`` when the loops write it and
  code after the region may read it (a parameter or a global always may; a local only when
  the function uses it after the region — ``free`` is not a use).

Nothing else moves: an array the host code never touches gets no update.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.clauses import is_clause_arg
from accellium.dataset.analysis.tree import LOOP_TYPES, iter_nodes, text
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import ArrayInfo, Scope, dims_needed, section_text
from accellium.dataset.offload.calls import covering_arg
from accellium.dataset.offload.device import CallDevice, Unit
from accellium.dataset.offload.extent import Extents, Span, loops_between
from accellium.dataset.offload.redundant import drop_redundant
from accellium.dataset.offload.structure import Layout, Leaf, may_precede
from accellium.dataset.offload.uses import ArrayUse, array_uses, assignments

__all__ = ["Update", "Lifetime", "Flow", "plan_flow"]


@dataclass(frozen=True)
class Update:
    leaf: Leaf
    direction: str  # self | device
    section: str


@dataclass
class Lifetime:
    """An array mapped by ``enter data``/``exit data`` (the function allocates or frees it
    inside the region) instead of the structured region."""

    enter_after: Node | None  # the allocating statement (None: at the region start)
    exit_before: Node | None  # the freeing statement (None: at the region end)
    enter: str = "create"  # copyin | create
    exit: str = "delete"  # copyout | delete


@dataclass
class Flow:
    clauses: dict[str, str] = field(default_factory=dict)  # array -> copyin|copy|copyout|create
    lifetimes: dict[str, Lifetime] = field(default_factory=dict)
    updates: list[Update] = field(default_factory=list)
    problem: str | None = None
    notes: list[str] = field(default_factory=list)


def _host_uses(leaf: Leaf, arrays: dict[str, ArrayInfo], skip: set[str]) -> list[ArrayUse]:
    return [u for u in array_uses(leaf.node)
            if u.name in arrays and u.name not in skip]


def _reference(info: ArrayInfo) -> list[Span] | None:
    """The spans the region maps (None: a true array, every element is mapped)."""
    if info.alloc is not None and info.alloc.count is not None:
        return [Span(poly.const(0), poly.sub(info.alloc.count, poly.const(1)))]
    return info.spans


def _pure(sub: Node | int, leaf_ex: Extents) -> bool:
    """A subscript with no side effects whose names the statement does not change."""
    if isinstance(sub, int):
        return True
    for n in iter_nodes(sub):
        if n.type in ("assignment_expression", "update_expression", "call_expression",
                      "comma_expression"):
            return False
        if n.type == "identifier" and leaf_ex.assigned.get(text(n)):
            return False
    return True


def _use_section(u: ArrayUse, info: ArrayInfo, leaf_ex: Extents, region_ex: Extents,
                 leaf: Node | None = None) -> str | None:
    """The section of one host use, inside what the region maps (None: not provable)."""
    dims = dims_needed(info.shape) or 1
    ref = _reference(info)
    spans: list[Span] = []
    exact = True
    for k in range(dims):
        if k >= len(u.subs):
            return None
        if ref is not None:
            rs = region_ex.span(u.subs[k], u.node)
            if rs is None or region_ex.free(rs) or not rs.within(ref[k], region_ex.mins):
                return None
        s = leaf_ex.span(u.subs[k], u.node)
        if s is None or leaf_ex.free(s):
            exact = False
            break
        spans.append(s)
    single = leaf is not None and not _loops_inside(u.node, leaf)
    if exact and single and any(poly.compare(sp.lo, sp.hi) != 0 for sp in spans):
        exact = False  # one element, read through a remainder: name it by its subscript
    if exact:
        if info.shape.kind == "array":
            return f"{info.name}[{spans[0].section()}]" if len(spans) == 1 else None
        return section_text(info.shape, spans)
    if dims == 1 and len(u.subs) == 1 and _pure(u.subs[0], leaf_ex):
        idx = "0" if isinstance(u.subs[0], int) else " ".join(text(u.subs[0]).split())
        got = f"{info.name}[{idx}:1]"
        return got if is_clause_arg(got) else None
    return None


def _loops_inside(node: Node, top: Node) -> bool:
    """Is there a loop between ``node`` and ``top`` (``top`` included)?"""
    return any(lp.start_byte >= top.start_byte for lp in loops_between(node, top))


def _host_sections(leaf: Leaf, uses: list[ArrayUse], info: ArrayInfo,
                   region_ex: Extents) -> list[str]:
    """The sections a host statement touches (the region's whole section when one of its uses
    cannot be bounded inside the statement and the region)."""
    if info.shape.kind == "array" and info.shape.levels != 1:
        return [info.section]
    leaf_ex = Extents([leaf.node])
    out: list[str] = []
    for u in uses:
        if u.whole:
            return [info.section]
        got = _use_section(u, info, leaf_ex, region_ex, leaf.node)
        if got is None:
            return [info.section]
        if got not in out:
            out.append(got)
    return out if len(out) <= 4 else [info.section]


def _unconditional(node: Node, top_ids: set[int]) -> bool:
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


def _covering(info: ArrayInfo, devices: dict[int, Unit], lay: Layout
              ) -> tuple[Unit, ArrayUse] | None:
    """An offloaded loop that always runs and replaces every element of the section."""
    if info.spans is None or info.alloc is not None or info.shape.kind not in ("pointer", "rows"):
        return None
    top_ids = {s.id for s in lay.stmts}
    for did, uses in info.uses.items():
        d = devices[did]
        if lay.device_loops.get(did) or not _unconditional(d.node, top_ids):
            continue
        if isinstance(d, CallDevice):
            got = covering_arg(d, uses, info, Extents(lay.stmts))
            if got is not None:
                return d, got
            continue
        if any(n.type in ("continue_statement", "break_statement", "goto_statement",
                          "return_statement") for n in iter_nodes(d.node)):
            continue
        ex = Extents([d.node])
        for u in uses:
            if u.plain and _plain_nest(u.node, d.node) and _same(ex, u, info) and \
                    all(ex.dense(sub, u.node) for sub in u.subs):
                return d, u
    return None


def _reads_own_write(u: ArrayUse, w: ArrayUse) -> bool:
    """A read of the element the covering write just wrote, later in the same block of the
    same iteration (``r[i] = e; s += r[i];``)."""
    if u.node.start_byte <= w.node.end_byte or text(u.node) != text(w.node):
        return False
    stmt_w, stmt_u = _statement(w.node), _statement(u.node)
    if stmt_w is None or stmt_u is None or stmt_w.parent is None or \
            stmt_w.parent.type != "compound_statement" or stmt_u.parent is None or \
            stmt_w.parent.id != stmt_u.parent.id:
        return False
    changed = assignments(stmt_w.parent).count
    return not any(n.type == "identifier" and changed.get(text(n))
                   for s in w.subs if not isinstance(s, int) for n in iter_nodes(s))


def _statement(node: Node | None) -> Node | None:
    while node is not None and node.type != "expression_statement":
        node = node.parent
    return node


def _plain_nest(node: Node, loop: Node) -> bool:
    """Only blocks, the statement itself and counted loops between the write and the loop."""
    p = node.parent
    while p is not None and p.id != loop.id:
        if p.type not in ("compound_statement", "expression_statement",
                          "assignment_expression") and p.type not in LOOP_TYPES:
            return False
        if p.type in LOOP_TYPES and _field(p, "condition") is None:
            return False
        p = p.parent
    return p is not None


def _size(text_: str) -> poly.Poly | None:
    t = text_.strip()
    if t.isidentifier():
        return poly.var(t)
    try:
        return poly.const(int(t, 0))
    except ValueError:
        return None


def _same(ex: Extents, u: ArrayUse, info: ArrayInfo) -> bool:
    """Does the write reach every element of the section (rows: every element of a row)?"""
    assert info.spans is not None
    want = list(info.spans)
    for d in info.shape.dims if info.shape.kind == "rows" else ():
        size = _size(d)
        if size is None:
            return False
        want.append(Span(poly.const(0), poly.sub(size, poly.const(1))))
    if len(u.subs) < len(want):
        return False
    for k, w in enumerate(want):
        got = ex.span(u.subs[k], u.node)
        if got is None or not got.same(w):
            return False
    return True


@dataclass
class _Ctx:
    lay: Layout
    arrays: dict[str, ArrayInfo]
    devices: dict[int, Unit]
    scope: Scope
    live: dict[str, bool]
    region_ex: Extents


def _device_rows(ctx: _Ctx, info: ArrayInfo) -> list[tuple[Unit, tuple[int, ...]]]:
    return [(ctx.devices[i], ctx.lay.device_loops.get(i, ())) for i in info.uses]


def plan_flow(lay: Layout, arrays: dict[str, ArrayInfo], devices: list[Unit], scope: Scope,
              live: dict[str, bool]) -> Flow:
    out = Flow()
    ctx = _Ctx(lay, arrays, {d.node.id: d for d in devices}, scope, live, Extents(lay.stmts))
    for name, info in arrays.items():
        life, problem = _lifetime(ctx, info)
        if problem:
            out.problem = problem
            return out
        if life is not None:
            out.lifetimes[name] = life
        problem = _array_flow(ctx, info, life, out)
        if problem:
            out.problem = problem
            return out
    out.updates = drop_redundant(out.updates)
    return out


def _leaf_of(lay: Layout, stmt: Node) -> Leaf | None:
    for lf in lay.leaves:
        if lf.node.id == stmt.id:
            return lf
    return None


def _lifetime(ctx: _Ctx, info: ArrayInfo) -> tuple[Lifetime | None, str | None]:
    lay = ctx.lay
    allocs = [a.stmt for a in ctx.scope.allocs.get(info.name, [])
              if lay.start <= a.stmt.start_byte < lay.end]
    frees = [f for f in ctx.scope.frees.get(info.name, []) if lay.start <= f.start_byte < lay.end]
    if not allocs and not frees:
        return None, None
    if len(allocs) > 1 or len(frees) > 1:
        return None, f"`{info.name}` is allocated or freed more than once in the region"
    a = _leaf_of(lay, allocs[0]) if allocs else None
    f = _leaf_of(lay, frees[0]) if frees else None
    if (allocs and (a is None or not a.after_ok)) or (frees and (f is None or not f.before_ok)):
        return None, (f"the allocation or `free` of `{info.name}` shares its line or is not in "
                      "a block: no `enter data`/`exit data` can go next to it")
    loops_a = a.loops if a else ()
    loops_f = f.loops if f else ()
    if loops_a != loops_f:
        return None, (f"`{info.name}` is allocated and freed in different loops of the region: "
                      "no `enter data`/`exit data` pair matches them")
    return Lifetime(a.node if a else None, f.node if f else None), None


def _array_flow(ctx: _Ctx, info: ArrayInfo, life: Lifetime | None, out: Flow) -> str | None:
    lay = ctx.lay
    skip_leaves = set()
    if life is not None:
        skip_leaves = {n.id for n in (life.enter_after, life.exit_before) if n is not None}
    copy_back = info.dev_writes and ctx.live.get(info.name, True) and \
        (life is None or life.exit_before is None)
    rows = _device_rows(ctx, info)
    reads_after_update: list[int] = []  # starts of host reads that get `update self`
    for leaf in lay.leaves:
        if leaf.node.id in skip_leaves:
            continue
        uses = _host_uses(leaf, {info.name: info}, set())
        if not uses:
            continue
        reads = [u for u in uses if u.read]
        writes = [u for u in uses if u.write]
        device_wrote = any(any(u.write for u in info.uses[d.node.id])
                           and may_precede(d.node.end_byte, lp, leaf.start, leaf.loops)
                           for d, lp in rows)
        if reads and device_wrote:
            if not leaf.before_ok:
                return _unplaceable(leaf, info, "reads")
            for sec in _host_sections(leaf, reads, info, ctx.region_ex):
                out.updates.append(Update(leaf, "self", sec))
            reads_after_update.append(leaf.start)
        if writes and (copy_back or any(may_precede(leaf.end, leaf.loops, d.node.start_byte, lp)
                                        for d, lp in rows)):
            if not leaf.after_ok:
                return _unplaceable(leaf, info, "writes")
            secs = _host_sections(leaf, writes, info, ctx.region_ex)
            if device_wrote and not _dense(leaf, writes):
                # the section also holds elements the statement may not write: bring them
                # from the device first, so that pushing the section back changes only those
                # it wrote
                if not leaf.before_ok:
                    return _unplaceable(leaf, info, "writes part of")
                if Update(leaf, "self", info.section) not in out.updates:
                    out.updates.extend(Update(leaf, "self", sec) for sec in secs
                                       if Update(leaf, "self", sec) not in out.updates)
                reads_after_update.append(leaf.start)
            out.updates.extend(Update(leaf, "device", sec) for sec in secs)
    _clauses(ctx, info, life, copy_back, reads_after_update, out)
    return None


def _dense(leaf: Leaf, writes: list[ArrayUse]) -> bool:
    """Does the statement write every element of what it pushes: one expression statement
    whose writes are plain assignments of single elements (``a[k] = e;``)?"""
    if leaf.node.type != "expression_statement" or leaf.cond:
        return False
    for w in writes:
        if not w.plain or w.whole:
            return False
        p = w.node.parent
        while p is not None and p.id != leaf.node.id:
            if p.type in ("conditional_expression", "comma_expression", "call_expression"):
                return False
            p = p.parent
    return True


def _unplaceable(leaf: Leaf, info: ArrayInfo, verb: str) -> str:
    what = "the condition" if leaf.cond else "the statement"
    return (f"{what} at line {leaf.node.start_point[0] + 1} {verb} `{info.name}`, which the "
            "device holds, but no `update` can go next to it (not an item of a `{ }` block, "
            "or it shares its line)")


def _clauses(ctx: _Ctx, info: ArrayInfo, life: Lifetime | None, copy_back: bool,
             host_reads: list[int], out: Flow) -> None:
    if life is not None and life.enter_after is not None:
        needs_in = False  # freshly allocated: nothing to copy
    else:
        cover = _covering(info, ctx.devices, ctx.lay)
        reads = [u.node.start_byte for uses in info.uses.values() for u in uses
                 if u.read and not (cover and _reads_own_write(u, cover[1]))]
        needs_in = cover is None or any(p < cover[0].node.end_byte for p in reads + host_reads)
    if life is not None:
        life.enter = "copyin" if needs_in else "create"
        life.exit = "copyout" if copy_back else "delete"
        return
    out.clauses[info.name] = {(True, True): "copy", (True, False): "copyin",
                              (False, True): "copyout", (False, False): "create"}[
        (needs_in, copy_back)]


def live_after(scope: Scope, lay: Layout, name: str) -> bool:
    """May code after the region read the array: a parameter, a global, or memory a local
    pointer merely points to always may; a local array, or memory the function allocated
    itself, when the function names it after the region or in a loop around the region
    (``free`` is not a read)."""
    shape = scope.shape(name)
    if shape is None or not shape.local:
        return True
    if shape.kind != "array" and scope.alloc(name) is None:
        return True  # the pointer is local, the memory it points to is not
    frees = {f.id for f in scope.frees.get(name, [])}
    allocs = {a.stmt.id for a in scope.allocs.get(name, [])}
    for u in array_uses(scope.fn):
        if u.name == name and u.whole and not _in_free(u.node, frees | allocs):
            return True  # its address escapes (passed, stored, returned): anyone may read it
    around = []
    p: Node | None = lay.block
    while p is not None and p.id != scope.fn.id:
        if p.type in ("for_statement", "while_statement", "do_statement"):
            around.append(p)
        p = p.parent
    for n in iter_nodes(scope.fn):
        if n.type != "identifier" or text(n) != name:
            continue
        if lay.start <= n.start_byte < lay.end:
            continue
        later = n.start_byte >= lay.end or any(a.start_byte <= n.start_byte < a.end_byte
                                               for a in around)
        if later and not _in_free(n, frees):
            return True
    return False


def _in_free(n: Node, frees: set[int]) -> bool:
    p = n.parent
    while p is not None:
        if p.id in frees:
            return True
        if p.type.endswith("statement"):
            return False
        p = p.parent
    return False
