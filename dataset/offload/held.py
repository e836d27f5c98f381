"""The values a local may hold where it is read, when it is assigned more than once: the
union of the ranges of every value stored to it (:func:`held_locals`).

The fact used (C11 6.2.4p6, 6.7.9p10, 6.5.16): an automatic variable declared with an
initializer in a block holds, at any point of the block after its declaration, the value of
the last store to it in that run of the block — its initializer or an assignment — as long as
nothing can store to it by another route.  So a local ``p`` such that

* it is declared once in its function, with an initializer, in a block ``B`` (not ``static``),
  and the function has no ``goto`` and ``B`` no ``case`` label (no jump past the
  initializer, 6.8.6.1p1, 6.8.4.2p7);
* its address is never taken (no pointer can store to it) and no macro used in the
  function names it (the preprocessor may hide a store);
* every store to it is a plain ``p = e`` (no ``+=``, no ``++``: those make the next value out
  of the last one);
* each stored value ``e`` has a range over the loops of ``B`` around its store
  (:meth:`.Extents.span`) that uses only names ``B`` never assigns nor declares (they hold one
  value for the whole run of the block: ``k``, ``n``)

holds, wherever it is read in ``B`` after its declaration, a value between the smallest of
those lower bounds and the largest of those upper bounds.  When two bounds cannot be ordered
as polynomials, the loops around ``B`` decide: ``k`` and ``n - 1`` with ``B`` the body of
``for (k = 0; k < n - 1; k++)`` give ``(n - 1) - k >= 1`` there.

The pivot search ``int p = k; for (i = k + 1; i < n; i++) if (c[i] > c[p]) p = i;`` is the
common case: ``p`` is in ``k..n-1``, so a host read ``c[p]`` reaches ``c[k:n-k]``.

When the last store is a guard that replaces a sentinel, ``if (p == -1) p = n - 1;``
(:mod:`.sentinel`), a read after it in ``B`` sees the other values without the sentinel, or the
guard's own: a second entry, scoped from the guard to the end of ``B``, holds that narrower
range (``int p = -1;``, ``p = i`` for ``i`` in ``0..n-1`` in a search that may find nothing,
then the guard: ``p`` is in ``0..n-1`` after it, not ``-1..n-1``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import is_name, iter_nodes, op, text
from accellium.dataset.offload import poly, sentinel
from accellium.dataset.offload.bounds import Bounds
from accellium.dataset.offload.uses import assignments

if TYPE_CHECKING:
    from accellium.dataset.offload.extent import Extents, Span

__all__ = ["held_locals"]

#: (name, its ``init_declarator``, the bounds of every value it holds); or (name, the
#: consequence of its final guard, the bounds of the values it holds after the guard)
Held = tuple[str, Node, Bounds]


def held_locals(fn: Node) -> list[Held]:
    """The locals of ``fn`` assigned more than once whose every value lies in a known range
    (the module's rule), each with its declarator and those bounds, and, after a final guard,
    with the guard's consequence and the narrower bounds (scoped like a declarator: from its
    end to the end of the block around it)."""
    from accellium.dataset.analysis.tree import kept_with_tree, root_of

    return kept_with_tree(root_of(fn), "held.locals", fn, lambda: _held(fn))


@dataclass
class _Fn:
    """What the rule reads of the whole function, once: its body, every node, how often each
    name is assigned, and (when bounds must be ordered over its loops) its extents."""

    body: Node
    nodes: list[Node]
    counts: dict[str, int]
    _outer: Extents | None = field(default=None, repr=False)

    @property
    def outer(self) -> Extents:
        from accellium.dataset.offload.extent import Extents  # (extent -> here)

        if self._outer is None:
            self._outer = Extents([self.body], held=False)
        return self._outer


def _held(fn: Node) -> list[Held]:
    body = _field(fn, "body")
    if body is None:
        return []
    nodes = list(iter_nodes(fn))
    if any(n.type == "goto_statement" for n in nodes):
        return []
    counts = assignments(body).count
    f = _Fn(body, nodes, counts)
    decls: dict[str, list[Node]] = {}
    for n in nodes:
        if n.type in ("init_declarator", "parameter_declaration") or \
                (n.type == "identifier" and n.parent is not None and
                 n.parent.type in ("declaration", "pointer_declarator", "array_declarator")):
            name = _declared(n)
            if name is not None:
                decls.setdefault(name, []).append(n)
    out: list[Held] = []
    for name, ds in decls.items():
        d = ds[0]
        if len(ds) != 1 or d.type != "init_declarator" or counts.get(name, 0) < 2:
            continue
        out += [(name, at, b) for at, b in _bounds(name, d, f)]
    return out


def _declared(n: Node) -> str | None:
    """The name a declarator node declares (an ``init_declarator`` of a plain name, a
    parameter, or any other declarator: then a name that is not a plain local)."""
    if n.type == "init_declarator":
        d = _field(n, "declarator")
        return text(d) if d is not None else None
    if n.type == "parameter_declaration":
        d = _field(n, "declarator")
        while d is not None and d.type != "identifier":
            d = _field(d, "declarator")
        return text(d) if d is not None else None
    return text(n)


def _bounds(name: str, decl: Node, f: _Fn) -> list[tuple[Node, Bounds]]:
    """``(decl, bounds of every value)`` and, after a final guard, ``(its consequence, the
    narrower bounds)``; nothing when some value has no range."""
    from accellium.dataset.offload.callgraph import is_static  # (callgraph -> extent -> here)
    from accellium.dataset.offload.extent import Extents, _within  # (extent -> here)

    d = _field(decl, "declarator")
    holder = decl.parent
    block = holder.parent if holder is not None else None
    if d is None or d.type != "identifier" or holder is None or holder.type != "declaration" \
            or is_static(holder) or block is None or block.type != "compound_statement" \
            or any(c.type == "case_statement" for c in block.named_children):
        return []
    stores: list[Node] = []
    for n in f.nodes:
        if n.type == "pointer_expression" and op(n) == "&" and is_name(_field(n, "argument"), name):
            return []
        if n.type == "update_expression" and is_name(_field(n, "argument"), name):
            return []
        if n.type == "assignment_expression" and is_name(_field(n, "left"), name):
            if op(n) != "=" or _field(n, "right") is None or not _within(n, block):
                return []
            stores.append(n)
        if is_call(n) and _macro_names(n, name):
            return []
    init = _field(decl, "value")
    if init is None:
        return []
    ex = Extents([block], held=False)
    spans: dict[int, Span] = {}  # by the id of the value: the initializer, each store's right
    for v in [init, *(_field(n, "right") for n in stores)]:
        s = _fixed(ex.span(v, v), ex, name) if v is not None else None
        if v is None or s is None:
            return []
        spans[v.id] = s
    wide = _union(list(spans.values()), ex, block, f)
    if wide is None:
        return []
    g = sentinel.final_guard(name, decl, block, stores)
    c = _fixed(ex.span(g.bound, g.bound), ex, name) if g is not None else None
    own = _field(g.store, "right") if g is not None else None
    if g is None or c is None or own is None or poly.compare(c.lo, c.hi) != 0:
        return [(decl, wide)]
    # after the guard: every other value but those the guard replaces, or the guard's own
    kept = [k for v, s in spans.items()
            if v != own.id and (k := sentinel.clipped(s, g.op, c.lo, ex.mins)) is not None]
    narrow = _union([*kept, spans[own.id]], ex, block, f)
    return [(decl, wide)] + ([(g.after, narrow)] if narrow is not None else [])


def _fixed(s: Span | None, ex: Extents, name: str) -> Span | None:
    """``s`` when it means one thing through the block: it names nothing the block assigns or
    declares, nor ``name`` itself."""
    if s is None or ex.free(s) or name in poly.names(s.lo) | poly.names(s.hi):
        return None
    return s


def _macro_names(call: Node, name: str) -> bool:
    """Does a function-like macro called here expand to tokens naming ``name`` (or one whose
    expansion was given up)?"""
    from accellium.dataset.offload.global_scalars import UNREAD, macro_call_tokens

    toks = macro_call_tokens(call)
    return toks is not None and (name in toks or UNREAD in toks)


def _union(spans: list[Span], ex: Extents, block: Node, f: _Fn) -> Bounds | None:
    """The bounds covering every span: the lower bound at most each other one and the upper
    bound at least each other one, ordered as polynomials or over the loops around ``block``
    (:func:`_ordered`)."""
    lo = _extreme([s.lo for s in spans], ex, block, f, largest=False)
    hi = _extreme([s.hi for s in spans], ex, block, f, largest=True)
    return Bounds((lo,), (hi,)) if lo is not None and hi is not None else None


def _extreme(cands: list[poly.Poly], ex: Extents, block: Node, f: _Fn, largest: bool
             ) -> poly.Poly | None:
    for c in cands:
        if all(d is c or (_ordered(d, c, ex, block, f) if largest
                          else _ordered(c, d, ex, block, f)) for d in cands):
            return c
    return None


def _ordered(small: poly.Poly, big: poly.Poly, ex: Extents, block: Node, f: _Fn) -> bool:
    """Is ``small <= big`` wherever ``block`` runs: as polynomials (sizes at least their
    minimum), or over the ranges of the loops around ``block`` in its function — their
    indices lie in their ranges inside their bodies, which assign neither them nor the names
    the difference keeps."""
    from accellium.dataset.offload.ranges import loop_var, loops_between

    c = poly.compare(small, big, ex.mins)
    if c is not None:
        return c <= 0
    diff = poly.sub(big, small)
    loops = loops_between(block, f.body)
    indices = {loop_var(lp) for lp in loops}
    used = set(poly.names(diff))
    for lp in loops:
        for part in (_field(lp, "initializer"), _field(lp, "condition")):
            if part is not None:
                used |= {text(x) for x in iter_nodes(part) if x.type == "identifier"}
    if any(f.counts.get(u) for u in used - indices):
        return False
    outer = f.outer
    s = outer.span_of(diff, diff, block)
    if s is None or outer.free(s):
        return False
    c = poly.compare(poly.const(0), s.lo, outer.mins)
    return c is not None and c <= 0
