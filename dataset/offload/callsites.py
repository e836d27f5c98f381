"""The caller's side of data regions across calls (:mod:`.calls`): the file's call graph and
its recursive functions; the statements of a function that call functions with a
:class:`~.calls.Summary` (:func:`call_units`, each a :class:`~.device.CallDevice` with the arrays
it reaches in the caller's names); why other calls are not hoisted; and the calls no region may
hold (barriers: a call left on the host that passes a mapped array to a function whose plan
offloads loops — that function's copy clauses would find the array present and its host code
see a stale copy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import library_function
from accellium.dataset.analysis.macros import file_expansion
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import (
    iter_nodes,
    named,
    op,
    root_of,
    subscripts,
    text,
    unparen,
)
from accellium.dataset.offload import poly
from accellium.dataset.offload.callprints import in_caller
from accellium.dataset.offload.calls import (
    ANY_GLOBAL,
    ParamUse,
    Summary,
    external_linkage,
    file_array,
    file_pointer,
    file_scalar,
    in_units,
    one_dim,
    type_words,
)
from accellium.dataset.offload.device import CallDevice, Device, MappedArg
from accellium.dataset.offload.extent import Span
from accellium.dataset.offload.global_scalars import UNREAD, changes, macro_call_tokens
from accellium.dataset.offload.member_args import MemberArg, member_arg, member_walls
from accellium.dataset.offload.nodes import callee_name
from accellium.dataset.offload.offset_locals import offset_bases, offset_locals, offset_value
from accellium.dataset.offload.routines import callees
from accellium.dataset.offload.section_macros import in_callers_macros
from accellium.dataset.offload.shapes import Shape
from accellium.dataset.offload.size_values import same_sizes
from accellium.dataset.offload.uses import array_uses

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import Scope

__all__ = ["Calls", "call_graph", "recursive", "call_units"]


# -- the call graph -----------------------------------------------------------------------------


def call_graph(fns: dict[str, Node]) -> dict[str, list[str]]:
    """For each defined function, the defined functions it calls by name."""
    return {name: [c for c in callees(fn) if c in fns] for name, fn in fns.items()}


def recursive(graph: dict[str, list[str]]) -> set[str]:
    """The functions that can reach themselves through calls."""
    out = set()
    for start in graph:
        todo, seen = list(graph[start]), set()
        while todo:
            f = todo.pop()
            if f == start:
                out.add(start)
                break
            if f not in seen:
                seen.add(f)
                todo.extend(graph.get(f, []))
    return out


# -- the caller's side --------------------------------------------------------------------------


#: Statements whose ``condition`` is a full expression the host evaluates where the statement
#: stands: once for an ``if``, before (``while``, ``for``) or after (``do``) each iteration.
_CONDITIONED = ("if_statement", "while_statement", "do_statement", "for_statement")


def _statement(call: Node) -> Node | None:
    """The unit a hoisted call can be: an expression statement or a declaration, an item of a
    block or the body of a loop or an ``if``; or the condition of an ``if``, ``while``,
    ``do``/``while`` or ``for``.  A call in a full expression runs on the host at that point
    of the function exactly as a call statement does (C11 6.8p4: a full expression is
    evaluated where its statement stands, a controlling expression each time the statement
    tests it), so its callee's compute constructs find present what a region around the
    statement maps; a condition repeated by its loop is a unit inside that loop (its
    ``repeated`` region).  The host code of the statement — the branches, the loop's body —
    are leaves of their own, so an ``update`` for them goes next to them, after the
    condition ran (before the body, or before the next test)."""
    p, kid = call.parent, call
    while p is not None and not (p.type.endswith("_statement") or p.type == "declaration"):
        if p.type in ("function_definition", "lambda_expression"):
            return None
        kid, p = p, p.parent
    if p is not None and p.type in _CONDITIONED and _field(p, "condition") == kid:
        return kid
    if p is None or p.type not in ("expression_statement", "declaration"):
        return None
    up = p.parent
    if up is None or up.type not in ("compound_statement", "for_statement", "while_statement",
                                     "do_statement", "if_statement", "else_clause",
                                     "labeled_statement"):
        return None
    if up.type in ("for_statement", "while_statement", "do_statement") and \
            _field(up, "body") != p:
        return None
    return p


def _maybe_skipped(call: Node, unit: Node) -> bool:
    """Can the unit run without the call: the call is the right operand of ``&&`` or ``||``
    (evaluated only when the left one does not decide, C11 6.5.13p4, 6.5.14p4), a branch of
    ``?:`` (only one is evaluated, 6.5.15p4) or under ``sizeof`` (not evaluated, 6.5.3.4p2)?
    Then the unit does not write what the callee writes whenever it runs."""
    kid, p = call, call.parent
    while p is not None and kid.id != unit.id:
        if p.type == "binary_expression" and \
                text(_field(p, "operator")) in ("&&", "||") and _field(p, "right") == kid:
            return True
        if p.type == "conditional_expression" and _field(p, "condition") != kid:
            return True
        if p.type in ("sizeof_expression", "alignof_expression"):
            return True
        kid, p = p, p.parent
    return False


@dataclass
class _Site:
    call: Node
    stmt: Node
    callee: str
    args: list[MappedArg]
    arg_nodes: set[int]
    host_globals: frozenset[str]
    host_reads: list[MappedArg] = field(default_factory=list)
    # the caller's true arrays the callees' host code alone uses through a parameter
    # (:attr:`.calls.Summary.host_only`): (name, argument node)
    host_arrays: list[tuple[str, Node]] = field(default_factory=list)


def _array_shape(scope: Scope, name: str) -> Shape | None:
    shape = scope.shape(name)
    if shape is None or shape.kind == "other" and shape.levels == 0:
        return None
    return shape


#: What a caller knows of the globals a callee's file binds, at a call (:mod:`.bind`): the
#: arrays reached through them and the caller's expression of each bound global, or why not.
Resolver = Callable[[Node, Summary], "tuple[list[MappedArg], dict[str, Node]] | str"]


def _site(call: Node, s: Summary, scope: Scope, resolve: Resolver | None = None
          ) -> _Site | str:
    """The arrays one call reaches in the caller's terms, or why it cannot join a region."""
    if s.why_not is not None:
        return f"`{s.function}` cannot be hoisted over: {s.why_not}"
    spelled = in_callers_macros(call, scope.fn, s)
    if isinstance(spelled, str):
        return spelled
    s = spelled
    stmt = _statement(call)
    line = call.start_point[0] + 1
    if stmt is None:
        return f"the call to `{s.function}` at line {line} is not a statement of its own"
    args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
    if len(args) != len(s.params):
        return f"the call to `{s.function}` at line {line} does not pass every parameter"
    known = _hidden_scalar(s, scope, line) or _globals_at(call, s, scope, resolve)
    if isinstance(known, str):
        return known
    out, bound = known
    reads: list[MappedArg] = []
    hosts: list[tuple[str, Node]] = []
    for k, arg in enumerate(args):
        a = unparen(arg)
        ident = a is not None and a.type == "identifier"
        shape = _array_shape(scope, text(a)) if ident and a is not None else None
        why = _host_param(k, a, ident, shape, s, scope, stmt, hosts)
        if why is not None:
            return why
        if k in s.host_reads:
            got = _host_read_args(a, shape, s, k, args, bound, line)
            if isinstance(got, str):
                return got
            reads += got
        use = s.arrays.get(k)
        if use is None:
            continue
        offset = None if use.inner or use.rows else _offset_arg(a, scope)
        member = None if use.inner or use.rows or ident else member_arg(a, scope)
        if isinstance(member, str):
            return f"argument {k + 1} of the call to `{s.function}` at line {line}: {member}"
        if offset is not None:
            mapped = _offset_mapped(offset, use, scope, s, k, call, stmt, args, bound,
                                    a if a is not None and a.id in scope.offset_locals else None)
        elif member is not None:
            mapped = _member_mapped(member, a, use, scope, s, k, call, stmt, args, bound)
        else:
            mapped = _pointers_arg(a, use, scope, s, k, line, args, bound) if use.inner else \
                _arg(a, shape, use, scope, s, k, call, stmt, args, bound)
        if isinstance(mapped, str):
            return mapped
        out.append(mapped)
    _scalar_walls(s, out, scope)
    return _Site(call, stmt, s.function, out, {m.node.id for m in out + reads} |
                 {a.id for _, a in hosts}, s.host_globals, reads, hosts)


