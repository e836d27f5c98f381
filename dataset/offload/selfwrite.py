"""Arrays an offloaded loop reads only where the same iteration wrote first
(:func:`self_written`): then what the array held before the loop is never read, and a region
that does not copy it back need not copy it in.

For one iteration of the offloaded loop (its index a fixed value), the elements of the array
surely written so far are kept as sets ``{b + c*k : lo <= k <= hi}`` (a point is one with
``lo = hi = 0``), the body's items read in order — each must be one of:

* a statement with no loop, no ``if`` and no jump: every element of the array it reads
  (``a[e]``, one subscript, a polynomial) must be in a set already; then each plain write
  ``a[e] = ...`` that is the statement's expression or the right side of such an ``=`` (it
  runs whenever the statement does) adds the point ``e``;
* a counted loop (unit step, the index assigned only by its header, no jump) whose body is
  such statements: a read ``a[f]`` is in a set before the loop for every index ``j`` of its
  range, or is the element a write ``a[g]`` of the body made earlier in the same iteration
  (``f = g``, an earlier statement), or the one a write of the body made in the previous
  iteration — ``f(j) = g(j - 1)`` for an increasing loop, ``g(j + 1)`` for a decreasing one —
  with its first iteration's ``f`` in a set before the loop; after the loop each write
  ``g = b + c*j`` adds ``{b + c*k : lo <= k <= hi}``;
* anything else that does not name the array.

The loop's header (``i < r->hi``) runs inside the compute construct before any iteration:
a loop whose header names the array reads it before writing it.

Comparisons take the names as the planner does (sizes at least 1, every loop running at
least once); the loop's own index is bounded below by its lower bound.  Every read of the
array in the loop is then of an element the same iteration wrote before it (races between
iterations are the engine's concern, as for every parallel loop)."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, text
from accellium.dataset.offload import poly
from accellium.dataset.offload.extent import Extents, Span
from accellium.dataset.offload.nodes import JUMPS, assignment_chain, block_items, has_jump
from accellium.dataset.offload.ranges import INT_MIN, loop_range, loop_var, loops_between, step_of
from accellium.dataset.offload.uses import ArrayUse, array_uses, assignments

__all__ = ["self_written", "rewrites"]

_FLAT = ("expression_statement", "declaration")

#: ``{b + c*k : lo <= k <= hi}``
_Set = tuple[poly.Poly, poly.Poly, poly.Poly, poly.Poly]


def _quotient(d: poly.Poly, c: poly.Poly) -> poly.Poly | None:
    """``d / c`` when ``c`` is one term dividing every term of ``d``."""
    if len(c) != 1:
        return None
    (cn, cv), = c.items()
    out: poly.Poly = {}
    for k, v in d.items():
        rest = list(k)
        for n in cn:
            if n not in rest:
                return None
            rest.remove(n)
        if v % cv:
            return None
        out[tuple(rest)] = v // cv
    return out


def _within(k: poly.Poly, lo: poly.Poly, hi: poly.Poly, mins: dict[str, int]) -> bool:
    return poly.compare(lo, k, mins) in (-1, 0) and poly.compare(k, hi, mins) in (-1, 0)


def _has(sets: list[_Set], p: poly.Poly, mins: dict[str, int]) -> bool:
    """Is the element ``p`` in one of the sets?"""
    for b, c, lo, hi in sets:
        k = _quotient(poly.sub(p, b), c)
        if k is not None and _within(k, lo, hi, mins):
            return True
    return False


def _has_range(sets: list[_Set], f: poly.Poly, j: str, lo: poly.Poly, hi: poly.Poly,
               mins: dict[str, int]) -> bool:
    """Is ``f(j)`` in one set for every ``j`` in ``lo..hi``?"""
    got = poly.split(f, j)
    if got is None:
        return False
    cf, bf = got
    if not cf:
        return _has(sets, f, mins)
    for b, c, slo, shi in sets:
        shift = _quotient(poly.sub(bf, b), c) if poly.sub(cf, c) == {} else None
        if shift is not None and _within(poly.add(lo, shift), slo, shi, mins) and \
                _within(poly.add(hi, shift), slo, shi, mins):
            return True
    return False


def _next_to(p: poly.Poly, b: poly.Poly, c: poly.Poly, lo: poly.Poly, hi: poly.Poly
             ) -> tuple[poly.Poly, poly.Poly] | None:
    """``lo..hi`` grown by the element ``p`` when it is ``b + c*(lo - 1)`` or
    ``b + c*(hi + 1)``."""
    k = _quotient(poly.sub(p, b), c)
    if k is not None and poly.sub(k, poly.sub(lo, poly.const(1))) == {}:
        return k, hi
    if k is not None and poly.sub(k, poly.add(hi, poly.const(1))) == {}:
        return lo, k
    return None


def _add(sets: list[_Set], new: _Set) -> None:
    """Adds a set, joining a point to a set it extends by one element (either way)."""
    b, c, lo, hi = new
    point = lo == hi
    for k, (eb, ec, elo, ehi) in enumerate(sets):
        if point and lo == poly.const(0) == hi and c == poly.const(1):
            got = _next_to(b, eb, ec, elo, ehi)
            if got is not None:
                sets[k] = (eb, ec, *got)
                return
        if elo == poly.const(0) == ehi and ec == poly.const(1):
            got = _next_to(eb, b, c, lo, hi)
            if got is not None:
                lo, hi = got
    sets.append((b, c, lo, hi))


def _sub(u: ArrayUse) -> poly.Poly | None:
    if len(u.subs) != 1 or isinstance(u.subs[0], int):
        return poly.const(0) if u.subs == [0] else None
    return poly.poly_of(u.subs[0])


def _sure_writes(stmt: Node, mine: list[ArrayUse]) -> list[ArrayUse]:
    """The plain writes of the statement's ``=`` chain (they run whenever it does)."""
    chain = assignment_chain(stmt)
    return [u for u in mine if u.plain and u.node.id in chain]


