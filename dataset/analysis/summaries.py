"""Effects of the functions defined in the file, as if their bodies were inlined at the call.

:func:`summary` reads a function definition and says how it uses what each pointer parameter
points to (read, written, or both), which globals it assigns, and its other effects (I/O,
hidden state, the heap, exit) — also those of the functions it calls, followed down to
:data:`MAX_DEPTH` levels (deeper, and on recursion, a callee counts as unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.library import Effect, is_macro_name, library_function
from accellium.dataset.analysis.scope import (
    Declared,
    FileIndex,
    FunctionContext,
    function_name,
    parameters,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import named, norm, op, text
from accellium.dataset.analysis.walker import Use

__all__ = ["FunctionSummary", "summary", "MAX_DEPTH", "combine"]

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


@dataclass
class FunctionSummary:
    name: str
    params: list[Declared]
    through: list[Use | None]  # per parameter: how the function uses what it points to
    globals_written: set[str] = field(default_factory=set)
    effects: set[Effect] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # functions it calls we cannot see

    def use_of(self, position: int) -> Use | None:
        return self.through[position] if 0 <= position < len(self.through) else Use.RMW


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
            for occ in ctx.occurrences.get(pname, []):
                out.through[k] = combine(out.through[k], self._use(occ, ctx, depth, out))
        for call in _calls(defn):
            self._call(call, ctx, depth, out)
        out.globals_written |= {v for v in _assigned_roots(ctx) if v not in ctx.declared}
        return out

    def _use(self, occ: Node, ctx: FunctionContext, depth: int,
             out: FunctionSummary) -> Use | None:
        top, deref = _chain_top(occ, ctx)
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

    def _callee_use(self, callee: str, k: int, depth: int) -> Use | None:
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
        out.unknown.extend(u for u in got.unknown if u not in out.unknown)
        for k, arg in enumerate(named(_field(call, "arguments"))):
            if got.use_of(k) in (Use.WRITE, Use.RMW) and arg.type == "pointer_expression" \
                    and op(arg) == "&":
                inner = _field(arg, "argument")
                if inner is not None and inner.type == "identifier" and \
                        text(inner) not in ctx.declared:
                    out.globals_written.add(text(inner))


def _calls(defn: Node) -> list[Node]:
    out = []
    stack = [defn]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
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


def summary(index: FileIndex, name: str) -> FunctionSummary | None:
    """The summary of the function ``name`` defined in the file (None: not defined there)."""
    s = index.memo.get("summaries")
    if not isinstance(s, _Summariser):
        s = index.memo["summaries"] = _Summariser(index)
    return s.get(name, 0)
