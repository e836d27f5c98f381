"""Where the host and device copies of each array must be brought together.

The device copy is what the offloaded loops read and write; the host copy is what the host code
between them (and after the region) reads and writes.  The rules, for each array:

* before host code that reads it, ``update self`` of what it reads when an offloaded loop that
  writes the array may have run since (earlier in the region, or in an earlier iteration of a
  host loop around both);
* after host code that writes it, ``update device`` of what it wrote when an offloaded loop
  may use the array later, or the region copies the array back at its end (the device copy
  would overwrite the host's write);
* at the start, ``copyin`` unless an offloaded loop that always runs writes every element of
  the section (a plain ``a[i] = ...`` over the whole section, in no ``if``, no host loop, no
  ``continue``) before anything reads it; at the end, ``copyout`` when the loops write it and
  code after the region may read it (a parameter or a global always may; a local only when
  the function uses it after the region — ``free`` is not a use), unless the host copy is
  already current there (:mod:`.current`: an ``update self`` of the whole section runs after
  the array's last device write on every path);
* with nothing copied back and no host read in the region, no ``copyin`` either when the
  loops read only what they wrote before — in the same host iteration over one footprint
  (:func:`.cover.footprint_cover`, calls included through their callees' footprints), or in
  the same iteration of each loop (:mod:`.selfwrite`).

Nothing else moves: an array the host code never touches gets no update.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from accellium.dataset.analysis.aliases import close_over_copies
from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.clauses import is_clause_arg
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import iter_nodes, op, root_of, text
from accellium.dataset.offload import guards, poly
from accellium.dataset.offload.arrays import ArrayInfo, Scope, dims_needed, section_text
from accellium.dataset.offload.boxes import boxed
from accellium.dataset.offload.calls import caller_span, file_scalar, host_handled, is_global
from accellium.dataset.offload.cover import (
    covering,
    declared_spans,
    footprint_cover,
    looped_cover,
    reads_own_write,
    rewriting_cover,
)
from accellium.dataset.offload.current import always_runs, host_current, host_jumps
from accellium.dataset.offload.device import CallDevice, Device, MappedArg, Unit
from accellium.dataset.offload.extent import Extents, Span, loops_between
from accellium.dataset.offload.global_scalars import changes, file_stores
from accellium.dataset.offload.host_pointers import address_only, pointer_use
from accellium.dataset.offload.killed import object_size
from accellium.dataset.offload.known import spelled_out
from accellium.dataset.offload.live import in_loop, macro_names
from accellium.dataset.offload.redundant import drop_redundant
from accellium.dataset.offload.selfwrite import self_written
from accellium.dataset.offload.structure import Layout, Leaf, exit_problem, may_precede
from accellium.dataset.offload.unwritten import unwritten_at_region
from accellium.dataset.offload.uses import ArrayUse, array_uses, declarator_name
from accellium.dataset.offload.wavefront import wavefront_filled

__all__ = ["Update", "Lifetime", "Flow", "plan_flow"]


@dataclass(frozen=True)
class Update:
    leaf: Leaf
    direction: str  # self | device
    section: str
    if_present: bool = False  # one element the region's section may not hold

    @property
    def array(self) -> str:
        """The array the section names (``a`` of ``a[0:n]``)."""
        return self.section.split("[")[0].strip()


#: A section a host statement touches, and whether its update needs ``if_present``.
_Sec = tuple[str, bool]
#: Such a section with its spans, when it is spelled from them (None: one element named by
#: its subscript, or the region's whole section).
_Box = tuple[_Sec, list[Span] | None]


@dataclass
class Lifetime:
    """An array mapped by ``enter data``/``exit data`` (the function allocates or frees it
    inside the region) instead of the structured region."""

    enter_after: Node | None  # the allocating statement (None: at the region start)
    exit_before: Node | None  # the freeing statement (None: at the region end)
    enter: str = "create"  # copyin | create
    exit: str = "delete"  # copyout | delete
    zeroed: bool = False  # allocated in the region with its bytes all zero (``calloc``)


@dataclass
class Flow:
    clauses: dict[str, str] = field(default_factory=dict)  # array -> copyin|copy|copyout|create
    lifetimes: dict[str, Lifetime] = field(default_factory=dict)
    updates: list[Update] = field(default_factory=list)
    problem: str | None = None
    notes: list[str] = field(default_factory=list)
    # arrays with no copy in because a loop inside a host loop replaces them (that loop may not
    # run: the function does not write them whenever it is called)
    loop_covered: set[str] = field(default_factory=set)


def _host_uses(leaf: Leaf, info: ArrayInfo, scope: Scope) -> list[ArrayUse]:
    """The uses of the array in a host statement (of any of its names, when it is a group of
    swapped pointers; the copies between them are not uses of elements, nor is the array in
    the value of a local holding an offset into it, ``scope.offset_bases``); an argument of a
    function that only reads through it (``scope.read_args``, :mod:`.readargs`) is a read;
    a call whose callee reaches the global array without naming it (``scope.global_calls``,
    :mod:`.global_uses`), or the memory of a parameter or local through another pointer
    (``scope.alias_calls``, :mod:`.points_to`), uses the whole array, read, and written when
    the callee may write it; so does a dereference of a file-scope pointer the program may
    have set into the array (``bc_ptr[j] = v`` after a callee's ``bc_ptr = a``)."""
    names = info.aliases or {info.name}
    local_fns = _local_functions(scope)
    found = array_uses(leaf.node)
    if local_fns:  # a definition runs no body: its calls do (:func:`_local_functions`)
        found = [u for u in found if not _in_definition(u.node, leaf.node)]
    out = [replace(u, write=False) if u.node.id in scope.read_args else _as_pointer(u, info)
           for u in found
           if u.name in names and u.node.id not in info.copies | scope.offset_bases
           and not address_only(u, scope)]
    out.extend(_macro_uses(leaf.node, names, {u.node.id for u in found}))
    out.extend(_local_calls(leaf.node, names, local_fns))
    out.extend(_reference_uses(leaf.node, names, scope))
    out.extend(_view_uses(found, names, info, scope))
    if scope.global_calls and info.name in names and is_global(scope.shape(info.name)):
        for n in iter_nodes(leaf.node):
            for g, write in scope.global_calls.get(n.id, ()):
                if g == info.name:
                    out.append(ArrayUse(g, n, [], True, write, whole=True))
    if scope.alias_calls:
        for n in iter_nodes(leaf.node):
            for g, write in scope.alias_calls.get(n.id, ()):
                if g in names:
                    out.append(ArrayUse(g, n, [], True, write, whole=True))
    return out


def _view_uses(found: list[ArrayUse], names: Collection[str], info: ArrayInfo,
               scope: Scope) -> list[ArrayUse]:
    """The uses among ``found`` (a host statement's) of a name that holds the address of an
    array of ``names`` (:func:`_views`), each a use of that array there
    (:func:`.host_pointers.pointer_use`): an element reached through it (``bottom[j]``,
    ``*m``, ``v.p[k]``), or the name itself passed on or stepped (``memcpy(bottom, ...)``,
    ``*q++``), which reaches elements the statement does not show."""
    views = _views(scope)
    out: list[ArrayUse] = []
    for u in found:
        base = re.split(r"\.|->|\[", u.name, maxsplit=1)[0]
        held = set(names) & views.get(base, set())
        if not held or base in names or u.node.id in scope.offset_bases:
            continue
        if u.subs or u.member or u.whole:
            target = info.name if info.name in held else sorted(held)[0]
            out.append(pointer_use(u, target, scope))
    return out


def _views(scope: Scope) -> dict[str, set[str]]:
    """The locals of the function that hold the address of a variable of it in a way the
    planner's pointer copies do not follow, and those variables: a structure, union or array
    initialised with one (``struct view v = {a};``, ``double *bufs[2] = {x, y};``), one whose
    member or element is assigned one (``v.p = y``, ``bufs[1] = y``), and a pointer
    initialised with a cast of one (``char *raw = (char *)y``).  Each such name reaches the
    variable's memory (C11 6.5.2.3, 6.5.2.1, 6.3.2.3): a host statement that dereferences
    it (``v.p[k]``, ``bufs[1][k]``, ``raw[k]``) uses that memory (before, it was no use: no
    ``update`` before or after it).  Kept in ``scope.memo``, one table per function."""
    key = f"views@{scope.fn.start_byte}"  # the memo is the file's: one table per function
    got = scope.memo.get(key)
    if isinstance(got, dict):
        return got
    out: dict[str, set[str]] = {}
    for n in iter_nodes(scope.fn):
        holder, value = None, None
        if n.type == "init_declarator":
            d, value = n.child_by_field_name("declarator"), n.child_by_field_name("value")
            holder = declarator_name(d)
            element = _element_address(value, d)
            if element is not None and holder:
                out.setdefault(holder, set()).add(element)
                continue
            if value is not None and value.type not in ("initializer_list", "cast_expression") \
                    and not _pointer(holder, scope):
                value = None
        elif n.type == "assignment_expression":
            left = n.child_by_field_name("left")
            if left is not None and left.type == "identifier" and _pointer(text(left), scope):
                holder, value = text(left), n.child_by_field_name("right")
            elif left is not None and left.type in ("field_expression", "subscript_expression"):
                base: Node | None = left
                while base is not None and base.type in ("field_expression",
                                                         "subscript_expression"):
                    base = base.child_by_field_name("argument")
                holder = text(base) if base is not None and base.type == "identifier" else None
                value = n.child_by_field_name("right")
        if holder is None or value is None:
            continue
        held = _held_names(value)
        if held:
            out.setdefault(holder, set()).update(held)
    close_over_copies(out)  # `q = p` with `p = a + 1`: `q` reaches `a` too
    scope.memo[key] = out
    return out


def _pointer(name: str | None, scope: Scope) -> bool:
    """Is ``name`` a pointer variable of the function (its declarations say so)?"""
    shape = scope.shape(name) if name else None
    return shape is not None and shape.kind == "pointer"


def _reference_uses(node: Node, names: Collection[str], scope: Scope) -> list[ArrayUse]:
    """The uses of an array of ``names`` through a C++ reference to one of its elements
    (``double &r = a[3]; r = 100.0;``: :func:`_element_address`) in the host statement
    ``node``: each a use of the whole array, read and written (the reference names no
    subscript, so no array use shows it)."""
    key = f"references@{scope.fn.start_byte}"
    got = scope.memo.get(key)
    refs: dict[str, str] = got if isinstance(got, dict) else {}
    if not isinstance(got, dict):
        for n in iter_nodes(scope.fn):
            if n.type == "init_declarator":
                d = n.child_by_field_name("declarator")
                if d is None or d.type != "reference_declarator":
                    continue
                held = _element_address(n.child_by_field_name("value"), d)
                # (the grammar gives a reference declarator's name no field)
                name = next((text(c) for c in d.named_children if c.type == "identifier"), None)
                if held and name:
                    refs[name] = held
        scope.memo[key] = refs
    out: list[ArrayUse] = []
    for n in iter_nodes(node) if refs else ():
        held = refs.get(text(n)) if n.type == "identifier" else None
        if held is not None and held in names and not (n.parent is not None and n.parent.type in (
                "reference_declarator", "init_declarator")):
            out.append(ArrayUse(held, n, [], True, True, False, True))
    return out


def _element_address(value: Node | None, declarator: Node | None) -> str | None:
    """The array a pointer or a C++ reference is initialised to designate an element of:
    ``double *p = &a[3]`` (C11 6.5.3.2p3: ``&a[3]`` is ``a + 3``), ``double &r = a[3]``
    ([dcl.ref]p1: ``r`` names that element); None for anything else."""
    v = value
    while v is not None and v.type == "parenthesized_expression":
        v = v.named_children[0] if v.named_children else None
    if v is None or declarator is None:
        return None
    if v.type == "pointer_expression" and op(v) == "&":
        v = v.child_by_field_name("argument")
    elif declarator.type != "reference_declarator":
        return None
    while v is not None and v.type == "parenthesized_expression":
        v = v.named_children[0] if v.named_children else None
    if v is None or v.type != "subscript_expression":
        return None
    base: Node | None = v
    while base is not None and base.type == "subscript_expression":
        base = base.child_by_field_name("argument")
    return text(base) if base is not None and base.type == "identifier" else None


def _held_names(value: Node) -> set[str]:
    """The identifiers whose value (an address, for an array or pointer) ``value`` holds: one
    reached from it through initializer lists, casts, parentheses, ``+``/``-`` and the
    branches of ``?:`` only — not an operand of a call, a subscript, a comparison or a
    dereference (their value is not the address)."""
    out: set[str] = set()
    for n in iter_nodes(value):
        if n.type != "identifier":
            continue
        cur, ok = n, True
        while cur.id != value.id and cur.parent is not None:
            p = cur.parent
            if p.type in ("initializer_list", "initializer_pair", "cast_expression",
                          "parenthesized_expression"):
                pass
            elif p.type == "binary_expression" and op(p) in ("+", "-"):
                pass
            elif p.type == "conditional_expression" and \
                    p.child_by_field_name("condition") != cur:
                pass
            else:
                ok = False
                break
            cur = p
        if ok:
            out.add(text(n))
    return out


def _local_functions(scope: Scope) -> dict[str, Node]:
    """The functions the planned function defines in its body, by the name its calls use: a
    C++ lambda stored in a variable (``auto fix = [&](int k) { a[k] = -a[k]; };``) and a GNU C
    nested function (``void fix(int k) { ... }``).  Defining one runs none of its body
    ([expr.prim.lambda.closure]: the body runs when the closure is called; a nested
    function's when it is called), and a call runs it there, reaching the caller's arrays it
    names (by reference or as the enclosing function's variables)."""
    key = f"local-functions:{scope.fn.start_byte}"
    got = scope.memo.get(key)
    if isinstance(got, dict):
        return got
    out: dict[str, Node] = {}
    body = scope.fn.child_by_field_name("body")
    for n in iter_nodes(body) if body is not None else ():
        if n.type == "init_declarator":
            value = n.child_by_field_name("value")
            name = declarator_name(n.child_by_field_name("declarator"))
            if value is not None and value.type == "lambda_expression" and name:
                out[name] = value
        elif n.type == "function_definition":
            name = function_name(n)[0]
            if name:
                out[name] = n
    scope.memo[key] = out
    return out


def _in_definition(node: Node, stop: Node) -> bool:
    """Is ``node`` in the body of a lambda (not one the statement calls right away,
    ``[&] { ... }()``) or of a nested function, within the statement ``stop`` (which may be
    the nested function's definition)?"""
    up = node.parent
    while up is not None:
        if up.type == "function_definition":
            return True
        if up.type == "lambda_expression" and not (
                up.parent is not None and up.parent.type == "call_expression"
                and up.parent.child_by_field_name("function") == up):
            return True
        if up.id == stop.id:
            return False
        up = up.parent
    return False


def _local_calls(node: Node, names: Collection[str], local_fns: dict[str, Node]
                 ) -> list[ArrayUse]:
    """The calls the host statement ``node`` makes of :func:`_local_functions` whose bodies
    name an array of ``names``: each a use of the whole array, read and written."""
    out: list[ArrayUse] = []
    for n in iter_nodes(node) if local_fns else ():
        if n.type != "call_expression":
            continue
        fn = n.child_by_field_name("function")
        body = local_fns.get(text(fn)) if fn is not None and fn.type == "identifier" else None
        if body is None:
            continue
        named_there = {u.name for u in array_uses(body)}
        out.extend(ArrayUse(x, n, [], True, True, False, True) for x in sorted(names)
                   if x in named_there)
    return out


def _macro_uses(node: Node, names: Collection[str], seen: set[int]) -> list[ArrayUse]:
    """The uses of an array of ``names`` by macros of the file the host statement ``node``
    calls and :func:`.uses.array_uses` does not read (a statement macro ``RESET_Y()``, a body
    that assigns or calls: ``#define CHECK(k) (y[k] > M ? (y[k] = M) : 0)``): the
    preprocessor puts the body where the use is (C11 6.10.3), so the names in it are the
    statement's, read and written as the body may — each is a use of the whole array, read
    and written (before, such a statement was no use of the array: no ``update`` brought the
    device's values to the host before it or its writes back after)."""
    out: list[ArrayUse] = []
    for n in iter_nodes(node):
        if n.type != "identifier" or n.id in seen or (
                n.parent is not None and n.parent.type == "call_expression"
                and n.parent.id in seen):
            continue
        out.extend(ArrayUse(x, n, [], True, True, False, True) for x in sorted(names)
                   if macro_names(n, x))
    return out


def _as_pointer(u: ArrayUse, info: ArrayInfo) -> ArrayUse:
    """A use that names a row (:meth:`.uses.ArrayUse.names_row`: ``f(best[t])``, ``double *p
    = A[i]``) reaches unseen elements through the pointer it becomes, so it is a use of the
    whole array, read and written (before, ``f(best[t])`` read as a read of one element, and a
    row the callee wrote on the host got no ``update device`` before the device read it)."""
    if not u.names_row(info.shape.levels):
        return u
    return replace(u, read=True, write=True, plain=False, whole=True)


def _reference(info: ArrayInfo) -> list[Span] | None:
    """The spans the region maps (None: a true array, every element is mapped)."""
    if info.alloc is not None and info.alloc.count is not None:
        return [Span(poly.const(0), poly.sub(info.alloc.count, poly.const(1)))]
    return info.spans


def _pure(sub: Node | int, leaf_ex: Extents, leaf: Node | None) -> bool:
    """A subscript with no side effects whose value the statement does not change: no name
    it uses is assigned or declared in the statement, and no memory it reads is written
    there."""
    if isinstance(sub, int):
        return True
    writes = leaf is not None and any(u.write for u in array_uses(leaf))
    for n in iter_nodes(sub):
        if n.type in ("assignment_expression", "update_expression", "call_expression",
                      "comma_expression"):
            return False
        if n.type == "identifier" and (leaf_ex.assigned.get(text(n)) or
                                       text(n) in leaf_ex.declared):
            return False
        if writes and n.type in ("subscript_expression", "pointer_expression",
                                 "field_expression"):
            return False
    return True


def _use_section(u: ArrayUse, info: ArrayInfo, leaf_ex: Extents, region_ex: Extents,
                 leaf: Node | None = None) -> tuple[str, bool] | None:
    """The section of one host use (None: not provable), and whether it needs ``if_present``:
    a section the region provably maps does not; one element the region's section may not
    hold does — it is wholly present or wholly absent, and an element the device does not
    hold is one no device code wrote or reads (OpenACC 3.3, 2.14.4: ``if_present`` makes the
    update a no-op for data not present)."""
    got = _use_section_spans(u, info, leaf_ex, region_ex, leaf)
    return got[0] if got is not None else None


def _use_section_spans(u: ArrayUse, info: ArrayInfo, leaf_ex: Extents, region_ex: Extents,
                       leaf: Node | None = None) -> tuple[_Sec, list[Span] | None] | None:
    """:func:`_use_section`, with the spans of the section when it is spelled from them (None
    for one element named by its subscript or the region's whole section)."""
    dims = dims_needed(info.shape) or 1
    guarded = leaf is not None and _guarded_in(u.node, leaf)
    ref = _reference(info)
    inside = True
    spans: list[Span] = []
    exact = True
    for k in range(dims):
        if k >= len(u.subs):
            return None
        if ref is not None and inside:
            rs = region_ex.span(u.subs[k], u.node)
            inside = rs is not None and not region_ex.free(rs) and \
                rs.within(ref[k], region_ex.mins)
        if guarded and leaf is not None and not _reached(u.subs[k], u, leaf, region_ex,
                                                          _declared(info, ref, k)):
            return (info.section, False), None
        s = leaf_ex.span(u.subs[k], u.node)
        if s is None or leaf_ex.free(s):
            exact = False
            break
        spans.append(s)
    one = all(poly.compare(sp.lo, sp.hi) == 0 for sp in spans)
    if exact and leaf is not None and not _loops_inside(u.node, leaf) and not one:
        exact = False  # one element, read through a remainder: name it by its subscript
    if exact and (inside or (one and len(spans) == 1 and info.shape.kind != "array")):
        if info.shape.kind == "array":
            return ((f"{info.name}[{spans[0].section()}]", False), spans) \
                if len(spans) == 1 else None
        check = (region_ex, leaf) if guarded and leaf is not None else None
        elem = _one_element(u, info, spans, leaf_ex, check) if one else None
        if elem is not None:
            return (elem, not inside), None
        sec = section_text(info.shape, spans)
        return ((sec, not inside), spans) if sec is not None else None
    if dims == 1 and (len(u.subs) == 1 or _element_of_true_array(u, info)) and \
            _pure(u.subs[0], leaf_ex, leaf):
        idx = "0" if isinstance(u.subs[0], int) else " ".join(text(u.subs[0]).split())
        got = f"{info.name}[{idx}:1]"
        return ((got, not inside), None) if is_clause_arg(got) else None
    return None


def _element_of_true_array(u: ArrayUse, info: ArrayInfo) -> bool:
    """Is ``u`` an element of a true array of several dimensions, with all its subscripts
    (``t[k][j][i]`` of ``T t[K][J][I]``)?  Its section is then the rows of the leading
    dimension its first subscript reaches, whole (``t[k:1]``): the elements of ``t[k]`` are
    one contiguous array (C11 6.5.2.1p3-4, arrays are stored row by row), the subarray
    OpenACC 3.3 2.7.1 allows of a true array in C, and the access is the program's claim
    that its other subscripts lie in their dimensions (6.5.6p8).  Reads only: a write's push
    keeps the whole array (pulled first, :func:`_element_wise`) — ``update device`` of the
    plane would copy its other elements from the host too (OpenACC 3.3, 2.14.4)."""
    return info.shape.kind == "array" and info.shape.levels > 1 and \
        len(u.subs) == info.shape.levels and not u.whole and not u.write


def _one_element(u: ArrayUse, info: ArrayInfo, spans: list[Span], leaf_ex: Extents,
                 guarded: tuple[Extents, Node] | None = None) -> str | None:
    """``a[r:1][c:1]``: the one element a use of rows of a known length (``double a[][M]``)
    reaches when its row and its column are single values — a contiguous subarray (its
    leading lengths are 1), where the section over whole rows would also hold elements the
    statement does not touch (None: not such a use).

    An ``update`` must name only elements that are present for every value the indices take
    where it runs (OpenACC 3.3, 2.14.4: an update of data not present is an error).  An
    unguarded access is the program's own claim that its column lies in the row (C11
    6.5.6p8), and the row is mapped whole.  An access under a condition inside the statement
    (``guarded``: the region's extents and the statement), ``j > 0 ? a[j][j - 1] : 0``, is
    made only where the condition holds, while the update next to the statement runs
    whenever the statement does (at ``j = 0`` it would name ``a[0][-1]``): a column the
    guard narrows must then provably lie in ``[0, M-1]`` over the loops around the
    statement (:func:`_reached`), else None — the caller names the whole row, which holds
    the element and is mapped whole or not at all."""
    if info.shape.kind != "rows" or len(u.subs) != info.shape.levels:
        return None
    rest = []
    dims = info.shape.dims
    for k, sub in enumerate(u.subs[len(spans):]):
        sp = leaf_ex.span(sub, u.node)
        if sp is None or leaf_ex.free(sp) or poly.compare(sp.lo, sp.hi) != 0:
            return None
        size = _row_span(dims[k]) if len(dims) == len(u.subs) - len(spans) else None
        if guarded is not None and not _reached(sub, u, guarded[1], guarded[0], size):
            return None
        rest.append(sp)
    got = info.name + "".join(f"[{sp.section()}]" for sp in spans + rest)
    return got if is_clause_arg(got) else None


def _reached(sub: Node | int, u: ArrayUse, leaf: Node, region_ex: Extents,
             bound: Span | None) -> bool:
    """Does a directive next to ``leaf`` name only values of the subscript ``sub`` of the
    guarded use ``u`` that the program itself reaches, or that lie in ``bound`` (the mapped
    or declared extent of that dimension; None: unknown)?  The access is made only where its
    guards hold, and there it is the program's own claim that the element exists (C11
    6.5.6p8); the directive runs whenever the statement runs, over the indices' whole range
    (:meth:`.Extents.span` with ``where``).  When the guards narrow nothing the two agree."""
    rs = region_ex.span(sub, u.node)
    ws = region_ex.span(sub, u.node, leaf)
    if rs is not None and ws is not None and rs.same(ws):
        return True
    return ws is not None and bound is not None and not region_ex.free(ws) and \
        ws.within(bound, region_ex.mins)


def _declared(info: ArrayInfo, ref: list[Span] | None, k: int) -> Span | None:
    """The extent of dimension ``k`` the region provably maps: the region's span, or, for a
    true array mapped whole, its declared size."""
    if ref is not None:
        return ref[k] if k < len(ref) else None
    declared = declared_spans(info.shape)
    return declared[k] if declared is not None and k < len(declared) else None


def _row_span(size: str) -> Span | None:
    """``[0, size-1]``: every column of a row of ``size`` elements."""
    n = object_size(size)
    return None if n is None else Span(poly.const(0), poly.sub(n, poly.const(1)))


def _guarded_in(node: Node, leaf: Node) -> bool:
    """Is the use ``node`` evaluated only under a condition inside the statement ``leaf``
    (``?:``, ``&&``, ``||``, ``if``/``else``, a ``switch`` case)?  C evaluates it only where
    the condition holds (C11 6.5.13-15, 6.8.4), an ``update`` next to the statement
    whenever the statement runs."""
    if guards.guards_of(node, leaf):
        return True
    p = node.parent
    while p is not None and p.id != leaf.id:
        if p.type in ("switch_statement", "case_statement"):
            return True
        p = p.parent
    return leaf.type in ("switch_statement", "case_statement")


def _element_wise(sec: str, info: ArrayInfo) -> bool:
    """Is ``sec`` (a host statement's section of ``info``) no more than the elements its
    subscripts name: every dimension the array's elements take is bounded to one (a section
    over whole rows also holds elements the statement does not write)?  The region's whole
    section — what a use gets when it cannot be bounded to its element (a subscript read
    from memory, ``a[m][k][j][i]`` of a true array of several dimensions) — holds every
    element the region maps, not only the ones the statement writes: ``update device``
    copies each element of its section from the host (OpenACC 3.3, 2.14.4), so the others
    must be brought from the device first."""
    whole = {info.named_as(n).section for n in info.aliases | {info.name}}
    if sec in whole or info.shape.kind == "array" and info.shape.levels > 1:
        return False  # a plane ``t[k:1]`` holds more than the element
    if info.shape.kind != "rows":
        return True
    dims = sec[len(info.name):].split("][")
    return len(dims) == info.shape.levels and all(d.rstrip("]").endswith(":1") for d in dims)


def _loops_inside(node: Node, top: Node) -> bool:
    """Is there a loop between ``node`` and ``top`` (``top`` included)?"""
    return any(lp.start_byte >= top.start_byte for lp in loops_between(node, top))


def _host_sections(leaf: Leaf, uses: list[ArrayUse], info: ArrayInfo,
                   region_ex: Extents) -> list[_Box]:
    """The sections a host statement touches, each spelled with the name it is used by (the
    region's whole section when one of its uses cannot be bounded inside the statement and
    the region), each with its spans when it is spelled from them."""
    out: list[_Box] = []
    for name in dict.fromkeys(u.name for u in uses):
        out += [s for s in _sections_of(leaf, [u for u in uses if u.name == name],
                                        info.named_as(name), region_ex)
                if all(s[0] != o[0] for o in out)]
    return out


def _sections_of(leaf: Leaf, uses: list[ArrayUse], info: ArrayInfo,
                 region_ex: Extents) -> list[_Box]:
    whole: list[_Box] = [((info.section, False), None)]
    if info.shape.kind == "array" and info.shape.levels != 1 and \
            any(not _element_of_true_array(u, info) for u in uses):
        return whole  # a row (``t[i]``, a pointer to its first element), the array, a write
    leaf_ex = Extents([leaf.node])
    found: list[tuple[_Sec, list[Span] | None]] = []
    for u in uses:
        if u.whole:
            return whole
        got = _use_section_spans(u, info, leaf_ex, region_ex, leaf.node)
        if got is None:
            return whole
        if all(got[0] != f[0] for f in found):
            found.append(got)
    found = _joined(found, info, leaf_ex)
    out = [(sec, spans) for k, (sec, spans) in enumerate(found)
           if not any(j != k and _covers(other, spans, sec[1], leaf_ex)
                      for j, other in enumerate(found))]
    return out if len(out) <= 4 else whole


def _joined(found: list[tuple[_Sec, list[Span] | None]], info: ArrayInfo, leaf_ex: Extents
            ) -> list[tuple[_Sec, list[Span] | None]]:
    """The sections with each two that agree in every dimension but one, where their ranges
    overlap or meet, replaced by the one section holding both: the elements of the two are
    exactly those of the joined one (a stencil's ``u[i-1][j]`` and ``u[i+1][j]`` over the
    same rows and columns), so one ``update`` moves each element once instead of twice.
    Only sections the region provably maps are joined (one that needs ``if_present`` is
    wholly present or absent; a join of two might be partly present)."""
    out = list(found)
    k = 0
    while k < len(out):
        (sec, flag), spans = out[k]
        for j in range(k + 1, len(out)):
            (_, other_flag), other = out[j]
            got = _join(spans, other, leaf_ex.mins) if not flag and not other_flag else None
            text_ = section_text(info.shape, got) if got is not None else None
            if got is not None and text_ is not None:
                out[k] = ((text_, flag), got)
                del out[j]
                break
        else:
            k += 1
    return out


def _join(a: list[Span] | None, b: list[Span] | None, mins: dict[str, int]
          ) -> list[Span] | None:
    """The spans of the box holding exactly the elements of the boxes ``a`` and ``b`` (None:
    they differ in more than one dimension, or their ranges there may leave a gap)."""
    if a is None or b is None or len(a) != len(b):
        return None
    differ = [k for k in range(len(a)) if not a[k].same(b[k])]
    if len(differ) != 1:
        return None
    k = differ[0]
    x, y = a[k], b[k]
    one = poly.const(1)
    meet = poly.compare(x.lo, poly.add(y.hi, one), mins), \
        poly.compare(y.lo, poly.add(x.hi, one), mins)
    if any(c is None or c > 0 for c in meet):
        return None
    lo, hi = poly.compare(x.lo, y.lo, mins), poly.compare(x.hi, y.hi, mins)
    if lo is None or hi is None:
        return None
    joined = Span(x.lo if lo <= 0 else y.lo, y.hi if hi <= 0 else x.hi)
    return [*a[:k], joined, *a[k + 1:]]


def _covers(other: tuple[_Sec, list[Span] | None], spans: list[Span] | None, flag: bool,
            leaf_ex: Extents) -> bool:
    """Does the section ``other`` hold every element of ``spans`` (a section spelled from its
    spans, needing ``if_present`` when ``flag``) — then one ``update`` of ``other`` moves
    them too: in every dimension its span starts no later and ends no earlier.  A section that
    needs ``if_present`` covers only one that needs it too (the covered one is then present
    when the whole is)."""
    (_, needs), own = other
    if spans is None or own is None or len(own) != len(spans) or (needs and not flag):
        return False
    return all(s.within(o, leaf_ex.mins) for s, o in zip(spans, own, strict=True))


@dataclass
class _Ctx:
    lay: Layout
    arrays: dict[str, ArrayInfo]
    devices: dict[int, Unit]
    scope: Scope
    live: dict[str, bool]
    region_ex: Extents


def _device_rows(ctx: _Ctx, info: ArrayInfo) -> list[tuple[Unit, tuple[int, ...]]]:
    return [(ctx.devices[i], ctx.lay.device_loops.get(i, ())) for i in info.uses]


def plan_flow(lay: Layout, arrays: dict[str, ArrayInfo], devices: list[Unit], scope: Scope,
              live: dict[str, bool]) -> Flow:
    out = Flow()
    ctx = _Ctx(lay, arrays, {d.node.id: d for d in devices}, scope, live, Extents(lay.stmts))
    for name, info in arrays.items():
        life, problem = _lifetime(ctx, info)
        if problem:
            out.problem = problem
            return out
        if life is not None:
            out.lifetimes[name] = life
        problem = _array_flow(ctx, info, life, out)
        if problem:
            out.problem = problem
            return out
    out.updates = drop_redundant(out.updates)
    return out


def _leaf_of(lay: Layout, stmt: Node) -> Leaf | None:
    """The leaf of an allocation or ``free`` (none in a branch of a host ``if``: an
    ``enter data`` there would not pair with one ``exit data``)."""
    for lf in lay.leaves:
        if lf.node.id == stmt.id and not lf.guarded:
            return lf
    return None


def _lifetime(ctx: _Ctx, info: ArrayInfo) -> tuple[Lifetime | None, str | None]:
    lay = ctx.lay
    allocs = [a.stmt for a in ctx.scope.allocs.get(info.name, [])
              if lay.start <= a.stmt.start_byte < lay.end]
    frees = [f for f in ctx.scope.frees.get(info.name, []) if lay.start <= f.start_byte < lay.end]
    if not allocs and not frees:
        return None, None
    if len(allocs) > 1 or len(frees) > 1:
        return None, f"`{info.name}` is allocated or freed more than once in the region"
    a = _leaf_of(lay, allocs[0]) if allocs else None
    f = _leaf_of(lay, frees[0]) if frees else None
    if (allocs and (a is None or not a.after_ok)) or (frees and (f is None or not f.before_ok)):
        return None, (f"the allocation or `free` of `{info.name}` shares its line or is not in "
                      "a block: no `enter data`/`exit data` can go next to it")
    loops_a = a.loops if a else ()
    loops_f = f.loops if f else ()
    if loops_a != loops_f:
        return None, (f"`{info.name}` is allocated and freed in different loops of the region: "
                      "no `enter data`/`exit data` pair matches them")
    zeroed = any(s.zeroed for s in ctx.scope.allocs.get(info.name, [])
                 if lay.start <= s.stmt.start_byte < lay.end)
    return Lifetime(a.node if a else None, f.node if f else None, zeroed=zeroed), None


def _array_flow(ctx: _Ctx, info: ArrayInfo, life: Lifetime | None, out: Flow) -> str | None:
    skip_leaves = set()
    if life is not None:
        skip_leaves = {n.id for n in (life.enter_after, life.exit_before) if n is not None}
    copy_back = info.dev_writes and ctx.live.get(info.name, True) and \
        (life is None or life.exit_before is None)
    mark = len(out.updates)
    got = _host_flow(ctx, info, skip_leaves, copy_back, out)
    if isinstance(got, str):
        return got
    reads_after_update, pulled = got
    current = copy_back and life is None and not info.aliases and \
        host_current(ctx.lay, ctx.devices, info.uses, pulled)
    if current:
        # the host copy holds the device's last writes: nothing to copy back, and host
        # writes after them need no push unless a device loop reads them later
        copy_back = False
        del out.updates[mark:]
        got = _host_flow(ctx, info, skip_leaves, copy_back, out)
        if isinstance(got, str):
            return got
        reads_after_update = got[0]
    _clauses(ctx, info, life, copy_back, reads_after_update, out, current)
    return None


def _host_flow(ctx: _Ctx, info: ArrayInfo, skip_leaves: set[int], copy_back: bool,
               out: Flow) -> tuple[list[int], list[Leaf]] | str:
    """The updates around the host code of the region (appended to ``out``); the starts of
    the host reads that get ``update self`` and the leaves before which the whole section is
    brought from the device for a read — or the problem.

    A host write that nothing else pushes (no device code uses the array after it, nothing
    is copied back) is pushed all the same when an ``update self`` may run after it: that
    pull copies the device's values over the host's (OpenACC 3.3, 2.14.4), and without the
    push the write would be lost -- the leaf's own pull too, when a host loop of the region
    runs the leaf again: its next run pulls after this run's write."""
    mark = len(out.updates)
    force: set[int] = set()
    while True:
        got = _host_flow_once(ctx, info, skip_leaves, copy_back, out, force)
        if isinstance(got, str):
            return got
        reads_after_update, pulled, unpushed = got
        pulls = {u.leaf.node.id: u.leaf for u in out.updates[mark:] if u.direction == "self"}
        lost = {w.node.id for w in unpushed
                if any(may_precede(w.end, w.loops, p.start, p.loops) for p in pulls.values())}
        if not lost - force:
            return reads_after_update, pulled
        force |= lost
        del out.updates[mark:]


def _host_flow_once(ctx: _Ctx, info: ArrayInfo, skip_leaves: set[int], copy_back: bool,
                    out: Flow, force: set[int]) -> tuple[list[int], list[Leaf], list[Leaf]] | str:
    """One pass of :func:`_host_flow`, pushing the writes of the leaves in ``force`` too; also
    the leaves whose writes it does not push."""
    lay = ctx.lay
    unpushed: list[Leaf] = []
    rows = _device_rows(ctx, info)
    reads_after_update: list[int] = []  # starts of host reads that get `update self`
    pulled: list[Leaf] = []
    pulls = _Pulls(ctx, info.section, not host_jumps(lay, ctx.devices))
    for leaf, uses, fixed in _host_code(ctx, info):
        if leaf.node.id in skip_leaves:
            continue
        reads = [u for u in uses if u.read]
        writes = [u for u in uses if u.write]
        ends = [d.node.end_byte for d, lp in rows
                if any(u.write for u in info.uses[d.node.id])
                and may_precede(d.node.end_byte, lp, leaf.start, leaf.loops)
                and not _pulled_since(d.node.end_byte, leaf, pulls.whole)]
        stale = bool(ends)
        need = pulls.needed(_sections(leaf, reads, info, ctx, fixed), leaf, ends) \
            if reads and stale else []
        if need:
            if not leaf.before_ok:
                return _unplaceable(leaf, info, "reads")
            for (sec, ifp), _ in need:
                out.updates.append(Update(leaf, "self", sec, ifp))
                if sec == info.section and not ifp:
                    pulled.append(leaf)
            pulls.ran(leaf, need)
            reads_after_update.append(leaf.start)
        if writes and not (copy_back or leaf.node.id in force or
                           any(may_precede(leaf.end, leaf.loops, d.node.start_byte, lp)
                               for d, lp in rows)):
            unpushed.append(leaf)
        elif writes:
            problem = _push_problem(leaf, info)
            if problem:
                return problem
            secs = [sec for sec, _ in _sections(leaf, writes, info, ctx, fixed)]
            if stale and not (_dense(leaf, writes) and
                              all(_element_wise(sec, info) for sec, _ in secs)):
                # the section also holds elements the statement may not write: bring them
                # from the device first, so that pushing the section back changes only those
                # it wrote (with the statement's reads, pulled above when stale: the sections
                # of both, joined, so an element is not pulled twice)
                if not leaf.before_ok:
                    return _unplaceable(leaf, info, "writes part of")
                if Update(leaf, "self", info.section) not in out.updates:
                    pull = pulls.needed(_sections(leaf, reads + writes, info, ctx, fixed),
                                        leaf, ends)
                    out.updates.extend(Update(leaf, "self", *sec) for sec, _ in pull
                                       if Update(leaf, "self", *sec) not in out.updates)
                    pulls.ran(leaf, pull)
                reads_after_update.append(leaf.start)
            out.updates.extend(Update(leaf, "device", *sec) for sec in secs)
    return reads_after_update, pulled, unpushed


class _Pulls:
    """The ``update self`` of one array placed so far by :func:`_host_flow_once` that run
    whenever the statements after them in their loop body run (none when the region's host
    code has a jump: ``always`` false): whole-section pulls (``whole``), and pulls of part of
    it with their spans (``parts``).

    A host read needs no pull of a section such a part holds when every device write of the
    array that may run before the read ran before that pull (or is reached only through the
    next iteration of a loop around both: :func:`_pulled_since`): the host copy of those
    elements then holds what the device wrote, and host statements since can only have made
    it newer — pulling again would bring the device's older values over their writes
    (OpenACC 3.3, 2.14.4).  Both sections must mean the same elements at the two statements:
    none of their names changes in the region."""

    def __init__(self, ctx: _Ctx, section: str, always: bool) -> None:
        self.ctx = ctx
        self.section = section
        self.always = always
        self.whole: list[Leaf] = []
        self.parts: list[tuple[Leaf, list[Span]]] = []

    def needed(self, boxes: list[_Box], leaf: Leaf, ends: list[int]) -> list[_Box]:
        """The sections of ``boxes`` a pull before ``leaf`` must bring (``ends``: where the
        device writes that may have run since end)."""
        return [(sec, spans) for sec, spans in boxes
                if sec[1] or spans is None or not self._held(spans, leaf, ends)]

    def _held(self, spans: list[Span], leaf: Leaf, ends: list[int]) -> bool:
        ex = self.ctx.region_ex
        if any(ex.free(s) for s in spans):
            return False
        return any(all(_pulled_since(end, leaf, [p]) for end in ends) and
                   len(own) == len(spans) and
                   all(s.within(o, ex.mins) for s, o in zip(spans, own, strict=True))
                   for p, own in self.parts)

    def ran(self, leaf: Leaf, boxes: list[_Box]) -> None:
        """Note the pulls just placed before ``leaf`` when they always run (a part only when
        its names keep their values in the region: it then means the same elements at every
        later statement)."""
        if not self.always or not always_runs(leaf, self.ctx.lay):
            return
        ex = self.ctx.region_ex
        for (sec, ifp), spans in boxes:
            if ifp:
                continue
            if sec == self.section:
                self.whole.append(leaf)
            elif spans is not None and not any(ex.free(s) for s in spans):
                self.parts.append((leaf, spans))


#: What a hoisted call's host code touches: the section of each of its uses (by ``id``).
_Fixed = dict[int, _Sec]


def _host_code(ctx: _Ctx, info: ArrayInfo) -> list[tuple[Leaf, list[ArrayUse], _Fixed | None]]:
    """The host code of the region that uses the array, in order: each leaf with its uses;
    and each hoisted call whose callees' host code uses it (:func:`_call_host_uses`), the
    call's statement standing for that host code, with the section of each use."""
    out: list[tuple[Leaf, list[ArrayUse], _Fixed | None]] = []
    for leaf in ctx.lay.leaves:
        uses = _host_uses(leaf, info, ctx.scope)
        if uses:
            out.append((leaf, uses, None))
    for nid, leaf in ctx.lay.unit_leaves.items():
        unit = ctx.devices.get(nid)
        got = _call_host_uses(unit, leaf, info, ctx) if isinstance(unit, CallDevice) else []
        if got:
            out.append((leaf, [u for u, _ in got], {id(u): sec for u, sec in got}))
    out.sort(key=lambda t: t[0].start)
    return out


def _sections(leaf: Leaf, uses: list[ArrayUse], info: ArrayInfo, ctx: _Ctx,
              fixed: _Fixed | None) -> list[_Box]:
    """The sections of some of a piece of host code's uses (:func:`_host_code`), with their
    spans where known."""
    if fixed is None:
        return _host_sections(leaf, uses, info, ctx.region_ex)
    return [(sec, None) for sec in dict.fromkeys(fixed[id(u)] for u in uses)]


def _call_host_uses(d: CallDevice, leaf: Leaf, info: ArrayInfo, ctx: _Ctx
                    ) -> list[tuple[ArrayUse, _Sec]]:
    """What the host code of a hoisted call's callees does with the array, each use with its
    section in the caller's names at the call: the elements they read through a parameter
    (:attr:`.device.CallDevice.host_reads`), the true arrays only their host code uses through
    a parameter (:attr:`.device.CallDevice.host_arrays`: the whole array, read and written),
    and the global arrays they reach on the host
    that none of the call's device code reaches (``scope.global_calls``: the whole array,
    read, and written when a callee may write it).  The call's device code does not write
    what its host code reads (:mod:`.callsites`), nor touch those globals, so bringing
    them to the host before the statement and pushing its host writes after it orders them
    as the callee does (OpenACC 3.3, 2.14.4)."""
    names = info.aliases or {info.name}
    out: list[tuple[ArrayUse, _Sec]] = []
    for a in d.host_reads:
        if a.name in names:
            out.append((ArrayUse(a.name, a.node, [], True, False),
                        _read_section(a, info.named_as(a.name), leaf, ctx.region_ex)))
    for name, node in d.host_arrays:
        if name in names:
            out.append((ArrayUse(name, node, [], True, True, whole=True),
                        (info.named_as(name).section, False)))
    if info.name in names and is_global(ctx.scope.shape(info.name)) and \
            info.name in host_handled(d, ctx.scope):
        for n in iter_nodes(d.node):
            for g, write in ctx.scope.global_calls.get(n.id, ()) \
                    if is_call(n) else ():
                if g == info.name:
                    out.append((ArrayUse(g, n, [], True, write, whole=True),
                                (info.section, False)))
    return out


def _read_section(a: MappedArg, info: ArrayInfo, leaf: Leaf, region_ex: Extents) -> _Sec:
    """The section of one element a callee's host code reads (a one-element span of ``a``),
    at the call, and whether its update needs ``if_present``: as for a host statement's own
    read (:func:`_use_section`), an element the region provably maps does not, one it may
    not map does (it is wholly present or absent), and one of a true array the region may
    not hold is brought with the whole array."""
    at = caller_span(a, Extents([leaf.node]))
    if at is None:
        return info.section, False
    ref = _reference(info)
    if ref is None:
        ref = declared_spans(info.shape)
    rs = caller_span(a, region_ex)
    inside = ref is not None and rs is not None and rs.within(ref[0], region_ex.mins)
    got = f"{a.name}[{at.section()}]"
    if inside and is_clause_arg(got):
        return got, False
    if info.shape.kind != "array" and is_clause_arg(got):
        return got, True
    return info.section, False


def _pulled_since(device_end: int, leaf: Leaf, pulls: list[Leaf]) -> bool:
    """Has an ``update self`` of the whole section run after the device code ending at
    ``device_end`` whenever ``leaf`` runs?  A pull before an earlier statement of the same
    host loops (in every one of them, run whenever their body runs, no jump in the region's
    host code) that comes after the device code in the text — or that the device code reaches
    only through the next iteration of a loop around both (it is after ``leaf`` in the text).
    Then the host copy already holds every value the device wrote, and the host statements
    between may have made it newer: pulling again would bring the device's older copy over
    their writes (OpenACC 3.3, 2.14.4: ``update self`` copies the device's values whatever the
    host holds)."""
    return any(p.loops == leaf.loops and p.start < leaf.start
               and (device_end <= p.start or device_end > leaf.start) for p in pulls)


def _dense(leaf: Leaf, writes: list[ArrayUse]) -> bool:
    """Does the statement write every element of what it pushes: one expression statement
    whose writes are plain assignments of single elements (``a[k] = e;``), none under a
    condition (``c && (a[k] = e)``: C evaluates it only where ``c`` holds)?"""
    if leaf.node.type != "expression_statement" or leaf.cond:
        return False
    for w in writes:
        if not w.plain or w.whole or _guarded_in(w.node, leaf.node):
            return False
        p = w.node.parent
        while p is not None and p.id != leaf.node.id:
            if p.type in ("conditional_expression", "comma_expression", "call_expression"):
                return False
            p = p.parent
    return True


def _push_problem(leaf: Leaf, info: ArrayInfo) -> str | None:
    """Why no ``update device`` can go after the statement that writes the array: it shares
    its line, or a ``break``/``continue`` leaves the statement and would skip the push."""
    if not leaf.after_ok:
        return _unplaceable(leaf, info, "writes")
    jump = exit_problem([leaf.node])
    if jump is None:
        return None
    return (f"the statement at line {leaf.node.start_point[0] + 1} writes `{info.name}`, which "
            f"the device holds, but its {jump.removesuffix(' leaves the region')} leaves it "
            "before the `update device` after it")


def _unplaceable(leaf: Leaf, info: ArrayInfo, verb: str) -> str:
    what = "the condition" if leaf.cond else "the statement"
    return (f"{what} at line {leaf.node.start_point[0] + 1} {verb} `{info.name}`, which the "
            "device holds, but no `update` can go next to it (not an item of a `{ }` block, "
            "or it shares its line)")


def _needs_in_looped(ctx: _Ctx, info: ArrayInfo, host_reads: list[int], out: Flow) -> bool:
    """Without a copy back, a loop (or the host loops of its nest around it) that replaces the
    section at the top of each iteration of a host loop needs no copy in when every read of
    the array comes after it in that host loop's body: each read sees what an earlier part of
    the same iteration wrote, and when the host loop does not run nothing reads the array
    (nor copies it back)."""
    scratch = not host_reads
    for d, w, host, top in [*looped_cover(info, ctx.devices, ctx.lay, ctx.scope.fn, scratch),
                            *footprint_cover(info, ctx.devices, ctx.lay, ctx.scope.fn,
                                             scratch)]:
        own = d.node if isinstance(d, CallDevice) else None  # a callee that reads none of it
        reads = [u.node.start_byte for uses in info.uses.values() for u in uses
                 if u.read and not reads_own_write(u, w) and
                 not (own is not None and own.start_byte <= u.node.start_byte < own.end_byte)]
        if all(top.end_byte <= p and host.start_byte <= p < host.end_byte
               for p in reads + host_reads):
            out.loop_covered.add(info.name)
            return False
    return True


def _stored(ctx: _Ctx, name: str) -> bool:
    """May the name of a box (:mod:`.boxes`) hold another value somewhere in the region: a
    local or parameter (not followed), a file-scope scalar whose address the file lets escape,
    or one a statement of the region, or a function it calls, stores to
    (:func:`.global_scalars.changes`)?  A name the caller declares nowhere is a macro or an
    enumerator: a constant."""
    if not ctx.scope.decls.get(name):
        return False
    if not file_scalar(name, ctx.scope) or name in file_stores(root_of(ctx.scope.fn))[1]:
        return True
    return any(ctx.lay.start <= node.start_byte < ctx.lay.end
               for node, _ in changes(ctx.scope.fn, name, ctx.scope.sealed))


def _self_written(ctx: _Ctx, info: ArrayInfo) -> bool:
    """Is every unit using the array an offloaded loop whose iterations read only elements
    of it they wrote before (:mod:`.selfwrite`), or does one such loop write the whole
    section before every other read (:func:`.cover.rewriting_cover`)?  (No host code of the
    region reads it from the device: the caller checks.)"""
    units = [ctx.devices[i] for i in info.uses]
    return bool(units) and all(isinstance(d, Device) and self_written(d.node, info.name)
                               for d in units) or \
        rewriting_cover(info, ctx.devices, ctx.lay, ctx.scope.fn, []) is not None


def _clauses(ctx: _Ctx, info: ArrayInfo, life: Lifetime | None, copy_back: bool,
             host_reads: list[int], out: Flow, current: bool = False) -> None:
    def stays() -> bool:
        # memory nothing wrote holds indeterminate values: nothing to copy in, as long as no
        # uninitialised byte of the device's copy comes back over the host's: nothing is
        # copied back, or a loop that always runs writes every element first (:mod:`.unwritten`)
        return not host_reads and (
            not copy_back or covering(info, ctx.devices, ctx.lay, known=known) is not None)

    def known(spans: list[Span]) -> list[Span] | None:
        return spelled_out(spans, ctx.scope, (ctx.lay.start, ctx.lay.end))

    if life is not None and life.enter_after is not None and not life.zeroed and stays():
        needs_in = False  # freshly allocated: nothing to copy (calloc's zeros are values)
    elif not info.aliases and \
            unwritten_at_region(ctx.scope, info.name, ctx.lay.block, ctx.lay.start) and \
            stays():
        needs_in = False  # allocated before, nothing wrote it since: indeterminate values
    elif info.aliases:
        needs_in = True  # swapped buffers: a loop that covers one may read the other first
    else:
        cover = covering(info, ctx.devices, ctx.lay, scratch=not copy_back and not host_reads,
                         known=known)
        reads = [u.node.start_byte for uses in info.uses.values() for u in uses
                 if u.read and not (cover and reads_own_write(u, cover[1]))]
        needs_in = cover is None or any(p < cover[2].end_byte for p in reads + host_reads)
        if needs_in and not copy_back:
            needs_in = _needs_in_looped(ctx, info, host_reads, out)
        if needs_in and not copy_back and not host_reads and _self_written(ctx, info):
            needs_in = False  # each iteration reads only what it wrote: nothing to bring
            out.loop_covered.add(info.name)
    if needs_in and not copy_back and not host_reads and life is None and \
            boxed(info, ctx.devices, ctx.lay, ctx.scope.fn, lambda n: _stored(ctx, n)):
        needs_in = False  # every read inside a box an earlier call fills on the device
        out.loop_covered.add(info.name)
    if needs_in and not host_reads and not info.aliases and life is None and \
            wavefront_filled(info, ctx.devices, ctx.lay, ctx.scope.fn):
        needs_in = False  # each element written (borders, earlier diagonals) before read
    if needs_in and not copy_back and not current and info.dev_writes and \
            (life is None or life.exit_before is None) and in_loop(ctx.lay.block, ctx.scope.fn):
        copy_back = True  # the region runs again: its copy in must see what this run wrote
    if life is not None:
        life.enter = "copyin" if needs_in else "create"
        life.exit = "copyout" if copy_back else "delete"
        return
    out.clauses[info.name] = {(True, True): "copy", (True, False): "copyin",
                              (False, True): "copyout", (False, False): "create"}[
        (needs_in, copy_back)]