def _host_param(k: int, a: Node | None, ident: bool, shape: Shape | None, s: Summary,
                scope: Scope, stmt: Node, hosts: list[tuple[str, Node]]) -> str | None:
    """For argument ``k`` of a call: why the call cannot join a region because the callee
    uses the parameter on the host, or None; the caller's array only the callee's host code
    uses through it (:func:`_host_only_arg`) is added to ``hosts`` as (name, argument)."""
    if k not in s.host_params or shape is None and ident or scalar_address(a, scope):
        return None
    if a is None or k not in s.host_only or not _host_only_arg(a, shape, s, scope, stmt):
        return (f"`{s.function}` uses its parameter `{s.params[k]}` on the host (line "
                f"{stmt.start_point[0] + 1})")
    hosts.append((text(a), a))
    return None


def _passed_twice(stmt: Node, sites: list[_Site]) -> str | None:
    """Do the statement's calls pass an array for a parameter only a callee's host code uses
    and for another parameter too?  The callee may interleave its host and device uses of
    it, which an ``update`` around the statement cannot order."""
    seen = {m.name for site in sites for m in site.args + site.host_reads}
    for site in sites:
        for name, _ in site.host_arrays:
            if name in seen:
                return (f"a call at line {stmt.start_point[0] + 1} passes `{name}`, which its "
                        "callee uses on the host, to another parameter too")
            seen.add(name)
    return None


def _host_only_arg(a: Node, shape: Shape | None, s: Summary, scope: Scope, stmt: Node
                   ) -> bool:
    """Is the argument for a parameter only the callee's host code uses (:attr:`.calls.
    Summary.host_only`) a true array of the caller that no pointer of the caller's can reach:
    named by an identifier, declared as an array (C11 6.7.6.2), its name used otherwise only
    in elements with all their subscripts — never assigned to a pointer, passed or its
    address taken (6.3.2.1p3), except after the call's statement where the function runs on
    once (:func:`_later_once`) — and reached by name by none of the callee's code?  Then the
    call's host use of it is the whole array, read and written, at the call."""
    if a.type != "identifier" or shape is None or shape.kind != "array" or shape.levels < 1:
        return False
    name = text(a)
    if name in s.globals or name in s.file_arrays or name in s.file_pointers or \
            name in s.host_globals or ANY_GLOBAL in s.host_globals:
        return False
    for u in array_uses(_field(scope.fn, "body") or scope.fn):
        if u.name != name or not u.whole and len(u.subs) == shape.levels or u.node.id == a.id:
            continue
        if not _later_once(u.node, stmt, scope.fn):
            return False
    return True


def _hidden_scalar(s: Summary, scope: Scope, line: int) -> str | None:
    """Why the caller cannot name a file-scope scalar the callee's sections name (None: it
    can): its own parameter or local of that name hides it, or the declaration is below the
    caller (C11 6.2.1p4, 6.2.1p7)."""
    for g in sorted(s.scalars):
        if not file_scalar(g, scope) or not _declared_before(g, scope):
            return (f"`{s.function}`'s sections name the global `{g}`, which the caller's own "
                    f"`{g}` hides or which is declared below the caller (line {line})")
    return None


def _scalar_walls(s: Summary, args: list[MappedArg], scope: Scope) -> None:
    """The statements and calls of the caller that may store to a file-scope scalar the
    callee's sections name (:func:`.global_scalars.changes`), as barriers for the arrays the
    call maps: a region holding one would name in its clause a value the callee does not see."""
    arrays = frozenset(a.name for a in args)
    for g in sorted(s.scalars):
        for node, why in changes(scope.fn, g, scope.sealed):
            scope.barriers.append((node, arrays, f"{why}, which the sections of `{s.function}` "
                                                 "name: no region around it maps what the "
                                                 "call passes"))


def _host_read_args(a: Node | None, shape: Shape | None, s: Summary, k: int,
                    args: list[Node], bound: dict[str, Node], line: int
                    ) -> list[MappedArg] | str:
    """The elements of the caller's array ``a`` the callee's host code reads through parameter
    ``k`` (:func:`.calls.host_reads`), each a one-element span in the callee's names with the
    caller's expression of each name: the argument is the array itself (an identifier of one
    subscript), so the callee's ``p[e]`` is the caller's ``a[e]`` with the arguments for the
    parameters (C11 6.5.2.2p4, 6.5.2.1p2).  Else why the call cannot join a region."""
    if a is None or a.type != "identifier" or shape is None or \
            not (one_dim(shape) or shape.kind == "array" and shape.levels == 1):
        return (f"`{s.function}` reads its parameter `{s.params[k]}` on the host (line "
                f"{line}) and argument {k + 1} is not an array of the caller: the elements it "
                "reads are unknown")
    out = []
    for e in s.host_reads[k]:
        actuals = {n: args[s.params.index(n)] if n in s.params else bound[n]
                   for n in poly.names(e) if n in s.params or n in bound}
        out.append(MappedArg(text(a), a, (e, e), actuals, True, False))
    return out


#: The callee-side name of an offset argument's element offset (no C identifier has an ``@``).
_OFFSET = "@offset"


def _offset_arg(a: Node | None, scope: Scope) -> tuple[Node, Shape, Node] | None:
    """``x + k`` or ``k + x`` with ``x`` a one-subscript pointer or array of the caller and
    ``k`` an integer expression (the identifier, its shape, ``k``); None: another argument.
    A local that holds such an offset (:mod:`.offset_locals`) is read as its value, ``&x[k]``
    there as ``x + k`` (C11 6.5.3.2p3)."""
    local = scope.offset_locals.get(a.id) if a is not None else None
    if local is not None:
        return _local_offset(local, scope)
    if a is None or a.type != "binary_expression" or op(a) != "+":
        return None
    left, right = unparen(_field(a, "left")), unparen(_field(a, "right"))
    return _offset_pair(left, right, scope) or _offset_pair(right, left, scope)


def _local_offset(value: Node, scope: Scope) -> tuple[Node, Shape, Node] | None:
    """:func:`_offset_arg` of the value of a local holding an offset (``a + k``, ``&a[k]``)."""
    got = offset_value(value)
    if got is None:
        return None
    return _offset_pair(*got, scope) or _offset_pair(got[1], got[0], scope)


