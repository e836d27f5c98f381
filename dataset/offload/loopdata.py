"""Sections for one loop's data clauses, from the same extents the offload planner uses.

A data clause that names a pointer without a section maps the pointer alone (8 bytes,
OpenACC 3.3 2.7.1): the kernel then dereferences a host address and faults on a discrete GPU.
So a per-loop ``copyin``/``copyout``/``copy`` of an array reached through a pointer (a
``double *`` or ``double **`` parameter, a ``double a[][M]`` parameter, which C makes a
pointer) needs the elements the loop reaches: per subscript, the smallest and largest value
while the loops inside run (``in[i + t]`` with ``i < n``, ``t < k``: ``in[0:n+k-1]``;
``A[i][k]``: ``A[0:N][0:N]``; a triangular or descending loop: its own bounds).  A true
array (``double t[4096]``) is named whole.  Anything the extents cannot bound (a subscript
read from data, a size the loop assigns, the address of an element passed on) gets no
section here: the caller keeps what it had and says so.

``copyout`` copies the *whole* section back at the end: elements the loop does not write come
back with whatever the device memory held (OpenACC 3.3 2.7.8: the device copy is created
uninitialised), overwriting the host's values.  So an array the loop only writes may be
``copyout`` only when one unconditional, plain write (``a[...] = e`` in the loop nest, no
``break``/``continue``/``return`` in the loop) reaches every element of the section, densely;
otherwise it needs ``copy`` (:func:`loop_data` reports which arrays are covered).
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.aliases import Target, target
from accellium.dataset.analysis.tree import IDENT
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import (
    ArrayInfo,
    _spans,
    _union,
    dims_needed,
    section_text,
)
from accellium.dataset.offload.cover import plain_nest, writes_whole
from accellium.dataset.offload.extent import Extents, Span
from accellium.dataset.offload.known import macro_values
from accellium.dataset.offload.nodes import has_jump
from accellium.dataset.offload.shapes import Shape, declarations, shape_of
from accellium.dataset.offload.uses import ArrayUse, Assignments, array_uses, assignments

__all__ = ["loop_sections", "loop_data"]



def loop_sections(loop: Node, fn: Node, root: Node) -> dict[str, str]:
    """Clause arguments (``a[0:n]``, ``A[0:N][0:N]``, ``t``) for the arrays declared outside
    ``loop`` (a ``for`` statement of the function ``fn`` in the file ``root``) whose every
    use in the loop has a known extent."""
    return loop_data(loop, fn, root)[0]


def _covered(loop: Node, ex: Extents, name: str, shape: Shape, spans: list[Span] | None,
             uses: list[ArrayUse], section: str) -> bool:
    """Does one plain, unconditional write of the nest reach every element of the section?"""
    if spans is None or shape.kind not in ("pointer", "rows"):
        return False
    info = ArrayInfo(name, shape, spans, section)
    return any(u.plain and plain_nest(u.node, loop) and writes_whole(ex, u, info)
               and all(ex.dense(sub, u.node) for sub in u.subs) for u in uses)


def _aliases(assigned: Assignments) -> dict[str, Target]:
    """The pointers the loop declares with a value pointing into an array declared outside
    it and never assigns again (:mod:`accellium.dataset.analysis.aliases`)."""
    out: dict[str, Target] = {}
    integers = frozenset(n for n, d in assigned.declared.items() if not _pointer(d))
    for name, decl in assigned.declared.items():
        value = assigned.values.get(name)
        if value is None or assigned.count.get(name) != 1 or not _pointer(decl):
            continue
        t = target(value, integers)
        if t is not None and IDENT.match(t.base) is not None and \
                IDENT.match(t.base).group(0) not in assigned.declared:  # type: ignore[union-attr]
            out[name] = t
    return out


def _pointer(decl: Node) -> bool:
    """Is the declarator one of a pointer (one ``*``, no array)?"""
    d = decl.child_by_field_name("declarator") if decl.type == "init_declarator" else decl
    return d is not None and d.type == "pointer_declarator" and \
        (d.child_by_field_name("declarator") or d).type == "identifier"


def _through(u: ArrayUse, t: Target, shape: Shape, ex: Extents) -> list[Span] | None:
    """The spans of the access ``u`` of a pointer that points to ``t``: the target's leading
    subscripts, then its offset plus the access's first subscript, then the rest."""
    if not u.subs or len(t.prefix) + len(u.subs) != shape.levels or shape.kind == "other":
        return None
    spans: list[Span | None] = [ex.span(n, u.node) for n in t.prefix]
    spans.append(ex.span_sum([*t.shift, (1, u.subs[0])], u.node))
    spans.extend(ex.span(s, u.node) for s in u.subs[1:])
    got = [s for s in spans[:dims_needed(shape)] if s is not None]
    if len(got) < dims_needed(shape) or any(ex.free(s) for s in got):
        return None
    if shape.kind in ("pointer", "rows") and any(not poly.at_least_one(s.lo, ex.mins)
                                                 for s in got):
        return None  # a start that may be negative: whether it is inside the array is unknown
    return got


def _aliased(u: ArrayUse, t: Target, decls: dict[str, list[Shape]], ex: Extents,
             rows: dict[str, list[list[Span]]], shapes: dict[str, Shape], bad: set[str]
             ) -> None:
    """Record the spans of ``u``, an access through a pointer to ``t`` (or make its array
    unbounded: the pointer passed on or moved, an extent not known)."""
    shape = shape_of(t.base, decls)
    spans = _through(u, t, shape, ex) if shape is not None and not u.whole else None
    if spans is None or shape is None:
        bad.add(t.base)
        return
    rows.setdefault(t.base, []).append(spans)
    shapes[t.base] = shape


