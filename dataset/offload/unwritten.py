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

* An array of automatic storage duration declared without an initializer holds
  indeterminate values each time its declaration is reached (C11 6.2.4p6-7, 6.7.9p10) — a
  function's local scratch array, on every call.  The same holds when its declaration, not an
  allocation, is the point before the region: in the region's block or one around it, no loop
  between the two blocks, no code between the declaration and the region naming the array.
  Only arrays of arithmetic or pointer elements: C++ default-initialises an array of class
  type by its constructor ([dcl.init]), and ``static``/``extern``/``thread_local`` objects
  are initialised once, before the program starts (6.7.9p10).

A copy in of such an object transfers indeterminate values, which no program can rely on
(reading them gives an unspecified value, or is undefined: 6.2.6.1p5, J.2); the device's own
uninitialised copy is as good — while none of its uninitialised bytes reaches the host.  So
``copyin`` becomes ``create`` and ``copy`` ``copyout`` (OpenACC 3.3, 2.7.1), whatever the
region's loops, host code and pointer swaps do with the array, where the region brings no
element of the device's copy to the host that device code did not write: no ``update self``
of the array in the region, and either no copy back at its end or an offloaded loop (or call)
that always runs and writes every element of the section (:func:`.cover.covering`).  Where
the device's loops leave elements unwritten (an output's border), a copy back would put the
device's uninitialised bytes over the host's.  Those are indeterminate too, yet they are what
the program's host build shows (memory fresh from the system is commonly zero, and programs
print such borders): a plan must not change a program's output, so such an array keeps its
``copy``."""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, text
from accellium.dataset.offload.arrays import Scope
from accellium.dataset.offload.nodes import LOOPS, callee_name, in_sizeof, null_tested
from accellium.dataset.offload.shapes import AllocSite, Shape, macro_items, walk_declarator

__all__ = ["unwritten_at_region", "unwritten_buffers"]

#: each clause without its copy in (``copy`` only where the device writes the whole section
#: before the copy back: see the module)
_WITHOUT_IN = {"copy": "copyout", "copyin": "create"}
#: storage classes whose objects are initialised once, before the program starts (C's
#: ``_Thread_local`` at block scope comes with ``static`` or ``extern``, C11 6.7.1p3)
_ONCE_INITIALISED = frozenset({"static", "extern", "thread_local"})
#: the nodes between a declared or assigned name and its declarator or assignment
_WRAPPERS = frozenset({"pointer_declarator", "parenthesized_declarator",
                       "parenthesized_expression", "array_declarator"})
#: Calls after which control may come back to an earlier point of the function.
_RETURNS_TWICE = frozenset({"setjmp", "sigsetjmp", "_setjmp", "__builtin_setjmp"})


def unwritten_at_region(scope: Scope, name: str, region_block: Node, start: int) -> bool:
    """Has nothing written the object the local pointer ``name`` points to when the region
    (its first statement at byte ``start``, an item of ``region_block``) starts: memory its
    one allocation returned, not named since (see the module)?"""
    shape = scope.shape(name)
    if shape is None or not shape.local:
        return False
    if shape.kind == "array":
        decl = _uninitialised_declaration(scope, shape)
        return decl is not None and decl.end_byte <= start and \
            _once_per_allocation(scope.fn, decl, region_block) and \
            _unnamed_between(scope.fn, name, decl.end_byte, start)
    before = [a for a in scope.allocs.get(name, []) if a.stmt.end_byte <= start]
    if not before:
        return False
    site = max(before, key=lambda a: a.stmt.start_byte)
    if site.zeroed:
        return False
    in_macro = _macro_allocates_only(site)
    return _once_per_allocation(scope.fn, site.stmt, region_block) and _unnamed_between(
        scope.fn, name, site.stmt.start_byte, start,
        lambda n: n.start_byte < site.stmt.end_byte and (in_macro or _allocated_name(n, site)))


def _unnamed_between(fn: Node, name: str, lo: int, hi: int,
                     own: Callable[[Node], bool] = lambda _: False) -> bool:
    """Does no code in ``[lo, hi)`` name ``name``, but to take its size, test it against null
    or where ``own`` says (the allocation statement's store into it)?"""
    return not any(n.type == "identifier" and text(n) == name and lo <= n.start_byte < hi and
                   not own(n) and not in_sizeof(n) and not null_tested(n)
                   for n in iter_nodes(fn))


def _uninitialised_declaration(scope: Scope, shape: Shape) -> Node | None:
    """The declaration of the local true array ``shape`` when it is the function's only
    declaration of that name, gives the array automatic storage and no initializer, and its
    elements are of a basic type (see the module); else None."""
    decl = shape.decl
    if decl is None or shape.expansion is not None or decl.type != "declaration" or \
            sum(1 for s in scope.decls.get(shape.name, []) if s.local) != 1:
        return None
    if any(c.type == "storage_class_specifier" and text(c) in _ONCE_INITIALISED
           for c in decl.children):
        return None
    kind = _field(decl, "type")
    if kind is None or kind.type not in ("primitive_type", "sized_type_specifier"):
        return None
    for d in decl.children_by_field_name("declarator"):
        if walk_declarator(d)[0] == shape.name:
            return None if d.type == "init_declarator" else decl
    return None


def unwritten_buffers(clauses: dict[str, str], buffers: list[str], scope: Scope,
                      region_block: Node, start: int, written_whole: Callable[[str], bool]
                      ) -> None:
    """Drop the copy in of each swapped buffer (``buffers``: those of the region's pointer
    swap groups, :mod:`.swap`, which share one clause) that nothing wrote since its
    allocation: ``copyin`` -> ``create``, and ``copy`` -> ``copyout`` where a loop that always
    runs writes the buffer's whole section (``written_whole``).  The group's clause copies in
    what any of its buffers may hold where a loop reads it; an unwritten buffer holds nothing
    to bring."""
    for b in buffers:
        clause = clauses.get(b)
        if clause in _WITHOUT_IN and (clause != "copy" or written_whole(b)) and \
                unwritten_at_region(scope, b, region_block, start):
            clauses[b] = _WITHOUT_IN[clause]


def _macro_allocates_only(site: AllocSite) -> bool:
    """Is the allocation statement a call of a function-like macro (``ARRAY_DECL(p, ...)``)
    whose expansion (:func:`.shapes.macro_items`, C11 6.10.3) names the pointer only to
    declare it without an initializer and to store the allocation into it, once?  The names
    the call's arguments spell are then that declaration and that store, nothing that reads or
    writes the memory."""
    items = macro_items(site.stmt)
    if not items:
        return False
    stores = 0
    for item in items:
        for n in iter_nodes(item):
            if n.type != "identifier" or text(n) != site.name:
                continue
            how = _declared_or_stored(n, item)
            if how is None:
                return False
            stores += how
    return stores == 1


def _declared_or_stored(n: Node, top: Node) -> int | None:
    """1 when ``n`` is the name an initialised declarator or an assignment's left side stores
    into, 0 when a declarator without initializer declares it (``T (*p)[M];``), None for any
    other use (within ``top``)."""
    kid, p = _declarator_of(n, top)
    if p is None:
        return None
    if p.type == "init_declarator" and _field(p, "declarator") == kid:
        return 1
    if p.type == "assignment_expression" and _field(p, "left") == kid:
        return 1 if text(_field(p, "operator")) == "=" else None
    if p.id == top.id and p.type == "declaration" and \
            kid in p.children_by_field_name("declarator"):
        return 0
    return None


def _declarator_of(n: Node, top: Node) -> tuple[Node, Node | None]:
    """The outermost declarator or parenthesis around the name ``n`` below ``top`` (``*p``
    and ``(*p)[M]`` of ``T (*p)[M]``: the array declarator's ``[M]`` applies to ``*p``, C11
    6.7.6.1-2), and the node that holds it (``top`` itself at most)."""
    kid, p = n, n.parent
    while p is not None and p.id != top.id and p.type in _WRAPPERS and \
            (p.type != "array_declarator" or _field(p, "declarator") == kid):
        kid, p = p, p.parent
    return kid, p


def _allocated_name(n: Node, site: AllocSite) -> bool:
    """Is ``n`` the pointer the allocation statement stores into (``p`` of ``T *p = malloc``,
    of ``T (*p)[M] = malloc``, of ``p = malloc``), not another use of it in the statement
    (``*q = p``)?  In ``T (*p)[M]`` the array declarator's ``[M]`` applies to ``*p``: ``p``
    is a pointer to an array (C11 6.7.6.1, 6.7.6.2), the name it declares."""
    kid, p = _declarator_of(n, site.stmt)
    return p is not None and (
        p.type == "init_declarator" and _field(p, "declarator") == kid or
        p.type == "assignment_expression" and _field(p, "left") == kid)


def _once_per_allocation(fn: Node, stmt: Node, region_block: Node) -> bool:
    """Does the region start at most once after each run of the allocation (or declaration)
    statement ``stmt``: it is in the region's block or one around it, no loop between the
    two blocks, no ``goto`` or ``setjmp`` in the function?"""
    home = stmt.parent
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
                is_call(n) and callee_name(n) in _RETURNS_TWICE:
            return False
    return True