def _offset_pair(ptr: Node | None, k: Node | None, scope: Scope
                 ) -> tuple[Node, Shape, Node] | None:
    """(``ptr``, its shape, ``k``) when ``ptr + k`` is an offset into ``ptr``'s array."""
    if ptr is None or k is None or ptr.type != "identifier":
        return None
    shape = _array_shape(scope, text(ptr))
    if shape is None or not (one_dim(shape) or shape.kind == "array" and shape.levels == 1):
        return None
    if any(n.type == "identifier" and _array_shape(scope, text(n)) is not None
           for n in iter_nodes(k)):
        return None  # the other operand names an array too: not an integer offset
    return ptr, shape, k


def _offset_mapped(offset: tuple[Node, Shape, Node], use: ParamUse, scope: Scope, s: Summary,
                   k: int, call: Node, stmt: Node, args: list[Node], bound: dict[str, Node],
                   local: Node | None = None) -> MappedArg | str:
    """The caller's elements an argument ``x + off`` reaches: ``x + off`` points to element
    ``off`` of ``x``'s array (C11 6.5.6p8) and the callee's ``p[e]`` is ``*(p + e)`` (C11
    6.5.2.1p2), so the callee's ``lo..hi`` through the parameter is ``x[off+lo .. off+hi]``.
    The callee's footprints (``fills``, ``reads_within``) are in its own names, unshifted:
    dropped (the region then copies the section in, never less).  ``local``: the argument is
    a local holding ``x + off`` (:mod:`.offset_locals`), the use of ``x`` at the call."""
    ident, shape, off = offset
    got = _arg(ident, shape, use, scope, s, k, call, stmt, args, bound)
    if isinstance(got, str) or got.span is None:
        return got if isinstance(got, str) else (
            f"argument {k + 1} of the call to `{s.function}` at line "
            f"{call.start_point[0] + 1} is an offset into a true array")
    shift = poly.var(_OFFSET)
    lo, hi = poly.add(got.span[0], shift), poly.add(got.span[1], shift)
    return MappedArg(got.name, local or got.node, (lo, hi), {**got.actuals, _OFFSET: off},
                     got.read, got.write, got.covers, None, None, got.object)


def _member_mapped(member: MemberArg, a: Node | None, use: ParamUse, scope: Scope,
                   s: Summary, k: int, call: Node, stmt: Node, args: list[Node],
                   bound: dict[str, Node]) -> MappedArg | str:
    """The caller's elements a member argument ``s.x`` reaches (:mod:`.member_args`): the
    parameter holds the member's value (C11 6.5.2.2p4), so the callee's ``p[lo..hi]`` is
    ``s.x[lo..hi]``, mapped under the member's name."""
    scope.member_args.setdefault(member.name, member)
    got = _arg(a, member.shape, use, scope, s, k, call, stmt, args, bound)
    return got if isinstance(got, str) else replace(got, name=member.name)


def _arg(a: Node | None, shape: Shape | None, use: ParamUse, scope: Scope, s: Summary,
         k: int, call: Node, stmt: Node, args: list[Node], bound: dict[str, Node]
         ) -> MappedArg | str:
    """The caller's array argument ``a`` reaches for a parameter of one subscript or of rows
    (``shape``: its shape when ``a`` is an identifier), or why the call cannot join a
    region."""
    line = call.start_point[0] + 1
    reached = _rows_of(a, use, scope)
    obj = reached is not None and reached[2]  # ``*A``: the one object; else rows
    if reached is not None:
        a, shape = reached[0], reached[1]
    elif use.rows:
        return (f"argument {k + 1} of the call to `{s.function}` at line {line} is not "
                f"`*A` of a pointer to an array of rows like `{s.params[k]}`, nor a "
                "pointer to such rows: the elements it reaches are unknown")
    if a is None or shape is None:
        return (f"argument {k + 1} of the call to `{s.function}` at line {line} is not an "
                "array of the caller (an offset or an expression)")
    if reached is not None:
        span = (use.lo, use.hi)
    elif shape.kind == "array" and shape.levels == 1:
        span = None
    elif one_dim(shape):
        span = (use.lo, use.hi)
    else:
        return (f"`{text(a)}` (line {line}) does not have the shape of `{s.params[k]}` "
                f"in `{s.function}`")
    actuals = {n: args[s.params.index(n)] if n in s.params else bound[n]
               for n in poly.names(use.lo) | poly.names(use.hi)
               if n in s.params or n in bound}
    # a call the unit may skip writes nothing for sure
    skipped = _maybe_skipped(call, stmt)
    covers = not skipped and use.covers and (
        not obj or _all_rows(use, shape, s.params, args, scope, stmt))
    # rows written from column 0 to bounds that are the sizes at this call: whole rows
    whole = not skipped and bool(use.cols) and (
        obj and _all_rows(use, shape, s.params, args, scope, stmt) and
        _all_columns(use, shape, s.params, args, scope, stmt) or
        reached is not None and not obj and
        _whole_rows(use, shape, s.params, args, scope, stmt))
    return MappedArg(shape.name if reached is not None else text(a), a, span,
                     actuals, use.read and not whole, use.write, covers or whole,
                     in_caller(use.fills, s.params, args)
                     if not obj and not skipped else None,
                     in_caller(use.reads_within, s.params, args) if not obj
                     else None, obj, reach=(use.lo, use.hi) if span is None else None)


def _globals_at(call: Node, s: Summary, scope: Scope, resolve: Resolver | None
                ) -> tuple[list[MappedArg], dict[str, Node]] | str:
    """The arrays the call reaches through globals — those its callee's file binds
    (``resolve``, :mod:`.bind`) and the file's true arrays (:func:`_file_arrays`) — with the
    caller's expression of each bound global; or why the call cannot join a region."""
    out: list[MappedArg] = []
    bound: dict[str, Node] = {}
    if s.bound:
        got = resolve(call, s) if resolve is not None else (
            f"`{s.function}` reaches `{sorted(s.bound)[0]}`, a global its file binds, and "
            f"the call at line {call.start_point[0] + 1} does not know its value")
        if isinstance(got, str):
            return got
        out, bound = list(got[0]), got[1]
    arrays = _file_arrays(call, s, scope)
    if isinstance(arrays, str):
        return arrays
    return out + arrays, bound


def _caller_box(box: tuple | None, s: Summary, scope: Scope) -> tuple | None:
    """A box of the callee's (:mod:`.boxes`) when the caller's names denote what the callee's
    do: a file-scope scalar the caller's own declaration hides nowhere, declared above it
    (C11 6.2.1p4, 6.2.1p7), or a name neither declares (a macro or enumerator of the same
    file; a callee of another file: constants only, its macros may differ)."""
    from accellium.dataset.offload.boxes import box_names

    if box is None:
        return None
    for n in box_names(box):
        if s.extern or scope.decls.get(n) and not (file_scalar(n, scope) and
                                                   _declared_before(n, scope)):
            return None
    return box


