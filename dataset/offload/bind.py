"""Arrays a function reaches through a global pointer its file binds once (an "init" function
stores the caller's pointer and length in ``static`` globals; the kernels read them).

The facts of C used here:

* a ``static`` global (internal linkage) can be named only in its own file, so the
  assignments that file makes to it are all there are; when its address is never taken and
  a single function assigns it, once, from one of its parameters (a statement of its body,
  before anything can return), then after a call of that function — the *binder* — the global
  holds that call's argument until the binder is called again;
* a local declared ``T *f = G;`` (or ``int n = L;``) and never assigned again is another name
  for the value the global held when the function started: the kernels' ``f[0:n]`` is the
  global's memory, ``G[0:L]``;
* so where the caller called the binder exactly once (the only call in the program), as a
  statement of its body, with a pointer and a length it never assigns, every later call in
  that body reaches the caller's ``a[0:len]`` — and the caller's data region can map it like
  an array passed as an argument (:mod:`.program`).

A call of a function of that file that touches such a global (directly or through the
file's functions it calls) and cannot join the region is a barrier for the bound array: its
host code, or its own data clauses, would see a stale copy."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import library_function
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, op, text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import assignment_positions
from accellium.dataset.offload.callgraph import is_static as _is_static
from accellium.dataset.offload.callgraph import param_names as _params
from accellium.dataset.offload.callgraph import through_calls
from accellium.dataset.offload.nodes import callee_name
from accellium.dataset.offload.shapes import declared_shapes, walk_declarator

__all__ = ["statics", "binders", "touches", "aliases", "alias_only", "rename", "Binding",
           "bindings_in", "name_uses", "ANY"]

#: In :func:`touches`: the function calls something that may touch any of the file's globals.
ANY = "*"


def statics(root: Node) -> dict[str, str]:
    """The file's ``static`` global pointers (``pointer``) and scalars (``other``) with no
    initializer whose address the file never takes and that nothing but plain ``=``
    statements assign: name -> kind."""
    out: dict[str, str] = {}
    for top in named(root):
        if top.type != "declaration" or not _is_static(top):
            continue
        if any(d.type == "init_declarator" for d in top.children_by_field_name("declarator")):
            continue
        for s in declared_shapes(top, False, False):
            if (s.kind == "pointer" and s.levels == 1) or (s.kind == "other" and not s.levels):
                out[s.name] = s.kind
    for n in iter_nodes(root):
        if n.type == "pointer_expression" and op(n) == "&" or n.type == "update_expression":
            arg = unparen(_field(n, "argument"))
            if arg is not None and arg.type == "identifier":
                out.pop(text(arg), None)
        elif n.type == "assignment_expression" and op(n) != "=":
            left = unparen(_field(n, "left"))
            if left is not None and left.type == "identifier":
                out.pop(text(left), None)
    return out


def _body_items(fn: Node) -> list[Node]:
    body = _field(fn, "body")
    return [c for c in named(body) if c.type != "comment"] if body is not None else []


def binders(root: Node, glob: dict[str, str]) -> dict[str, dict[str, int]]:
    """Functions with external linkage that bind globals: name -> {global: parameter index}.
    A global counts when this is its only assignment in the file: ``G = p;`` a statement of
    the function's body before any ``return``, ``p`` a parameter the function never assigns."""
    assigned: dict[str, int] = {}
    for n in iter_nodes(root):
        if n.type == "assignment_expression":
            left = unparen(_field(n, "left"))
            if left is not None and left.type == "identifier":
                assigned[text(left)] = assigned.get(text(left), 0) + 1
    out: dict[str, dict[str, int]] = {}
    for fn in (n for n in named(root) if n.type == "function_definition"):
        name = function_name(fn)[0]
        if not name or _is_static(fn):
            continue
        params, moved = _params(fn), assignment_positions(fn)
        got: dict[str, int] = {}
        for item in _body_items(fn):
            if item.type in ("return_statement", "goto_statement") or \
                    any(x.type == "return_statement" for x in iter_nodes(item)):
                break
            e = named(item)[0] if item.type == "expression_statement" and named(item) else None
            if e is None or e.type != "assignment_expression" or op(e) != "=":
                continue
            left, right = unparen(_field(e, "left")), unparen(_field(e, "right"))
            if left is None or right is None or right.type != "identifier":
                continue
            g, p = text(left), text(right)
            if g in glob and assigned.get(g) == 1 and p in params and not moved.get(p):
                got[g] = params.index(p)
        if got:
            out[name] = got
    return out


def touches(root: Node, glob: set[str] | frozenset[str], defined: set[str],
            macros: bool = False) -> dict[str, set[str]]:
    """For each function of the file: the globals of ``glob`` it names, directly or through
    the file's functions it calls; :data:`ANY` when it calls a function neither the file
    defines nor the C library provides (it may call back into the file).  ``macros``: a call
    of a function-like macro is what its expansion names and calls (C11 6.10.3), where
    otherwise it counts as a call of an unknown function."""
    from accellium.dataset.offload.global_scalars import macro_call_tokens

    fns = {function_name(f)[0]: f for f in named(root) if f.type == "function_definition"}
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for name, fn in fns.items():
        if not name:
            continue
        d: set[str] = set()
        c: set[str] = set()
        for n in iter_nodes(fn):
            if n.type == "identifier" and text(n) in glob:
                d.add(text(n))
            elif is_call(n):
                callee = callee_name(n)
                toks = macro_call_tokens(n) if macros and callee is not None and \
                    callee not in fns else None
                if toks is not None:
                    _expansion_touches(toks, glob, {f for f in fns if f}, defined, d, c)
                elif callee is not None and callee in fns:
                    c.add(callee)
                elif callee is None or (callee not in defined and
                                        library_function(callee) is None):
                    d.add(ANY)
        direct[name], calls[name] = d, c
    return through_calls(direct, calls)


