"""Is every element of a scratch array that an iteration reads written earlier in that
iteration?

``private(t)`` gives each iteration (gang, worker, vector lane) a copy of ``t`` that starts
uninitialised (OpenACC 3.3, 2.5.13, 2.9.10): it is right only where the iteration writes each
element it reads before reading it.  A loop that fills ``t[k]`` for ``k < m`` and reads
``t[7]``, fills from ``k = 1`` and reads ``t[0]``, fills every other element (``k += 2``), one
row (``t[0][k]``) or leaves its filling loop early (``break``, ``continue``) reads an element
the iteration did not write: the value there is the one stored before the loop (or by the
previous iteration), which a private copy has not.

So a read is covered by a plain, unconditional write that comes before it where

- the loops around the write and not around the read (the write's own loops) count by one
  from their initial value to their bound (:func:`.rows.loop_range`) and none of them can be
  left early or skip the rest of its body (no ``break``, ``continue``, ``goto`` or
  ``return`` in it): the write then takes every value of its subscripts' ranges;
- in each dimension the write's subscript uses at most one of its own loops' indices, with
  coefficient ±1, and no index of its own loops appears in two dimensions (the elements
  written are then the box of the dimensions' ranges);
- in each dimension the range of the read's subscript (over its own loops' ranges, the loops
  around both held fixed) lies inside the write's range: the differences of the ends are
  constants of the right sign, named constants counted with their values
  (:mod:`.named_constants`), or follow from the loops running — each loop around the read
  runs where the read does, and each of the write's own loops is taken to run at least once,
  the plan's stated assumption (docs/offload.md), so ``row[0]`` read after ``row[j]`` for
  ``j < m`` is covered, ``tmp[7]`` after ``tmp[k]`` for ``k < m`` is not.

Anything else is not shown to be covered: the array is no scratch array of the iteration
(its accesses are then judged as any other array's: a carried dependence)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tree_sitter import Node

from accellium.dataset.analysis.affine import affine
from accellium.dataset.analysis.polynomial import Poly, add, sub
from accellium.dataset.analysis.rows import Bound, interval, proved_nonneg, unit_step
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, text, unparen
from accellium.dataset.analysis.walk_records import Access

__all__ = ["reads_covered"]

Parent = Callable[[Node], "Node | None"]
_MOST_POINTS = 64  # the most elements a read is checked one by one
#: statements that leave a loop's body before its end (the rest of the body unrun)
_EXITS = frozenset({"break_statement", "continue_statement", "goto_statement",
                    "return_statement"})


def _loops(acc: Access, parent: Parent, is_loop: Callable[[Node], bool]) -> list[Node]:
    """The inner loops around the access, from the access out (the loop analysed excluded:
    ``parent`` stops below it)."""
    out = []
    p = parent(acc.node)
    while p is not None:
        if is_loop(p):
            out.append(p)
        p = parent(p)
    return out


def _dense(loop: Node, bound: Bound | None) -> bool:
    """Does the loop run its body to the end for every value of its index's range, counting
    by one?"""
    body = loop.child_by_field_name("body")
    return bound is not None and unit_step(loop, bound[0]) != 0 and body is not None and \
        not any(n.type in _EXITS for n in iter_nodes(body))


def reads_covered(accs: list[Access], parent: Parent, is_loop: Callable[[Node], bool],
                  bounds_of: Callable[[Node], Bound | None],
                  conditional: Callable[[Node], bool],
                  constants: Callable[[], dict[str, int]] = dict,
                  fill: Callable[[Access], bool] | None = None,
                  read: Callable[[Access], bool] | None = None) -> bool:
    """Is each read of ``accs`` (one array's accesses in the iteration) covered by an earlier
    write (module doc)?  ``is_loop``: a node is an inner loop of the iteration;
    ``bounds_of``: its range (:func:`.rows.loop_range`); ``conditional``: an access under a
    condition of the iteration; ``constants``: the values of named constants
    (:mod:`.named_constants`), asked for where a comparison needs them; ``fill`` and
    ``read``: which accesses store a whole value and which read (by default a plain write,
    and an access that reads; a member path's own, :func:`.arrays._filled_by_members`)."""
    values = _Values(constants)
    loops = {id(a): _loops(a, parent, is_loop) for a in accs}
    stores = fill or (lambda a: a.write and not a.read)
    reads = read or (lambda a: a.read)
    fills = [a for a in accs if stores(a) and not conditional(a.node)]
    for r in accs:
        if not reads(r):
            continue
        before = [w for w in fills if w.order < r.order]
        if not any(_covers(w, r, loops, bounds_of, values) for w in before) and \
                not _points_covered(r, before, loops, bounds_of, values) and \
                not _chain_covered(r, before, loops, bounds_of, values) and \
                not _recurrence_covered(r, fills, loops, bounds_of, values):
            return False
    return True


def _done(r: Access, fills: list[Access], loops: dict[int, list[Node]]) -> list[Access]:
    """The writes of ``fills`` that no loop around the read holds: complete when it runs."""
    around = {n.id for n in loops[id(r)]}
    return [w for w in fills if not any(n.id in around for n in loops[id(w)])]


def _unit_index(terms: list[tuple[tuple[str, ...], int]], used: set[str]) -> bool:
    """Do the non-constant ``terms`` of one subscript name at most one index, by ±1, that no
    other subscript names (``used``, which takes it)?  A write over such subscripts takes
    every element of the box of their ranges."""
    if len(terms) > 1 or any(len(t) != 1 or abs(c) != 1 or t[0] in used for t, c in terms):
        return False
    used.update(t[0] for t, _ in terms)
    return True


def _terms(x: Poly) -> list[tuple[tuple[str, ...], int]]:
    return [(t, c) for t, c in x.items() if t != () and c]


def _span(a: Access, loops: dict[int, list[Node]], bounds_of: Callable[[Node], Bound | None],
          dense: bool) -> tuple[tuple[Poly, Poly], list[Poly]] | None:
    """((lowest, highest) of a one-subscript access over the loops around it, the facts
    that those loops run: each ``hi - lo >= 0``); ``dense``: a write that takes every value
    (:func:`_dense`, one index by ±1); None otherwise."""
    if len(a.subs) != 1:
        return None
    bounds = [(n, bounds_of(n)) for n in loops[id(a)]]
    if any(b is None or (dense and not _dense(n, b)) for n, b in bounds):
        return None
    ranges = _ranges([b for _, b in bounds if b is not None])
    x = a.subs[0]
    if dense and (x is None or not _unit_index(_terms(x), set())):
        return None
    got = interval(x, ranges) if x is not None else None
    if got is None:
        return None
    return got, [sub(hi, lo) for lo, hi in ranges.values()]


def _chain_covered(r: Access, fills: list[Access], loops: dict[int, list[Node]],
                   bounds_of: Callable[[Node], Bound | None], values: _Values) -> bool:
    """A one-subscript read whose range the ranges of complete writes cover end to end
    (``w[0] = 1;`` and ``w[k]`` for ``1 <= k < m`` cover ``w[j]`` for ``j < m``): from the
    read's lowest element, each step takes a write whose range holds the next element not
    yet covered, until the read's highest is."""
    got = _span(r, loops, bounds_of, dense=False)
    if got is None:
        return False
    (lo, hi), facts = got
    spans = []
    for w in _done(r, fills, loops):
        s = _span(w, loops, bounds_of, dense=True)
        if s is not None:
            spans.append(s[0])
            facts = facts + s[1]
    cur = lo  # the lowest element not shown covered
    for _ in range(len(spans)):
        step = next(((a, b) for a, b in spans
                     if values.at_least(sub(cur, a), facts) and
                     values.at_least(sub(b, cur), facts)), None)
        if step is None:
            return False
        if values.at_least(sub(step[1], hi), facts):
            return True
        cur = add(step[1], {(): 1})
    return False


def _recurrence_covered(r: Access, fills: list[Access], loops: dict[int, list[Node]],
                        bounds_of: Callable[[Node], Bound | None], values: _Values) -> bool:
    """A one-subscript read of what an earlier iteration of the innermost loop around it
    wrote (``w[k] = w[k - 1] * x`` for ``k`` counting up by one): the loop writes ``w[k]`` in
    every iteration (unconditionally, never left early), so ``w[k - c]`` was written ``c``
    iterations before, except in the first ``c`` iterations, whose elements (``w[lo - c]`` ..
    ``w[lo - 1]``) a complete write before the loop must hold."""
    mine = loops[id(r)]
    bound = bounds_of(mine[0]) if mine else None
    if bound is None or len(r.subs) != 1 or r.subs[0] is None or \
            not _dense(mine[0], bound):
        return False
    inner, (var, lo_key, hi_key) = mine[0], bound
    up = unit_step(inner, var) > 0
    before = [w for w in fills if w.order < r.order]
    for w in fills:
        if not loops[id(w)] or loops[id(w)][0].id != inner.id or len(w.subs) != 1 or \
                w.subs[0] is None or w.subs[0].get((var,), 0) != 1 or \
                any(var in t and t != (var,) for t in w.subs[0]):
            continue
        d = sub(w.subs[0], r.subs[0])
        c = d.get((), 0) * (1 if up else -1)
        if any(v for t, v in d.items() if t != ()) or not 1 <= c <= _MOST_POINTS:
            continue
        start = dict(lo_key if up else hi_key)
        head = [_at(r.subs[0], var, add(start, {(): j if up else -j})) for j in range(c)]
        # the complete writes before the read are outside the loop around it
        if all(_element_filled(e, r, before, loops, bounds_of, values) for e in head):
            return True
    return False


def _at(x: Poly, var: str, value: Poly) -> Poly:
    """``x`` with the index ``var`` (in terms of degree one) replaced by ``value``."""
    out: Poly = {}
    for t, c in x.items():
        if var in t:
            rest = tuple(n for n in t if n != var)
            out = add(out, {tuple(sorted((*rest, *u))): c * k for u, k in value.items()})
        else:
            out = add(out, {t: c})
    return out


def _element_filled(e: Poly, r: Access, fills: list[Access], loops: dict[int, list[Node]],
                    bounds_of: Callable[[Node], Bound | None], values: _Values) -> bool:
    """Is the element ``e`` (one subscript) in the range of a complete write of ``fills``?"""
    for w in _done(r, fills, loops):
        got = _span(w, loops, bounds_of, dense=True)
        if got is not None:
            (lo, hi), facts = got
            if values.at_least(sub(e, lo), facts) and values.at_least(sub(hi, e), facts):
                return True
    return False


def _points_covered(r: Access, fills: list[Access], loops: dict[int, list[Node]],
                    bounds_of: Callable[[Node], Bound | None], values: _Values) -> bool:
    """A read over a few elements of constant subscripts (``t[j]`` for ``j < 3``), each
    covered by one of the writes (``t[0] = 0, t[1] = 0, t[2] = 0;``)."""
    box = _box(r, loops, bounds_of, values)
    if box is None:
        return False
    points: list[tuple[int, ...]] = [()]
    for lo, hi in box:
        points = [(*p, k) for p in points for k in range(lo, hi + 1)]
        if len(points) > _MOST_POINTS:
            return False
    # writes inside a loop around the read too fill elements that depend on that loop's
    # iteration: not counted
    boxes = [b for w in _done(r, fills, loops)
             if (b := _box(w, loops, bounds_of, values, dense=True)) is not None]
    return all(any(all(lo <= k <= hi for k, (lo, hi) in zip(p, b, strict=True))
                   for b in boxes if len(b) == len(p)) for p in points)


def _box(a: Access, loops: dict[int, list[Node]], bounds_of: Callable[[Node], Bound | None],
         values: _Values, dense: bool = False) -> list[tuple[int, int]] | None:
    """The constant range of each subscript of ``a`` over the ranges of the loops around it
    (``dense``: only loops that take every value, :func:`_dense`, and a subscript of one
    index); None where one is not constant."""
    bounds = [(n, bounds_of(n)) for n in loops[id(a)]]
    if any(b is None or (dense and not _dense(n, b)) for n, b in bounds):
        return None
    ranges = _ranges([b for _, b in bounds if b is not None])
    out = []
    used: set[str] = set()
    for k, x in enumerate(a.subs):
        got = _interval(a, k, ranges, values)
        ends = [values.of(e) for e in got] if got is not None else [None]
        if got is None or None in ends:
            return None
        if dense and (x is None or not _unit_index(_terms(x), used)):
            return None
        lo, hi = ends
        assert lo is not None and hi is not None
        out.append((lo, hi))
    return out


def _interval(a: Access, k: int, ranges: dict[str, tuple[Poly, Poly]], values: _Values
              ) -> tuple[Poly, Poly] | None:
    """(lowest, highest) of the access's subscript ``k`` over ``ranges``: an affine one's
    (:func:`.rows.interval`), and ``e % c`` for a positive constant ``c`` where ``e`` is never
    negative: ``0 .. c - 1`` (C11 6.5.5p6: ``(e/c)*c + e%c == e``, the quotient truncated
    toward zero)."""
    x = a.subs[k]
    if x is not None:
        return interval(x, ranges)
    node = unparen(a.index_nodes[k]) if k < len(a.index_nodes) and not a.shift else None
    if node is None or node.type != "binary_expression" or op(node) != "%":
        return None
    right = unparen(_field(node, "right"))
    if right is None or right.type != "number_literal" or not text(right).isdigit() or \
            int(text(right)) <= 0:
        return None
    left = affine(_field(node, "left"), {})
    got = interval(left, ranges) if left is not None else None
    if got is None or not values.at_least(got[0]):
        return None
    return {(): 0}, {(): int(text(right)) - 1}


class _Values:
    """Polynomials as integers, named constants replaced by their values (asked for once,
    where a term names something)."""

    def __init__(self, constants: Callable[[], dict[str, int]]):
        self._ask = constants
        self._got: dict[str, int] | None = None

    def of(self, x: Poly) -> int | None:
        """The value of ``x``, None where a term names anything but a named constant."""
        y = self.known(x)
        return None if any(t != () and c for t, c in y.items()) else y.get((), 0)

    def at_least(self, x: Poly, facts: Sequence[Poly] = ()) -> bool:
        """Is ``x`` (a difference of two ends) >= 0: a constant, or one the ``facts`` (each
        ``>= 0``) prove, named constants replaced by their values?"""
        v = self.of(x)
        if v is not None:
            return v >= 0
        return bool(facts) and proved_nonneg(self.known(x), [self.known(f) for f in facts])

    def known(self, x: Poly) -> Poly:
        """``x`` with each named constant replaced by its value."""
        out: Poly = {}
        for t, c in x.items():
            k, rest = c, []
            for n in t:
                if self._got is None:
                    self._got = self._ask()
                v = self._got.get(n)
                if v is None:
                    rest.append(n)
                else:
                    k *= v
            key = tuple(rest)
            out[key] = out.get(key, 0) + k
        return out


def _covers(w: Access, r: Access, loops: dict[int, list[Node]],
            bounds_of: Callable[[Node], Bound | None], values: _Values) -> bool:
    if len(w.subs) != len(r.subs) or any(x is None for x in w.subs):
        return False
    around_r = {n.id for n in loops[id(r)]}
    own_w = [n for n in loops[id(w)] if n.id not in around_r]
    own_r = [n for n in loops[id(r)] if n.id not in {m.id for m in loops[id(w)]}]
    w_bounds = [bounds_of(n) for n in own_w]
    if not all(_dense(n, b) for n, b in zip(own_w, w_bounds, strict=True)):
        return False
    w_ranges = _ranges([b for b in w_bounds if b is not None])
    r_bounds = [bounds_of(n) for n in own_r]
    if any(b is None for b in r_bounds):
        return False
    r_ranges = _ranges([b for b in r_bounds if b is not None])
    # each loop around the read runs where the read does; each of the write's own loops is
    # taken to run at least once, the assumption the plan states (docs/offload.md): a read
    # of the first element a filling loop writes (`row[0]` after `j < m`) is covered
    facts = [sub(hi, lo) for lo, hi in (*w_ranges.values(), *r_ranges.values())]
    used: set[str] = set()
    for k, ws in enumerate(w.subs):
        assert ws is not None
        if not _unit_index([(t, c) for t, c in _terms(ws) if any(n in w_ranges for n in t)],
                           used):
            return False
        wi, ri = interval(ws, w_ranges), _interval(r, k, r_ranges, values)
        if wi is None or ri is None or not values.at_least(sub(ri[0], wi[0]), facts) or \
                not values.at_least(sub(wi[1], ri[1]), facts):
            return False
    return True


def _ranges(bounds: list[Bound]) -> dict[str, tuple[Poly, Poly]]:
    return {v: (dict(lo), dict(hi)) for v, lo, hi in bounds}
