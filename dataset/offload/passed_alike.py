"""Pointer parameters that a call of their function points into the same array
(:func:`aliased_parameters`), and the data clauses one construct gives them
(:func:`shared_clauses`).

C lets two pointer parameters designate the same object — only ``restrict`` promises otherwise
(C11 6.7.3.1) — and the program's calls show when they do: ``resid(u, r, r)``,
``f(&a[k], a + 1)`` (the argument's array: an array converts to a pointer to its first element,
C11 6.3.2.1p3; ``&a[k]`` and ``a + k`` point into ``a``, 6.5.3.2p3, 6.5.6p8); a parameter the
caller passes on carries what its own callers pass (a fixed point over the call graph).  A
pointer the caller reads from memory is told by its expression: ``resid(u[k], r[k], r[k])``
passes one pointer twice — one call's arguments are evaluated with nothing stored between
them when none has a side effect (no call, assignment, increment; 6.5.2.2p4, 6.5.16p3), so the
same lvalue read twice gives the same value (and ``r[k] + n1`` points into what ``r[k]``
does).

A construct maps each data clause's section on its own (OpenACC 3.3, 2.7): the second clause
naming memory the first put on the device finds it present and only counts a reference
(2.6.7).  At the construct's end each clause's exit action drops one reference, and only the
action that brings the counts to zero acts: a ``copyout`` (of ``copy``/``copyout``) copies the
device data back, a ``delete`` (of ``copyin``/``create``) discards it (2.7.2).  Nothing orders
the exit actions of one construct's clauses (libgomp runs them in clause order, the emulator in
reverse), so ``copyin(v[s]) copyout(r[s])`` with ``v == r`` may discard what the loop wrote
through ``r`` — the host then reads stale data — and ``create(t[s]) copyin(u[s])`` may leave
uninitialised device data where the loop reads ``u``.  The rule, for two arrays of one
construct that a call passes the same array for:

* passed different pointers by some call (not :func:`same_pointer_parameters`: ``f(n, a + 1,
  a)``): no construct, whatever the clauses — even two ``copyin`` of equal section text start
  at different addresses, and the second is partly present (:func:`shared_clauses`' ``apart``);
* both only read (``copyin``), or both scratch (``create``): nothing to change;
* otherwise, with the same section: both ``copy`` — whichever entry comes first copies in what
  any of them reads, whichever exit comes last copies back what any of them wrote;
* with different sections: the second entry would find its memory partly present (an error,
  2.7.2's present test).  When every such call passes the same pointer for both
  (:func:`same_pointer_parameters`: ``resid(u, r, r)``, not ``f(a, a + 1)``), both get the
  smallest section holding the two (:func:`widened`: a span per dimension, where the bounds
  can be ordered) and then the rule above: the two sections are then the same memory, entered
  once, and hold what either name reaches.  Otherwise no clause pair is right in every order:
  no construct, the loops stay on the host (the plan says why).

Only the calls the planner sees count (a function's other callers are not known); a pair no
seen call passes alike keeps its clauses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, op, root_of, text, unparen
from accellium.dataset.offload.callgraph import (
    CallGraph,
    declared_names,
    graph_of,
    is_static,
    param_names,
)

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import ArrayInfo

__all__ = ["aliased_parameters", "element_references", "same_pointer_parameters", "shared_clauses", "widened",
           "argument_array", "pointer_base", "program_pairs", "seen_program_pairs"]

_ROUNDS = 8

#: (function, parameter, parameter, apart) for each pair of a function's parameters the calls
#: of a whole program pass into one array (``apart``: maybe different pointers), while a plan
#: of that program's file asks for per-loop answers (:func:`program_pairs`)
PairRows = tuple[tuple[str, str, str, bool], ...]
_PROGRAM: ContextVar[PairRows] = ContextVar("program_pairs", default=())


@contextmanager
def program_pairs(alike: dict[str, set[frozenset[str]]],
                  same: dict[str, set[frozenset[str]]]) -> Iterator[None]:
    """While planning a file with the program's other units: the pairs :func:`aliased_parameters`
    found over all of them (``alike``) and those :func:`same_pointer_parameters` kept
    (``same``), for the per-loop answers, which see the file alone
    (:func:`seen_program_pairs`)."""
    rows: PairRows = tuple(sorted(
        (fn, min(pair), max(pair), pair not in same.get(fn, set()))
        for fn, pairs in alike.items() for pair in pairs))
    token = _PROGRAM.set(rows)
    try:
        yield
    finally:
        _PROGRAM.reset(token)


def seen_program_pairs() -> PairRows:
    """The rows :func:`program_pairs` set (none outside it)."""
    return _PROGRAM.get()
_ALONE = (frozenset({"copyin"}), frozenset({"create"}))


def _pointed_into(arg: Node | None) -> Node | None:
    """Where the walk from an argument to what it points into stops: through casts, ``&`` of an
    element (``&a[k]``, ``&a[i][j]``) and ``+``/``-`` of an offset (``a + k``, ``1 + a``), at
    the first node that is none of those."""
    a = unparen(arg) if arg is not None else None
    address = False
    while a is not None:
        t = a.type
        if t == "cast_expression":
            a = unparen(_field(a, "value"))
        elif t == "pointer_expression" and op(a) == "&":
            a, address = unparen(_field(a, "argument")), True
        elif t == "subscript_expression" and address:
            a = unparen(_field(a, "argument"))
        elif t == "binary_expression" and op(a) in ("+", "-"):
            left, right = unparen(_field(a, "left")), unparen(_field(a, "right"))
            a = right if op(a) == "+" and left is not None and left.type == "number_literal" \
                else left
        else:
            return a
    return None


def argument_array(arg: Node | None) -> str | None:
    """The name of the array (or pointer) an argument points into: ``a``, ``&a[k]``,
    ``a + k``, ``(T *) a``, ``&a[i][j]``, ``p->x`` (the member path's text); None for anything
    else: a call, or an element read, ``w[k]`` — a pointer stored in ``w`` points wherever it
    was set to (a row ``A[i]`` of a true array is not told from it here, and not counted)."""
    a = _pointed_into(arg)
    return text(a) if a is not None and a.type in ("identifier", "field_expression") else None


_EFFECTS = frozenset({"call_expression", "assignment_expression", "update_expression",
                      "comma_expression"})


def _pure(n: Node) -> bool:
    """No node of ``n`` has a side effect (C11 5.1.2.3p2: a store, a call)."""
    stack = [n]
    while stack:
        x = stack.pop()
        if x.type in _EFFECTS:
            return False
        stack.extend(x.children)
    return True


def pointer_base(arg: Node | None) -> str | None:
    """What an argument points into, as a key two arguments of one call share only when they
    point into one object: :func:`argument_array`'s name, else the text of the pointer the
    argument reads from memory (``r[k]`` in ``r[k]``, ``r[k] + n1`` or ``&(*p)[1]``) when it
    has no side effect (see the module); None otherwise."""
    a = _pointed_into(arg)
    if a is None:
        return None
    if a.type in ("identifier", "field_expression"):
        return text(a)
    if a.type in ("subscript_expression", "pointer_expression") and _pure(a):
        return "=" + "".join(text(a).split())
    return None


def _args(call: Node) -> list[Node]:
    return [a for a in named(_field(call, "arguments")) if a.type != "comment"]


def aliased_parameters(root: Node, others: list[Node] | None = None,
                       g: CallGraph | None = None) -> dict[str, set[frozenset[str]]]:
    """For each function of the file (and of ``others``, the program's other units): the
    pairs of its parameters some seen call passes pointers into the same array for — the same
    array of the caller, or two parameters of the caller that are such a pair themselves
    (``g``: the call graph of ``root`` and ``others``, when made already)."""
    g = g if g is not None else graph_of(root, others)
    params = {name: param_names(fn) for name, fn in g.fns.items() if name not in g.twice}
    out: dict[str, set[frozenset[str]]] = {}
    for name, ps in params.items():  # what a call passes for a global: no round changes it
        for pair in _global_pairs(g, name, ps):
            out.setdefault(name, set()).add(pair)
    for _ in range(_ROUNDS):
        changed = False
        for name, ps in params.items():
            for caller, call in g.calls.get(name, ()):
                theirs = out.get(function_name(caller)[0] or "", set())
                bases = [pointer_base(a) for a in _args(call)]
                for i in range(min(len(ps), len(bases))):
                    for j in range(i + 1, min(len(ps), len(bases))):
                        p, q, a, b = ps[i], ps[j], bases[i], bases[j]
                        if not p or not q or p == q or a is None or b is None:
                            continue
                        if a == b or frozenset((a, b)) in theirs:
                            pair = frozenset((p, q))
                            if pair not in out.setdefault(name, set()):
                                out[name].add(pair)
                                changed = True
        if not changed:
            break
    return out


def _global_pairs(g: CallGraph, name: str, ps: list[str | None]) -> set[frozenset[str]]:
    """(parameter, array) pairs of the function ``name`` where a seen call passes, for the
    parameter, a pointer into an array of file scope (``gx(n, G, y)``) that the function
    names itself: the parameter and the name then designate one object (C11 6.2.2: the
    caller and the function name one object of external linkage, or of internal linkage in
    one file)."""
    fn = g.fns.get(name)
    calls = g.calls.get(name, ())
    if fn is None or not calls:
        return set()
    mine = _file_scope_uses(fn, declared_names(fn))
    out: set[frozenset[str]] = set()
    for caller, call in calls if mine else ():
        theirs = declared_names(caller)
        for p, base in zip(ps, (pointer_base(a) for a in _args(call)), strict=False):
            if not p or base is None or not base.isidentifier() or base == p:
                continue
            if base in mine and base not in theirs and \
                    _same_object(base, root_of(fn), root_of(caller)):
                out.add(frozenset((p, base)))
    return out


def _file_scope_uses(fn: Node, own: set[str]) -> set[str]:
    """The names ``fn``'s body uses that it does not declare and its file declares at file
    scope as objects."""
    body = _field(fn, "body")
    used = {text(n) for n in iter_nodes(body) if n.type == "identifier"} - own \
        if body is not None else set()
    return used & _file_scope_objects(root_of(fn))


def _file_scope_objects(root: Node) -> set[str]:
    from accellium.dataset.offload.callgraph import _declarator_name

    return {d for n in root.named_children if n.type == "declaration"
            for dec in n.children_by_field_name("declarator")
            if (d := _declarator_name(dec)) and dec.type != "function_declarator"}


def _same_object(name: str, a: Node, b: Node) -> bool:
    """Do the units ``a`` and ``b`` name one object ``name`` of file scope: one unit, or
    neither declares it ``static`` (internal linkage, C11 6.2.2p3) and ``b`` declares it
    too?"""
    if a.id == b.id:
        return True
    if name not in _file_scope_objects(b):
        return False
    return not any(n.type == "declaration" and is_static(n) and name in {
        text(d) for d in iter_nodes(n) if d.type == "identifier"}
        for r in (a, b) for n in r.named_children)


def _element_of(arg: Node | None) -> str | None:
    """The array whose element an lvalue argument designates: ``a`` of ``a[k]``, ``a[i][j]``,
    ``(a[k])``; ``p`` of ``*p`` and ``p[0]``; None for anything else."""
    a = unparen(arg) if arg is not None else None
    if a is None:
        return None
    if a.type == "pointer_expression" and op(a) == "*":
        return argument_array(_field(a, "argument"))
    if a.type != "subscript_expression":
        return None
    while a is not None and a.type == "subscript_expression":
        a = unparen(_field(a, "argument"))
    return text(a) if a is not None and a.type in ("identifier", "field_expression") else None


def element_references(root: Node, alike: dict[str, set[frozenset[str]]] | None = None,
                       g: CallGraph | None = None) -> dict[str, set[tuple[str, str]]]:
    """For each function of the file: (reference parameter, pointer parameter) pairs where a
    seen call binds the reference — to a non-pointer object (C++ ``const double &s``) — to an
    element of the array the call points the other parameter into (``scale(a[0], a, n)``;
    ``alike``: :func:`aliased_parameters`' pairs of the caller, whose arrays are one).  The
    reference then designates that element ([dcl.ref]p1): reading it reads the array, writing it
    writes the array."""
    from accellium.dataset.analysis.scope import parameters

    g = g if g is not None else graph_of(root, others=None)
    alike = alike if alike is not None else aliased_parameters(root, g=g)
    out: dict[str, set[tuple[str, str]]] = {}
    for name, fn in g.fns.items():
        if name in g.twice:
            continue
        decl = parameters(function_name(fn)[1])
        refs = {i for i, d in enumerate(decl)
                if d.name and d.references and d.levels == d.references}
        if not refs:
            continue
        for caller, call in g.calls.get(name, ()):
            theirs = alike.get(function_name(caller)[0] or "", set())
            args = _args(call)
            for i in refs:
                elem = _element_of(args[i]) if i < len(args) else None
                if elem is None:
                    continue
                for j, d in enumerate(decl):
                    if j == i or not d.name or d.levels <= d.references or j >= len(args):
                        continue  # not a pointer (or array) parameter
                    base = pointer_base(args[j])
                    if base is not None and (base == elem or frozenset((base, elem)) in theirs):
                        out.setdefault(name, set()).add((decl[i].name, d.name))
    return out


def same_pointer_parameters(root: Node, alike: dict[str, set[frozenset[str]]],
                            others: list[Node] | None = None, g: CallGraph | None = None
                            ) -> dict[str, set[frozenset[str]]]:
    """Of the pairs :func:`aliased_parameters` found (``alike``), those every seen call that
    passes one array for both passes the same pointer for: the same expression, free of side
    effects (``resid(u, r, r)``; not ``f(a, a + 1)``), or two parameters of the caller that are
    such a pair themselves.  The two names then designate the same memory from the same
    address: a section of one is the same section of the other.  (``g``: as for
    :func:`aliased_parameters`.)"""
    g = g if g is not None else graph_of(root, others)
    params = {name: param_names(fn) for name, fn in g.fns.items() if name not in g.twice}
    out = {name: set(pairs) for name, pairs in alike.items()}
    for _ in range(_ROUNDS):
        changed = False
        for name, pairs in out.items():
            ps = params.get(name, [])
            for caller, call in g.calls.get(name, ()):
                theirs = out.get(function_name(caller)[0] or "", set())
                args = [_value_text(a) for a in _args(call)]
                for pair in list(pairs):
                    i, j = (ps.index(n) if n in ps else len(args) for n in sorted(pair))
                    if (i >= len(args)) != (j >= len(args)):  # a parameter and an array
                        k, glob = (i, max(pair)) if j >= len(args) else (j, min(pair))
                        if args[k] != glob:  # not the array itself (`G + 1`): apart
                            pairs.discard(pair)
                            changed = True
                        continue
                    if i >= len(args) or j >= len(args):
                        continue
                    x, y = args[i], args[j]
                    bases = pointer_base(_args(call)[i]), pointer_base(_args(call)[j])
                    alike_here = bases[0] is not None and (
                        bases[0] == bases[1] or frozenset(bases) in alike.get(
                            function_name(caller)[0] or "", set()))
                    if not alike_here:
                        continue  # this call passes two arrays: nothing to say
                    if x is not None and (x == y or frozenset((x, y)) in theirs):
                        continue
                    pairs.discard(pair)
                    changed = True
        if not changed:
            break
    return {name: pairs for name, pairs in out.items() if pairs}


def _value_text(arg: Node) -> str | None:
    """The argument without parentheses and casts, as text without blanks, when it has no
    side effect (two such arguments of one call of the same text have the same value)."""
    a = unparen(arg)
    while a is not None and a.type == "cast_expression":
        a = unparen(_field(a, "value"))
    return "".join(text(a).split()) if a is not None and _pure(a) else None


def shared_clauses(clauses: dict[str, str], sections: dict[str, str],
                   aliased: frozenset[frozenset[str]],
                   apart: frozenset[frozenset[str]] = frozenset()) -> str | None:
    """Apply the module's rule to one construct's ``clauses`` (array -> clause, changed in
    place; ``sections``: array -> its section text): the arrays a call passes alike get
    ``copy`` when any of them is written or created; why no construct can map them (None: it
    can).  ``apart``: the pairs of ``aliased`` a call may pass different pointers into the
    array for (not :func:`same_pointer_parameters`: ``f(n, a + 1, a)``) — the same section
    text of each then starts at another address, so the two sections differ whatever their
    text, and even two ``copyin`` would find the second partly present."""
    for pair in sorted(aliased | apart, key=sorted):
        a, b = sorted(pair)
        if a not in clauses or b not in clauses:
            continue
        kinds = frozenset((clauses[a], clauses[b]))
        if kinds in _ALONE and pair not in apart:
            continue
        sa, sb = sections.get(a, a), sections.get(b, b)
        if pair in apart:
            return (f"`{a}` and `{b}` may point into the same array at different places (a "
                    "call passes two pointers into one array for them): one construct cannot "
                    "map both (the second would be partly present, OpenACC 3.3, 2.7.2)")
        if sa[len(a):] != sb[len(b):]:
            return (f"`{a}` and `{b}` may point into the same array (a call passes one array "
                    "for both, or the function points one at the other) and their sections "
                    "differ: one construct cannot map both (the second would be partly "
                    "present, OpenACC 3.3, 2.7.2)")
        clauses[a] = clauses[b] = "copy"
    return None


def widened(arrays: dict[str, ArrayInfo], same: frozenset[frozenset[str]],
            mins: dict[str, int] | None = None) -> dict[str, ArrayInfo]:
    """``arrays`` with each pair of ``same`` (:func:`same_pointer_parameters`) given the
    smallest section holding both their sections (see the module), where both are sections of
    the same shape whose bounds can be ordered; other arrays as they are."""
    from dataclasses import replace

    from accellium.dataset.offload.arrays import section_text
    from accellium.dataset.offload.extent import union

    out = dict(arrays)
    for pair in sorted(same, key=sorted):
        a, b = sorted(pair)
        x, y = out.get(a), out.get(b)
        if x is None or y is None or x.section[len(a):] == y.section[len(b):] or \
                x.spans is None or y.spans is None or len(x.spans) != len(y.spans) or \
                (x.shape.kind, x.shape.levels, x.shape.dims) != \
                (y.shape.kind, y.shape.levels, y.shape.dims) or x.alloc or y.alloc:
            continue
        spans = [union([p, q], mins) for p, q in zip(x.spans, y.spans, strict=True)]
        if any(sp is None for sp in spans):
            continue
        both = [sp for sp in spans if sp is not None]
        sa, sb = section_text(x.shape, both), section_text(y.shape, both)
        if sa is None or sb is None:
            continue
        out[a] = replace(x, spans=both, section=sa, whole_object=False)
        out[b] = replace(y, spans=both, section=sb, whole_object=False)
    return out
