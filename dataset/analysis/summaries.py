"""Effects of the functions defined in the file, as if their bodies were inlined at the call.

:func:`summary` reads a function definition and says how it uses what each pointer parameter
points to (read, written, or both), which globals it assigns, and its other effects (I/O,
hidden state, the heap, exit) — also those of the functions it calls, followed down to
:data:`MAX_DEPTH` levels (deeper, and on recursion, a callee counts as unknown).

A write through a pointer writes the object the pointer points to, wherever the pointer's
value came from (C11 6.5.3.2p4: ``*p`` designates the object ``p`` points to; 6.5.2.1p2:
``p[i]`` is ``*(p + i)``; 6.5.2.3p4: ``p->m`` is a member of the object ``p`` points to).  So
a write through a local pointer (or through a local struct's pointer member) whose value is
loaded from a global (``double *u = lev[l].u;``, ``rows[k]``, ``s->p``), from a parameter
(``double *q = s->data;``) or returned by another function (:func:`_shared_writes`) writes
memory the caller reaches: what the global reaches (:attr:`FunctionSummary.shared`), what the
argument points to (:attr:`FunctionSummary.through`), or memory of unknown home.  Only a
pointer whose every value is the address of the function's own objects (a local array) or
memory it allocates writes nothing the caller sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call, typedef_cast
from accellium.dataset.analysis.library import (
    Effect,
    assigns_reference,
    is_macro_name,
    library_function,
)
from accellium.dataset.analysis.scope import (
    Declared,
    FileIndex,
    FunctionContext,
    function_name,
    parameters,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, norm, op, text, unparen
from accellium.dataset.analysis.walker import Use

__all__ = ["FunctionSummary", "SharedWrite", "summary", "MAX_DEPTH", "combine", "ARITHMETIC_WORDS"]

MAX_DEPTH = 4
_CHAIN = ("subscript_expression", "field_expression", "parenthesized_expression",
          "cast_expression")


def combine(a: Use | None, b: Use | None) -> Use | None:
    """Two uses of one location: any read with any write is read-modify-write."""
    if a is None or a is b:
        return b if a is None else a
    if b is None:
        return a
    return Use.RMW


@dataclass(frozen=True)
class SharedWrite:
    """A write through a pointer into memory the function's caller reaches: ``target`` (the
    lvalue or the call that writes, as written) on ``line`` (1-based) of ``function``, the
    pointer's value coming from ``origin`` (``the global `lev```, ``the value `f(...)`
    returns``)."""

    function: str
    line: int
    target: str
    origin: str


@dataclass
class FunctionSummary:
    name: str
    params: list[Declared]
    through: list[Use | None]  # per parameter: how the function uses what it points to
    globals_written: set[str] = field(default_factory=set)
    effects: set[Effect] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # functions it calls we cannot see
    # writes through pointers whose value comes from a global or another function
    shared: list[SharedWrite] = field(default_factory=list)
    # per parameter: a pointer the function only dereferences where it points (``*p``,
    # ``p[0]``, ``p->m``): what it uses through it is the one object the argument points to
    at_zero: list[bool] = field(default_factory=list)

    def use_of(self, position: int) -> Use | None:
        return self.through[position] if 0 <= position < len(self.through) else Use.RMW

    def only_pointee(self, position: int) -> bool:
        """Does the function use nothing through parameter ``position`` but the object the
        argument points to (:func:`_at_zero`)?"""
        return 0 <= position < len(self.at_zero) and self.at_zero[position]


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and a.id == b.id


def _chain_top(node: Node, ctx: FunctionContext) -> tuple[Node, bool]:
    """Climb from an identifier through subscripts, members, ``*``/``&``, casts and pointer
    arithmetic: (the outermost node of the access, does it dereference the pointer?)."""
    deref = False
    cur = node
    while True:
        p = ctx.parent(cur)
        if p is None:
            return cur, deref
        t = p.type
        if t in _CHAIN and (t not in ("field_expression", "subscript_expression")
                            or _same(_field(p, "argument"), cur)):
            deref = deref or t in ("subscript_expression", "field_expression")
        elif t == "pointer_expression":
            deref = op(p) == "*"
        elif t == "binary_expression" and op(p) in ("+", "-") and not deref:
            pass  # pointer arithmetic
        else:
            return cur, deref
        cur = p


class _Summariser:
    def __init__(self, index: FileIndex):
        self.index = index
        self.done: dict[str, FunctionSummary | None] = {}
        self.active: set[str] = set()

    def get(self, name: str, depth: int) -> FunctionSummary | None:
        if name in self.done:
            return self.done[name]
        defn = self.index.definitions.get(name)
        if defn is None or depth > MAX_DEPTH or name in self.active:
            return None
        self.active.add(name)
        try:
            got = self._summarise(name, defn, depth)
        finally:
            self.active.discard(name)
        self.done[name] = got
        return got

    def _summarise(self, name: str, defn: Node, depth: int) -> FunctionSummary:
        ctx = self.index.context(defn)
        _, fn = function_name(defn)
        params = parameters(fn)
        out = FunctionSummary(name, params, [None] * len(params))
        position = {p.name: k for k, p in enumerate(params) if p.name}
        for pname, k in position.items():
            if not params[k].pointer:
                continue
            # a reference parameter names the caller's object itself ([dcl.ref]p1): every
            # use of the name is a use of what it refers to, as `*p` is of what `p` points to
            ref = params[k].references > 0
            for occ in ctx.occurrences.get(pname, []):
                out.through[k] = combine(out.through[k], self._use(occ, ctx, depth, out, ref))
            if ref and out.through[k] in (Use.WRITE, Use.RMW):
                # replaced whole before any read on every path, or else partly or sometimes:
                # then the caller's value may survive the call
                out.through[k] = Use.WRITE if self._assigned_first(pname, ctx, depth) \
                    else Use.RMW
        out.at_zero = [bool(p.name) and p.levels == 1 and not p.references and
                       _at_zero(ctx.occurrences.get(p.name, []), ctx) for p in params]
        for call in _calls(defn):
            self._call(call, ctx, depth, out)
        # a `static` local has static storage duration (C11 6.2.4p3): one object every call
        # shares, which a write changes for the next call, as a global's
        out.globals_written |= {v for v in _assigned_roots(ctx) if v not in ctx.declared
                                or ctx.declared[v].static}
        self._shared_writes(name, ctx, depth, out)
        return out

    def _shared_writes(self, name: str, ctx: FunctionContext, depth: int,
                       out: FunctionSummary) -> None:
        """The writes of the function through a pointer held in a parameter or a local whose
        value comes from elsewhere (a global, a parameter, another function's result): the
        memory they write is the caller's (see the module's docstring).  A write through a
        pointer parameter itself is :meth:`_use`'s."""
        rec = _Recorder(name, _Values(ctx, self.index), out)
        for target, how in _written_lvalues(ctx.node):
            root, deref = rec.values.lvalue_root(target)
            line = target.start_point[0] + 1
            if root is None and deref:  # `*f() = v`, `f()[i] = v`
                rec.add(SharedWrite(name, line, _flat(target), "the value a call returns"))
            elif root is not None and deref and root in ctx.declared:
                rec.through(root, how, line, _flat(target), True)
            elif root is not None and root not in ctx.declared and \
                    _global_name(root, self.index):
                out.globals_written.add(root)  # `*(g + k) = v`: the global's own memory
        for call in _calls(ctx.node):
            callee = norm(text(_field(call, "function")))
            for k, arg in enumerate(named(_field(call, "arguments"))):
                if _is_address_of_name(arg) or not rec.values.may_point(arg):
                    continue  # `&x`: a use of x (the scalar rules, and `_call` for globals)
                lib = library_function(callee)
                use = (Use.WRITE if lib.writes(k) else None) if lib is not None \
                    else self._callee_use(callee, k, depth)
                if use in (Use.WRITE, Use.RMW):
                    rec.passed(arg, use, call)

    def _use(self, occ: Node, ctx: FunctionContext, depth: int,
             out: FunctionSummary, ref: bool = False) -> Use | None:
        top, deref = _chain_top(occ, ctx)
        if ref and top.id == occ.id:  # the referred object, named bare
            return self._object_use(top, ctx, depth)
        if ref:  # a part of the referred object (`r.x`, `r[k]`): the rest keeps its value
            got = self._use(occ, ctx, depth, out)
            return Use.RMW if got is Use.WRITE else got
        p = ctx.parent(top)
        if p is None:
            return Use.READ if deref else None
        if p.type == "assignment_expression" and _same(_field(p, "left"), top):
            if not deref:
                return None  # the pointer itself is reassigned
            return Use.WRITE if op(p) == "=" else Use.RMW
        if p.type == "update_expression":
            return Use.RMW if deref else None
        if p.type == "argument_list" and not deref:
            call = ctx.parent(p)
            k = [c.id for c in named(p)].index(top.id)
            return self._callee_use(norm(text(_field(call, "function"))), k, depth)
        if not deref and (p.type in ("init_declarator", "return_statement")
                          or p.type == "assignment_expression"):
            return Use.RMW  # the pointer escapes into another name: assume both
        return Use.READ if deref else None

    def _object_use(self, name: Node, ctx: FunctionContext, depth: int) -> Use | None:
        """How the function uses the object a reference parameter refers to where its name
        stands alone: assigned, incremented, passed on to a callee's parameter (which may be
        a reference too), bound to another reference, or read."""
        p = ctx.parent(name)
        if p is None:
            return Use.READ
        if p.type == "reference_declarator":
            return None  # the parameter's own declarator
        if p.type == "assignment_expression" and _same(_field(p, "left"), name):
            return Use.WRITE if op(p) == "=" else Use.RMW
        if p.type == "update_expression" or (p.type == "pointer_expression" and op(p) == "&"):
            return Use.RMW  # `&r` escapes: what is done through it is not followed
        if p.type == "argument_list":
            call = ctx.parent(p)
            k = [c.id for c in named(p)].index(name.id)
            return self._callee_use(norm(text(_field(call, "function"))), k, depth) \
                or Use.READ
        bound = _field(p, "declarator") if p.type == "init_declarator" else None
        if bound is not None and bound.type == "reference_declarator":
            return Use.RMW  # another name of the same object
        return Use.READ

    def _assigned_first(self, pname: str, ctx: FunctionContext, depth: int) -> bool:
        """Does the function assign the object the reference parameter ``pname`` refers to
        before anything reads it: is its first use a statement of the body's outermost
        block (one every call runs, before the statements after it) that names it once and
        replaces its value, by ``=`` or through a callee that does?  The caller's value is
        then dead at the call: a write, not a read-modify-write, for the caller."""
        occs = [o for o in ctx.occurrences.get(pname, [])
                if (p := ctx.parent(o)) is not None and p.type != "reference_declarator"]
        if not occs:
            return False
        first = min(occs, key=lambda o: o.start_byte)
        stmt: Node | None = first
        while stmt is not None and stmt.type in ("identifier", "argument_list",
                                                 "call_expression", "assignment_expression"):
            stmt = ctx.parent(stmt)
        body = _field(ctx.node, "body")
        if stmt is None or stmt.type != "expression_statement" or body is None or \
                not _same(ctx.parent(stmt), body):
            return False
        if sum(stmt.start_byte <= o.start_byte < stmt.end_byte for o in occs) != 1:
            return False
        return self._object_use(first, ctx, depth) is Use.WRITE

    def _callee_use(self, callee: str, k: int, depth: int) -> Use | None:
        if assigns_reference(callee, k):
            return Use.RMW
        lib = library_function(callee)
        if lib is not None:
            if lib.pure:
                return Use.READ
            if lib.writes_arg is not None:
                return Use.WRITE if lib.writes(k) else Use.READ
            return Use.RMW if lib.effect is Effect.IO else Use.READ
        got = self.get(callee, depth + 1)
        if got is None:
            proto = self.index.prototypes.get(callee)
            if proto is not None and k < len(proto) and proto[k].const:
                return Use.READ
            return Use.RMW
        return got.use_of(k)

    def _call(self, call: Node, ctx: FunctionContext, depth: int,
              out: FunctionSummary) -> None:
        callee = norm(text(_field(call, "function")))
        lib = library_function(callee)
        if lib is not None:
            if lib.effect is not None:
                out.effects.add(lib.effect)
            return
        got = self.get(callee, depth + 1)
        if got is None:
            if callee not in out.unknown and not is_macro_name(callee):
                out.unknown.append(callee)
            return
        out.effects |= got.effects
        out.globals_written |= got.globals_written
        out.shared.extend(w for w in got.shared if w not in out.shared)
        out.unknown.extend(u for u in got.unknown if u not in out.unknown)
        for k, arg in enumerate(named(_field(call, "arguments"))):
            if got.use_of(k) in (Use.WRITE, Use.RMW) and arg.type == "pointer_expression" \
                    and op(arg) == "&":
                inner = _field(arg, "argument")
                if inner is not None and inner.type == "identifier" and \
                        text(inner) not in ctx.declared:
                    out.globals_written.add(text(inner))