def _file_arrays(call: Node, s: Summary, scope: Scope) -> list[MappedArg] | str:
    """The file's true arrays the callee's device code reaches by name, each mapped whole by
    the caller under the same name (:attr:`.calls.Summary.file_arrays`); or why not: the
    caller's name must denote the same file-scope array, hidden by none of its parameters
    or locals (C11 6.2.1p4).  Mapped whole, it holds whatever the callee's "present or copy"
    clauses name of it (OpenACC 3.3, 2.7.1); read, since the callee may leave elements
    unwritten that the caller's copy back would otherwise overwrite — unless the callee
    replaces every element before reading any, whenever called
    (:attr:`.calls.Summary.file_covers`): then it "covers" the array.  The file's pointers the
    callee's device code reaches by name (:attr:`.calls.Summary.file_pointers`) likewise, each
    with the callee's section: the caller's same-named pointer holds, at the call, the value
    the callee reads (:func:`.calls.file_pointer`), the section's parameters become the
    call's arguments and its other names are the file's, spelled as they are."""
    out: list[MappedArg] = []
    for g, writes in sorted(s.file_arrays.items()):
        if not file_array(g, scope):
            return (f"`{s.function}` reaches the global array `{g}`, which the caller's own "
                    f"`{g}` hides (line {call.start_point[0] + 1})")
        if not _declared_before(g, scope):
            return (f"`{s.function}` reaches the global array `{g}`, declared below the "
                    "caller: a clause there cannot name it")
        if s.extern and not external_linkage(g, scope):
            # a function of another file reaches its unit's `g`: the caller's is the same
            # object only when both have external linkage (C11 6.2.2p2)
            return (f"`{s.function}` reaches the array `{g}` of external linkage of its file, "
                    f"and the caller's `{g}` is not declared with external linkage")
        covers = g in s.file_covers  # every element replaced before the callee reads one
        out.append(MappedArg(g, call, None, {}, not covers, writes, covers,
                             fill_box=_caller_box(s.file_fills.get(g), s, scope),
                             read_box=_caller_box(s.file_reads.get(g), s, scope)))
    args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
    for g, use in sorted(s.file_pointers.items()):
        if not file_pointer(g, scope):
            return (f"`{s.function}` reaches the global pointer `{g}`, which the caller's own "
                    f"`{g}` hides (line {call.start_point[0] + 1})")
        if not _declared_before(g, scope):
            return (f"`{s.function}` reaches the global pointer `{g}`, declared below the "
                    "caller: a clause there cannot name it")
        actuals = {n: args[s.params.index(n)] for n in poly.names(use.lo) | poly.names(use.hi)
                   if n in s.params}
        out.append(MappedArg(g, call, (use.lo, use.hi), actuals, True, use.write))
    return out


def _declared_before(name: str, scope: Scope) -> bool:
    """Is a file-scope declaration of ``name`` above the function (in the same file, or in a
    header the file includes above it: :func:`.shapes.header_declared_before`)?  An
    identifier's scope begins just after its declarator (C11 6.2.1p7): a clause of the
    function can name it only then."""
    from accellium.dataset.offload.shapes import header_declared_before

    fn = scope.fn
    root = root_of(fn)
    return any(s.decl is not None and s.expansion is None and (
        s.decl.end_byte <= fn.start_byte and root_of(s.decl) == root or
        root_of(s.decl) != root and header_declared_before(s.decl, fn, root))
        for s in scope.decls.get(name) or [])


#: The words of an arithmetic type (C11 6.2.5p18), qualifiers included.
_ARITHMETIC = frozenset({"char", "short", "int", "long", "float", "double", "signed", "unsigned",
                         "_Bool", "bool", "_Complex", "const", "volatile"})


def scalar_address(arg: Node | None, scope: Scope) -> bool:
    """Is ``arg`` ``&x`` with ``x`` a variable of the function (a local or a parameter) of an
    arithmetic type (``double alpha;``, ``DATA_TYPE beta;`` with ``#define DATA_TYPE double``
    after the preprocessor, C11 6.10.3)?  A data region maps arrays and the objects of member
    arrays (item 12), never such a scalar: the callee's host code that reads or writes ``*p``
    sees the one host copy (a compute construct takes the value the host holds when it
    starts, OpenACC 3.3, 2.5.1: scalars are ``firstprivate``)."""
    from accellium.dataset.analysis.macros import expand, tokens, visible_at

    if arg is None or arg.type != "pointer_expression" or \
            text(_field(arg, "operator")) != "&":
        return False
    inner = unparen(_field(arg, "argument"))
    if inner is None or inner.type != "identifier":
        return False
    shape = scope.shape(text(inner))
    if shape is None or shape.kind != "other" or shape.levels != 0 or shape.decl is None or \
            not (shape.local or shape.decl.type == "parameter_declaration") or \
            shape.expansion is not None:
        return False
    t = _field(shape.decl, "type")
    if t is None or t.type not in ("primitive_type", "sized_type_specifier", "type_identifier"):
        return False
    words = text(t)
    if t.type == "type_identifier":
        got = expand(words, visible_at(root_of(scope.fn), scope.fn.start_byte))
        if got is None or got == words:
            return False
        words = got
    toks = tokens(words)
    return bool(toks) and all(w in _ARITHMETIC for w in toks)


def pointed_object(arg: Node, use: ParamUse, scope: Scope) -> tuple[Node, Shape] | None:
    """``*A`` with ``A`` a pointer to an array type of the parameter's element type whose
    sizes after the first are the parameter's rows (:func:`_same_rows_type`; ``T (*A)[N][M]``
    for a parameter ``T a[N][M]``; ``T (*x)[N]`` for a parameter of one subscript, ``T x[N]`` or ``T *x``):
    the ``*A`` node and the shape of ``A`` (None: another argument).  ``*A`` designates one
    object of type ``T[N][M]`` (C11 6.5.3.2p4); the parameter points to its first row (its
    first element), and pointer arithmetic from it reaches only elements of that object
    (C11 6.5.6p8), so ``A[0:1]`` holds whatever the callee reaches, however the memory was
    allocated."""
    if arg.type != "pointer_expression" or text(_field(arg, "operator")) != "*":
        return None
    inner = unparen(_field(arg, "argument"))
    if inner is None or inner.type != "identifier":
        return None
    shape = _array_shape(scope, text(inner))
    if shape is None or shape.kind != "rows" or len(shape.dims) != len(use.rows) + 1 or \
            shape.levels != len(shape.dims) + 1 or not _pointer_to_array(shape):
        return None
    if not _same_rows_type(shape, shape.dims[1:], use, scope) or \
            not use.elem or _type(type_words(shape), scope) != _type(use.elem, scope):
        return None
    return arg, shape


def _rows_of(a: Node | None, use: ParamUse, scope: Scope) -> tuple[Node, Shape, bool] | None:
    """The caller's array an argument for ``use`` designates with a known shape: ``*A``
    (:func:`_pointed`, True: the one object) or a pointer to rows passed as itself
    (:func:`same_rows`, False); None: neither."""
    obj = _pointed(a, use, scope) if use.elem and a is not None else None
    if obj is not None:
        return obj[0], obj[1], True
    rows = same_rows(a, use, scope) if use.rows and a is not None else None
    return (rows[0], rows[1], False) if rows is not None else None


