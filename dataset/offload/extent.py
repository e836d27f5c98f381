"""Which elements a subscript reaches while the loops around it run: the smallest and largest
value of a polynomial subscript over the ranges of the loop indices (innermost loop first, so
that a bound using an outer index — a triangular nest — is itself eliminated next).

A subscript increasing in an index reaches its smallest value at the index's lower bound and
its largest at the upper bound (decreasing: the other way round); "increasing" is read from the
sign of the index's coefficient, names taken as non-negative (:func:`poly.nonneg`).  Anything
else — a bound read from memory, a division, a local assigned in a way we cannot follow — has
no extent, and the caller says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.member_reads import parse_key, unchanged
from accellium.dataset.analysis.scope import declared_names
from accellium.dataset.analysis.tree import (
    LOOP_TYPES,
    iter_nodes,
    kept_with_tree,
    op,
    root_of,
    text,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.value_types import may_be_narrow
from accellium.dataset.offload import guards, poly
from accellium.dataset.offload.bounds import Bounds, bounds_of, exact, plus, tightest
from accellium.dataset.offload.held import held_locals
from accellium.dataset.offload.nodes import enclosing_function
from accellium.dataset.offload.ranges import (
    LoopRange,
    enclosing_minimum,
    loop_range,
    loop_var,
    loops_between,
    size_minimum,
    start_minimum,
)
from accellium.dataset.offload.uses import ZERO, assignments

__all__ = ["Span", "LoopRange", "loop_range", "loops_between", "Extents", "union"]

_CHAIN_ROUNDS = 4


@dataclass(frozen=True)
class Span:
    """Elements ``lo..hi`` (inclusive) of one dimension."""

    lo: poly.Poly
    hi: poly.Poly

    def section(self) -> str:
        """``lo:length`` (OpenACC 3.3, 2.7.1)."""
        return f"{poly.render(self.lo)}:{poly.render(poly.add(poly.sub(self.hi, self.lo), poly.const(1)))}"

    def within(self, other: Span, mins: dict[str, int] | None = None) -> bool:
        a, b = poly.compare(other.lo, self.lo, mins), poly.compare(self.hi, other.hi, mins)
        return a is not None and a <= 0 and b is not None and b <= 0

    def same(self, other: Span) -> bool:
        return poly.compare(self.lo, other.lo) == 0 and poly.compare(self.hi, other.hi) == 0

    def substituted(self, values: dict[str, poly.Poly]) -> Span | None:
        """Both bounds with each name of ``values`` replaced by its polynomial (None: a
        replacement is not a polynomial)."""
        lo, hi = self.lo, self.hi
        for n, v in values.items():
            lo2, hi2 = poly.subst(lo, n, v), poly.subst(hi, n, v)
            if lo2 is None or hi2 is None:
                return None
            lo, hi = lo2, hi2
        return Span(lo, hi)


def _in_scope(decl: Node, node: Node) -> bool:
    """Is the name ``decl`` (an ``init_declarator``) declares the one ``node`` sees: ``node``
    after the declarator and inside the block (or ``for`` header) that holds the declaration?
    A name declared in one loop's body means nothing in a sibling loop (C11 6.2.1p4)."""
    holder = decl.parent
    scope = holder.parent if holder is not None else None
    if scope is None:
        return True
    return decl.end_byte <= node.start_byte and \
        scope.start_byte <= node.start_byte < scope.end_byte


_Env = list[tuple[str, Node, Bounds]]  # (name, its declarator, its value's bounds)


def _narrow(declaration: Node) -> bool:
    """Does ``declaration`` declare objects of a narrow integer type (``unsigned char k``, a
    typedef name of one, a template's type parameter: :func:`...value_types.may_be_narrow`),
    which hold a value assigned to them reduced to their range (C11 6.3.1.3)?"""
    return may_be_narrow(text(_field(declaration, "type")), declaration)