_DECLARATORS = ("pointer_declarator", "parameter_declaration", "array_declarator",
                "abstract_pointer_declarator")


def _at_zero(occurrences: list[Node], ctx: FunctionContext) -> bool:
    """Is every use of a pointer parameter a dereference where it points: ``*p``, ``p[0]``,
    ``p->m`` (C11 6.5.3.2p4, 6.5.2.1p2: ``p[0]`` is ``*p``; 6.5.2.3p4)?  Then what the function
    reads or writes through it is the one object the argument points to — ``f(&a[i])`` uses
    ``a[i]`` and no other element.  Pointer arithmetic, another subscript, passing it on,
    storing or reassigning it may reach other elements."""
    used = False
    for occ in occurrences:
        node = occ
        p = ctx.parent(node)
        while p is not None and p.type == "parenthesized_expression":
            node, p = p, ctx.parent(p)
        if p is None:
            return False
        if p.type in _DECLARATORS:
            continue  # the parameter's own declaration
        used = True
        if p.type == "pointer_expression" and op(p) == "*":
            continue
        if p.type == "field_expression" and _same(_field(p, "argument"), node) and \
                text(_field(p, "operator")) == "->":
            continue
        if p.type == "subscript_expression" and _same(_field(p, "argument"), node) and \
                text(_field(p, "index")) == "0":
            continue
        return False
    return used


