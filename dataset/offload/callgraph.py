"""The functions of a file (and of the program's other files, when given), where each is called
from, and what their parameters do (:class:`CallGraph`): the facts the rules of :mod:`.live`
(parameters dead after every call) and :mod:`.objects` (the objects parameters point to) read
to know every call of a function.

Calls through a pointer to function count as well.  A function designator that is not the
operand of ``sizeof`` or ``&`` is converted to a pointer to the function (C11 6.3.2.1p4) and the
called expression of a call may be any pointer to function (6.5.2.2p1): storing ``f`` in a
variable ``p`` and calling ``p(a)`` (or ``(*p)(a)``) calls ``f``.  When ``p`` is a function's
local variable, every value it is ever given is the designator of a function of the program (or
a null pointer) and it is only ever called, assigned or declared — its address is not taken,
its value not copied, passed or returned — every call through it calls one of those functions,
and is a call of each of them here (:attr:`CallGraph.calls`).  A variable of file scope does
not qualify (a header's code, which is not parsed here, may call through it), nor does a
parameter (its value comes from the callers).  Any other naming of a function leaves its calls
unknown (:attr:`CallGraph.escapes`)."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import (
    iter_nodes,
    kept_with_tree,
    named,
    nodes_of,
    root_of,
    text,
    unparen,
)
from accellium.dataset.offload.arrays import assignment_positions
from accellium.dataset.offload.nodes import enclosing_function
from accellium.dataset.offload.uses import array_uses

__all__ = ["CallGraph", "declared_names", "graph_of", "is_static", "param_names",
           "through_calls"]


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


def declared_names(fn: Node) -> set[str]:
    """The names ``fn`` declares: its parameters and its body's declarations."""
    out = {p for p in param_names(fn) if p}
    body = _field(fn, "body")
    for n in iter_nodes(body) if body is not None else []:
        if n.type == "declaration":
            for d in n.children_by_field_name("declarator"):
                name = _declarator_name(d)
                if name:
                    out.add(name)
    return out


def _declarator_name(d: Node | None) -> str | None:
    """The name a declarator declares (:func:`_declared_identifier`)."""
    n = _declared_identifier(d)
    return text(n) if n is not None else None


def _declared_identifier(d: Node | None) -> Node | None:
    """The identifier a declarator declares (through pointer, array, function and parenthesized
    declarators, and an initialiser)."""
    while d is not None and d.type != "identifier":
        if d.type == "parenthesized_declarator":
            kids = named(d)
            d = kids[0] if kids else None
        elif d.type.endswith("declarator"):
            d = _field(d, "declarator")
        else:
            return None
    return d


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
            for n in nodes_of(r, ("function_definition",)):
                name = function_name(n)[0]
                if name and name in self.fns and self.fns[name].id != n.id:
                    self.twice.add(name)
                elif name:
                    self.fns[name] = n
        self.calls: dict[str, list[tuple[Node, Node]]] = {f: [] for f in self.fns}
        self.escapes: set[str] = set()  # functions named other than as a direct callee
        self.program = others is not None
        # a pointer variable (its function's id, or None at file scope; its name) -> the
        # functions stored in it, each with the node that names it
        self._stored: dict[tuple[int | None, str], list[str]] = {}
        self._declared: dict[int, set[str]] = {}
        units = [root, *(others or [])]
        for r in units:
            for n in nodes_of(r, ("identifier",), lambda n: text(n) in self.fns):
                self._note(n, r)
        self._through_pointers(units)
        self._kept: dict[tuple[str, int], bool] = {}

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
            var = _stored_in(n)
            if var is None:
                self.escapes.add(name)
            else:
                self._stored.setdefault(self._key(var), []).append(name)

    def _key(self, var: Node) -> tuple[int | None, str]:
        """The variable an identifier names: a local (or parameter) of its function, or one of
        file scope."""
        name, fn = text(var), enclosing_function(var)
        if fn is not None:
            if fn.id not in self._declared:
                self._declared[fn.id] = declared_names(fn)
            if name in self._declared[fn.id]:
                return fn.id, name
        return None, name

    def _through_pointers(self, units: list[Node]) -> None:
        """The calls through the pointer variables functions are stored in (see the module);
        a function stored in a variable whose calls are not all known escapes."""
        if not self._stored:
            return  # no function is stored anywhere: nothing to follow
        names = {name for _, name in self._stored}
        uses: dict[tuple[int | None, str], list[Node]] = {}
        for r in units:
            for n in nodes_of(r, ("identifier",), lambda n: text(n) in names):
                uses.setdefault(self._key(n), []).append(n)
        for key, stored in self._stored.items():
            calls: list[tuple[Node, Node]] = []
            closed = key[0] is not None  # a local: every use of it is in its function
            for n in uses.get(key, []) if closed else []:
                call = _called_through(n)
                caller = enclosing_function(call) if call is not None else None
                if call is not None and caller is not None:
                    calls.append((caller, call))
                elif not (_declares(n, self) or self._given_function(n)):
                    closed = False
                    break
            for name in stored:
                if closed:
                    self.calls[name].extend(calls)
                else:
                    self.escapes.add(name)

    def _given_function(self, var: Node) -> bool:
        """Is ``var`` the left side of ``var = f`` (or ``= &f``, or a null pointer) with ``f``
        a function of the program?"""
        p = var.parent
        if p is None or p.type != "assignment_expression" or _field(p, "left") != var or \
                text(_field(p, "operator")) != "=":
            return False
        return _designator(_field(p, "right"), self) is not None

    def designates(self, n: Node) -> bool:
        """Does the identifier ``n`` name one of the program's functions (this file's, when it
        is internal)?"""
        fn = self.fns.get(text(n))
        return fn is not None and not (is_static(fn) and root_of(fn).id != root_of(n).id)

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