def _positions(fn: Node) -> dict[str, list[int]]:
    """:func:`.arrays.assignment_positions` of ``fn`` (the stores through a pointer or a
    reference to a scalar among them), kept with the tree."""
    from accellium.dataset.offload.arrays import assignment_positions  # (arrays -> here)

    return kept_with_tree(root_of(fn), "assignment-positions", fn.start_byte,
                          lambda: assignment_positions(fn))


def _declared_once(top: Node) -> list[tuple[str, Node, Node]]:
    """(name, declarator, value) of each ``T x = e;`` under ``top`` whose scope assigns the
    name nowhere else (each declaration on its own: two loops may each declare a ``k``)."""
    out = []
    counts: dict[int, dict[str, int]] = {}  # a scope's assignment counts, one walk per scope
    for n in iter_nodes(top):
        if n.type != "init_declarator" or n.parent is None or n.parent.parent is None or \
                _narrow(n.parent):
            continue
        a = assignments(n)
        if len(a.once()) != 1:
            continue
        name, value = next(iter(a.once().items()))
        holder = n.parent.parent
        if holder.id not in counts:
            counts[holder.id] = assignments(holder).count
        if counts[holder.id].get(name) == 1:
            out.append((name, n, value))
    return out


def _set_in_block(top: Node) -> list[tuple[str, Node, Node]]:
    """(name, assignment, value) of each statement ``x = e;`` of a block under ``top`` that
    assigns ``x`` nowhere else in the block, where ``x`` is a local of the function whose
    address is never taken and no name of ``e`` is assigned from the statement to the block's
    end: after the statement, to the block's end, ``x`` holds ``e`` (each time the block
    runs, whatever ``x`` held before: ``k = i * cols + j;`` then ``J[k]``).  A name of ``e``
    the block assigns before the statement has, at the statement, the value of that
    assignment (C11 6.8p4: a full expression is evaluated before the next statement):
    ``i1 = 2*j1 - d1; i123 = i1 + m1k*i2;`` bounds ``i123`` through ``i1``'s own value (a
    name bound nowhere stays a name, which the region's sections refuse when it changes)."""
    out: list[tuple[str, Node, Node]] = []
    fn = enclosing_function(top)
    if fn is None:
        return out
    candidates: list[tuple[str, Node, Node, Node]] = []  # name, statement, block, value
    for n in iter_nodes(top):
        if n.type != "assignment_expression" or op(n) != "=" or n.parent is None or \
                n.parent.type != "expression_statement" or n.parent.parent is None or \
                n.parent.parent.type != "compound_statement":
            continue
        left, value = _field(n, "left"), _field(n, "right")
        if left is not None and left.type == "identifier" and value is not None:
            candidates.append((text(left), n, n.parent.parent, value))
    if not candidates:  # the function is read only when ``top`` has such a statement
        return out
    mine = assignments(fn)
    addressed = {text(_field(n, "argument")) for n in iter_nodes(fn)
                 if n.type == "pointer_expression" and op(n) == "&"}
    # a value stored in a narrow integer wraps (:mod:`...analysis.value_types`)
    addressed |= {d.name for n in iter_nodes(fn) if n.type == "declaration" and _narrow(n)
                  for d in declared_names(n)}
    blocks: dict[int, tuple[dict[str, int], dict[int, set[str]]]] = {}
    for name, n, blk, value in candidates:
        if name not in mine.declared or name in addressed:
            continue
        if blk.id not in blocks:
            blocks[blk.id] = _block_assignments(blk)
        counts, later = blocks[blk.id]
        used = {text(x) for x in iter_nodes(value) if x.type == "identifier"}
        if counts.get(name) == 1 and not used & later[n.parent.id]:  # type: ignore[union-attr]
            out.append((name, n, value))
    return out