def _calls(defn: Node) -> list[Node]:
    out = []
    stack = [defn]
    while stack:
        n = stack.pop()
        if is_call(n):
            out.append(n)
        stack.extend(reversed(n.named_children))
    return out


def _assigned_roots(ctx: FunctionContext) -> list[str]:
    """The root name of every assignment or update target in the function."""
    out = []
    stack = [ctx.node]
    while stack:
        n = stack.pop()
        target = None
        if n.type == "assignment_expression":
            target = _field(n, "left")
        elif n.type == "update_expression":
            target = _field(n, "argument")
        while target is not None and target.type in (*_CHAIN, "pointer_expression"):
            target = _field(target, "argument") or _field(target, "value") or (
                named(target)[-1] if named(target) else None)
        if target is not None and target.type == "identifier":
            out.append(text(target))
        stack.extend(reversed(n.named_children))
    return out


#: Names that are no object a pointer can point into (the null pointer constant's macro).
_NOT_OBJECTS = frozenset({"NULL", "nullptr"})
#: Words of C's arithmetic types (C11 6.2.5): a name of such a type with all its pointer and
#: array levels used up is a number, never an address.
ARITHMETIC_WORDS = frozenset({"char", "short", "int", "long", "float", "double", "signed",
                              "unsigned", "_Bool", "bool", "size_t", "ptrdiff_t", "int64_t",
                              "int32_t", "uint64_t", "uint32_t", "const", "static",
                              "volatile"})


