"""Arrays: which of them carry a dependence, which are scratch space of one iteration, how the
loop uses each (``in``/``out``/``inout``) and the section it touches (``a[0:n]``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field

from tree_sitter import Node

from accellium.dataset.analysis.affine import (
    CONST,
    Affine,
    Overlap,
    Own,
    Ranges,
    Reach,
    Signature,
    affine,
    overlap,
    signature,
)
from accellium.dataset.analysis.deep import member_of
from accellium.dataset.analysis.facts import Dependence, DepKind
from accellium.dataset.analysis.filled import reads_covered
from accellium.dataset.analysis.polynomial import Poly, Term, add, const, neg, product, sub, var
from accellium.dataset.analysis.rows import Bound, Bounds, Key, disjoint, loop_range
from accellium.dataset.analysis.scalars import Parent
from accellium.dataset.analysis.tree import IDENT, ForHeader, idents, op, text
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.walker import Access

__all__ = ["ArrayView", "access_ranges", "carried_arrays", "privatisable", "moving_base", "modes", "sections",
           "section"]

_CONDITIONAL = frozenset({"if_statement", "conditional_expression", "switch_statement",
                          "case_statement", "while_statement", "do_statement"})
_BRACKETED = re.compile(r"\[([^\]]*)\]")
_SIMPLE_LO = re.compile(r"[\w.>-]+")
_MAX_BOUND_CHARS = 40  # a constant loop bound longer than this is not read
_APART_LOOPS = 8  # the most loops of a nest the range proof (_apart) is tried in


@dataclass
class ArrayView:
    """What the dependence test needs to know about the loop."""

    v: str  # the loop's index
    parent: Parent  # of a node inside the loop
    inner: frozenset[str]  # indices of inner loops (not v)
    index_all: set[str]  # every loop index of the nest
    varying: set[str]  # names whose value changes from one iteration of v to the next
    headers: dict[int, ForHeader] = dc_field(default_factory=dict)  # inner loops by node id
    loop: Node | None = None  # the loop over v
    # an expression as the analysis reads it (macros of the file expanded, as the subscripts)
    read: Callable[[Node], Node] = lambda n: n
    _bounds: dict[int, Bound | None] = dc_field(default_factory=dict)  # loop_range by node id
    own: Own | None = None  # the loop's own range [lo, hi) where the header shows it
    atomic: frozenset[int] = frozenset()  # lines a `#pragma acc atomic` governs
    # member reads that hold one value in the loop (``g->nx``, :mod:`.member_reads`)
    fixed: dict[str, Affine] = dc_field(default_factory=dict)
    # facts (each >= 0) of the loops around the loop in its file (rows.enclosing_facts),
    # computed when first asked for: only the range proof (_apart) reads them
    enclosing: Callable[[], tuple[Key, ...]] = lambda: ()
    _known: tuple[Key, ...] | None = None
    # the integer values of named constants where the loop runs (:mod:`.named_constants`),
    # computed when first asked for: only the proof that reads are filled uses them
    constants: Callable[[], dict[str, int]] = lambda: {}

    @property
    def known(self) -> tuple[Key, ...]:
        if self._known is None:
            self._known = self.enclosing()
        return self._known

    def bounds_of(self, loop: Node) -> Bound | None:
        if loop.id not in self._bounds:
            self._bounds[loop.id] = loop_range(loop, lambda n: affine(self.read(n), self.fixed))
        return self._bounds[loop.id]


_OPS = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__}


def _value(n: ast.expr) -> int | None:
    if isinstance(n, ast.Constant):
        return n.value if type(n.value) is int else None
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub | ast.UAdd):
        x = _value(n.operand)
        return None if x is None else (-x if isinstance(n.op, ast.USub) else x)
    if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
        a, b = _value(n.left), _value(n.right)
        return None if a is None or b is None else _OPS[type(n.op)](a, b)
    return None


def _constant(s: str) -> int | None:
    """The value of a short integer constant expression (``3``, ``2+1``, ``(4)*2``), else
    None (a name, a macro, a cast, a suffix)."""
    if not s or len(s) > _MAX_BOUND_CHARS:
        return None
    body = _expression(s)
    try:
        return _value(body) if body is not None else None
    except (ValueError, RecursionError, MemoryError):
        return None


def _expression(s: str) -> ast.expr | None:
    """The Python expression tree of a bound's text (C's ``+ - *`` and integer literals read
    alike), None when it does not parse."""
    try:
        return ast.parse(s.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def access_ranges(acc: Access, view: ArrayView) -> Ranges:
    """(index, lowest, highest value) of the inner indices whose nearest loop around the
    access counts up from a constant to below a constant (``for (k = 0; k < 3; k++)``: k in
    0..2); an index whose loop does not, or used outside its loop, has no range."""
    found: dict[str, tuple[int, int] | None] = {}
    p = view.parent(acc.node)
    while p is not None:
        h = view.headers.get(p.id)
        if h is not None and h.var in view.inner and h.var not in found:
            lo, hi = _constant(h.lo), _constant(h.hi)
            found[h.var] = (lo, hi - 1) if lo is not None and hi is not None and lo < hi \
                else None
        p = view.parent(p)
    return tuple(sorted((n, r[0], r[1]) for n, r in found.items() if r is not None))


def access_bounds(acc: Access, view: ArrayView) -> Bounds:
    """The ranges (:func:`~.rows.loop_range`) of the loops around the access, up to and with
    the loop over v: for each index the nearest loop's, in order from the access out."""
    out: list[Bound] = []
    seen: set[str] = set()
    # a bound naming what the loop assigns may not hold where the access runs
    assigned = view.varying - view.index_all - view.inner

    def keep(b: Bound | None, var: str) -> None:
        if b is not None and b[0] == var and \
                not {n for t, _ in (*b[1], *b[2]) for n in t} & assigned:
            out.append(b)

    p = view.parent(acc.node)
    while p is not None:
        h = view.headers.get(p.id)
        if h is not None and h.var in view.inner and h.var not in seen:
            seen.add(h.var)
            keep(view.bounds_of(p), h.var)
        p = view.parent(p)
    if view.loop is not None and view.v not in seen:
        keep(view.bounds_of(view.loop), view.v)
    return tuple(out)