def _flat(stmt: Node) -> bool:
    return stmt.type in _FLAT and not any(
        n.type in JUMPS or n.type.endswith("_statement") and n.id != stmt.id
        for n in iter_nodes(stmt))


def _uses(stmt: Node, x: str) -> list[ArrayUse] | None:
    mine = [u for u in array_uses(stmt) if u.name == x]
    if any(u.whole or _sub(u) is None for u in mine):
        return None
    return mine


def _statement(sets: list[_Set], stmt: Node, x: str, mins: dict[str, int]) -> bool:
    mine = _uses(stmt, x)
    if mine is None or not _flat(stmt):
        return False
    if any(u.read and not _has(sets, _sub(u) or {}, mins) for u in mine):
        return False
    for w in _sure_writes(stmt, mine):
        _add(sets, (_sub(w) or {}, poly.const(1), poly.const(0), poly.const(0)))
    return True


def _seq_loop(sets: list[_Set], loop: Node, x: str, mins: dict[str, int]) -> bool:
    r = loop_range(loop, {})
    if r is None or not r.unit or len(r.lo) != 1 or len(r.hi) != 1:
        return False
    body = _field(loop, "body")
    if body is None or any(c.id != body.id and any(u.name == x for u in array_uses(c))
                           for c in named(loop)):
        return False  # the header
    up = step_of(_field(loop, "update"), r.var) == 1
    j, lo, hi = r.var, r.lo[0], r.hi[0]
    inner = dict(mins)
    inner[j] = lo.get((), 0) if not poly.names(lo) else INT_MIN
    stmts = block_items(body)
    uses = []
    for s in stmts:
        mine = _uses(s, x)
        if mine is None or not _flat(s):
            return False
        uses.append((s, mine, _sure_writes(s, mine)))
    writes = [_sub(w) or {} for _, _, ws in uses for w in ws]
    first = lo if up else hi
    for k, (_s, mine, _) in enumerate(uses):
        earlier = [_sub(w) or {} for _, _, ws in uses[:k] for w in ws]
        for u in (u for u in mine if u.read):
            f = _sub(u) or {}
            if _has_range(sets, f, j, lo, hi, inner) or f in earlier:
                continue
            prev = [poly.subst(g, j, poly.add(poly.var(j), poly.const(-1 if up else 1)))
                    for g in writes]
            at_first = poly.subst(f, j, first)
            if f in prev and at_first is not None and _has(sets, at_first, mins):
                continue
            return False
    for g in writes:
        got = poly.split(g, j)
        if got is None:
            return False
        c, b = got
        _add(sets, (b, c, lo, hi) if c else (b, poly.const(1), poly.const(0), poly.const(0)))
    return True