def _global_name(name: str, index: FileIndex) -> bool:
    """Is ``name``, declared in no function, an object (a global of the file, or one a header
    declares; not a function, the null pointer, nor an all-capitals macro constant)?"""
    return name not in _NOT_OBJECTS and not name.endswith("()") and \
        name not in index.definitions and name not in index.prototypes and \
        (name in index.globals or not is_macro_name(name))


def _flat(node: Node) -> str:
    return " ".join(text(node).split())


def _is_address_of_name(arg: Node) -> bool:
    a = unparen(arg)
    inner = unparen(_field(a, "argument")) if a is not None and a.type == "pointer_expression" \
        and op(a) == "&" else None
    return inner is not None and inner.type == "identifier"


def _written_lvalues(root: Node) -> list[tuple[Node, Use]]:
    """Every assignment or update target under ``root``, with how it is used."""
    out = []
    for n in iter_nodes(root):
        if n.type == "assignment_expression":
            left = _field(n, "left")
            if left is not None:
                out.append((left, Use.WRITE if op(n) == "=" else Use.RMW))
        elif n.type == "update_expression":
            arg = _field(n, "argument")
            if arg is not None:
                out.append((arg, Use.RMW))
    return out


def _own_levels(declarator: Node | None) -> int:
    """The array levels a declarator gives its name's own storage: the array declarators
    next to the name (``a[3][4]``: 2; ``*rows[4]``: 1, an array of pointers; ``(*p)[4]``: 0,
    a pointer)."""
    kinds = []
    cur = declarator
    while cur is not None and cur.type not in ("identifier", "field_identifier"):
        kinds.append(cur.type)
        cur = _field(cur, "declarator") or (named(cur)[0] if cur.type ==
                                            "parenthesized_declarator" and named(cur) else None)
    levels = 0
    for k in reversed(kinds):
        if k == "array_declarator":
            levels += 1
        elif k not in ("parenthesized_declarator", "init_declarator"):
            break
    return levels