def shadowed(acc: Access, view: ArrayView) -> bool:
    """Is the access inside an inner loop that declares its own variable named like the loop's
    index (``for (int j = ...)`` inside ``for (j = ...)``)?  Its ``j`` is another variable
    (C scoping), which the names alone cannot tell from the loop's index: not compared."""
    p = view.parent(acc.node)
    while p is not None:
        h = view.headers.get(p.id)
        init = p.child_by_field_name("initializer") if h is not None else None
        if h is not None and h.var == view.v and init is not None \
                and init.type == "declaration":
            return True
        p = view.parent(p)
    return False


def moving_base(name: str, varying: set[str]) -> bool:
    """Does the array ``name`` (``cell->U``, ``inout[iv+h].c0``) depend on names that change
    between iterations (its root pointer, or an index inside it)?"""
    if IDENT.fullmatch(name):
        return False
    root = IDENT.match(name.lstrip())
    ids = idents(" ".join(_BRACKETED.findall(name)))
    if root:
        ids.add(root.group(0))
    return bool(ids & varying)


def _conditional(node: Node, parent: Parent) -> bool:
    """Is ``node`` under an ``if``, ``?:``, ``switch`` or ``while`` inside the iteration?"""
    p = parent(node)
    while p is not None:
        if p.type in _CONDITIONAL:
            return True
        p = parent(p)
    return False


def privatisable(accs: list[Access], view: ArrayView) -> bool:
    """A scratch array of the iteration: its subscripts use only inner loop indices and
    names the loop does not change, so every iteration touches the same elements; the first
    access is an unconditional plain write and the loop reads it too — each iteration fills it
    before it reads it (an array the loop only writes is its output, not scratch)."""
    v = view.v
    if not IDENT.fullmatch(accs[0].name) or not any(a.read for a in accs):
        return False
    for a in accs:
        if a.indirect or not a.subs or any(x is not None and (v,) in x for x in a.subs):
            return False
    if any(v in a.ids or a.ids & view.varying for a in accs):
        return False
    first = min(accs, key=lambda a: a.order)
    if first.write and not first.read and not _conditional(first.node, view.parent):
        return _elements_filled(accs, view)
    return _filled_by_members(accs, view)


