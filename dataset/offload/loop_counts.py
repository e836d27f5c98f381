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

from tree_sitter import Node

from accellium.dataset.analysis.scope import declared_names
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, root_of
from accellium.dataset.offload.callgraph import param_names
from accellium.dataset.offload.nodes import callee_name, enclosing_function
from accellium.dataset.offload.uses import Assignments, assignments

__all__ = ["limit_minimums", "count_minimums"]


def limit_minimums(body: Node) -> dict[str, int]:
    """The smallest values the limits of the ``for`` loops under ``body`` take for each loop
    to run at least once (:func:`.ranges.size_minimum`: ``for (i = 1; i < n - 1; i++)``: ``n
    >= 3``)."""
    from accellium.dataset.offload.ranges import loop_range, size_minimum

    mins: dict[str, int] = {}
    for n in iter_nodes(body):
        if n.type == "for_statement":
            r = loop_range(n, {})
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


def _global_limits(root: Node, wanted: set[str]) -> set[str]:
    """The file-scope variables among ``wanted`` that bound a loop of a function of the file
    that declares no parameter or local of that name (there the name is the global)."""
    out: set[str] = set()
    for fn in named(root):
        body = _field(fn, "body") if fn.type == "function_definition" else None
        if body is None:
            continue
        own = {p for p in param_names(fn) if p} | set(assignments(body).declared)
        out |= (limit_minimums(body).keys() & wanted) - own
    return out


def _assigned_by_calls(tops: list[Node], root: Node) -> set[str]:
    """The names the functions of the file called under ``tops`` assign, their own callees'
    included (a global one of them assigns changes under the region)."""
    from accellium.dataset.offload.callee_sizes import definitions

    defs = definitions(root)
    seen: set[str] = set()
    todo = [n for t in tops for n in iter_nodes(t) if n.type == "call_expression"]
    out: set[str] = set()
    while todo:
        name = callee_name(todo.pop()) or ""
        fn = defs.get(name)
        body = _field(fn, "body") if fn is not None and name not in seen else None
        if body is None:
            continue
        seen.add(name)
        out |= {k for k, v in assignments(body).count.items() if v}
        todo += [n for n in iter_nodes(body) if n.type == "call_expression"]
    return out


def count_minimums(tops: list[Node], mins: dict[str, int], assigned: dict[str, int]) -> None:
    """Give the names that have no minimum in ``mins`` and are counts the minimum 1 (a loop
    elsewhere need not run where ``tops`` do, so no more than 1): a parameter or local the
    function of ``tops`` never assigns that bounds one of its loops, or a file-scope variable
    that bounds a loop of a function of the file and that neither ``tops`` (``assigned``) nor
    the functions they call assign.  Not only the names written under ``tops``: a callee's
    section brings its own (a global ``nx`` of its subscripts)."""
    fn = enclosing_function(tops[0]) if tops else None
    body = _field(fn, "body") if fn is not None else None
    if fn is None or body is None:
        return
    params = {p for p in param_names(fn) if p}
    a = assignments(body)
    got = (limit_minimums(body).keys() & _unassigned(params, a)) - mins.keys()
    root = root_of(fn)
    rest = _file_scalars(root) - params - set(a.declared) - mins.keys() - \
        {k for k, v in assigned.items() if v}
    if rest:
        rest = _global_limits(root, rest)
    if rest:
        rest -= _assigned_by_calls(tops, root)
    for k in got | rest:
        mins[k] = 1