def same_rows(arg: Node, use: ParamUse, scope: Scope) -> tuple[Node, Shape] | None:
    """``A`` (or ``&A[0]``, ``A + 0``) with ``A`` a pointer to rows of the parameter's row
    type: declared ``T (*A)[M]``, or itself a parameter ``T A[K][M]`` or ``T A[][M]``, for a
    parameter ``T a[N][M]`` (the same element type, the same sizes after the first: the same
    values when integer constants, macros replaced — :func:`_same_rows_type` — else as
    written).  A parameter declared as an array of ``T[M]`` has type
    ``T (*)[M]`` (C11 6.7.6.3p7), so ``A`` is passed as itself: ``a[i]`` is ``A[i]`` (C11
    6.5.2.1), the rows ``lo..hi`` the callee reaches are the caller's rows ``lo..hi``, mapped
    ``A[lo:len][0:M]``.  The node is the one :func:`.uses.array_uses` reports for the argument
    (the identifier; the subscript of ``&A[0]``) and the shape that of ``A`` (None: another
    argument)."""
    node = unparen(arg)
    ident = node
    if node is not None and node.type == "pointer_expression" and \
            text(_field(node, "operator")) == "&":
        node = unparen(_field(node, "argument"))
        base, idx = subscripts(node) if node is not None and \
            node.type == "subscript_expression" else (None, [])
        ident = base if len(idx) == 1 and _zero(idx[0]) else None
    elif node is not None and node.type == "binary_expression" and \
            text(_field(node, "operator")) == "+":
        left, right = unparen(_field(node, "left")), unparen(_field(node, "right"))
        ident = node = left if _zero(right) else right if _zero(left) else None
    if node is None or ident is None or ident.type != "identifier":
        return None
    shape = _rows_view(_array_shape(scope, text(ident)))
    if shape is None or shape.kind != "rows" or len(shape.dims) != len(use.rows) or \
            shape.levels != len(shape.dims) + 1:
        return None
    if not _same_rows_type(shape, shape.dims, use, scope) or \
            not use.elem or _type(type_words(shape), scope) != _type(use.elem, scope):
        return None
    return node, shape


def _rows_view(shape: Shape | None) -> Shape | None:
    """A true array of arrays ``T A[N][M]...`` seen as what its name becomes in an argument:
    a pointer to its first row, of type ``T (*)[M]...`` (C11 6.3.2.1p3), the rows of the
    parameter ``T a[K][M]`` (C11 6.7.6.3p7) — the shape of a pointer to rows of ``M``; any
    other shape as it is."""
    if shape is None or shape.kind != "array" or len(shape.dims) < 2 or \
            shape.levels != len(shape.dims):
        return shape
    return replace(shape, kind="rows", dims=shape.dims[1:])


def _pointers_arg(a: Node | None, use: ParamUse, scope: Scope, s: Summary, k: int, line: int,
                  args: list[Node], bound: dict[str, Node]) -> MappedArg | str:
    """The caller's pointer to pointers ``a`` reaches for a parameter ``T **w``
    (:func:`same_pointers`), with the caller's expression of each name of its section; or
    why the call cannot join a region."""
    shape = same_pointers(a, use, scope)
    if shape is None or a is None:
        return (f"argument {k + 1} of the call to `{s.function}` at line {line} is not a "
                f"pointer to pointers of the caller like `{s.params[k]}`: the elements it "
                "reaches are unknown")
    params = s.params
    names = {n for lo, hi in [(use.lo, use.hi), *use.inner] for n in
             poly.names(lo) | poly.names(hi)}
    actuals = {n: args[params.index(n)] if n in params else bound[n]
               for n in names if n in params or n in bound}
    return MappedArg(shape.name, a, (use.lo, use.hi), actuals, use.read, use.write,
                     inner=use.inner)


def same_pointers(arg: Node | None, use: ParamUse, scope: Scope) -> Shape | None:
    """The shape of ``w`` when the argument is ``w`` itself, a pointer to pointers of the
    caller declared with as many levels as the parameter (``T **w`` for ``T **conn``) and
    the same element type as written (after the preprocessor); None: anything else (a row
    ``w[i]``, an offset ``w + 1``, an array of pointers, another type).  The parameter then
    holds the caller's pointer (C11 6.5.2.2p4: the argument's value), so ``conn[i][j]`` is
    the caller's ``w[i][j]`` and the section the callee reaches, its bounds translated, is
    the caller's."""
    if arg is None or arg.type != "identifier":
        return None
    shape = _array_shape(scope, text(arg))
    if shape is None or shape.kind != "pointer" or shape.levels != len(use.inner) + 1 or \
            not use.elem or _type(type_words(shape), scope) != _type(use.elem, scope):
        return None
    return shape


def _zero(node: Node | None) -> bool:
    """Is ``node`` the integer constant 0 (C11 6.4.4.1)?"""
    n = unparen(node) if node is not None else None
    return n is not None and n.type == "number_literal" and integer_constant(text(n)) == 0


def _type(words: str, scope: Scope) -> str:
    """A type's words after the preprocessor (``DATA_TYPE`` with ``#define DATA_TYPE double``
    is ``double``, C11 6.10.3), ``const`` and white space dropped."""
    from accellium.dataset.analysis.macros import expand, visible_at

    got = expand(words, visible_at(root_of(scope.fn), scope.fn.start_byte))
    return "".join((got if got is not None else words).split()).replace("const", "")


def _pointed(arg: Node, use: ParamUse, scope: Scope) -> tuple[Node, Shape] | None:
    """:func:`pointed_object`, also through a call of a function-like macro visible there
    whose expansion is ``*A`` (``ARRAY(A)`` with ``#define ARRAY(x) *x``: the preprocessor
    replaces it first, C11 6.10.3); then the node is the one ``A`` among the call's
    arguments (the caller's use of the array)."""
    got = pointed_object(arg, use, scope)
    if got is not None or not is_call(arg):
        return got
    body = file_expansion(arg)
    obj = pointed_object(body, use, scope) if body is not None else None
    if obj is None:
        return None
    name = obj[1].name
    where = _field(arg, "arguments")
    ids = [n for n in iter_nodes(where) if n.type == "identifier" and text(n) == name] \
        if where is not None else []
    return (ids[0], obj[1]) if len(ids) == 1 else None


def _all_rows(use: ParamUse, shape: Shape, params: list[str | None], args: list[Node],
              scope: Scope, stmt: Node) -> bool:
    """Are the callee's rows ``lo..hi`` at this call ``0..N-1``, ``N`` the first size of the
    caller's ``T (*A)[N]...`` (the arguments substituted, the caller's locals of known value
    spelled out): then a callee that writes its whole section writes all of ``*A``."""
    first = _first_size(shape)
    return first is not None and _is_whole(use.lo, use.hi, first, params, args, scope, stmt)


def _all_columns(use: ParamUse, shape: Shape, params: list[str | None], args: list[Node],
                 scope: Scope, stmt: Node) -> bool:
    """Are the callee's whole columns ``0..c`` (:attr:`ParamUse.cols`) at this call
    ``0..M-1`` for each size ``M`` after the first of the caller's ``T (*A)[N][M]``?"""
    sizes = _sizes(shape)[1:]
    return len(sizes) == len(use.cols) and all(
        m is not None and _is_whole(poly.const(0), c, m, params, args, scope, stmt)
        for c, m in zip(use.cols, sizes, strict=True))