def _elements_filled(accs: list[Access], view: ArrayView) -> bool:
    """With constant subscripts only (``t[0]``, ``t[1]``): is every element the iteration
    reads written (plainly, unconditionally) before in it?  An element read first holds what
    the previous iteration left there (``t[1] = a[i]; b[i] = t[0] + t[1]; t[0] = t[1];``
    reads the ``t[0]`` of iteration ``i - 1``), which a private copy has not: a carried
    value.  Other subscripts: each read within the range of an earlier write that takes
    every element of its range (:func:`.filled.reads_covered`)."""
    keyed = [(a, k) for a in accs if (k := _constant_subscripts(a)) is not None]
    if len(keyed) < len(accs):
        return _filled(view, accs)
    filled: set[tuple] = set()
    for a, k in sorted(keyed, key=lambda ak: ak[0].order):
        if a.read and k not in filled:
            return False
        if a.write and not a.read and not _conditional(a.node, view.parent):
            filled.add(k)
    return True


def _constant_subscripts(a: Access) -> tuple | None:
    """The subscripts of ``a`` when each is an integer constant (None otherwise)."""
    out = []
    for x in a.subs:
        if x is None or any(t != () for t in x):
            return None
        out.append(x.get((), 0))
    return tuple(out) if out else None


def _member_path(node: Node) -> tuple[str, bool] | None:
    """The ``.`` member path over an element access (``a[k].re``: ``re``; ``a[k].p.x``:
    ``p.x``) and whether it is the left side of a plain ``=``; None: the element is used
    otherwise (whole, through ``->`` or ``*``)."""
    path: list[str] = []
    cur, p = node, node.parent
    while p is not None and p.type == "field_expression" and \
            (f := _field(p, "argument")) is not None and f.id == cur.id:
        if text(_field(p, "operator")) != ".":
            return None
        path.append(text(_field(p, "field")))
        cur, p = p, p.parent
    if not path:
        return None
    left = _field(p, "left") if p is not None and p.type == "assignment_expression" else None
    return ".".join(path), left is not None and left.id == cur.id and op(p) == "="


def _filled_by_members(accs: list[Access], view: ArrayView) -> bool:
    """An array of structures each iteration fills member by member before it reads them
    (``line[k].re = ...; line[k].im = ...;`` then ``line[l].re`` read): every access is a
    ``.`` member of an element, no member path holds another, and the first access of each
    path is an unconditional plain ``a[s].m = e``.  A member is an object of its own inside
    its element (C11 6.2.6.1p1, 6.5.2.3p3), so each path is a scratch array of the iteration
    as :func:`privatisable` judges a plain one (each element read filled before,
    :func:`.filled.reads_covered`), and the loop reads at least one of them."""
    by_path: dict[str, list[tuple[Access, bool]]] = {}
    for a in accs:
        got = _member_path(a.node)
        if got is None:
            return False
        by_path.setdefault(got[0], []).append((a, got[1]))
    if any(q.startswith(p + ".") for p in by_path for q in by_path):
        return False
    if all(plain for items in by_path.values() for _, plain in items):
        return False  # written only: the loop's output, not scratch
    for items in by_path.values():
        a, plain = min(items, key=lambda t: t[0].order)
        if not plain or _conditional(a.node, view.parent):
            return False
        # each member read inside the range an earlier plain member write fills
        plains = {id(x) for x, p in items if p}

        def plain_write(x: Access, ids: set[int] = plains) -> bool:
            return id(x) in ids

        if not _filled(view, [x for x, _ in items], fill=plain_write,
                       read=lambda x: not plain_write(x)):
            return False
    return True


def _filled(view: ArrayView, accs: list[Access],
            fill: Callable[[Access], bool] | None = None,
            read: Callable[[Access], bool] | None = None) -> bool:
    """:func:`.filled.reads_covered` of one array's accesses in the loop ``view`` shows."""
    loop = view.loop
    return reads_covered(
        accs, view.parent, lambda n: n.id in view.headers and (loop is None or n.id != loop.id),
        view.bounds_of, lambda n: _conditional(n, view.parent), view.constants, fill, read)


