"""How many elements the object a pointer parameter points to has, when every call is known
(:func:`object_extents`).

C allows a pointer to reach only the elements of the object it points into (C11 6.5.6p8: any
other access is undefined), so when a parameter ``p`` points to the start of an object of
``N`` elements at every call, ``p[0:N]`` holds every element the function can touch through
it — whatever its subscripts (``x[col[k]]``, ``val[k]`` with ``k`` up to ``rowptr[i+1]``).
The rule used (sound for C):

* every call of the function is known — the rule of :mod:`.live`: ``static``, or the program's
  other translation units given, and the function named only as a direct callee;
* the function never assigns ``p`` (it points where the caller's argument did);
* at every call the argument is a plain name ``x`` of the caller that is a local true array
  ``T x[N]`` (not ``static``), a file-scope true array whose ``N`` is an integer constant
  (the one object of static storage duration the name designates), a local pointer whose only assignment is its ``malloc``/
  ``calloc`` of ``N`` elements, a local pointer only assigned through ``&x`` by a function
  that stores such an allocation there (:mod:`.outparams`: ``N`` in the call's arguments, or
  the caller's name the call's value initialises when the function returns the count), or a
  parameter of the caller with such an extent itself;
* ``N`` is a polynomial of names the caller never assigns after their declaration (locals
  declared once with a polynomial value are spelled out), each passed unchanged to a
  parameter of the function that the function never assigns: so ``N`` is spelled in the
  function's own parameters (``5 * n``), the same at every call.  An object-like macro whose
  expansion is an integer constant expression is that number where the object is declared or
  allocated (C11 6.10.3, 6.10.3.4: the preprocessor replaces it before translation), so
  ``malloc(sizeof(double) * n * NVAR)`` with ``#define NVAR 5`` has ``5 * n`` elements
  (:func:`.known.macro_constants`).

``N`` may also name a file-scope scalar of the caller's file that the callee sees as the same
object (declared before the callee, hidden by no declaration of either function: C11 6.2.1p4,
6.2.1p7) and that holds, while the callee runs, the value the caller's code read
(:func:`_steady_globals`): the callee, and every function it calls, never stores to it and its
address never escapes (:func:`.global_scalars.fixed_in`); in the caller, every store to it —
an assignment, or a call that may store to it (:func:`.global_scalars.changes`) — comes before
every read of it, in no loop that also holds a read, and no ``goto`` runs back over them.  So
``size = rows * cols; J = malloc(size * sizeof *J); step(J);`` gives ``step``'s ``J`` the
extent ``size``: a stencil whose own sections cannot be ordered maps ``J[0:size]``.

Everything else has no object extent (an offset ``a + k``, a member, a global pointer, two
calls passing objects of different sizes)."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.macros import parsed_expression
from accellium.dataset.analysis.member_reads import parse_key
from accellium.dataset.analysis.scope import declared_names, function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, text, unparen
from accellium.dataset.analysis.tree import root_of as _root_of
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import assignment_positions
from accellium.dataset.offload.callgraph import CallGraph, is_static
from accellium.dataset.offload.callgraph import param_names as _params
from accellium.dataset.offload.fresh import FreshNames
from accellium.dataset.offload.global_scalars import changes, fixed_in
from accellium.dataset.offload.killed import object_size
from accellium.dataset.offload.known import macro_constants
from accellium.dataset.offload.member_counts import fixed_member, member_alloc_count
from accellium.dataset.offload.nodes import LOOPS
from accellium.dataset.offload.outparams import (
    count_stored_through,
    returns_count,
    stored_through,
)
from accellium.dataset.offload.shapes import (
    Shape,
    alloc_sites,
    declarations,
    file_scalar_shape,
    shape_of,
)
from accellium.dataset.offload.uses import Assignments, assignments

__all__ = ["object_extents"]

_ROUNDS = 6
_SPELL_ROUNDS = 4
_OUT_DEPTH = 4  # callees followed for a pointer stored through ``&x`` (:mod:`.outparams`)

#: function -> parameter index -> the object's element count in the function's parameters
_Known = dict[str, dict[int, poly.Poly]]


class _File(CallGraph):
    """The program's calls, and the allocator wrappers the planned file's calls reach."""

    def __init__(self, root: Node, others: list[Node] | None, fresh: FreshNames | None):
        super().__init__(root, others)
        self.fresh = fresh


def object_extents(root: Node, others: list[Node] | None = None,
                   fresh: FreshNames | None = None) -> dict[str, dict[str, poly.Poly]]:
    """For each function of the program whose calls are all known, the element count of the
    object each pointer parameter points to at every call (the module's rule); ``fresh``:
    the allocator wrappers ``root``'s calls reach (:mod:`.fresh`), whose allocation a local of
    ``root``'s functions may hold as one of ``malloc``."""
    f = _File(root, others, fresh)
    known: _Known = {}
    for _ in range(_ROUNDS):
        changed = False
        for name, fn in f.fns.items():
            if not f.every_call_seen(name):
                continue
            params = _params(fn)
            assigned = assignment_positions(fn)
            for k, p in enumerate(params):
                if p is None or k in known.get(name, {}) or assigned.get(p):
                    continue
                got = [_at_call(caller, call, k, fn, known, f)
                       for caller, call in f.calls[name]]
                first = got[0]
                if first is not None and all(g is not None and g == first for g in got):
                    known.setdefault(name, {})[k] = first
                    changed = True
        if not changed:
            break
    return {name: {p: n for k, n in ks.items() if (p := _params(f.fns[name])[k])}
            for name, ks in known.items()}


def _args(call: Node) -> list[Node]:
    return [a for a in named(_field(call, "arguments")) if a.type != "comment"]


def _at_call(caller: Node, call: Node, k: int, callee: Node, known: _Known, f: _File
             ) -> poly.Poly | None:
    """The count of the object the call's argument ``k`` points to, in the callee's names."""
    args = _args(call)
    a = unparen(args[k]) if k < len(args) else None
    if a is None or a.type != "identifier":
        return None
    top = call
    body = _field(caller, "body")
    while top.parent is not None and top.parent != body:
        top = top.parent
    count = _object_count(caller, text(a), known, f, until=top.end_byte)
    if count is None:
        return None
    passed = {text(x) for x in map(unparen, args) if x is not None and x.type == "identifier"}
    return _in_callee(caller, count, args, callee,
                      _steady_globals(caller, callee, poly.names(count) - passed))


def _steady_globals(caller: Node, callee: Node, names: set[str]) -> frozenset[str]:
    """The ``names`` (of a count, not passed to the callee) that are file-scope scalars
    holding, while the callee runs, the value the caller's code read (the module's rule for
    globals): the callee may name them itself."""
    root = _root_of(caller)
    if not names or _root_of(callee) != root or \
            any(n.type == "goto_statement" for n in iter_nodes(caller)):
        return frozenset()
    mine, theirs = declarations(caller, root), declarations(callee, root)
    out = set()
    for n in names:
        shape = file_scalar_shape(n, mine)
        if shape is None or file_scalar_shape(n, theirs) is None or shape.decl is None or \
                (_root_of(shape.decl) == root and shape.decl.start_byte > callee.start_byte):
            continue
        if fixed_in(callee, {n}, lambda _: True) and _stored_before_read(caller, n):
            out.add(n)
    return frozenset(out)


def _stored_before_read(fn: Node, name: str) -> bool:
    """Does every store ``fn`` may make to the global ``name`` (itself or through a call) come
    before every read of it there, with no loop holding both (so that each read, and whatever
    runs after the last store, sees the value the stores left)?"""
    stores = [n for n, _ in changes(fn, name)]
    reads = [n for n in iter_nodes(_field(fn, "body") or fn)
             if n.type == "identifier" and text(n) == name and
             not any(s.start_byte <= n.start_byte < s.end_byte for s in stores)]
    if not stores:
        return True
    last = max(s.end_byte for s in stores)
    if any(r.start_byte < last for r in reads):
        return False
    first = min((r.start_byte for r in reads), default=None)
    for s in stores:
        p = s.parent
        while p is not None and p != fn:
            if p.type in LOOPS and first is not None and p.end_byte > first:
                return False
            p = p.parent
    return True


def _object_count(caller: Node, x: str, known: _Known, f: _File, depth: int = 0,
                  until: int | None = None) -> poly.Poly | None:
    """The element count of the object the caller's ``x`` is (a local true array), points to
    from its one allocation, points to from a callee's allocation stored through ``&x``
    (:mod:`.outparams`), or (a parameter) points to at every call of the caller.  ``until``:
    where the caller's statement holding the call ends (a size kept in a member need hold only
    up to there: :mod:`.member_counts`)."""
    shape = shape_of(x, declarations(caller, _root_of(caller)))
    if shape is None or shape.decl is None:
        return None
    if not shape.local and shape.decl.type != "parameter_declaration":
        return _file_array_count(caller, shape)
    if is_static(shape.decl):
        return None
    if shape.decl.type == "parameter_declaration":
        params = _params(caller)
        k = params.index(x) if x in params else -1
        if k < 0 or assignment_positions(caller).get(x):
            return None
        return known.get(function_name(caller)[0] or "", {}).get(k)
    if not shape.local:
        return None
    if shape.kind == "array" and shape.levels == 1 and shape.dims:
        return _macros_folded(object_size(shape.dims[0]), caller, shape.decl.start_byte)
    if shape.kind != "pointer" or shape.levels != 1:
        return None
    body = _field(caller, "body") or caller
    fresh = f.fresh if _root_of(caller).id == f.root.id else None
    allocs = [s for s in alloc_sites(body, fresh) if s.name == x]
    positions = assignment_positions(caller).get(x, [])
    if not allocs and depth < _OUT_DEPTH:
        got = _stored_count(caller, x, known, f, depth)
        c = count_stored_through(caller, x, f.lookup) if got is None else None
        return poly.var(c) if c is not None else got
    if len(allocs) != 1 or \
            any(not (allocs[0].stmt.start_byte <= p < allocs[0].stmt.end_byte) for p in positions):
        return None
    count = allocs[0].count
    if count is None:  # ``malloc(s.bytes)``, the size kept in a member (:mod:`.member_counts`)
        count = member_alloc_count(caller, allocs[0].stmt, x, _element_type(shape.decl, x),
                                   until)
    return _macros_folded(count, caller, allocs[0].stmt.start_byte)


def _file_array_count(caller: Node, shape: Shape) -> poly.Poly | None:
    """The element count of a file-scope true array ``T x[N]`` when ``N`` is an integer
    constant (macros folded): the one object the name designates wherever the program runs
    (static storage duration, C11 6.2.4p3; its size a constant expression, 6.7.6.2p2)."""
    if shape.kind != "array" or shape.levels != 1 or not shape.dims:
        return None
    count = _macros_folded(poly.poly_of(parsed_expression(shape.dims[0], "c")), caller,
                           shape.decl.start_byte) if shape.decl is not None else None
    return count if count is not None and not poly.names(count) else None


def _element_type(decl: Node, x: str) -> str:
    """The type ``x``'s declaration names (``T`` of ``T *x``)."""
    return next((d.type_name for d in declared_names(decl) if d.name == x), "")


def _macros_folded(count: poly.Poly | None, fn: Node, at: int) -> poly.Poly | None:
    """``count`` with each name that is an object-like macro visible at byte ``at`` whose
    expansion is an integer constant expression replaced by its value (the module's rule): the
    count then names only variables, which the calls can pass."""
    if count is None:
        return None
    root = _root_of(fn)
    values = macro_constants(root, at, poly.names(count), declarations(fn, root))
    out: poly.Poly | None = count
    for n, v in values.items():
        out = poly.subst(out, n, poly.const(v)) if out is not None else None
    return out


def _stored_count(caller: Node, x: str, known: _Known, f: _File, depth: int
                  ) -> poly.Poly | None:
    """The count of the allocation a call stores into ``x`` through ``&x``, in the caller's
    names: the callee's count with the call's arguments for its parameters, or the caller's
    name assigned the callee's value when that value is the count."""
    got = stored_through(caller, x, f.lookup)
    if got is None:
        return None
    count = _object_count(got.callee, got.local, known, f, depth + 1)
    if count is None:
        if got.result is not None and returns_count(got.callee, got.local):
            return poly.var(got.result)
        return None
    return _in_caller(got.callee, count, _args(got.call))


def _in_caller(callee: Node, count: poly.Poly, args: list[Node]) -> poly.Poly | None:
    """``count`` (the callee's names) in the caller's: the callee's locals declared once with a
    polynomial value spelled out, then each parameter (never assigned) replaced by its
    argument's polynomial."""
    a = assignments(_field(callee, "body") or callee)
    params = _params(callee)
    for _ in range(_SPELL_ROUNDS):
        names = poly.names(count)
        if any(a.count.get(n, 0) > (0 if n in params else 1) for n in names):
            return None
        local = [n for n in names if n not in params]
        if not local:
            break
        nxt = _spelled(count, local, a)
        if nxt is None:
            return None
        count = nxt
    else:
        return None
    out: poly.Poly | None = count
    for n in poly.names(count):  # "\0": the caller's names, kept apart from the callee's
        k = params.index(n)
        arg = poly.poly_of(args[k]) if k < len(args) else None
        marked = {tuple(sorted("\0" + v for v in t)): c for t, c in arg.items()} if arg else arg
        out = poly.subst(out, n, marked) if out is not None and marked is not None else None
    if out is None:
        return None
    return {tuple(sorted(v.lstrip("\0") for v in t)): c for t, c in out.items()}


def _in_callee(caller: Node, count: poly.Poly, args: list[Node], callee: Node,
               steady: frozenset[str] = frozenset()) -> poly.Poly | None:
    """``count`` (the caller's names) in the callee's parameters, the caller's locals declared
    once with a polynomial value spelled out where a name is not passed (``w`` of
    ``int w = m + 1;``); None when a name it uses is assigned after its declaration.  The
    globals of ``steady`` (:func:`_steady_globals`) stay as they are."""
    a = assignments(_field(caller, "body") or caller)
    params = set(_params(caller))
    for _ in range(_SPELL_ROUNDS):
        names = poly.names(count) - steady
        if any(a.count.get(n, 0) > (0 if n in params else 1) for n in names):
            return None
        got = _renamed(count, args, callee, steady)
        if got is not None:
            return got
        passed = {text(x) for x in map(unparen, args) if x is not None}
        local = [n for n in names if n in a.once() and n not in passed]
        nxt = _spelled(count, local, a) if local else None
        if nxt is None:
            return None
        count = nxt
    return None


def _spelled(count: poly.Poly, local: list[str], a: Assignments) -> poly.Poly | None:
    """``count`` with each of ``local`` (declared once) replaced by its polynomial value."""
    out: poly.Poly | None = count
    for n in local:
        value = poly.poly_of(a.once()[n]) if n in a.once() else None
        out = poly.subst(out, n, value) if out is not None and value is not None else None
    return out


def _member_renamed(key: str, by_arg: dict[str, str], callee: Node) -> str | None:
    """``s.m`` of the caller as the callee's ``t.m``, when ``s`` is passed by value to the
    parameter ``t`` and the callee never changes ``t.m`` (:func:`.member_counts.fixed_member`:
    the parameter is a copy of the argument, C11 6.5.2.2p4, so ``t.m`` is ``s.m`` at the call
    throughout the callee)."""
    read = parse_key(key)
    if read is None or read[2] or read[0] not in by_arg:
        return None
    renamed = by_arg[read[0]] + key[len(read[0]):]
    return renamed if fixed_member(callee, renamed) else None


def _renamed(count: poly.Poly, args: list[Node], callee: Node,
             steady: frozenset[str] = frozenset()) -> poly.Poly | None:
    """``count`` in the callee's parameters: each name passed unchanged as an argument to a
    parameter the callee never assigns; a global of ``steady`` not passed is its own name."""
    params = _params(callee)
    assigned = assignment_positions(callee)
    by_arg: dict[str, str] = {}
    for j, arg in enumerate(args):
        a = unparen(arg)
        if a is not None and a.type == "identifier" and j < len(params) and params[j] and \
                not assigned.get(params[j] or ""):
            by_arg.setdefault(text(a), params[j] or "")
    out: poly.Poly | None = count
    for n in poly.names(count):
        renamed = by_arg.get(n) or _member_renamed(n, by_arg, callee) or \
            (n if n in steady else None)
        if renamed is None:
            return None
        out = poly.subst(out, n, poly.var("\0" + renamed)) if out is not None else None
    if out is None:
        return None
    return {tuple(sorted(v.lstrip("\0") for v in t)): c for t, c in out.items()}