def _whole_rows(use: ParamUse, shape: Shape, params: list[str | None], args: list[Node],
                scope: Scope, stmt: Node) -> bool:
    """Are the callee's whole columns ``0..c`` (:attr:`ParamUse.cols`) at this call ``0..M-1``
    for each size ``M`` of one row of the caller's rows ``A`` passed as themselves
    (:func:`same_rows`: ``T (*A)[N][M]``, or ``T A[K][N][M]``)?  Then every row ``lo..hi``
    the callee writes is written whole, each element before it is read (the section
    ``A[lo:len][0:N][0:M]`` holds no element the call leaves as it was)."""
    sizes = _row_sizes(shape)
    return bool(sizes) and len(sizes) == len(use.cols) and all(
        m is not None and _is_whole(poly.const(0), c, m, params, args, scope, stmt)
        for c, m in zip(use.cols, sizes, strict=True))


def _row_sizes(shape: Shape) -> list[poly.Poly | None]:
    """The sizes of one row of ``A``, in order: ``N``, ``M`` of ``T (*A)[N][M]`` (the type it
    points to) or of ``T A[K][N][M]`` (its sizes after the first); empty: neither."""
    from accellium.dataset.offload.shapes import declaration_of, walk_declarator

    decl = declaration_of(shape)
    if decl is None:
        return []
    for d in decl.children_by_field_name("declarator"):
        name, parts = walk_declarator(d)
        if name != shape.name or not parts:
            continue
        if parts[-1][0] == "pointer" and len(parts) >= 2 and \
                all(k == "array" for k, _ in parts[:-1]):
            return [poly.poly_of(_field(n, "size")) for _, n in reversed(parts[:-1])]
        if len(parts) >= 2 and all(k == "array" for k, _ in parts):
            return [poly.poly_of(_field(n, "size")) for _, n in reversed(parts)][1:]
    return []


def _is_whole(lo: poly.Poly, hi: poly.Poly, size: poly.Poly, params: list[str | None],
              args: list[Node], scope: Scope, stmt: Node) -> bool:
    """Is ``lo..hi`` (in the callee's parameters) ``0..size-1`` at this call, the arguments
    substituted and the caller's locals of known value spelled out?"""
    from accellium.dataset.offload.extent import Span
    from accellium.dataset.offload.known import spelled_out

    for n in poly.names(lo) | poly.names(hi):
        if n not in params:
            continue
        value = poly.poly_of(args[params.index(n)])
        got_lo = poly.subst(lo, n, value) if value is not None else None
        got_hi = poly.subst(hi, n, value) if value is not None else None
        if got_lo is None or got_hi is None:
            return False
        lo, hi = got_lo, got_hi
    want = Span(poly.const(0), poly.sub(size, poly.const(1)))
    got = Span(lo, hi)
    if got.same(want):
        return True
    out = spelled_out([got], scope, (stmt.start_byte, stmt.end_byte))
    if out is not None and out[0].same(want):
        return True
    got = out[0] if out is not None else got
    both = _valued([got, want], scope, stmt)
    return both is not None and both[0].same(both[1])


def _valued(spans: list[Span], scope: Scope, stmt: Node) -> list[Span] | None:
    """``spans`` with each object-like macro visible at ``stmt`` whose expansion is an
    integer constant replaced by its value (``NI + PAD`` with ``#define PAD 0`` is ``NI``):
    the preprocessor replaces both spellings the same way before the code is compiled (C11
    6.10.3; :func:`.known.macro_values`).  None: no such macro in them."""
    from accellium.dataset.offload.known import macro_values

    return macro_values(spans, root_of(stmt), stmt.start_byte, scope.decls)


def integer_constant(body: str) -> int | None:
    """The value of a macro body that is one integer constant (``0``, ``(32)``, ``0x20u``,
    C11 6.4.4.1), else None."""
    t = body.strip()
    while t.startswith("(") and t.endswith(")"):
        t = t[1:-1].strip()
    neg = t.startswith("-")
    t = t.lstrip("+-").strip().rstrip("uUlL")
    try:
        v = int(t, 0) if not (len(t) > 1 and t[0] == "0" and t[1].isdigit()) else int(t, 8)
    except ValueError:
        return None
    return -v if neg else v


def _first_size(shape: Shape) -> poly.Poly | None:
    """The first size of the array type ``A`` points to (``N`` of ``T (*A)[N][M]``)."""
    sizes = _sizes(shape)
    return sizes[0] if sizes else None


def _sizes(shape: Shape) -> list[poly.Poly | None]:
    """The sizes of the array type ``A`` points to, in order (``N``, ``M`` of
    ``T (*A)[N][M]``; empty: not such a declaration)."""
    from accellium.dataset.offload.shapes import declaration_of, walk_declarator

    decl = declaration_of(shape)
    if decl is None:
        return []
    for d in decl.children_by_field_name("declarator"):
        name, parts = walk_declarator(d)
        if name == shape.name and len(parts) >= 2 and parts[-1][0] == "pointer" and \
                all(k == "array" for k, _ in parts[:-1]):
            return [poly.poly_of(_field(n, "size")) for _, n in reversed(parts[:-1])]
    return []


def _same_rows_type(shape: Shape, dims: tuple[str, ...], use: ParamUse, scope: Scope
                    ) -> bool:
    """Are the sizes ``dims`` of the caller's array ``shape`` those of the parameter's rows
    (:func:`.size_values.same_sizes`: the same values, macros replaced)?  The caller's sizes
    are read with the macros visible at its declaration (when in the caller's file), the
    parameter's with those the caller sees, which mean there what they mean to the callee
    (:func:`.section_macros.in_callers_macros` refuses a row size's macro that differs)."""
    from accellium.dataset.analysis.macros import visible_at

    root = root_of(scope.fn)
    theirs = visible_at(root, scope.fn.start_byte, constants=True)
    mine = visible_at(root, shape.decl.start_byte, constants=True) \
        if shape.decl is not None and root_of(shape.decl) == root else theirs
    return same_sizes(dims, use.rows, mine, theirs)


def _pointer_to_array(shape: Shape) -> bool:
    """Is the name declared ``T (*A)[N]...`` (a pointer to an array), rather than an array
    parameter ``T a[][N]`` (whose ``*a`` is one row)?"""
    from accellium.dataset.offload.shapes import declaration_of, walk_declarator

    decl = declaration_of(shape)
    if decl is None:
        return False
    for d in decl.children_by_field_name("declarator"):
        name, parts = walk_declarator(d)
        if name == shape.name:
            return bool(parts) and parts[-1][0] == "pointer"
    return False


def _mixed(stmt: Node, sites: list[_Site], scope: Scope, devices: list[Device], calls: Calls
           ) -> str | None:
    """Does the statement touch an array besides the hoisted calls' arguments, other than by
    reading an element of an array no device code writes (:func:`_host_current`,
    :func:`_host_only_file_array`)?  An ``update`` around the statement cannot serve a use
    inside it."""
    ids = set().union(*(s.arg_nodes for s in sites))
    for u in array_uses(stmt):
        if u.node.id in ids or _array_shape(scope, u.name) is None:
            continue
        if u.read and not u.write and (_host_current(u.name, scope, devices, stmt) or
                                       _host_only_file_array(u.name, scope, calls)):
            continue
        return (f"the statement at line {stmt.start_point[0] + 1} also uses `{u.name}` on "
                "the host")
    return None


