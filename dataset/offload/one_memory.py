"""One memory under two names in a region: a pointer the function points into another array.

``double *p = a + 1;`` (or ``= &a[k]``, ``= a``, a later ``p = a + k;``) makes ``p[i]`` the
element ``a[i + 1]`` (C11 6.5.6p8; ``&a[k]`` is ``a + k``, 6.5.3.2p3).  The planner maps each
name its loops use with a data clause of its own and follows each name's host reads and
writes on its own, so a region that reaches that memory under two names — both in its loops,
or one in a loop and the other in the host code between them — goes wrong on a GPU:

* the construct maps the second section where the first already put memory on the device:
  partly present (``p[0:n-1]`` beside ``a[0:n]`` entered first the other way round) is a
  runtime error (OpenACC 3.3, 2.7.2), wholly present only counts a reference, and at the end
  only the exit action that brings the count to zero acts — ``copyin(a[0:n])`` may discard
  what a loop wrote through ``p`` (:mod:`.passed_alike` has the same fact for parameters);
* a host read of ``a[0]`` after a loop wrote ``p[0]`` on the device is not preceded by an
  ``update self`` (the flow sees no device write of ``a``), and a host write of ``a[0]``
  before a loop reads ``p[0]`` by no ``update device``.

The loops that reach the memory under the pointer's name stay on the host (the others keep
the region); when only host code of the region names the pointer, no region is made.

Followed: the stores before the region that may point a pointer of the function into another
variable (:func:`accellium.dataset.analysis.aliases.pointings`: an offset or a choice always, a
plain copy when nothing stores to its source); a store inside the region is the swap module's
(:mod:`.swap`, which follows copies between pointers and refuses any other store).  A pointer
a loop declares is the loop's own view (:mod:`.views`: its accesses are read as the array's),
a local passed on as an offset into an array is read as that offset (:mod:`.offset_locals`),
and the pointers and buffers of the region's swap groups are the swap module's — none of them
is a second name here.  Not followed: what a call returns, a pointer read from memory (as for
two parameters: distinct unless a seen call passes one array for both, :mod:`.passed_alike`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.aliases import (
    Pointing,
    close_over_copies,
    function_assignments,
    pointings,
    single_views,
    visible_declaration,
)
from accellium.dataset.analysis.tree import iter_nodes, norm, text

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import ArrayInfo, Scope
    from accellium.dataset.offload.device import Unit
    from accellium.dataset.offload.swap import SwapGroup

__all__ = ["one_memory"]


def _pointers(scope: Scope) -> list[Pointing]:
    """:func:`~accellium.dataset.analysis.aliases.pointings` of the function whose name is
    a pointer (the function's declarations say so)."""
    out = []
    for p in pointings(scope.fn, scope.memo):
        shape = scope.shape(p.name)
        if shape is not None and shape.kind in ("pointer", "rows") and shape.levels >= 1:
            out.append(p)
    return out


def _names(node: Node, scope: Scope) -> set[str]:
    """The variables and members named under ``node`` (a local passed on as an offset, and
    the array of that offset, are not uses of the pointer: :mod:`.offset_locals`)."""
    return {norm(text(n)) if n.type == "field_expression" else text(n)
            for n in iter_nodes(node) if n.type in ("identifier", "field_expression")
            and n.id not in scope.offset_locals and n.id not in scope.offset_bases}


def _passed_names(arrays: dict[str, ArrayInfo], units: list[Unit], used: dict[int, set[str]],
                  everywhere: set[str], scope: Scope
                  ) -> tuple[list[tuple[Unit, str]], str | None] | None:
    """The same for two names a seen call passes one array for (``scope.aliased_params``:
    two parameters, or a parameter and the array of file scope the call passes for it,
    :mod:`.passed_alike`) where the region maps one and only its host code or loops kept
    on the host name the other: what that code writes or reads through the other name, the
    region's flow does not follow.  The units using the other name stay on the host; no
    region when only host code names it.  None: no such pair."""
    for pair in sorted(scope.aliased_params, key=sorted):
        a, b = sorted(pair)
        if a not in everywhere or b not in everywhere:
            continue
        for view, other in ((a, b), (b, a)):
            if view in arrays or other not in arrays:
                continue
            why = (f"`{view}` and `{other}` are one array in a seen call, and the region maps "
                   f"it as `{other}` while its code reaches it as `{view}` too: its host "
                   "code would be brought up to date under one name only")
            users = [u for u in units if view in used[u.node.id]]
            return ([(u, why) for u in users], None) if users else ([], why)
    return None


def _bases(pointings: list[Pointing]) -> dict[str, set[str]]:
    """Each pointer's bases, through the pointers it copies: ``double *q = p;`` with ``double
    *p = a + 1;`` points into ``p``'s memory, which is ``a``'s (C11 6.5.16.1: the value is
    copied) — ``q``, ``p`` and ``a`` are three names of one memory."""
    out: dict[str, set[str]] = {}
    for p in pointings:
        out.setdefault(p.name, set()).add(p.base)
    close_over_copies(out)
    return out


def one_memory(stmts: list[Node], arrays: dict[str, ArrayInfo], units: list[Unit],
               swaps: list[SwapGroup], scope: Scope
               ) -> tuple[list[tuple[Unit, str]], str | None]:
    """The units of a region over ``stmts`` (mapping ``arrays``) that reach memory the region
    also reaches under another name, through a pointer the function points into it before
    the region, each with why; and why no region can be made when only the region's host
    code names such a pointer (None: nothing of the kind)."""
    if not stmts:
        return [], None
    swapped = {n for g in swaps for n in (*g.members, *g.buffers)}
    start = stmts[0].start_byte
    before = [p for p in _pointers(scope) if p.value.end_byte <= start and p.name not in swapped
              and p.var == visible_declaration(p.name, stmts[0], scope.fn)]
    if not before and not scope.aliased_params:
        return [], None
    used = {u.node.id: _names(u.node, scope) for u in units}
    everywhere = set().union(*(_names(s, scope) for s in stmts))
    passed = _passed_names(arrays, units, used, everywhere, scope)
    if passed is not None:
        return passed
    if not before:
        return [], None
    single = single_views(before, function_assignments(scope.fn, scope.memo).count)
    bases = _bases(before)
    out: list[tuple[Unit, str]] = []
    for p in before:
        view, base = p.name, p.base
        if view not in everywhere:
            continue
        reached = bases[view]
        others = sorted(n for n in everywhere - {view} if n in reached
                        or (view in single and single.get(n) in reached))
        if not others or not ({view, *others} & arrays.keys()):
            continue
        why = (f"`{view}` points into `{base}` (line {p.line}), and the "
               f"region reaches that memory as `{view}` and as `{others[0]}`: one memory "
               "under two names, which its data clauses would map as two arrays (the second "
               "partly or wholly present, OpenACC 3.3, 2.7.2) and its host code would bring "
               "up to date under one name only")
        users = [u for u in units if view in used[u.node.id]]
        if not users:
            return [], why
        out += [(u, why) for u in users if all(u is not o for o, _ in out)]
    return out, None