class _Recorder:
    """Puts the writes :meth:`_Summariser._shared_writes` finds into the summary."""

    def __init__(self, name: str, values: _Values, out: FunctionSummary):
        self.name = name
        self.values = values
        self.out = out
        self.position = {p.name: k for k, p in enumerate(out.params) if p.name}

    def add(self, w: SharedWrite) -> None:
        if w not in self.out.shared:
            self.out.shared.append(w)

    def through(self, root: str, how: Use, line: int, target: str, direct: bool) -> None:
        """A write through the value of ``root`` (a parameter or a local): to what each of
        its origins points to."""
        for kind, what in self.values.origins(root):
            if kind != "param":
                self.add(SharedWrite(self.name, line, target, f"the global `{what}`"
                                     if kind == "global" else f"the value `{what}(...)` returns"))
                continue
            k = self.position.get(what)
            if k is not None and not (direct and what == root and self.out.params[k].pointer):
                self.out.through[k] = combine(self.out.through[k], how)

    def passed(self, arg: Node, how: Use, call: Node) -> None:
        """A call that writes through its argument ``arg``."""
        line, target = call.start_point[0] + 1, _flat(call)
        for root in self.values.value_roots(arg):
            if root in self.values.ctx.declared:
                self.through(root, how, line, target, False)
            elif _global_name(root, self.values.index):
                self.add(SharedWrite(self.name, line, target, f"the global `{root}`"))