def _read_and_written(stmt: Node, sites: list[_Site]) -> str | None:
    """Does a callee of the statement read on the host an array that a callee's device code
    writes in the same statement?  The host read may come after the device write, which the
    region's ``update self`` before the statement does not bring."""
    written = {a.name for s in sites for a in s.args if a.write} & \
        {a.name for s in sites for a in s.host_reads}
    if not written:
        return None
    return (f"a callee at line {stmt.start_point[0] + 1} reads `{sorted(written)[0]}` on the "
            "host and the statement's calls write it on the device")


def _host_current(name: str, scope: Scope, devices: list[Device], stmt: Node) -> bool:
    """Is the host copy of ``name`` current wherever the statement ``stmt`` reads it: a true
    array declared in the function's body (no other function reaches it by name), not
    ``static`` (no earlier call of the function left its address anywhere), used only
    through elements with all their subscripts (its address is never taken, passed or
    assigned, so no other name aliases it) — except after ``stmt`` where the function runs
    on once (:func:`_later_once`: what a name made there reaches runs after every execution
    of ``stmt``) — and written by none of the function's offloaded loops?  The host and
    device copies of data differ only after one side writes its copy (OpenACC 3.3, 2.6), and
    no device code writes this one before the read, so it needs no ``update self``."""
    from accellium.dataset.offload.callgraph import is_static

    shape = _array_shape(scope, name)
    if shape is None or not shape.local or shape.kind != "array" or \
            shape.decl is None or is_static(shape.decl):
        return False
    uses = [u for u in array_uses(_field(scope.fn, "body") or scope.fn) if u.name == name]
    if any((u.whole or len(u.subs) != shape.levels) and not _later_once(u.node, stmt, scope.fn)
           for u in uses):
        return False
    return not any(u.name == name and u.write for d in devices for u in array_uses(d.node))


def _host_only_file_array(name: str, scope: Scope, calls: Calls) -> bool:
    """Is ``name`` a ``static`` true array of the file (internal linkage, C11 6.2.2p3: no other
    translation unit names it) used only through elements with all their subscripts (its
    address is never taken, passed or assigned, so no pointer aliases it) and written only by
    functions that can run no device code: none offloads a loop or calls one that does
    (``calls.offloads``), and none is called, directly or through other calls, inside a loop
    (the device code of a plan is a loop and the functions it calls)?  Then no device code
    writes the array and its host copy is current wherever the host reads it (OpenACC 3.3,
    2.6: the copies differ only after one side writes its own).  Reading an element to pass
    it by value (C11 6.5.2.2p4) hands the callee a copy, not the array."""
    from accellium.dataset.analysis.tree import root_of
    from accellium.dataset.offload.callgraph import is_static

    shape = _array_shape(scope, name)
    if shape is None or shape.local or shape.kind != "array" or shape.decl is None or \
            not is_static(shape.decl) or shape.decl.parent is None or \
            shape.decl.parent.type != "translation_unit":
        return False
    root = root_of(scope.fn)
    if root_of(shape.decl) != root:
        return False
    uses, in_loops = _file_array_uses(root, scope.memo)
    whole, counts, writers = uses.get(name, (False, frozenset(), frozenset()))
    if whole or counts - {shape.levels}:
        return False
    return not any(f in calls.offloads or f in in_loops for f in writers)


#: What :func:`_file_array_uses` finds: for each name the file's functions use as an array,
#: whether a use names it whole, the subscript counts of its uses, the functions that write it
#: — and the functions called inside a loop.
_ArrayUses = tuple[dict[str, tuple[bool, frozenset[int], frozenset[str]]], set[str]]


def _file_array_uses(root: Node, memo: dict[str, object]) -> _ArrayUses:
    """The array uses of the file's functions, summed up per name, and the functions called
    in a loop (:func:`_called_in_loops`): facts of the whole file, derived once (kept in
    ``memo``, the file's :attr:`~accellium.dataset.analysis.scope.FileIndex.memo`)."""
    from accellium.dataset.analysis.scope import function_name

    got = memo.get("file_array_uses")
    if got is None:
        fns: dict[str, Node] = {}
        for d in root.children:
            if d.type == "function_definition":
                fname, _ = function_name(d)
                if fname is not None:
                    fns[fname] = d
        whole: dict[str, bool] = {}
        counts: dict[str, set[int]] = {}
        writers: dict[str, set[str]] = {}
        for fname, d in fns.items():
            for u in array_uses(d):
                whole[u.name] = whole.get(u.name, False) or u.whole
                counts.setdefault(u.name, set()).add(len(u.subs))
                if u.write:
                    writers.setdefault(u.name, set()).add(fname)
        got = ({n: (whole[n], frozenset(counts[n]), frozenset(writers.get(n, ())))
                for n in whole}, _called_in_loops(fns))
        memo["file_array_uses"] = got
    return cast(_ArrayUses, got)


def _called_in_loops(fns: dict[str, Node]) -> set[str]:
    """The functions of ``fns`` called inside a loop, directly or through other calls."""
    from accellium.dataset.offload.nodes import loops_around

    out: set[str] = set()
    for d in fns.values():
        for n in iter_nodes(d):
            if is_call(n) and loops_around(n, d):
                got = callee_name(n)
                if got is not None:
                    out.add(got)
    todo = list(out)
    while todo:
        f = todo.pop()
        for c in callees(fns[f]) if f in fns else []:
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _later_once(node: Node, stmt: Node, fn: Node) -> bool:
    """Does ``node`` run only after every execution of ``stmt``: below it, in no loop around
    it, in a function with no ``goto`` (C11 6.8.6.1: a jump back would repeat ``stmt``
    after ``node``)?"""
    from accellium.dataset.offload.nodes import loops_around

    if node.start_byte < stmt.end_byte or \
            any(n.type == "goto_statement" for n in iter_nodes(fn)):
        return False
    return not any(lp.start_byte <= node.start_byte < lp.end_byte
                   for lp in loops_around(stmt, fn))


def call_units(fn: Node, scope: Scope, summaries: dict[str, Summary | str],
               devices: list[Device], calls: Calls, inside: Callable[[Node], bool],
               resolve: Resolver | None = None) -> tuple[list[CallDevice], list[str]]:
    """The statements of ``fn`` that call functions with a summary, as region units; and why
    the calls that pass arrays to other functions are not hoisted (``summaries``: a function
    of the file -> its summary, or why it has none).  A call left out that passes arrays to a
    function that offloads loops becomes a barrier (``scope.barriers``)."""
    by_stmt: dict[int, list[_Site]] = {}
    notes: list[str] = []
    scope.offset_locals = {u: v for u, v in offset_locals(fn, scope, summaries).items()
                           if _local_offset(v, scope) is not None}
    scope.offset_bases = offset_bases(scope.offset_locals)
    for n in iter_nodes(_field(fn, "body") or fn):
        if not is_call(n) or in_units(n, list(devices)):
            continue
        name = callee_name(n)
        if name not in summaries and _macro_call(n, calls.defined):
            continue  # not a call: the preprocessor replaces it (its arguments are the call's)
        s = summaries.get(name) if name else None
        got: _Site | str | None = None
        if s is None or isinstance(s, str):
            got = _not_hoisted(n, name, scope, calls.defined, s)
            if got is None and name in calls.offloads and name in calls.defined:
                got = _no_summary(n, name, scope)
        else:
            got = _site(n, s, scope, resolve)
        if got is None:
            continue
        if isinstance(got, str):
            notes.append(got if got.startswith("not hoisted") else f"not hoisted: {got}")
            _add_barrier(n, name, scope, calls)
            continue
        if inside(got.stmt):
            by_stmt.setdefault(got.stmt.id, []).append(got)
    out: list[CallDevice] = []
    for sites in by_stmt.values():
        stmt = sites[0].stmt
        why = _mixed(stmt, sites, scope, devices, calls) or _read_and_written(stmt, sites) or \
            _passed_twice(stmt, sites)
        if why:
            notes.append(f"not hoisted: {why}")
            for site in sites:
                _add_barrier(site.call, site.callee, scope, calls)
            continue
        out.append(CallDevice(stmt, [s.callee for s in sites], [a for s in sites for a in s.args],
                              frozenset().union(*(s.host_globals for s in sites)),
                              host_reads=[a for s in sites for a in s.host_reads],
                              host_arrays=[h for s in sites for h in s.host_arrays]))
    _member_barriers(fn, scope, out)
    return sorted(out, key=lambda d: d.node.start_byte), notes