def _expansion_touches(toks: list[str], glob: set[str] | frozenset[str], fns: set[str],
                       defined: set[str], d: set[str], c: set[str]) -> None:
    """What a macro call's expansion (its tokens) names of ``glob`` (into ``d``) and which
    of the file's functions it names (``c``); :data:`ANY` for an expansion given up or a
    call of a function neither the program defines nor the C library provides."""
    from accellium.dataset.offload.global_scalars import UNREAD

    for k, t in enumerate(toks):
        if t in glob:
            d.add(t)
        elif t in fns:
            c.add(t)
        elif t == UNREAD or (k + 1 < len(toks) and toks[k + 1] == "(" and
                             (t[:1].isalpha() or t[:1] == "_") and t not in defined and
                             library_function(t) is None):
            d.add(ANY)


def aliases(fn: Node, glob: dict[str, str]) -> dict[str, str]:
    """Locals of ``fn`` declared ``T *f = G;`` / ``int n = L;`` from a global of ``glob``
    (of the same kind) and never assigned again: local -> global.  A global named directly
    maps to itself."""
    out: dict[str, str] = {g: g for g in glob}
    moved = assignment_positions(fn)
    body = _field(fn, "body")
    for n in iter_nodes(body) if body is not None else ():
        if n.type != "init_declarator":
            continue
        value = unparen(_field(n, "value"))
        name, parts = walk_declarator(_field(n, "declarator"))
        if name is None or value is None or value.type != "identifier" or moved.get(name):
            continue
        g = text(value)
        kind = "pointer" if [k for k, _ in parts] == ["pointer"] else "other" if not parts \
            else None
        if glob.get(g) == kind:
            out[name] = g
    for p in _params(fn):  # a parameter of that name hides the global
        if p in glob:
            out.pop(p, None)
    return out


def alias_only(fn: Node, g: str, names: dict[str, str], inside) -> bool:
    """Is every use of the global ``g`` in ``fn`` outside ``inside`` (the device code) the
    value of an alias's declaration?"""
    for n in iter_nodes(fn):
        if n.type != "identifier" or text(n) != g or inside(n):
            continue
        p = n.parent
        if p is None or p.type != "init_declarator" or _field(p, "value") != n:
            return False
        name, _ = walk_declarator(_field(p, "declarator"))
        if names.get(name or "") != g:
            return False
    return True


def rename(p: poly.Poly, names: dict[str, str]) -> poly.Poly | None:
    """``p`` with each name of ``names`` replaced by its global."""
    for local, g in names.items():
        if local != g and local in poly.names(p):
            got = poly.subst(p, local, poly.var(g))
            if got is None:
                return None
            p = got
    return p


@dataclass
class Binding:
    """What a global holds from a point of the caller on: the caller's argument."""

    call: Node  # the binder's call statement
    args: dict[str, Node] = field(default_factory=dict)  # global -> the caller's argument


def name_uses(roots: list[Node], names: set[str]) -> dict[str, int]:
    """How often each of ``names`` is used (called, or its address taken) in ``roots``: every
    identifier but the name of a function's declarator (a prototype or the definition)."""
    out: dict[str, int] = {}
    for r in roots:
        for n in iter_nodes(r):
            if n.type == "identifier" and text(n) in names and (
                    n.parent is None or n.parent.type != "function_declarator"):
                out[text(n)] = out.get(text(n), 0) + 1
    return out


def bindings_in(fn: Node, binds: dict[str, dict[str, int]], uses: dict[str, int]
                ) -> tuple[dict[str, Binding], list[tuple[Node, str]]]:
    """The globals bound in ``fn`` (global -> binding) by a binder named once in the whole
    program (``uses``: :func:`name_uses`), called here as a statement of the body, with
    arguments the function never assigns (identifiers or numbers); and every binder call in
    ``fn`` with its name (each a barrier: a region around it cannot map what it binds)."""
    out: dict[str, Binding] = {}
    sites: list[tuple[Node, str]] = []
    moved = assignment_positions(fn)
    items = {c.id for c in _body_items(fn)}
    for n in iter_nodes(fn):
        if is_call(n):
            callee = callee_name(n)
            if callee is not None and callee in binds:
                sites.append((n, callee))
    for call, name in sites:
        stmt = call.parent
        if uses.get(name, 0) != 1 or stmt is None or stmt.type != "expression_statement" or \
                stmt.id not in items:
            continue
        args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
        b = Binding(stmt)
        for g, k in binds[name].items():
            a = unparen(args[k]) if k < len(args) else None
            if a is None or a.type not in ("identifier", "number_literal") or \
                    a.type == "identifier" and moved.get(text(a)):
                break
            b.args[g] = a
        else:
            for g in b.args:
                out[g] = b
    return out, sites