def graph_of(root: Node, others: list[Node] | None) -> CallGraph:
    """The :class:`CallGraph` of ``root`` with ``others`` (see there), built once per tree and
    units and kept with the tree: the planner, its passes and the analysis each ask for it."""
    return kept_with_tree(root, "callgraph", None if others is None else tuple(others),
                          lambda: CallGraph(root, others))


def _stored_in(n: Node) -> Node | None:
    """The variable the function designator ``n`` is stored in: ``v = f``, ``v = &f`` or the
    declaration ``T v = f`` (None: any other use of it)."""
    up = n.parent
    if up is not None and up.type == "pointer_expression" and text(up).startswith("&"):
        up = up.parent
    while up is not None and up.type == "parenthesized_expression":
        up = up.parent
    if up is None:
        return None
    side = _field(up, "right" if up.type == "assignment_expression" else "value")
    if side is None or not side.start_byte <= n.start_byte < side.end_byte:
        return None
    if up.type == "assignment_expression" and text(_field(up, "operator")) == "=":
        left = unparen(_field(up, "left"))
        return left if left is not None and left.type == "identifier" else None
    if up.type == "init_declarator":
        return _declared_identifier(_field(up, "declarator"))
    return None


def _designator(value: Node | None, g: CallGraph) -> str | None:
    """The function ``value`` designates (``f``, ``&f``, parenthesized), "" for a null pointer
    constant, None for anything else."""
    v = unparen(value) if value is not None else None
    if v is not None and v.type == "pointer_expression" and text(v).startswith("&"):
        v = unparen(_field(v, "argument"))
    if v is None:
        return None
    if v.type == "identifier" and g.designates(v):
        return text(v)
    return "" if text(v) in ("0", "NULL", "nullptr") else None


def _called_through(n: Node) -> Node | None:
    """The call whose called expression is the pointer ``n`` (``n(a)``, ``(*n)(a)``)."""
    cur, up = n, n.parent
    while up is not None and (up.type == "parenthesized_expression" or (
            up.type == "pointer_expression" and text(up).startswith("*"))):
        cur, up = up, up.parent
    return up if up is not None and is_call(up) and _field(up, "function") == cur else None


def _declares(n: Node, g: CallGraph) -> bool:
    """Is ``n`` the name a declaration (not a parameter's) declares, with no initialiser or
    with the designator of a function of the program (or a null pointer) as its value?"""
    top = n
    while top.parent is not None and top.parent.type.endswith("declarator") and \
            top.parent.type != "init_declarator":
        if top.parent.type != "parenthesized_declarator" and \
                _field(top.parent, "declarator") != top:
            return False  # an array's size, a parameter of a function declarator
        top = top.parent
    up = top.parent
    if up is None:
        return False
    if up.type == "init_declarator":
        return _field(up, "declarator") == top and \
            _designator(_field(up, "value"), g) is not None
    return up.type == "declaration" and any(d == top for d in
                                            up.children_by_field_name("declarator"))