def _message(name_v: str, wa: Access, ra: Access, got: Overlap) -> tuple[str, int]:
    if got.reach is Reach.EVERY:
        return (f"`{wa.text}` is written by every iteration of `{name_v}` "
                f"(line {wa.line}): carried dependence"), wa.line
    if got.reach is Reach.MAYBE and wa.text.split() == ra.text.split():
        return (f"`{wa.text}` (line {wa.line}): its subscript is not proved to differ between "
                f"iterations of `{name_v}`, so two of them may write one element: possible "
                "carried dependence"), wa.line
    if got.reach is Reach.MAYBE:
        return (f"`{ra.text}` and `{wa.text}` (line {ra.line}) are not proved to touch "
                f"different elements in different iterations of `{name_v}`: possible carried "
                "dependence"), ra.line
    if got.reach is Reach.SWEEP:
        return (f"`{ra.text}` reaches elements that other iterations of `{name_v}` "
                f"write as `{wa.text}` (line {ra.line}): carried dependence"), ra.line
    if ra.write and not ra.read:
        return (f"`{ra.text}` and `{wa.text}` written by different iterations "
                f"(line {ra.line}): carried dependence"), ra.line
    order = "after" if ra.order > wa.order else "before"
    return (f"`{ra.text}` read {order} `{wa.text}` written (line {ra.line}): "
            "carried dependence"), ra.line


_Distinct = tuple[Access, tuple[Signature, ...], Ranges, Bounds, int]


def _distinct(accs: list[Access], view: ArrayView) -> list[_Distinct]:
    """One access per distinct (subscripts, inner ranges, write, read, indirect) — identical
    subscripts in loops of the same ranges decide identically — with its signatures (one per
    alternative, :mod:`.alternatives`), ranges (constant, and :func:`access_bounds`) and a
    number per distinct (signatures, ranges)."""
    uniq: dict[tuple, _Distinct] = {}
    numbers: dict[tuple[tuple[Signature, ...], Ranges, Bounds], int] = {}
    for acc in accs:
        if shadowed(acc, view):
            continue
        sig = tuple(signature(s) for s in (acc.alts or [acc.subs]))
        rng = access_ranges(acc, view)
        bnd = access_bounds(acc, view) if any(len(t) > 1 for one in sig for x in one if x
                                              for t, _ in x) else ()
        key = (sig, rng, bnd, acc.write, acc.read, acc.indirect)
        if key not in uniq:
            uniq[key] = (acc, sig, rng, bnd, numbers.setdefault((sig, rng, bnd), len(numbers)))
    return list(uniq.values())


def _atomic(acc: Access, view: ArrayView) -> bool:
    p: Node | None = acc.node
    while p is not None:
        if p.start_point[0] + 1 in view.atomic:
            return True
        p = view.parent(p)
    return False


def _one_atomic(wa: Access, ra: Access, view: ArrayView) -> bool:
    """Are both accesses the same element expression under ``#pragma acc atomic``
    (``totals[x/10] += v``)?  Atomic accesses of one element do not race (OpenACC 3.3,
    2.12), so an overlap that is only possible is no race there."""
    return wa.text.split() == ra.text.split() and _atomic(wa, view) and _atomic(ra, view)


def _any_carried(write: tuple[Signature, ...], other: tuple[Signature, ...], view: ArrayView,
                 wrng: Ranges, rrng: Ranges, wbnd: Bounds, rbnd: Bounds) -> Overlap:
    """The overlap of the first pair of alternatives that carries one (an access with a
    conditional subscript is the set of its alternatives: a dependence of any is one)."""
    got = Overlap(Reach.UNKNOWN)
    for w in write:
        for o in other:
            got = overlap(w, o, view.v, view.inner, wrng, rrng, wbnd, rbnd, view.own)
            if got.carried:
                return got
    return got


def _apart(wa: Access, ra: Access, write: tuple[Signature, ...], other: tuple[Signature, ...],
           view: ArrayView) -> bool:
    """Do the values the two accesses' subscripts take over the loops around them never meet
    (:func:`~.rows.disjoint`), for every alternative of each?"""
    if len(view.headers) >= _APART_LOOPS:
        return False  # the bounds' cost grows with the square of the nest's loops: not tried
    index = frozenset(view.index_all) | {view.v}
    wb, rb = access_bounds(wa, view), access_bounds(ra, view)
    return disjoint(write, other, wb, rb, index, view.known)