def _valued(rows: list[list[Span]], dims: int, ex: Extents, root: Node, at: int,
            decls: dict[str, list[Shape]]) -> list[Span] | None:
    """The union of ``rows`` with the macros whose expansion is an integer constant replaced
    by their values (:func:`.known.macro_values`: ``v[i + VM*n]`` and ``v[i + VE*n]``, with
    ``#define VE (VM + 3)``, are ``v[i + n]`` and ``v[i + 4*n]``), when the names alone cannot
    be ordered."""
    valued = [macro_values(r, root, at, decls) or r for r in rows]
    return _union(valued, dims, ex.mins) if valued != rows else None


def _collect(found: list[ArrayUse], aliases: dict[str, Target], values: list[Node],
             local: set[str], decls: dict[str, list[Shape]], ex: Extents
             ) -> tuple[dict[str, list[list[Span]]], dict[str, list[ArrayUse]],
                        dict[str, Shape], set[str]]:
    """The spans of each array's accesses in ``found`` (rows), the accesses, the arrays'
    shapes and the arrays whose extent is not known (bad)."""
    rows: dict[str, list[list[Span]]] = {}
    uses: dict[str, list[ArrayUse]] = {}
    shapes: dict[str, Shape] = {}
    bad: set[str] = set()
    for u in found:
        if u.name in aliases:  # an access of the array the pointer points into
            _aliased(u, aliases[u.name], decls, ex, rows, shapes, bad)
            continue
        if any(v.start_byte <= u.node.start_byte < v.end_byte for v in values):
            continue  # the address a pointer is given: what goes through it counts
        if u.name in local or u.member or u.name in bad:
            continue
        shape = shape_of(u.name, decls)
        if u.whole and not u.subs and (shape is None or shape.kind == "other"
                                       and shape.levels == 0):
            continue  # a scalar
        if shape is None or shape.kind == "other" or u.whole or len(u.subs) != shape.levels:
            bad.add(u.name)
            continue
        spans, _ = _spans(u, shape, ex)
        if spans is None:
            bad.add(u.name)
            continue
        rows.setdefault(u.name, []).append(spans)
        uses.setdefault(u.name, []).append(u)
        shapes[u.name] = shape
    return rows, uses, shapes, bad


def _uncut_where_reached(cut: list[list[Span]], kept: list[list[Span]] | None, dims: int,
                         mins: dict[str, int]) -> list[list[Span]]:
    """The accesses' spans, each guarded access's span in terms of the outer index it is
    cut by (:meth:`.extent.Extents._fixed_guarded`) where the accesses no such guard cuts
    reach it all at every value of that index: then the elements the directive maps at that
    value are elements the program itself reaches there, guard or not (``PATH(i, j) = ...``
    over the row, then ``if (i < n - 3) PATH(i, j) = INF`` on part of it).  ``kept``: the
    same accesses' spans without the cut (None: not computed, or an extent unknown)."""
    if kept is None or len(kept) != len(cut):
        return cut
    same = [all(a.same(b) for a, b in zip(c[:dims], k[:dims], strict=True)) for c, k in zip(cut, kept, strict=True)]
    if all(same):
        return cut
    plain = [k for k, s in zip(kept, same, strict=True) if s]
    whole = _union(plain, dims, mins) if plain else None
    if whole is None:
        return cut
    if all(all(k[d].within(whole[d], mins) for d in range(dims))
           for k, s in zip(kept, same, strict=True) if not s):
        return kept
    return cut


def loop_data(loop: Node, fn: Node, root: Node, decls: dict[str, list[Shape]] | None = None,
              outer: dict[str, Target] | None = None) -> tuple[dict[str, str], set[str]]:
    """(:func:`loop_sections`, the arrays of those whose section one write covers whole: the
    ones ``copyout`` may move back without a ``copyin``).  ``decls``: the function's
    :func:`declarations` when the caller has them (one walk of the function for all its
    loops, not one per loop).  ``outer``: pointers defined before the loop whose accesses
    are those of the array they point into (:mod:`accellium.dataset.analysis.aliases`)."""
    if decls is None:
        decls = declarations(fn, root)
    ex = Extents([loop], fixed_guards=True)
    assigned = assignments(loop)
    local = set(assigned.declared)
    inside = _aliases(assigned)
    values = [assigned.values[n] for n in inside]
    aliases = {**(outer or {}), **inside}
    uses_all = array_uses(loop)
    rows, uses, shapes, bad = _collect(uses_all, aliases, values, local, decls, ex)
    kept: dict[str, list[list[Span]]] = {}
    if ex.cuts:  # a guard on an outer index cut a span: the spans without the cut too
        ex.fixed_guards = False
        kept, _, _, kept_bad = _collect(uses_all, aliases, values, local, decls, ex)
        ex.fixed_guards = True
        kept = {k: v for k, v in kept.items() if k not in kept_bad}
    jumps = has_jump(loop)
    out: dict[str, str] = {}
    covered: set[str] = set()
    for name, got in rows.items():
        if name in bad:
            continue
        shape = shapes[name]
        got = _uncut_where_reached(got, kept.get(name), dims_needed(shape), ex.mins)
        spans = _union(got, dims_needed(shape), ex.mins)
        if spans is None and dims_needed(shape):
            spans = _valued(got, dims_needed(shape), ex, root, loop.start_byte, decls)
        if spans is None and dims_needed(shape):
            continue
        text_ = section_text(shape, spans)
        if text_:
            out[name] = text_
            if not jumps and _covered(loop, ex, name, shape, spans, uses.get(name, []), text_):
                covered.add(name)
    return out, covered
