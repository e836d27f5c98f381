"""Names that are counts: the limit of a loop (``for (i = 0; i < n; i++)``, ``i <= n - 1``)
anywhere the name holds the same value is a number of iterations, which the planner takes to
be at least 1, as it takes every loop it offloads to run (docs/offload.md, "Assumptions").

A parameter holds the argument's value until the function assigns it (C11 6.5.2.2p4), a local
its initializer's (6.7.9p11), so a name the function never assigns is the same object with the
same value in each loop of the function that reads it (6.2.4p2); a file-scope variable is one
object for the whole program (6.2.4p3, 6.9.2), the same value in every function's loops while
no one assigns it.  A name that bounds no loop (an offset ``off``, a stride or a flag ``k``)
is no count and gets no minimum here: it may be 0 or negative."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import declared_names
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, kept_with_tree, named, root_of
from accellium.dataset.offload.callgraph import param_names
from accellium.dataset.offload.nodes import callee_name, enclosing_function
from accellium.dataset.offload.uses import Assignments, assignments

__all__ = ["limit_minimums", "count_minimums", "parameter_limits"]


def limit_minimums(body: Node) -> dict[str, int]:
    """The smallest values the limits of the ``for`` loops under ``body`` take for each loop
    to run at least once (:func:`.ranges.size_minimum`: ``for (i = 1; i < n - 1; i++)``: ``n
    >= 3``)."""
    from accellium.dataset.offload.ranges import plain_range, size_minimum

    mins: dict[str, int] = {}
    for n in iter_nodes(body):
        if n.type == "for_statement":
            r = plain_range(n)
            if r is not None:
                size_minimum(r, mins)
    return mins


def _unassigned(params: set[str], a: Assignments) -> set[str]:
    """The parameters ``params`` and the locals of ``a`` (a function's body) the body never
    assigns (a local: only its initializer)."""
    once = a.once()
    return {n for n in params | set(a.declared)
            if not a.count.get(n) or (n in once and n not in params)}


def _file_scalars(root: Node) -> set[str]:
    """The variables the file declares at file scope that are no pointer, array or function."""
    return {d.name for n in named(root) if n.type == "declaration"
            for d in declared_names(n) if not d.pointer and d.function is None}


@dataclass(frozen=True)
class _FunctionCounts:
    """What one function gives :func:`count_minimums` whatever its loop: computed once per
    function (a function of many loops asks for it once per loop)."""

    # the names that bound its loops, each with its smallest value for them to run
    # (:func:`limit_minimums`)
    limits: Mapping[str, int]
    counts: frozenset[str]  # those of its parameters and locals it never assigns
    params: frozenset[str]  # its parameters
    own: frozenset[str]  # its parameters and locals (they hide the file-scope names)
    assigns: frozenset[str]  # the names its body assigns
    calls: frozenset[str]  # the names of the functions its body calls


def _function_counts(fn: Node) -> _FunctionCounts:
    """:class:`_FunctionCounts` of the function definition ``fn``, kept with its tree (a node
    equals only the same node of the same tree)."""
    return kept_with_tree(root_of(fn), "loop_counts.function", fn, lambda: _counts_of(fn))


def _counts_of(fn: Node) -> _FunctionCounts:
    body = _field(fn, "body")
    params = {p for p in param_names(fn) if p}
    if body is None:
        return _FunctionCounts(MappingProxyType({}), frozenset(), frozenset(params),
                               frozenset(params), frozenset(), frozenset())
    a = assignments(body)
    limits = limit_minimums(body)
    calls = {callee_name(n) or "" for n in iter_nodes(body) if is_call(n)}
    return _FunctionCounts(MappingProxyType(limits),
                           frozenset(limits.keys() & _unassigned(params, a)), frozenset(params),
                           frozenset(params | set(a.declared)),
                           frozenset(k for k, v in a.count.items() if v), frozenset(calls - {""}))


def parameter_limits(fn: Node) -> Mapping[str, int]:
    """The parameters of ``fn`` that bound its loops and that ``fn`` never assigns, each with
    its smallest value for the loops to run (:func:`limit_minimums`), from the function's
    facts read once (:func:`_function_counts`)."""
    f = _function_counts(fn)
    return {p: v for p, v in f.limits.items() if p in f.params and p not in f.assigns}


def _global_limits(root: Node) -> frozenset[str]:
    """The file-scope scalars of ``root`` that bound a loop of a function of the file that
    declares no parameter or local of that name (there the name is the global); once per
    file (kept with its tree)."""
    return kept_with_tree(root, "loop_counts.global_limits", None, lambda: _limits_of(root))


def _limits_of(root: Node) -> frozenset[str]:
    scalars = _file_scalars(root)
    out: set[str] = set()
    if not scalars:
        return frozenset()
    for fn in named(root):
        if fn.type == "function_definition":
            f = _function_counts(fn)
            out |= (f.limits.keys() & scalars) - f.own
    return frozenset(out)


def _assigned_by_calls(tops: list[Node], root: Node) -> set[str]:
    """The names the functions of the file called under ``tops`` assign, their own callees'
    included (a global one of them assigns changes under the region)."""
    from accellium.dataset.offload.callee_sizes import definitions

    defs = definitions(root)
    seen: set[str] = set()
    todo = [callee_name(n) or "" for t in tops for n in iter_nodes(t)
            if is_call(n)]
    out: set[str] = set()
    while todo:
        name = todo.pop()
        fn = defs.get(name)
        if fn is None or name in seen:
            continue
        seen.add(name)
        f = _function_counts(fn)
        out |= f.assigns
        todo += f.calls
    return out


def count_minimums(tops: list[Node], mins: dict[str, int], assigned: dict[str, int]) -> None:
    """Give the names that have no minimum in ``mins`` and are counts the minimum 1 (a loop
    elsewhere need not run where ``tops`` do, so no more than 1): a parameter or local the
    function of ``tops`` never assigns that bounds one of its loops, or a file-scope variable
    that bounds a loop of a function of the file and that neither ``tops`` (``assigned``) nor
    the functions they call assign.  Not only the names written under ``tops``: a callee's
    section brings its own (a global ``nx`` of its subscripts).  The facts of the function
    and of the file are read once each (:func:`_function_counts`, :func:`_global_limits`),
    so a function of many loops costs one walk of it, not one per loop."""
    fn = enclosing_function(tops[0]) if tops else None
    if fn is None or _field(fn, "body") is None:
        return
    f = _function_counts(fn)
    got = f.counts - mins.keys()
    root = root_of(fn)
    rest = _global_limits(root) - f.own - mins.keys() - {k for k, v in assigned.items() if v}
    if rest:
        rest -= _assigned_by_calls(tops, root)
    for k in got | rest:
        mins[k] = 1
