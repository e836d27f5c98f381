"""What code after a region may read (:func:`live_after`), and which pointer parameters of a
function point to memory nobody reads after the function returns (:func:`dead_parameters`).

A parameter's memory is the caller's: code after the function may read it, so it is live —
unless every call of the function is known and at each one the argument is dead after the call.
The rule used (sound for C):

* the calls are all known when the function has internal linkage (``static``: no other
  translation unit can name it), or when the caller of the planner gives every other
  translation unit of the program (the files it is linked from: a function with external
  linkage can only be called from them — the C library calls a program function only through
  a pointer it was given) — and the files name it only as the callee of direct calls (its
  address never taken: no call through a pointer reaches it; ``main`` is never a candidate);
* at a call, the argument is a plain name ``x`` of the caller whose memory only that name
  reaches: a local array, or a local pointer whose only assignment is its ``malloc``/``calloc``
  (or its ``posix_memalign``'s, :func:`.shapes.alloc_sites`)
  — or a parameter of the caller that is itself dead after every call of the caller;
* ``x`` does not escape: every other use of the bare name is ``free(x)`` or an argument of a
  direct call to a function of the file that only subscripts that parameter (or passes it on to
  such a function) — so no other name for the memory exists anywhere;
* the caller does not name ``x`` after the call, nor anywhere in a loop around the call (the
  call included: its next run may read what this one left; ``free`` is not a read), and ``x``
  is not a ``static`` local (it outlives the call of its function) nor a parameter the caller
  assigns.

Then nothing reads the parameter's elements after the function returns: its region needs no
``copyout`` (``create`` or ``copyin`` instead).  Two more cases count as dead at a call: a
local the caller names after the call but first replaces whole, before any read
(:mod:`.killed`: what the callee left is never read), and an element ``w[c]`` of a local
array of pointers whose other uses name provably other elements (:mod:`.elements`).
Everything else stays live."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, op, text, unparen
from accellium.dataset.analysis.tree import root_of as _root_of
from accellium.dataset.offload.arrays import Scope, assignment_positions
from accellium.dataset.offload.callgraph import CallGraph as _File
from accellium.dataset.offload.callgraph import is_static as _static
from accellium.dataset.offload.callgraph import param_names as _params
from accellium.dataset.offload.exit_dead import read_after_in_main
from accellium.dataset.offload.fresh import FreshNames, fresh_functions
from accellium.dataset.offload.killed import object_size, overwritten_after
from accellium.dataset.offload.nodes import loops_around, null_tested, statement_of
from accellium.dataset.offload.shapes import (
    Shape,
    alloc_sites,
    declarations,
    free_sites,
    shape_of,
)
from accellium.dataset.offload.uses import ArrayUse, array_uses

if TYPE_CHECKING:
    from accellium.dataset.offload.structure import Layout

__all__ = ["live_after", "dead_parameters", "in_loop", "pointer_use"]

_ROUNDS = 6


def live_after(scope: Scope, lay: Layout, name: str, hoisted: frozenset[int] = frozenset()
               ) -> bool:
    """May code after the region read the array: a global, memory a local pointer merely points
    to, or a parameter (unless :func:`dead_parameters` proved its memory dead after the
    function) always may; a local array, memory the function allocated itself, or a dead
    parameter, when the function names it after the region or in a loop around the region
    (``free`` is not a read, nor a test of the pointer against null, ``if (!p)``:
    :func:`.nodes.null_tested`, which is no escape either; nor passing it to a hoisted call, ``hoisted``: the ids of those
    arguments — the callee only subscripts it in its device code, :mod:`.calls`).  Passing it
    anywhere else to a function of the file that only subscripts that parameter (or passes it
    on to such a function: :meth:`.callgraph.CallGraph.kept`) gives no other name the memory
    after the call returns: such a call before the region is no escape, one after it is a
    read of the name after the region."""
    shape = scope.shape(name)
    if shape is None:
        return True
    param = shape.decl is not None and shape.decl.type == "parameter_declaration"
    if param and name not in scope.dead_params:
        return True
    if shape.local and shape.decl is not None and _static(shape.decl):
        # declared `static`: one object every call shares (C11 6.2.4p3, 6.7.1), which the
        # next call reads
        return True
    if not shape.local and not param:
        return read_after_in_main(scope.fn, lay.block, lay.end, name, scope.exit_dead)
    if not param and shape.kind != "array" and scope.alloc(name) is None:
        return True  # the pointer is local, the memory it points to is not
    frees = {f.id for f in scope.frees.get(name, [])}
    allocs = {a.stmt.id for a in scope.allocs.get(name, [])}
    if not param:
        for u in array_uses(scope.fn):
            if u.name == name and pointer_use(u, shape) and \
                    not _in_free(u.node, frees | allocs) and u.node.id not in hoisted and \
                    not null_tested(u.node):
                if not scope.file_calls()._passed_on(_argument(u.node), frozenset()):
                    return True  # its address escapes (stored, returned): anyone may read it
    return _named_after(scope.fn, name, lay.block, lay.start, lay.end, frees)


def pointer_use(u: ArrayUse, shape: Shape) -> bool:
    """Is the use's value a pointer into the array's memory rather than an element: the
    array itself (``f(a)``, ``p = a``), or fewer subscripts than its elements take on rows
    (``*A`` of ``T (*A)[N][M]``, ``t[i]`` of ``T t[N][M]``: an array, which becomes a pointer
    to its first element, C11 6.3.2.1p3)?"""
    return u.whole or (shape.kind in ("rows", "array") and len(u.subs) < shape.levels)


def in_loop(node: Node, fn: Node) -> bool:
    """Is ``node`` (or a statement around it) a loop of ``fn``?"""
    return bool(loops_around(node, fn))


def _named_after(fn: Node, name: str, at: Node, start: int, end: int, frees: set[int]) -> bool:
    """Does ``fn`` name ``name`` after ``start..end`` or in a loop around ``at`` (not counting
    ``free``)?"""
    around = loops_around(at, fn)
    for n in iter_nodes(fn):
        if n.type != "identifier" or start <= n.start_byte < end or \
                (text(n) != name and not macro_names(n, name)):
            continue
        later = n.start_byte >= end or any(a.start_byte <= n.start_byte < a.end_byte
                                           for a in around)
        if later and not _in_free(n, frees):
            return True
    return False


def macro_names(n: Node, name: str) -> bool:
    """Is the identifier ``n`` a use of a macro of the file whose expansion names ``name`` (a
    variable of the function it is used in: ``#define CHECK_A(len) ... a[i] ...``)?  The
    preprocessor replaces the use by the body before the compiler reads it (C11 6.10.3), so
    the body's names are names of the code there — a parameter's are the argument's."""
    from accellium.dataset.analysis.macros import file_macros, tokens, used_macros

    table = file_macros(n) if n.parent is not None else None
    return bool(table) and any(name in tokens(m.body) and name not in (m.params or ())
                               for m in used_macros(text(n), table or {}))


def _in_free(n: Node, frees: set[int]) -> bool:
    p = n.parent
    while p is not None:
        if p.id in frees:
            return True
        if p.type.endswith("statement"):
            return False
        p = p.parent
    return False


# -- parameters dead after every call -----------------------------------------------------------


def _dead_at(f: _File, caller: Node, call: Node, x: str, dead: dict[str, set[int]],
             fresh: Callable[[Node], FreshNames]) -> bool:
    """Is the caller's ``x`` dead after ``call`` (the rule in the module's docstring)?"""
    shape = shape_of(x, declarations(caller, _root_of(caller)))
    if shape is None or shape.decl is None or _static(shape.decl):
        return False  # a static local outlives the call of its function
    caller_name = function_name(caller)[0] or ""
    if shape.decl.type == "parameter_declaration":
        k = _params(caller).index(x) if x in _params(caller) else -1
        if k < 0 or k not in dead.get(caller_name, set()) or \
                assignment_positions(caller).get(x):
            return False  # not the memory the caller's callers passed
    elif not shape.local:
        return False
    body = _field(caller, "body") or caller
    wrappers = fresh(caller)
    sites = [a for a in alloc_sites(body, wrappers) if a.name == x]
    allocs = [a.stmt for a in sites]
    frees = {s.id for n, s in free_sites(body, wrappers) if n == x}
    if shape.local and shape.kind != "array":
        positions = assignment_positions(caller).get(x, [])
        if not allocs or any(not any(a.start_byte <= p < a.end_byte for a in allocs)
                             for p in positions):
            return False
    alloc_ids = {a.id for a in allocs}
    for u in array_uses(body):
        if u.name != x or not pointer_use(u, shape) or _in_free(u.node, frees | alloc_ids):
            continue
        if not f._passed_on(_argument(u.node), frozenset()):
            return False
    stmt = statement_of(call)
    if any(n.type == "identifier" and text(n) == x and
           not (call.start_byte <= n.start_byte < call.end_byte) for n in iter_nodes(stmt)):
        return False  # named again in the statement: perhaps evaluated after the call
    # after the call, or anywhere in a loop around it (the call itself included: its next
    # run may read what this one left)
    if not _named_after(caller, x, stmt, stmt.end_byte, stmt.end_byte, frees):
        return True
    if not shape.local or shape.levels != 1 or shape.kind not in ("array", "pointer"):
        return False
    # named after the call: dead still when the caller first replaces the whole object
    # (:mod:`.killed`)
    if shape.kind == "array":
        count = object_size(shape.dims[0]) if shape.dims else None
        origin = shape.decl
    else:
        count = sites[0].count if len(sites) == 1 else None
        origin = allocs[0] if len(allocs) == 1 else shape.decl
    return overwritten_after(caller, stmt, x, count, origin, f.lookup, _params(caller))


def dead_parameters(root: Node, others: list[Node] | None = None) -> dict[str, set[str]]:
    """For each function of the file, its pointer parameters whose memory no code reads after
    the function returns (the module's rule; the least fixed point over the call graph).
    ``others``: the program's other translation units — then every call of a function with
    external linkage is seen too (the program is linked from exactly these files)."""
    f = _File(root, others)
    files = [root, *(others or [])]
    views: dict[int, FreshNames] = {}

    def fresh(fn: Node) -> FreshNames:
        """The wrappers the calls of ``fn``'s file reach."""
        r = _root_of(fn)
        if r.id not in views:
            views[r.id] = fresh_functions(r, [o for o in files if o.id != r.id])
        return views[r.id]

    dead: dict[str, set[int]] = {}
    for _ in range(_ROUNDS):
        changed = False
        for name, fn in f.fns.items():
            if not f.every_call_seen(name):
                continue
            params = _params(fn)
            for k, p in enumerate(params):
                if p is None or k in dead.get(name, set()) or not f.kept(name, k):
                    continue
                if all(_dead_arg(f, caller, call, k, dead, fresh)
                       for caller, call in f.calls[name]):
                    dead.setdefault(name, set()).add(k)
                    changed = True
        if not changed:
            break
    return {name: {p for k, p in enumerate(_params(f.fns[name])) if k in ks and p}
            for name, ks in dead.items()}


def _dead_arg(f: _File, caller: Node, call: Node, k: int, dead: dict[str, set[int]],
              fresh: Callable[[Node], FreshNames]) -> bool:
    args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
    if k >= len(args):
        return False
    a = unparen(args[k])
    if a is not None and a.type == "subscript_expression":
        from accellium.dataset.offload.elements import dead_element

        return dead_element(f, caller, call, a)
    name = _star_of(a) if a is not None else None
    if name is not None:
        # ``*A``: the one object A points to (C11 6.5.3.2p4), the memory of A itself
        return _dead_at(f, caller, call, name, dead, fresh)
    if a is None or a.type != "identifier":
        return False
    return _dead_at(f, caller, call, text(a), dead, fresh)


def _star_of(a: Node) -> str | None:
    """``A`` of an argument ``*A``, also spelled as a call of a function-like macro whose
    expansion is ``*A`` (``ARRAY(A)``, C11 6.10.3) (None: another argument)."""
    if is_call(a):
        from accellium.dataset.analysis.macros import file_expansion

        got = unparen(file_expansion(a))
        a = got if got is not None else a
    if a.type != "pointer_expression" or op(a) != "*":
        return None
    inner = unparen(_field(a, "argument"))
    return text(inner) if inner is not None and inner.type == "identifier" else None


def _argument(n: Node) -> Node:
    """The argument ``n`` stands for: the call of a function-like macro whose one argument
    it is and whose expansion is ``*n`` (``ARRAY(A)``), else ``n`` itself."""
    args = n.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    if call is not None and is_call(call) and \
            len([x for x in named(args) if x.type != "comment"]) == 1 and \
            _star_of(call) == text(n):
        return call
    return n