def _array_dependences(name: str, accs: list[Access], view: ArrayView) -> list[Dependence]:
    distinct = _distinct(accs, view)
    out: list[Dependence] = []
    seen: set[str] = set()
    tested: set[tuple[int, int, bool]] = set()
    for wa, wsig, wrng, wbnd, wn in distinct:
        if not wa.write or wa.indirect:
            continue
        for ra, rsig, rrng, rbnd, rn in distinct:
            if ra.indirect:
                continue
            pair = (wn, rn, ra.write and not ra.read)
            if pair in tested:
                continue
            tested.add(pair)
            got = _any_carried(wsig, rsig, view, wrng, rrng, wbnd, rbnd)
            if not got.carried or (got.reach is Reach.MAYBE and _one_atomic(wa, ra, view)) \
                    or _apart(wa, ra, wsig, rsig, view):
                continue
            key = wa.text if ra is wa else ra.text
            if key in seen:
                continue
            seen.add(key)
            msg, line = _message(view.v, wa, ra, got)
            out.append(Dependence(name, line, msg, DepKind.ARRAY))
            break
    return out


def carried_arrays(by_name: dict[str, list[Access]], view: ArrayView
                   ) -> tuple[list[Dependence], list[str]]:
    """(the dependences the arrays carry, the scratch arrays of each iteration)."""
    carried: list[Dependence] = []
    scratch: list[str] = []
    for name, accs in by_name.items():
        if moving_base(name, view.varying | view.index_all):
            # `cell->U[k]` after `cell = &mesh->cell[i]`, `inout[iv+h].c0[ih]`: another array
            # in every iteration, not decided here
            continue
        if privatisable(accs, view):
            scratch.append(name)
            continue
        carried.extend(_array_dependences(name, accs, view))
    return carried, scratch


def modes(accesses: list[Access], skip: set[str]) -> dict[str, str]:
    """``in`` / ``out`` / ``inout`` of each array the loop uses (not those in ``skip``)."""
    out: dict[str, str] = {}
    for acc in accesses:
        if acc.name in skip:
            continue
        r = acc.read or not acc.write
        new = "inout" if (r and acc.write) else ("out" if acc.write else "in")
        mode = out.get(acc.name)
        if mode is None:
            out[acc.name] = new
        elif mode != new:
            out[acc.name] = "inout"
    return out


def section(lo: str, hi: str) -> str | None:
    """The OpenACC section ``start:length`` of the range [lo, hi)."""
    if not hi:
        return None
    lo = lo or "0"
    if lo == "0":
        return f"0:{hi}"
    if re.fullmatch(r"-?\d+", lo):  # a literal start: the length folded (`1:n - 2`)
        return f"{lo}:{_shifted(hi, -int(lo))}"
    if _SIMPLE_LO.fullmatch(lo):
        return f"{lo}:{hi}-{lo}"
    return f"{lo}:({hi})-({lo})"


def _one_index(accs: list[Access]) -> tuple[str, int, int] | None:
    """(``i``, the smallest and the largest ``c``) when every access uses one loop index plus a
    constant as its one subscript (``a[i]``, ``a[i - 1]``, ``a[i + 1]``), else None."""
    if not accs or not all(len(a.subs) == 1 and a.subs[0] is not None for a in accs):
        return None
    index: Term | None = None
    shifts: list[int] = []
    for a in accs:
        sub = a.subs[0]
        assert sub is not None
        terms = [t for t in sub if t != CONST]
        if len(terms) != 1 or len(terms[0]) != 1 or sub[terms[0]] != 1 or \
                index not in (None, terms[0]):
            return None
        index = terms[0]
        shifts.append(sub.get(CONST, 0))
    assert index is not None
    return index[0], min(shifts), max(shifts)


_TAIL = re.compile(r"^(.*?)\s*([+-])\s*(\d+)$", re.DOTALL)


#: operators that bind less tightly than ``+`` and ``-`` (shifts, relations, bitwise and
#: logical operators, the conditional, assignments, the comma: C11 6.5.7-6.5.17)
_LOOSER = re.compile(r"<|>|&|\||\^|\?|:|=|,")
#: what holds no such operator at the top level: a bracketed or parenthesised group, a member
#: access ``->``, C++'s scope ``::``
_TIGHT = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|->|::")


def _looser_on_top(expr: str) -> bool:
    """Does ``expr`` hold, outside its parentheses and brackets, an operator that binds less
    tightly than ``+``?"""
    prev = None
    while prev != expr:
        prev, expr = expr, _TIGHT.sub(" ", expr)
    return bool(_LOOSER.search(expr))