class _Values:
    """Where the values of a function's parameters and locals come from: the roots of every
    value assigned to each name (its initialiser, ``x = v``, ``x.m = v``, ``x[k] = v`` within
    the arrays of its own storage)."""

    def __init__(self, ctx: FunctionContext, index: FileIndex):
        self.ctx = ctx
        self.index = index
        self.params = {p.name for p in parameters(function_name(ctx.node)[1]) if p.name}
        self.own: dict[str, int] = {}
        self.assigned: dict[str, list[Node]] = {}
        for n in iter_nodes(ctx.node):
            if n.type == "declaration":
                for d in n.children_by_field_name("declarator"):
                    name = _declarator_name(d)
                    if name is None:
                        continue
                    self.own.setdefault(name, _own_levels(d))
                    value = _field(d, "value") if d.type == "init_declarator" else None
                    if value is not None:
                        self.assigned.setdefault(name, []).append(value)
            elif n.type == "assignment_expression":
                left, right = _field(n, "left"), _field(n, "right")
                if left is None or right is None:
                    continue
                root, deref = self.lvalue_root(left)
                if root is not None and not deref:
                    self.assigned.setdefault(root, []).append(right)

    def lvalue_root(self, target: Node) -> tuple[str | None, bool]:
        """(the name whose storage or pointer the lvalue reaches, does the lvalue go through a
        pointer: a subscript, ``*`` or ``->`` beyond the name's own array levels, or a
        subscript of a member, which may be a pointer)."""
        steps: list[str] = []
        cur: Node | None = unparen(target)
        while cur is not None and cur.type != "identifier":
            t = cur.type
            if t == "subscript_expression":
                steps.append("[]")
                cur = _field(cur, "argument")
            elif t == "field_expression":
                steps.append("->" if op(cur) == "->" else ".")
                cur = _field(cur, "argument")
            elif t == "pointer_expression" and op(cur) == "*":
                steps.append("*")
                cur = _field(cur, "argument")
            elif t == "pointer_expression" and op(cur) == "&":
                steps.append("&")
                cur = _field(cur, "argument")
            elif t == "binary_expression" and op(cur) in ("+", "-"):
                left, right = _field(cur, "left"), _field(cur, "right")
                cur = left if left is not None and self.may_point(left) else right
            elif t in ("parenthesized_expression", "cast_expression"):
                cur = _field(cur, "value") or (named(cur)[-1] if named(cur) else None)
            else:
                return None, bool(steps)
        if cur is None:
            return None, bool(steps)
        name = text(cur)
        own = self.own.get(name, 0) if name not in self.params else 0
        deref, member = False, False
        for s in reversed(steps):  # from the name outward
            if s == "&":
                own += 1
            elif s == ".":
                member = True
            elif own > 0 and not member:
                own -= 1
            else:
                deref = True
        return name, deref

    def value_roots(self, value: Node) -> list[str]:
        """The names (or ``f`` for a call ``f(...)``, marked by a trailing ``()``) whose
        storage or pointers a value that may be an address comes from."""
        v = unparen(value)
        if v is None:
            return []
        t = v.type
        if t == "identifier":
            return [text(v)]
        if t in ("subscript_expression", "field_expression", "pointer_expression"):
            root, _ = self.lvalue_root(v)
            return [root] if root is not None else []
        if t == "cast_expression":
            inner = _field(v, "value")
            return self.value_roots(inner) if inner is not None else []
        if t == "binary_expression" and op(v) in ("+", "-"):
            return [r for side in (_field(v, "left"), _field(v, "right"))
                    if side is not None and self.may_point(side)
                    for r in self.value_roots(side)]
        if t == "conditional_expression":
            return [r for side in (_field(v, "consequence"), _field(v, "alternative"))
                    if side is not None for r in self.value_roots(side)]
        if t in ("assignment_expression",):
            right = _field(v, "right")
            return self.value_roots(right) if right is not None else []
        if t == "comma_expression":
            right = _field(v, "right")
            return self.value_roots(right) if right is not None else []
        if t == "call_expression" and typedef_cast(v):  # `(T)(p)`: a cast (:mod:`.casts`)
            return [r for a in named(_field(v, "arguments")) for r in self.value_roots(a)]
        if t == "call_expression":
            callee = norm(text(_field(v, "function")))
            lib = library_function(callee)
            if lib is not None and lib.effect is Effect.ALLOC:
                return []  # fresh memory of the heap (the call is an effect of its own)
            if lib is not None:  # `strchr(s, c)`, `memcpy(d, ...)`: into an argument
                return [r for a in named(_field(v, "arguments")) if self.may_point(a)
                        for r in self.value_roots(a)]
            return [callee + "()"]
        return []

    def may_point(self, value: Node) -> bool:
        """Can the value be an address?  Not a number, nor a name of an arithmetic type with
        its pointer and array levels used up by subscripts."""
        v = unparen(value)
        if v is None or v.type in ("number_literal", "char_literal", "sizeof_expression",
                                   "true", "false"):
            return False
        if v.type == "binary_expression" and op(v) not in ("+", "-"):
            return False
        if v.type in ("identifier", "subscript_expression"):
            depth = 0
            cur: Node | None = v
            while cur is not None and cur.type == "subscript_expression":
                depth += 1
                cur = unparen(_field(cur, "argument"))
            if cur is None or cur.type != "identifier":
                return True
            d = self.ctx.declared.get(text(cur)) or self.index.globals.get(text(cur))
            if d is None or not d.type_name:
                return True
            return not (set(d.type_name.split()) <= ARITHMETIC_WORDS and depth >= d.levels)
        return True

    def origins(self, name: str) -> list[tuple[str, str]]:
        """Where the value of ``name`` comes from, followed through the locals: ("param",
        p), ("global", g), ("call", f); nothing for a local whose every value is the
        function's own storage or fresh memory."""
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n.endswith("()"):
                out.append(("call", n[:-2]))
                continue
            if n in _NOT_OBJECTS:
                continue
            if n in self.params:
                out.append(("param", n))
            elif n not in self.ctx.declared:
                if _global_name(n, self.index):
                    out.append(("global", n))
                continue
            for v in self.assigned.get(n, []):
                if self.may_point(v):
                    todo.extend(self.value_roots(v))
        return out


def _declarator_name(d: Node) -> str | None:
    cur: Node | None = d
    while cur is not None and cur.type not in ("identifier", "field_identifier"):
        cur = _field(cur, "declarator") or (named(cur)[0] if cur.type ==
                                            "parenthesized_declarator" and named(cur) else None)
    return text(cur) if cur is not None else None


def summary(index: FileIndex, name: str) -> FunctionSummary | None:
    """The summary of the function ``name`` defined in the file (None: not defined there)."""
    s = index.memo.get("summaries")
    if not isinstance(s, _Summariser):
        s = index.memo["summaries"] = _Summariser(index)
    return s.get(name, 0)
