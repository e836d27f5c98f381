"""The functions of a file (and of the program's other files, when given), where each is called
from, and what their parameters do (:class:`CallGraph`): the facts the rules of :mod:`.live`
(parameters dead after every call) and :mod:`.objects` (the objects parameters point to) read
to know every call of a function."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, root_of, text, unparen
from accellium.dataset.offload.arrays import assignment_positions
from accellium.dataset.offload.nodes import enclosing_function
from accellium.dataset.offload.uses import array_uses

__all__ = ["CallGraph", "is_static", "param_names", "through_calls"]


def is_static(fn: Node) -> bool:
    return any(c.type == "storage_class_specifier" and text(c) == "static" for c in fn.children)


def through_calls(direct: dict[str, set[str]], calls: dict[str, set[str]]
                  ) -> dict[str, set[str]]:
    """For each function of ``direct``: what it does itself (``direct``) and what every
    function it calls does, transitively (``calls``: function -> the functions it calls)."""
    out: dict[str, set[str]] = {}
    for name in direct:
        seen, todo, got = {name}, [name], set()
        while todo:
            one = todo.pop()
            got |= direct.get(one, set())
            for g in calls.get(one, ()):
                if g not in seen:
                    seen.add(g)
                    todo.append(g)
        out[name] = got
    return out


def param_names(fn: Node) -> list[str | None]:
    from accellium.dataset.offload.calls import parameters

    return parameters(fn) or []


class CallGraph:
    """The file's functions (and those of the program's other files, when given), their calls
    and what their parameters do.  A name defined in more than one file is left alone."""

    def __init__(self, root: Node, others: list[Node] | None):
        """``others``: the program's other translation units — ``[]`` for a program of this
        one file; None when they are not known (a function with external linkage may then be
        called from code not seen)."""
        self.root = root
        self.fns: dict[str, Node] = {}
        self.twice: set[str] = set()
        for r in [root, *(others or [])]:
            for n in iter_nodes(r):
                if n.type == "function_definition":
                    name = function_name(n)[0]
                    if name and name in self.fns and self.fns[name].id != n.id:
                        self.twice.add(name)
                    elif name:
                        self.fns[name] = n
        self.calls: dict[str, list[tuple[Node, Node]]] = {f: [] for f in self.fns}
        self.escapes: set[str] = set()  # functions named other than as a direct callee
        for r in [root, *(others or [])]:
            for n in iter_nodes(r):
                if n.type == "identifier" and text(n) in self.fns:
                    self._note(n, r)
        self._kept: dict[tuple[str, int], bool] = {}
        self.program = others is not None

    def lookup(self, name: str) -> tuple[Node, list[str | None]] | None:
        """The one definition of ``name`` in the program and its parameters."""
        fn = self.fns.get(name) if name not in self.twice else None
        return (fn, param_names(fn)) if fn is not None else None

    def every_call_seen(self, name: str) -> bool:
        """Every call of ``name`` is one of :attr:`calls`: it is defined once, never named
        other than as a callee, called at least once, not ``main``, and internal (``static``)
        or the program's other files are given (a function with external linkage can be
        called from any of them)."""
        return not (name in self.twice or name in self.escapes or not self.calls[name]
                    or not (is_static(self.fns[name]) or self.program) or name == "main")

    def _note(self, n: Node, r: Node) -> None:
        name = text(n)
        fn = self.fns[name]
        if is_static(fn) and root_of(fn).id != r.id:
            return  # another file's name: not this internal function
        p = n.parent
        if p is not None and is_call(p) and _field(p, "function") == n:
            caller = enclosing_function(p)
            if caller is None:
                self.escapes.add(name)
            else:
                self.calls[name].append((caller, p))
        elif p is None or p.type != "function_declarator":
            self.escapes.add(name)

    def kept(self, fn_name: str, k: int, stack: frozenset = frozenset()) -> bool:
        """Does the function only subscript its parameter ``k`` (directly or through views a
        loop declares, :func:`.views.makes_view`; or pass it on to functions that do), never
        store, return or assign it?"""
        key = (fn_name, k)
        if key in self._kept:
            return self._kept[key]
        fn = self.fns.get(fn_name) if fn_name not in self.twice else None
        params = param_names(fn) if fn is not None else []
        if fn is None or k >= len(params) or params[k] is None or key in stack:
            return key in stack  # a cycle adds no escape of its own
        from accellium.dataset.offload.views import makes_view  # (views -> loopdata -> here)

        name = params[k]
        ok = not assignment_positions(fn).get(name or "")
        for u in array_uses(_field(fn, "body")) if ok else []:
            if u.name == name and u.whole and not self._passed_on(u.node, stack | {key}) \
                    and not makes_view(u.node, fn):
                ok = False
                break
        self._kept[key] = ok
        return ok

    def _passed_on(self, node: Node, stack: frozenset) -> bool:
        """Is ``node`` an argument of a direct call to a function of the file that keeps it?"""
        args = node.parent
        if args is None or args.type != "argument_list" or args.parent is None:
            return False
        f = unparen(_field(args.parent, "function"))
        if f is None or f.type != "identifier" or text(f) not in self.fns:
            return False
        k = [a.id for a in named(args) if a.type != "comment"].index(node.id)
        return self.kept(text(f), k, stack)