def _block_assignments(blk: Node) -> tuple[dict[str, int], dict[int, set[str]]]:
    """How often the block assigns each name, and, for each of its statements (by id), the
    names that statement and the ones after it assign (one walk of each statement)."""
    counts: dict[str, int] = {}
    later: dict[int, set[str]] = {}
    acc: set[str] = set()
    for st in reversed([c for c in blk.named_children if c.type != "comment"]):
        own = assignments(st).count
        for k, v in own.items():
            counts[k] = counts.get(k, 0) + v
        acc = acc | set(own)
        later[st.id] = acc
    return counts, later


def _visible(env: _Env, node: Node) -> dict[str, Bounds]:
    """The bounds of the names whose declaration ``node`` sees (the innermost one; of two in
    one block, the later: a held local's bounds after its final guard, :mod:`.sentinel`)."""
    out: dict[str, tuple[tuple[int, int], Bounds]] = {}
    for name, decl, b in env:
        if _in_scope(decl, node):
            depth = (decl.parent.parent.start_byte, decl.end_byte)  # type: ignore[union-attr]
            if name not in out or out[name][0] < depth:
                out[name] = (depth, b)
    return {k: v for k, (_, v) in out.items()}


def _env(once: list[tuple[str, Node, Node]], ranges=None, held: _Env | None = None) -> _Env:
    """Bounds of the locals declared and assigned once (``int j = d - i;``,
    :func:`_declared_once`), with their declarators (a value holds only where its declaration
    is in scope); with ``ranges`` (the range of a loop index at a node), a conditional value's
    branches are bounded over the index values where they are taken (:mod:`.guards`).
    ``held``: locals assigned more than once whose every value is bounded
    (:func:`.held.held_locals`), known from the start."""
    known: dict[int, tuple[str, Node, Bounds]] = {decl.id: (name, decl, b)
                                                  for name, decl, b in held or []}
    for _ in range(_CHAIN_ROUNDS):
        changed = False
        for name, decl, value in once:
            seen = _visible(list(known.values()), value)
            b = bounds_of(value, seen if ranges is None else guards.Env(seen, ranges))
            if b is not None and (decl.id not in known or known[decl.id][2] != b):
                known[decl.id] = (name, decl, b)
                changed = True
        if not changed:
            break
    return list(known.values())


def _macro_minimums(tops: list[Node], declared: set[str]) -> dict[str, int]:
    """The names under ``tops`` that are macros whose expansion is an integer constant, and
    that value (:func:`.known.macro_constants`): the preprocessor makes the name that number
    (C11 6.10.3), so ``q[i + V_A*n]`` with ``#define V_A 0`` is ``q[i]`` and a bound that
    takes ``V_A`` to be at least 1, as it takes a size, would put it above ``q[i + n]``
    (``q[n:V_A*n]`` for both, which maps none of the elements ``q[i]`` reads)."""
    from accellium.dataset.offload.known import macro_constants

    out: dict[str, int] = {}
    for t in tops:
        used = {text(n) for n in iter_nodes(t) if n.type == "identifier"}
        out.update(macro_constants(root_of(t), t.start_byte, used, declared))
    return out


def _tightest_known(candidates: tuple[poly.Poly, ...], largest: bool, mins: poly.Minimums
                    ) -> poly.Poly | None:
    """The tightest of ``candidates`` (each a bound that holds alone: the index is at least,
    or at most, every one) under the facts ``mins``; when a name of unknown sign leaves them
    unordered, the one that is tightest taking every such name to be a size (at least 1, as
    the extents did before they knew of signs), if its own names all have a fact: a window
    ``j >= i - w`` clamped by ``j >= 0`` keeps ``0``.  So the facts only ever refuse a bound
    the sizes chose, never choose another: ``q[i + n]`` with ``q[i + k*n]`` (the sizes' lower
    bound ``k*n`` names ``k``) and ``B*nb - 1`` against ``n - 1`` (unordered either way: the
    looser one would run past the array) stay refused.

    Lower bounds that stay unordered either way still each hold alone, so the section may
    start at any of them; one the facts prove non-negative starts inside the array (a pointer
    to its first element) and covers every element reached.  Branches of a boundary test
    give such lists: in ``if (i == 0) ... else if (i == n - 1) a[(i-1)*m + j] ...`` the index
    is both ``n - 1`` and at least 1, so the start is ``(n-2)*m`` and ``0`` (C11 6.8.4.1: the
    ``else`` runs only where ``i == 0`` fails) — ``0`` serves, ``(n-2)*m`` alone can be
    negative."""
    got = tightest(candidates, largest=largest, mins=mins)
    if got is None:
        sized = tightest(candidates, largest=largest, mins=dict(mins))
        if sized is not None and all(mins.get(n, poly.INT_MIN) > poly.INT_MIN
                                     for n in poly.names(sized)):
            got = sized
    if got is None and largest:
        inside = tuple(c for c in candidates if poly.at_least_one(c, mins))
        got = tightest(inside, largest=True, mins=mins) if inside else None
    return got


