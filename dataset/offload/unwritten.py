"""Memory nothing wrote since its allocation (:func:`unwritten_at_region`): a region's copy in
of it would move indeterminate values, so it needs none.

The facts of C used here:

* The memory ``malloc`` and ``aligned_alloc`` return holds indeterminate values (C11
  7.22.3.4p2, 7.22.3.1p2), as does that of a function of the program that only returns such
  memory (:mod:`.fresh`: it never writes through the pointer); ``calloc``'s bytes are zero
  (7.22.3.2p2), values a program may read, so its memory (or a wrapper's that may be
  ``calloc``'s) is never unwritten here.
* The new object has no other name (7.22.3p1): code can reach it only through the pointer
  the allocation was stored in.  So when the pointer is a local of the function, allocated by
  a statement of the region's block (or of a block around it) before the region, and no code
  between that allocation and the region's start names it (``sizeof`` aside: its operand is
  not evaluated, 6.5.3.4p2) — or names it only to test its value (``if (!p) return 1;``,
  :func:`.nodes.null_tested`) —, the pointer still holds the allocation's value when the region
  starts and nothing wrote an element of the object; what the region or later code assigns to
  the pointer (swaps) does not change that.
* The region starts at most once per allocation: no loop around the region is inside the
  block of the allocation (else a second pass would find what the first wrote) and the
  function has no ``goto`` (a jump back over the allocation) nor ``setjmp`` (a ``longjmp``
  back to before the region).

A copy in of such an object transfers indeterminate values, which no program can rely on
(reading them gives an unspecified value, or is undefined: 6.2.6.1p5, J.2); the device's own
uninitialised copy is as good.  So ``copy`` becomes ``copyout``, ``copyin`` ``create`` — the
"present or create" half of each clause (OpenACC 3.3, 2.7.1) — whatever the region does with
the array afterwards (its loops, host code, pointer swaps among its arrays)."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, text
from accellium.dataset.offload.arrays import Scope
from accellium.dataset.offload.nodes import LOOPS, callee_name, in_sizeof, null_tested
from accellium.dataset.offload.shapes import AllocSite

__all__ = ["unwritten_at_region", "unwritten_buffers"]

_WITHOUT_IN = {"copy": "copyout", "copyin": "create"}
#: Calls after which control may come back to an earlier point of the function.
_RETURNS_TWICE = frozenset({"setjmp", "sigsetjmp", "_setjmp", "__builtin_setjmp"})


def unwritten_at_region(scope: Scope, name: str, region_block: Node, start: int) -> bool:
    """Has nothing written the object the local pointer ``name`` points to when the region
    (its first statement at byte ``start``, an item of ``region_block``) starts: memory its
    one allocation returned, not named since (see the module)?"""
    shape = scope.shape(name)
    before = [a for a in scope.allocs.get(name, []) if a.stmt.end_byte <= start]
    if shape is None or not shape.local or not before:
        return False
    site = max(before, key=lambda a: a.stmt.start_byte)
    if site.zeroed:
        return False
    if not _once_per_allocation(scope.fn, site, region_block, start):
        return False
    lo = site.stmt.start_byte
    for n in iter_nodes(scope.fn):
        if n.type != "identifier" or text(n) != name or not lo <= n.start_byte < start:
            continue
        if n.start_byte < site.stmt.end_byte and _allocated_name(n, site):
            continue
        if not in_sizeof(n) and not null_tested(n):
            return False
    return True


def unwritten_buffers(clauses: dict[str, str], buffers: list[str], scope: Scope,
                      region_block: Node, start: int) -> None:
    """Drop the copy in of each swapped buffer (``buffers``: those of the region's pointer
    swap groups, :mod:`.swap`, which share one clause) that nothing wrote since its
    allocation: ``copy`` -> ``copyout``, ``copyin`` -> ``create``.  The group's clause copies
    in what any of its buffers may hold where a loop reads it; an unwritten buffer holds
    nothing to bring."""
    for b in buffers:
        clause = clauses.get(b)
        if clause in _WITHOUT_IN and unwritten_at_region(scope, b, region_block, start):
            clauses[b] = _WITHOUT_IN[clause]


def _allocated_name(n: Node, site: AllocSite) -> bool:
    """Is ``n`` the pointer the allocation statement stores into (``p`` of ``T *p = malloc``,
    of ``T (*p)[M] = malloc``, of ``p = malloc``), not another use of it in the statement
    (``*q = p``)?  In ``T (*p)[M]`` the array declarator's ``[M]`` applies to ``*p``: ``p``
    is a pointer to an array (C11 6.7.6.1, 6.7.6.2), the name it declares."""
    kid, p = n, n.parent
    while p is not None and p.id != site.stmt.id:
        if p.type == "init_declarator" and _field(p, "declarator") == kid:
            return True
        if p.type == "assignment_expression" and _field(p, "left") == kid:
            return True
        if p.type not in ("pointer_declarator", "parenthesized_declarator",
                          "parenthesized_expression", "array_declarator") or \
                p.type == "array_declarator" and _field(p, "declarator") != kid:
            return False
        kid, p = p, p.parent
    return False


def _once_per_allocation(fn: Node, site: AllocSite, region_block: Node, start: int) -> bool:
    """Does the region start at most once after each run of the allocation: the allocation
    before it in the same block or one around it, no loop between the two blocks, no
    ``goto`` or ``setjmp`` in the function?"""
    home = site.stmt.parent
    if home is None or home.type != "compound_statement":
        return False  # a ``case`` label between them could skip the allocation
    p: Node | None = region_block
    while p is not None and p.id != home.id:
        if p.type in LOOPS or p.id == fn.id:
            return False
        p = p.parent
    if p is None:
        return False
    for n in iter_nodes(fn):
        if n.type == "goto_statement" or \
                n.type == "call_expression" and callee_name(n) in _RETURNS_TWICE:
            return False
    return True
