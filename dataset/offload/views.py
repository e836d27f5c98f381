"""Accesses through a pointer a loop body declares into an array (a *view*: ``double *row =
&A[i * m];`` then ``row[j]``), read by the planner as the accesses of the array they are
(:func:`view_uses`).

In C, ``p[k]`` is ``*(p + k)`` (C11 6.5.2.1) and ``&A[e]`` is ``A + e`` (6.5.3.2p3): through
``row = A + i*m`` the access ``row[j]`` is ``A[i*m + j]``
(:func:`accellium.dataset.analysis.aliases.target`).  The planner takes it so when

* the view is declared in the loop with that value and never assigned again, and nothing
  takes its address (:func:`.loopdata._aliases`: a pointer whose target the body does not
  show may point anywhere);
* every use of the view is an element (``row[j]``, ``*row``): a view passed on or moved
  (``f(row)``, ``row + 1``) reaches elements the loop does not show (a pointer used for the
  members of the one element it points to, ``q->x``, is read as before: the element);
* the names of its offset (``i``, ``m``) hold, at every use, the values they held where the
  view was made: none is assigned in the loop, but the index of a loop that holds the
  view's declaration in its body (a canonical loop's body never assigns its index:
  :func:`.ranges.loop_range`), whose iteration every use of the view is in (its scope ends
  with the body).

The access is then ``A[*prefix][offset + k]``, its subscript an expression of its own
(parsed from the offset's and the access's text): spans, coverage and data flow read it like
any other subscript."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.aliases import Target
from accellium.dataset.analysis.tree import IDENT, iter_nodes, text
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.offload.nodes import loops_around
from accellium.dataset.offload.ranges import loop_var
from accellium.dataset.offload.uses import ZERO, ArrayUse, array_uses, assignments

__all__ = ["views", "view_uses", "makes_view"]


def views(loop: Node) -> dict[str, tuple[Target, Node]]:
    """The views the loop declares: name -> (what it points to, its declarator)."""
    from accellium.dataset.offload.loopdata import _aliases  # (loopdata -> arrays -> here)

    assigned = assignments(loop)
    out: dict[str, tuple[Target, Node]] = {}
    for name, t in _aliases(assigned).items():
        decl = assigned.declared.get(name)
        m = IDENT.match(t.base)
        if decl is None or m is None or m.group(0) != t.base or not _fixed(t, decl, loop):
            continue
        out[name] = (t, decl)
    return out


def _fixed(t: Target, decl: Node, loop: Node) -> bool:
    """Do the names of the view's offset keep, at each use, their value at the declaration?"""
    counts = assignments(loop).count
    holders = set()
    p = decl.parent
    while p is not None and p.start_byte >= loop.start_byte:
        if p.type == "for_statement":
            body = _field(p, "body")
            if body is not None and body.start_byte <= decl.start_byte < body.end_byte:
                holders.add(loop_var(p))
        if p.id == loop.id:
            break
        p = p.parent
    for n in [*t.prefix, *(node for _, node in t.shift)]:
        for x in iter_nodes(n):
            if x.type in ("call_expression", "assignment_expression", "update_expression",
                          "subscript_expression", "pointer_expression", "field_expression"):
                return False  # a value read from memory or changed where it is read
            if x.type == "identifier" and counts.get(text(x)) and text(x) not in holders:
                return False
    return True


def view_uses(uses: list[ArrayUse], loop: Node) -> tuple[list[ArrayUse], str | None]:
    """``uses`` with each access through a view replaced by the access of its array, and the
    address computations that made the views dropped; or why a view cannot be followed."""
    from accellium.dataset.analysis.macros import parsed_expression

    vs = views(loop)
    for u in uses:
        if u.name in vs and u.whole and u.node.parent is not None and \
                u.node.parent.type == "field_expression":
            del vs[u.name]  # a pointer to one element, used for its members (``q->x``)
    if not vs:
        return uses, None
    inits = [_field(decl, "value") for _, decl in vs.values()]
    out: list[ArrayUse] = []
    for u in uses:
        if u.name in vs:
            t, _ = vs[u.name]
            if u.whole or not u.subs:
                return uses, (f"the view `{u.name}` of `{t.base}` is passed on or moved (line "
                              f"{u.row + 1}): which elements it reaches is unknown")
            first = u.subs[0]
            sub: Node | int = first
            if t.shift:
                terms = " ".join(f"{'+' if s > 0 else '-'} ({text(n)})" for s, n in t.shift)
                k = "0" if first == ZERO else text(first)  # type: ignore[arg-type]
                parsed = parsed_expression(f"0 {terms} + ({k})", "c")
                if parsed is None:
                    return uses, f"cannot read the offset of the view `{u.name}`"
                sub = parsed
            out.append(ArrayUse(t.base, u.node, [*t.prefix, sub, *u.subs[1:]], u.read,
                                u.write, u.plain))
            continue
        if u.name in {t.base for t, _ in vs.values()} and \
                any(i is not None and i.start_byte <= u.node.start_byte < i.end_byte
                    for i in inits):
            continue  # `&A[i*m]`: an address computed, no element accessed (C11 6.5.6p8)
        out.append(u)
    return out, None


def makes_view(node: Node, fn: Node) -> bool:
    """Is ``node`` (the array's name, used whole) inside the value of a view a loop of ``fn``
    declares (``double *dst = B + i*m;``), and is every use of the loop's views an element
    (:func:`view_uses` finds none passed on or moved)?  The view then holds the array's
    address only in the loop's body, for the elements it reads and writes: a block-scope
    object's lifetime ends with its block (C11 6.2.4p2, p6), so the address goes no further —
    the array is only subscripted, through the view."""
    for loop in loops_around(node, fn):  # the innermost first
        for _, decl in views(loop).values():
            value = _field(decl, "value")
            if value is not None and value.start_byte <= node.start_byte < value.end_byte:
                return view_uses(array_uses(loop), loop)[1] is None
    return False