def _within(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


class Extents:
    """Extents of subscripts under ``top`` (a statement, or a block whose statements are
    ``tops``): every loop between a subscript and ``top`` is eliminated; what remains must be
    names that ``top`` does not assign or declare (checked by the caller with :meth:`free`)."""

    def __init__(self, tops: list[Node], held: bool = True, fixed_guards: bool = False):
        """``held``: also bound the locals assigned more than once whose every value is
        bounded (:mod:`.held`; off where those bounds are being worked out).
        ``fixed_guards``: cut the bounds by a guard on an outer loop's index
        (:meth:`_fixed_guarded`): for the sections of a directive over the tops (a loop's or
        a region's data clauses), and by an earlier ``if (c) continue;`` of an access's block
        (:func:`.guards.guards_of` with ``leaving``: the access runs with ``c`` false); the
        updates next to a host statement have their own rule for its guarded accesses
        (:func:`.flow._reached`), and the covering writes follow the jumps themselves
        (:func:`.branches.continue_replaced`: a store after the ``continue`` may stand for
        every iteration's)."""
        self.tops = tops
        self._envs: dict[int, _Env] = {}
        self.assigned: dict[str, int] = {}
        self.declared: set[str] = set()
        once = {t.id: _declared_once(t) + _set_in_block(t) for t in tops}
        fn = enclosing_function(tops[0]) if held and tops else None
        kept: _Env = held_locals(fn) if fn is not None else []
        owner = enclosing_function(tops[0]) if tops else None
        for t in tops:
            self._envs[t.id] = _env(once[t.id], held=kept)
            a = assignments(t)
            for k, v in a.count.items():
                self.assigned[k] = self.assigned.get(k, 0) + v
            self.declared |= set(a.declared)
            if owner is not None:  # through pointers, references and the file's calls
                for k, positions in _positions(owner).items():
                    if any(t.start_byte <= p < t.end_byte for p in positions):
                        self.assigned[k] = self.assigned.get(k, 0) + 1
        self._ranges: dict[int, LoopRange | None] = {}
        self._mins: poly.Minimums | None = None
        # the same locals again, their conditional values bounded under their guards (the
        # loop ranges this needs come from the plain bounds above)
        self._genvs: dict[int, _Env] = {t.id: _env(once[t.id], self._index_range, kept)
                                        for t in tops}
        self._conditional_names = guards.conditional_locals(tops)
        self._members: dict[str, bool] = {}  # member reads -> unchanged under the tops
        # cut the bounds by a guard on an outer loop's index (:meth:`_fixed_guarded`); how
        # many spans were cut so
        self.fixed_guards = fixed_guards
        self.cuts = 0

    def _index_range(self, node: Node, name: str) -> guards.Limits | None:
        """The range of the innermost loop under the tops around ``node`` (in its body)
        whose index is ``name``."""
        p = node.parent
        while p is not None:
            if p.type == "for_statement" and loop_var(p) == name:
                body = _field(p, "body")
                r = self._range(p) if body is not None and \
                    body.start_byte <= node.start_byte < body.end_byte else None
                return (r.lo, r.hi) if r is not None else None
            if any(p.id == t.id for t in self.tops):
                return None
            p = p.parent
        return None

    @property
    def mins(self) -> poly.Minimums:
        """Smallest values of the names the tops use where a fact of C bounds them: the
        planner takes each loop to run at least once (``for (i = 1; i < n - 1; i++)``: ``n >=
        3``), a loop around the tops ran (:func:`enclosing_minimum`), so did the loops of a
        function called under them (:func:`.callee_sizes.call_minimums`), a macro whose expansion
        is an integer constant is that number (:func:`_macro_minimums`), and a name that is
        the limit of any loop of the function (or, a file-scope variable, of the file) is a
        count, at least 1 (:func:`.loop_counts.count_minimums`).  Any other name may be any
        ``int`` (:class:`poly.Minimums`): a parameter ``k`` in ``q[i + n]`` and ``q[i + k*n]``
        is 0 when the caller passes 0, and then ``q[i]`` is below ``q[i + n]``."""
        from accellium.dataset.offload.callee_sizes import call_minimums
        from accellium.dataset.offload.loop_counts import count_minimums

        if self._mins is None:
            self._mins = poly.Minimums()
            call_minimums(self.tops, self._mins)
            ranges = [r for t in self.tops for n in iter_nodes(t)
                      if n.type == "for_statement" and (r := self._range(n)) is not None]
            for r in ranges:  # an index under the tops: its loop's start, inside the loop
                least = start_minimum(r)
                self._mins[r.var] = min(self._mins.get(r.var, least), least)
            for t in self.tops:
                enclosing_minimum(t, self._mins)
            for r in ranges:
                size_minimum(r, self._mins)
            self._mins.update(_macro_minimums(self.tops, self.declared))
            count_minimums(self.tops, self._mins, self.assigned)
        return self._mins

    def assume(self, around: Extents) -> None:
        """Take the minimums of ``around`` (statements that hold the tops, each of whose loops
        the planner takes to run) for the names the tops give none."""
        for k, v in around.mins.items():
            self.mins.setdefault(k, v)

    def env_at(self, node: Node) -> dict[str, Bounds]:
        """The bounds of the locals (of the tops) whose declaration ``node`` is in scope of."""
        top = self._top_of(node)
        if top is None:
            return {}
        return _visible(self._envs[top.id], node)

    def guarded_env_at(self, node: Node) -> guards.Env:
        """:meth:`env_at` with each conditional value bounded under its guard, and the loop
        ranges at a node (:mod:`.guards`)."""
        top = self._top_of(node)
        seen = _visible(self._genvs[top.id], node) if top is not None else {}
        return guards.Env(seen, self._index_range)

    def _top_of(self, node: Node) -> Node | None:
        for t in self.tops:
            if t.start_byte <= node.start_byte and node.end_byte <= t.end_byte:
                return t
        return None

    def _range(self, loop: Node) -> LoopRange | None:
        if loop.id not in self._ranges:
            self._ranges[loop.id] = loop_range(loop, self.env_at(loop))
        return self._ranges[loop.id]

    def span(self, sub: Node | int, at: Node, where: Node | None = None) -> Span | None:
        """The elements subscript ``sub`` (of the use ``at``) reaches under the tops: over the
        loop ranges narrowed by the guards around ``at`` (:mod:`.guards`), or, when the
        narrowed bounds cannot be ordered, over the whole ranges (a superset).

        With ``where`` (a statement holding ``at``, next to which a directive goes), a guard
        inside ``where`` narrows only the loops inside it: the directive runs whenever
        ``where`` runs, whether or not the conditions inside the statement hold, so the
        indices of the loops around the statement take their whole range there."""
        top = self._top_of(at)
        if top is None:
            return None
        b = exact(poly.const(0)) if sub == ZERO else bounds_of(sub, self.guarded_env_at(at))  # type: ignore[arg-type]
        if b is None:
            return None
        conds = guards.guards_of(at, top, leaving=self.fixed_guards)
        got = self._over_loops(b.lo, b.hi, at, top, conds, where)
        if got is not None:
            return got
        plain = exact(poly.const(0)) if sub == ZERO else bounds_of(sub, self.env_at(at))  # type: ignore[arg-type]
        return self._over_loops(plain.lo, plain.hi, at, top) if plain is not None else None

    def span_sum(self, terms: list[tuple[int, Node | int]], at: Node) -> Span | None:
        """The elements the sum of the signed ``terms`` reaches as a subscript of the use
        ``at`` (an access through a pointer: ``row[j]`` with ``row = A + i*m`` is
        ``A[i*m + j]``), like :meth:`span`."""
        top = self._top_of(at)
        if top is None:
            return None
        guarded = guards.guards_of(at, top, leaving=self.fixed_guards)
        for env, conds in ((self.guarded_env_at(at), guarded),
                           (self.env_at(at), None)):
            total: Bounds | None = exact(poly.const(0))
            for sign, t in terms:
                b = exact(poly.const(0)) if t == ZERO else bounds_of(t, env)  # type: ignore[arg-type]
                total = None if b is None or total is None else plus(total, b, sign)
            if total is not None:
                got = self._over_loops(total.lo, total.hi, at, top, conds)
                if got is not None:
                    return got
        return None

    def span_of(self, lo: poly.Poly, hi: poly.Poly, at: Node) -> Span | None:
        """The elements ``lo..hi`` (polynomials of the names at ``at``) reach under the tops
        (a callee's section in the caller's terms, at the call)."""
        top = self._top_of(at)
        return None if top is None else self._over_loops((lo,), (hi,), at, top)

    def _over_loops(self, lo: tuple[poly.Poly, ...], hi: tuple[poly.Poly, ...], at: Node,
                    top: Node, conds: list[tuple[Node, bool]] | None = None,
                    where: Node | None = None) -> Span | None:
        gone: set[str | None] = set()  # the indices of the loops eliminated below
        for loop in loops_between(at, top):
            if loop.type in LOOP_TYPES:
                gone.add(loop_var(loop))
            own = conds or []
            if where is not None and not _within(loop, where):
                own = [(c, h) for c, h in own if not _within(c, where)]
            r = self._guarded(loop, own)
            if r is None:
                used = {n for p in lo + hi for n in poly.names(p)}
                if loop.type in LOOP_TYPES and loop_var(loop) in used:
                    return None
                continue
            lo = _eliminate(lo, r, smallest=True, mins=self.mins)
            hi = _eliminate(hi, r, smallest=False, mins=self.mins)
            if not lo or not hi:
                return None
        if self.fixed_guards:
            got = self._fixed_guarded(lo, hi, at, top, where, gone)
            if got is None:
                return None
            if got != (lo, hi):
                self.cuts += 1
            lo, hi = got
        return self._tightest_span(lo, hi, gone)

    def _tightest_span(self, lo: tuple[poly.Poly, ...], hi: tuple[poly.Poly, ...],
                       gone: set[str | None]) -> Span | None:
        # a guard comparing an index with an inner loop's index (``i >= j - 1``) leaves that
        # index in a candidate once its loop is eliminated: no bound where the region starts
        # (the other candidates each hold alone)
        lo = tuple(p for p in lo if not poly.names(p) & gone) or lo
        hi = tuple(p for p in hi if not poly.names(p) & gone) or hi
        low = _tightest_known(lo, True, self.mins)
        high = _tightest_known(hi, False, self.mins)
        if low is None or high is None:
            return None
        return Span(low, high)

    def _fixed_guarded(self, lo: tuple[poly.Poly, ...], hi: tuple[poly.Poly, ...], at: Node,
                       top: Node, where: Node | None, gone: set[str | None]
                       ) -> tuple[tuple[poly.Poly, ...], tuple[poly.Poly, ...]] | None:
        """The bounds without the index of a loop around the directive (a name that keeps one
        value while the directive runs) where a guard inside the directive's statement
        compares it and cuts the values the bounds reach.  The directive maps its
        section whenever it runs, whether or not a condition inside its statement holds
        (OpenACC 3.3, 2.6.5: data clauses act at the construct's entry), while the access runs
        only where it holds (C11 6.8.4.1): ``if (i + 1 < n) a[i + 1][j]`` in a loop over ``j``
        reaches row ``i + 1`` only while ``i < n - 1``, but a section ``a[i:2]`` at ``i = n -
        1`` maps row ``n``, past the array.  Such a name is eliminated over the values the guard
        lets through (its loop's range, narrowed): a section that holds for every value the
        name takes (an index of a loop around the directive; a parameter's range is not
        known, and a section naming one of unknown sign is refused anyway).  A guard that cuts
        nothing the bounds reach (``if (j < i)`` over ``a[i][j]``: every ``i`` of the loop
        reaches its row where some ``j`` passes) leaves the bounds as they are.  None: no
        bound holds."""
        conds = [(c, h) for c, h in guards.guards_of(at, top, leaving=self.fixed_guards)
                 if where is None or _within(c, where)]
        if not conds:
            return lo, hi
        used = {n for p in lo + hi for n in poly.names(p)}
        compared: dict[str, list[tuple[str, Node | guards.Offset, Node]]] = {}
        for cond, holds in conds:
            for name, o, side in guards.implied(cond, holds):
                if name in used and name not in gone:
                    compared.setdefault(name, []).append((o, side, cond))
        for name, comparisons in compared.items():
            whole = self._outer_range(top if where is None else where, name)
            if whole is None:
                continue  # not an outer loop's index: a size, a parameter (no range to cut)
            limits = whole
            for o, other, cond in comparisons:
                ob = guards.side_bounds(other, self.guarded_env_at(cond), bounds_of)
                if ob is not None and not any(poly.names(x) & (gone | {name})
                                              for x in ob.lo + ob.hi):
                    limits = guards.narrow(limits, o, ob)
            if limits == whole:
                continue  # no comparison bounds the index by the names that stay fixed
            cut = (guards.eliminate(lo, name, limits, True),
                   guards.eliminate(hi, name, limits, False))
            before = self._tightest_span(guards.eliminate(lo, name, whole, True),
                                         guards.eliminate(hi, name, whole, False), gone)
            after = self._tightest_span(*cut, gone) if cut[0] and cut[1] else None
            if before is not None and after is not None and before.same(after):
                continue  # the guard cuts no value the bounds reach
            lo, hi = cut
            if not lo or not hi:
                return None
        return lo, hi

    def _outer_range(self, node: Node, name: str) -> guards.Limits | None:
        """The range of the innermost loop around ``node`` whose index is ``name``."""
        p = node.parent
        while p is not None:
            if p.type == "for_statement" and loop_var(p) == name:
                r = self._range(p)
                return (r.lo, r.hi) if r is not None else None
            p = p.parent
        return None

    def conditional(self, sub: Node | int, at: Node) -> bool:
        """:func:`guards.conditional` for the use ``at`` under the tops."""
        top = self._top_of(at)
        return top is None or guards.conditional(sub, at, top, loops_between(at, top),
                                                 self._conditional_names)

    def _guarded(self, loop: Node, conds: list[tuple[Node, bool]]) -> LoopRange | None:
        """The loop's range narrowed by the guards in its body that compare its index."""
        r = self._range(loop)
        body = _field(loop, "body")
        if r is None or body is None or not conds:
            return r
        limits = (r.lo, r.hi)
        for cond, holds in conds:
            if not body.start_byte <= cond.start_byte < body.end_byte:
                continue
            for name, o, other in guards.implied(cond, holds):
                ob = guards.side_bounds(other, self.guarded_env_at(cond), bounds_of) \
                    if name == r.var else None
                if ob is not None:
                    limits = guards.narrow(limits, o, ob)
        return LoopRange(r.var, limits[0], limits[1], r.unit)

    def dense(self, sub: Node | int, at: Node) -> bool:
        """Does the subscript take every value of its span, each loop's run abutting the next
        (``a[i*m + j]`` with ``j`` over a whole row of ``m``)?"""
        top = self._top_of(at)
        b = exact(poly.const(0)) if sub == ZERO else bounds_of(sub, self.env_at(at))  # type: ignore[arg-type]
        p = b.exact if b is not None else None
        if top is None or p is None:
            return False
        ranges = [self._range(lp) for lp in loops_between(at, top)]
        if any(r is None for r in ranges):
            return False
        loop_vars = {r.var for r in ranges if r is not None}
        lengths: dict[str, poly.Poly] = {}
        coefs: dict[str, poly.Poly] = {}
        for r in ranges:
            assert r is not None
            if r.var not in poly.names(p):
                continue
            parts = poly.split(p, r.var)
            if parts is None or not r.unit or len(r.lo) != 1 or len(r.hi) != 1:
                return False
            length = poly.add(poly.sub(r.hi[0], r.lo[0]), poly.const(1))
            if poly.names(length) & loop_vars or poly.names(parts[0]) & loop_vars:
                return False
            lengths[r.var], coefs[r.var] = length, parts[0]
        stride: poly.Poly = poly.const(1)
        while coefs:
            nxt = next((v for v, c in coefs.items() if poly.compare(c, stride) == 0), None)
            if nxt is None:
                return False
            got = poly.mul(stride, lengths[nxt])
            if got is None:
                return False
            stride = got
            del coefs[nxt]
        return True

    def free(self, span: Span) -> set[str]:
        """The names a span uses that change or are declared under the tops (empty: the span
        means the same thing anywhere under them)."""
        used = poly.names(span.lo) | poly.names(span.hi)
        return {n for n in used if self.assigned.get(n) or n in self.declared
                or not self._member_fixed(n)}

    def _member_fixed(self, name: str) -> bool:
        """A name that is no member read, or a member read (``g->nx``) whose object the tops
        neither declare nor assign and that nothing under them can store to
        (:func:`~accellium.dataset.analysis.member_reads.unchanged`)."""
        read = parse_key(name)
        if read is None:
            return True
        if name not in self._members:
            obj = read[0]
            fn = enclosing_function(self.tops[0]) if self.tops else None
            self._members[name] = not self.assigned.get(obj) and obj not in self.declared \
                and fn is not None and unchanged(read, self.tops, fn, root_of(fn))
        return self._members[name]


def _eliminate(ps: tuple[poly.Poly, ...], r: LoopRange, smallest: bool,
               mins: poly.Minimums | None = None) -> tuple[poly.Poly, ...]:
    """Bounds without the index of ``r`` (:func:`guards.eliminate` over its range)."""
    return guards.eliminate(ps, r.var, (r.lo, r.hi), smallest, mins)


def union(spans: list[Span], mins: dict[str, int] | None = None) -> Span | None:
    """The smallest span covering ``spans``: the lower bound provably at most every other one
    (or 0, below every start that is at least 0: guarded spans ``cols..`` and
    ``rows*cols - cols..`` cannot be ordered, but ``0..`` is below both) and the upper bound
    provably at least every other one (None when there is none)."""
    if not spans:
        return None
    lo = tightest(tuple(s.lo for s in spans), largest=False, mins=mins)
    if lo is None and all(poly.at_least_one(s.lo, mins) for s in spans):
        # every start is at least 0: element 0 is in the object too — the pointer points
        # into it (or is its array) and every element between it and one the program
        # reaches is part of the same array object (C11 6.5.6p8)
        lo = poly.const(0)
    hi = tightest(tuple(s.hi for s in spans), largest=True, mins=mins)
    return Span(lo, hi) if lo is not None and hi is not None else None
