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

from accellium.dataset.offload.arrays import (
    ArrayInfo,
    _spans,
    _union,
    dims_needed,
    section_text,
)
from accellium.dataset.offload.cover import plain_nest, writes_whole
from accellium.dataset.offload.extent import Extents, Span
from accellium.dataset.offload.nodes import has_jump
from accellium.dataset.offload.shapes import Shape, declarations, shape_of
from accellium.dataset.offload.uses import ArrayUse, array_uses, assignments

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


def loop_data(loop: Node, fn: Node, root: Node, decls: dict[str, list[Shape]] | None = None
              ) -> tuple[dict[str, str], set[str]]:
    """(:func:`loop_sections`, the arrays of those whose section one write covers whole: the
    ones ``copyout`` may move back without a ``copyin``).  ``decls``: the function's
    :func:`declarations` when the caller has them (one walk of the function for all its
    loops, not one per loop)."""
    if decls is None:
        decls = declarations(fn, root)
    ex = Extents([loop])
    local = set(assignments(loop).declared)
    rows: dict[str, list[list[Span]]] = {}
    uses: dict[str, list[ArrayUse]] = {}
    shapes: dict[str, Shape] = {}
    bad: set[str] = set()
    for u in array_uses(loop):
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
    jumps = has_jump(loop)
    out: dict[str, str] = {}
    covered: set[str] = set()
    for name, got in rows.items():
        if name in bad:
            continue
        shape = shapes[name]
        spans = _union(got, dims_needed(shape), ex.mins)
        if spans is None and dims_needed(shape):
            continue
        text_ = section_text(shape, spans)
        if text_:
            out[name] = text_
            if not jumps and _covered(loop, ex, name, shape, spans, uses[name], text_):
                covered.add(name)
    return out, covered
