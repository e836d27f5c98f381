"""The smallest values a call gives the caller's names: a function called under a region runs
its loops over its parameters, so an argument that bounds such a loop is a size there.

``forward(x, n, w, y, m)`` whose body runs ``for (j = 0; j < m; j++)`` initialises its
parameter ``m`` with the argument's value (C11 6.5.2.2p4) and runs the loop's body only while
``j < m`` holds (6.8.5.3): the planner takes each loop it offloads to run at least once
(:func:`.ranges.size_minimum`), so the caller's ``m`` is at least 1 wherever the call runs.
Only a parameter the callee never assigns and an argument that is a plain name count; one
level of calls (a callee's own callees add nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import (
    iter_nodes,
    kept_with_tree,
    named,
    root_of,
    text,
    unparen,
)
from accellium.dataset.offload.callgraph import param_names
from accellium.dataset.offload.nodes import callee_name, enclosing_function
from accellium.dataset.offload.poly import INT_MIN

__all__ = ["call_minimums", "definitions"]


def definitions(root: Node) -> Mapping[str, Node]:
    """The functions defined at file scope, by name (a function is defined only there in C,
    C11 6.9.1); once per file (kept with its tree)."""
    return kept_with_tree(root, "callee_sizes.definitions", None, lambda: _definitions(root))


def _definitions(root: Node) -> Mapping[str, Node]:
    out: dict[str, Node] = {}
    for n in root.named_children:
        if n.type == "function_definition":
            name = function_name(n)[0]
            if name:
                out[name] = n
    return MappingProxyType(out)


def call_minimums(tops: list[Node], mins: dict[str, int]) -> None:
    """Raise the minimums in ``mins`` of the names passed, as plain names, for parameters that
    bound loops of the functions of the file called under ``tops``."""
    from accellium.dataset.offload.loop_counts import parameter_limits

    calls = [n for t in tops for n in iter_nodes(t) if is_call(n)]
    if not calls:
        return
    defs = definitions(root_of(tops[0]))
    own = enclosing_function(tops[0])
    for call in calls:
        fn = defs.get(callee_name(call) or "")
        if fn is None or (own is not None and fn.id == own.id):
            continue
        got = parameter_limits(fn)
        params = param_names(fn)
        args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
        if not got or len(args) != len(params):
            continue
        for p, v in got.items():
            a = unparen(args[params.index(p)])
            if a is not None and a.type == "identifier":
                mins[text(a)] = max(mins.get(text(a), INT_MIN), v)
