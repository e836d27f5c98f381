"""Loops that only generate data stay on the host when nothing on the device reads what they
write (:func:`home_generators`).

A *generator* stores into array elements values computed from indices, scalars, constants and
pure library math, and reads no element of any array: it does O(1) work per element it writes.
Offloaded on its own — no other unit of its region uses what it writes — it gains nothing:
every element it writes must reach the host again (a ``copyout``, or a ``copy`` when the
section is not provably written whole), which takes longer than the host computing the element
(one transfer of a value over the bus against a few arithmetic operations), and the loops that
use the data later, in another region or another function, map it themselves with their own
clauses.  When a device loop (or a hoisted call) of the same region uses the array, the
generator stays on the device: the array is then created there and never copied in (the
``create``/``copyout`` of :mod:`.flow`), which is what the consumer needs.

What "reads no array" means here, strictly: no element read at all — not ``a[i] += 1``, not a
lookup table, not ``*p``, not ``s->n``
through a pointer, no array passed to a function, no call other than a pure library function
(a function of the program may read anything), no reduction (it reads what it reduces, and
leaves a value the host needs), no ``while``/``do`` loop, and every ``for`` loop of the nest
writes an element whose subscript names its own index (else one element is rewritten a
number of times that grows with the loop: more than O(1) work per element, as an iteration
count of a fractal or a sum over ``k`` into a scalar).  Anything else keeps the loop's plan as
before.

One read is a generated value, not data: the element the same iteration stored just before
(:func:`_stored_before`: ``a[i][j] = f(i, j); ref[i][j] = a[i][j];``, how a program fills a
copy for its reference check).  After the plain assignment ``a[s] = e`` the element holds
``e``'s value (C11 6.5.16p3), so a later read of ``a[s]`` in the same block — the same
subscripts, none of their names assigned in between — reads a value the iteration computed.
So does a compound assignment or an increment of that element (``a[i][j] = f(i, j); if (i ==
j) a[i][j] += n;``, how a program makes a matrix diagonally dominant): ``E1 op= E2`` is
``E1 = E1 op (E2)`` with ``E1`` evaluated once (C11 6.5.16.2p3), ``++E`` is ``E += 1`` (C11
6.5.3.1p2) and ``E++`` stores the same value (C11 6.5.2.4p2), so the element's new value is
computed from the generated one and the operand: still O(1) work on no data.
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call, type_words
from accellium.dataset.analysis.library import library_function
from accellium.dataset.analysis.macro_element import macro_element, touches_memory
from accellium.dataset.analysis.macros import visible_at
from accellium.dataset.analysis.tree import idents, iter_nodes, mentions, norm, root_of, text
from accellium.dataset.offload.arrays import Scope
from accellium.dataset.offload.device import CallDevice, Device, Unit
from accellium.dataset.offload.nodes import callee_name, statement_of
from accellium.dataset.offload.ranges import loop_var
from accellium.dataset.offload.uses import ArrayUse, array_uses, assignments

__all__ = ["generated", "home_generators", "straight_work", "GENERATOR_WHY", "uses_device_memory"]

#: Why a generator stays on the host (the plan's note, after the arrays it writes).
GENERATOR_WHY = ("every value it stores is computed from indices, scalars and pure math (it "
                 "reads no array) and no device code of the region reads what it writes: "
                 "offloaded, it would copy each element back to the host, which costs more "
                 "than computing it there; the loops that use the data map it themselves")


def straight_work(node: Node) -> bool:
    """Is the loop's work what its ``for`` bounds tell: pure library calls only
    (:func:`pure_calls`) and no ``while``/``do``/``goto``?"""
    return pure_calls(node) and not any(
        n.type in ("while_statement", "do_statement", "goto_statement") for n in iter_nodes(node))


def pure_calls(node: Node) -> bool:
    """Does the loop call pure library functions only?  A cast the grammar reads as a call,
    ``(T)(x)``, is none (:mod:`accellium.dataset.analysis.casts`), nor ``T (x)`` with ``T`` an
    object-like macro of type words (C++'s functional cast once the preprocessor made it
    ``double (x)``, C11 6.10.3); nor is a call of a macro that stands for one
    element (:mod:`accellium.dataset.analysis.macro_element`; its arguments are still read
    here), nor a call of a function-like macro whose body alone is integer arithmetic on its
    parameters and constants (``IDX(i, j)`` with ``#define IDX(i, j) ((i) * N + (j))``): the
    preprocessor replaces it by that arithmetic before the code is read (C11 6.10.3,
    translation phase 4), which reads and calls nothing, or a number read from members of its
    arguments' objects (``#define DOT(A, B) ((A).x * (B).x)``), which reads what the arguments
    do, read here where the user wrote them
    (:func:`~accellium.dataset.analysis.macro_element.touches_memory`)."""
    root = root_of(node)
    macros = visible_at(root, node.start_byte)
    for n in iter_nodes(node):
        if is_call(n):
            callee = callee_name(n)
            if callee is None:
                return False
            m = macros.get(callee)
            if m is not None and m.params is None and type_words(m.body):
                continue  # `T (x)`, C++'s functional cast (the grammar's `(T)(x)`: no call)
            if m is not None and m.params is not None and not touches_memory(m, macros):
                continue
            lib = library_function(callee)
            if (lib is None or not lib.pure) and macro_element(n) is None:
                return False
    return True


def uses_device_memory(d: Device, scope: Scope) -> bool:
    """Does the loop ``d`` reach memory through a pointer that holds a device address
    (``scope.device_addresses``, :mod:`.device_memory`)?  On the host it would dereference a
    device address (OpenACC 3.3, 3.2.24: acc_malloc's memory has no host copy), so no rule that
    keeps a loop on the host for the bytes it saves applies to it."""
    return bool(scope.device_addresses) and any(
        u.name in scope.device_addresses for u in array_uses(d.node))


def generated(d: Device, scope: Scope) -> frozenset[str] | None:
    """The arrays the offloaded loop ``d`` writes when it only generates data (see the
    module), else None."""
    if d.routines or any(c.name == "reduction" for c in d.pragma.clauses) or \
            uses_device_memory(d, scope):
        return None
    node = d.node
    if not straight_work(node):
        return None
    local = set(assignments(node).declared)
    # (the use, a subscript of it): a macro's element has the subscripts of its expansion,
    # a tree of their own, so where a subscript is is where its use is
    written: dict[str, list[tuple[Node, Node]]] = {}
    uses = array_uses(node)
    stores = [u for u in uses if u.subs and u.write and u.plain and not u.read and not u.member]
    for u in uses:
        if u.subs and u.read and not u.write and _stored_before(u, stores, node, scope):
            continue
        if u.subs:
            # `a[s] += e` after `a[s] = f`: a new value computed from a generated one
            updates = u.read and u.write and _stored_before(u, stores, node, scope)
            if (u.read and not updates) or not (u.plain or updates) or u.member:
                return None
            written.setdefault(u.name, []).extend((u.node, s) for s in u.subs
                                                  if not isinstance(s, int))
            if any(isinstance(s, int) for s in u.subs):  # `*p = ...`: no index of the nest
                written[u.name].append((u.node, u.node))
            continue
        if u.name in local:
            continue
        shape = scope.shape(u.name)
        if shape is not None and shape.kind != "other":
            return None  # the array itself: passed, assigned, its address taken
        if u.node.parent is not None and u.node.parent.type == "field_expression" and \
                text(u.node.parent).replace(" ", "").startswith(u.name + "->"):
            return None  # `s->n`: memory read through a pointer
    if not written:
        return None
    subs = [s for nodes in written.values() for s in nodes]
    for n in iter_nodes(node):
        if n.type == "for_statement":
            var = loop_var(n)
            if var is None or not any(n.start_byte <= at.start_byte < n.end_byte and
                                      mentions(s, var) for at, s in subs):
                return None
    return frozenset(written)


def _spelling(u: ArrayUse) -> tuple[str, ...] | None:
    if any(isinstance(s, int) for s in u.subs):
        return None
    return tuple(norm(text(s)) for s in u.subs if not isinstance(s, int))


def _stored_before(u: ArrayUse, stores: list[ArrayUse], loop: Node, scope: Scope) -> bool:
    """Is the read ``u`` of the element a plain store of the same iteration wrote just before:
    an earlier statement of a block around the read, inside ``loop``, is ``a[s] = e`` with the
    same subscripts (spelled alike), and nothing between them assigns a name of ``s``
    (:attr:`.arrays.Scope.assigned_at`)?"""
    key = _spelling(u)
    if key is None or u.member:
        return False
    for w in stores:
        if w.name != u.name or _spelling(w) != key:
            continue
        stmt = statement_of(w.node)
        block = stmt.parent
        if block is None or block.type != "compound_statement" or \
                not (loop.start_byte < block.start_byte and block.end_byte <= loop.end_byte) or \
                not (stmt.end_byte <= u.node.start_byte and u.node.end_byte <= block.end_byte):
            continue
        names = {n for s in w.subs if not isinstance(s, int) for n in idents(text(s))}
        if not any(stmt.end_byte <= at < u.node.start_byte
                   for n in names for at in scope.assigned_at.get(n, ())):
            return True
    return False


def _names_used(u: Unit) -> set[str]:
    if isinstance(u, CallDevice):
        return {a.name for a in u.args} | set(u.host_globals)
    return {x.name for x in array_uses(u.node)}


def home_generators(devices: list[Unit], scope: Scope, swapped: set[str]
                    ) -> list[tuple[Device, str]]:
    """The generators among ``devices`` (the units of one region) whose arrays no other unit
    of the region uses, nor a pointer swap of the region (``swapped``: its pointers and
    buffers), with the plan's note for each."""
    out: list[tuple[Device, str]] = []
    for d in devices:
        if not isinstance(d, Device):
            continue
        gen = generated(d, scope)
        if not gen or gen & swapped:
            continue
        if any(gen & _names_used(o) for o in devices if o is not d):
            continue
        names = ", ".join(f"`{n}`" for n in sorted(gen))
        out.append((d, f"it only generates {names}: {GENERATOR_WHY}"))
    return out