def _member_barriers(fn: Node, scope: Scope, units: list[CallDevice]) -> None:
    """Each member argument's walls (:func:`.member_args.member_walls`) as barriers for the
    regions that map the member."""
    hoisted = {a.node.id for d in units for a in d.args}
    for m in scope.member_args.values():
        scope.barriers += [(node, frozenset({m.name}), why)
                           for node, why in member_walls(m, fn, hoisted)]


def _macro_call(call: Node, defined: set[str]) -> bool:
    """Is ``call`` a call of a function-like macro visible there whose expansion calls no
    function of the file (``ARRAY(A)`` for ``*A``; a statement that expands to a declaration,
    :func:`.shapes.macro_statement`)?  The preprocessor replaces it before the code is read
    (C11 6.10.3): it is no call of its own."""
    toks = macro_call_tokens(call)
    return toks is not None and UNREAD not in toks and not any(t in defined for t in toks)


@dataclass
class Calls:
    """The file's functions: those it defines, and those whose plans offload loops (or call
    one that does, or already have OpenACC directives)."""

    defined: set[str] = field(default_factory=set)
    offloads: set[str] = field(default_factory=set)


def _passed(call: Node, scope: Scope) -> frozenset[str]:
    """The caller's arrays whose memory an argument of ``call`` may point into: an array named
    whole (``a``, ``a + k``, ``(T *) a``: an array converts to a pointer to its first element,
    C11 6.3.2.1p3, and pointer arithmetic stays in it, 6.5.6p8), the address of an element
    (``&a[i]``, 6.5.3.2p3) or a row (``A[i]`` of rows, fewer subscripts than the array takes,
    is itself an array that converts to a pointer).  An element read (``a[i]``) passes a
    value."""
    out = set()
    for arg in named(_field(call, "arguments")):
        bare = unparen(arg)  # a local holding ``a + k`` passes ``a``
        arg = scope.offset_locals.get(bare.id, arg) if bare is not None else arg
        for u in array_uses(arg):
            shape = _array_shape(scope, u.name)
            if shape is not None and (u.whole or u.names_row(shape.levels)):
                out.add(u.name)
    return frozenset(out)


_DECLARATORS = ("pointer_declarator", "parenthesized_declarator", "function_declarator",
                "array_declarator", "init_declarator")


def _variable(name: str, scope: Scope) -> bool:
    """Is ``name`` declared as a variable (a function pointer) in the function or at file
    scope, rather than defined as a function?"""
    if scope.shape(name) is not None:
        return True
    root = root_of(scope.fn)
    tops = [scope.fn] + [n for n in named(root) if n.type == "declaration"]
    for top in tops:
        for n in iter_nodes(top):
            if n.type != "identifier" or text(n) != name:
                continue
            p, kid, pointer = n.parent, n, False
            while p is not None and p.type in _DECLARATORS and (
                    p.type == "parenthesized_declarator" or _field(p, "declarator") == kid):
                pointer |= p.type == "pointer_declarator"
                kid, p = p, p.parent
            if pointer and p is not None and p.type in ("declaration", "parameter_declaration"):
                return True
    return False


def _add_barrier(call: Node, name: str | None, scope: Scope, calls: Calls) -> None:
    pointer = name is not None and name not in calls.defined and _variable(name, scope)
    if name is None or pointer or name in calls.offloads:
        passed = _passed(call, scope)
        if passed:
            what = f"`{name}`" if name else "a function pointer"
            scope.barriers.append((call, passed, (
                f"the call to {what} at line {call.start_point[0] + 1} stays on the host and "
                "its own offloaded loops would find the region's arrays present (its host "
                "code would see a stale copy): no region around it")))


def _no_summary(call: Node, name: str, scope: Scope) -> str | None:
    """A note for a call that passes an array to a function of the file that offloads
    (loops of its own, or through the functions it calls) but gives its callers no summary to
    hold it by — no one data region (none, or several between its own barriers).  Its data
    clauses, or its callees', are "present or copy" (OpenACC 3.3, 2.7.1): in a caller's
    region they would find the caller's device copy and transfer nothing, while the
    function's host code works on the host copy; so the call is a barrier like any call
    that stays on the host (:func:`_add_barrier`).  None: it passes no array."""
    if not _passed(call, scope):
        return None
    return (f"not hoisted: `{name}` (line {call.start_point[0] + 1}) offloads through its own "
            "code or its callees but has no single data region a caller's region could hold")


def _type_macro_call(call: Node, name: str | None, defined: set[str]) -> bool:
    """Is ``call`` ``DATA_TYPE (*A)`` of a declaration the parser read as an expression
    (:func:`.shapes.type_macro`): a type after the preprocessor, no call?"""
    from accellium.dataset.offload.shapes import type_macro

    fn = _field(call, "function")
    return name is not None and name not in defined and fn is not None and \
        fn.type == "identifier" and type_macro(fn) is not None


def _allocating_macro(call: Node, scope: Scope) -> bool:
    """Is ``call`` the statement macro of an allocation (``ARRAY_DECL(p, ...);``, whose
    expansion :func:`.shapes.alloc_sites` read): a declaration and a store after the
    preprocessor, no call?"""
    stmt = call.parent
    return stmt is not None and stmt.type == "expression_statement" and any(
        a.stmt.id == stmt.id for sites in scope.allocs.values() for a in sites)


def _not_hoisted(call: Node, name: str | None, scope: Scope, defined: set[str],
                 why: str | None) -> str | None:
    """A note for a call that passes an array and cannot join a region (None: nothing to
    say — it passes no array, or its callee offloads nothing)."""
    if not _passed(call, scope) or _type_macro_call(call, name, defined) or \
            _allocating_macro(call, scope):
        return None
    line = call.start_point[0] + 1
    if name is None or name not in defined and _variable(name, scope):
        return f"not hoisted: the call at line {line} goes through a pointer"
    if name not in defined and library_function(name) is None:
        return (f"not hoisted: `{name}` (line {line}) is not defined in this file: what it "
                "does with the arrays is unknown")
    if why is not None:
        return f"not hoisted: `{name}` (line {line}) {why}"
    return None