def _fixed_names(body: Node, x: str) -> bool:
    """Does each subscript of ``x`` name only what the iteration never changes, besides the
    index of the counted loop around it, and each inner loop's bounds only what it never
    changes (so a name has one value wherever the iteration compares it)?"""
    a = assignments(body)
    changed = set(a.count) | set(a.declared)
    for u in (u for u in array_uses(body) if u.name == x):
        p = _sub(u)
        own = {loop_var(lp) for lp in loops_between(u.node, body) if lp.type == "for_statement"}
        if p is not None and poly.names(p) & changed - own:
            return False
    for lp in (n for n in iter_nodes(body) if n.type == "for_statement"):
        r = loop_range(lp, {})
        if r is not None and {n for b in r.lo + r.hi for n in poly.names(b)} & changed:
            return False  # its bounds change in the iteration
    return True


def _written_sets(loop: Node, x: str) -> list[_Set] | None:
    """The sets of elements of ``x`` every iteration of ``loop`` surely writes, when it reads
    only elements it wrote before (None otherwise)."""
    r = loop_range(loop, {})
    body = _field(loop, "body")
    if r is None or body is None or has_jump(body):
        return None
    header = [h for part in ("initializer", "condition", "update")
              if (h := _field(loop, part)) is not None]
    if any(n.type == "identifier" and text(n) == x for h in header for n in iter_nodes(h)):
        return None  # the header runs in the compute construct: it reads ``x`` first
    if not _fixed_names(body, x):
        return None
    mins = dict(Extents([loop]).mins)
    mins[r.var] = min((lo.get((), 0) for lo in r.lo if not poly.names(lo)), default=INT_MIN)
    sets: list[_Set] = []
    for s in block_items(body):
        if not any(u.name == x for u in array_uses(s)):
            if any(n.type == "identifier" and text(n) == x for n in iter_nodes(s)):
                return None
            continue
        if s.type == "for_statement":
            if not _seq_loop(sets, s, x, mins):
                return None
        elif not _statement(sets, s, x, mins):
            return None
    return sets


def self_written(loop: Node, x: str) -> bool:
    """Does every iteration of the offloaded ``loop`` read only elements of ``x`` it wrote
    before (the module's rule)?"""
    return _written_sets(loop, x) is not None


def rewrites(loop: Node, x: str, span: Span) -> bool:
    """Does ``loop`` read only elements of ``x`` it wrote before and write every element of
    ``span``: a counted loop (unit step) whose iterations each write a run of consecutive
    elements ``b0 + s*i + lo .. b0 + s*i + hi`` (``i`` its index) with ``hi - lo + 1 = s``
    (the runs of successive iterations touch), from the span's first element to its last?"""
    r = loop_range(loop, {})
    sets = _written_sets(loop, x)
    if r is None or sets is None or not r.unit or len(r.lo) != 1 or len(r.hi) != 1:
        return False
    for b, c, lo, hi in sets:
        got = poly.split(b, r.var)
        if c != poly.const(1) or got is None:
            continue
        stride, b0 = got
        if poly.sub(poly.sub(hi, lo), poly.sub(stride, poly.const(1))) != {}:
            continue
        at_lo, at_hi = poly.mul(stride, r.lo[0]), poly.mul(stride, r.hi[0])
        if at_lo is None or at_hi is None or not stride or not poly.nonneg(stride):
            continue
        first, last = poly.add(b0, poly.add(at_lo, lo)), poly.add(b0, poly.add(at_hi, hi))
        if poly.sub(first, span.lo) == {} and poly.sub(last, span.hi) == {}:
            return True
    return False