def _shifted(expr: str, c: int) -> str:
    """The text of ``expr + c``, a literal tail folded (``n - 1`` + 1: ``n``); an expression
    whose operators bind less tightly than ``+`` in parentheses (``(n >> 1)+1``)."""
    expr = expr.strip()
    if c == 0:
        return expr
    if re.fullmatch(r"-?\d+", expr):
        return str(int(expr) + c)
    if _looser_on_top(expr):
        expr = f"({expr})"
    m = _TAIL.match(expr)
    if m and m.group(1) and not m.group(1).rstrip().endswith(("*", "/", "%", "+", "-", "(")):
        k = (int(m.group(3)) if m.group(2) == "+" else -int(m.group(3))) + c
        head = m.group(1).rstrip()
        return head if k == 0 else f"{head}+{k}" if k > 0 else f"{head}-{-k}"
    return f"{expr}+{c}" if c > 0 else f"{expr}-{-c}"


def _last_gap(h: ForHeader) -> int:
    """How far below ``hi - 1`` the last index of a loop counting by ``h.step`` from ``lo``
    to below ``hi`` stops: ``step - 1`` when ``hi - lo`` is a multiple of the step (``i = 0;
    i < 2 * n; i += 2`` ends at ``2 * n - 2``), else 0 (the last index may be ``hi - 1``).
    A section to ``hi + c`` past that index would name elements no iteration reaches, beyond
    the array when it has ``hi`` elements (C11 6.5.6p8)."""
    if h.step <= 1:
        return 0
    lo, hi = _poly_text(h.lo or "0"), _poly_text(h.hi)
    if lo is None or hi is None:
        return 0
    diff = sub(hi, lo)
    return h.step - 1 if diff and all(c % h.step == 0 for c in diff.values()) else 0


def _poly_text(expr: str) -> Poly | None:
    """The polynomial of a bound's text (names, integers, ``+``, ``-``, ``*``), else None."""
    def walk(n: ast.expr) -> Poly | None:
        if isinstance(n, ast.Constant) and isinstance(n.value, int) and \
                not isinstance(n.value, bool):
            return const(n.value)
        if isinstance(n, ast.Name):
            return var(n.id)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            a = walk(n.operand)
            return neg(a) if a is not None else None
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = walk(n.left), walk(n.right)
            if a is None or b is None:
                return None
            if isinstance(n.op, ast.Mult):
                return product(a, b)
            return add(a, b) if isinstance(n.op, ast.Add) else sub(a, b)
        return None
    body = _expression(expr)
    try:
        return walk(body) if body is not None else None
    except (ValueError, RecursionError, MemoryError):
        return None


def sections(names: list[str], by_name: dict[str, list[Access]],
             bounds: dict[str, ForHeader], index_all: set[str],
             members: Callable[[str], object] = member_of,
             changed: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """``a[lo:len]`` for the plain arrays, and those reached through a member that
    ``members`` accepts (by default a pointer's, ``v->x``, :mod:`.deep`), every access of
    which is ``a[i + c]`` with ``i`` a loop index of known bounds and ``c`` a constant: the
    elements from ``lo`` plus the smallest ``c`` to ``hi`` plus the largest (C11 6.5.6p8).
    An array the loop only writes takes one ``c`` (several shifts of a write need not reach
    every element between them, and ``copyout`` returns the whole section).  No section names
    an index or a name the loop declares or assigns (``changed``): a data clause is evaluated
    before the loop, where an inner loop's bound ``hi`` the body declares is not in scope
    (C11 6.2.1p4) and one the body assigns has not its value yet."""
    out: dict[str, str] = {}
    for name in names:
        accs = by_name.get(name, [])
        got = _one_index(accs)
        if got is None or got[0] not in bounds or \
                (("." in name or "->" in name) and members(name) is None):
            continue
        iv, low, high = got
        if low != high and not any(a.read or not a.write for a in accs):
            continue
        h = bounds[iv]
        # past the last index by ``high``, never beyond ``hi`` on its account
        s = section(_shifted(h.lo or "0", low),
                    _shifted(h.hi, high - min(max(high, 0), _last_gap(h)))) if h.hi else None
        if s and not idents(s) & ((index_all - {iv}) | changed):
            out[name] = f"{name}[{s}]"
    return out
