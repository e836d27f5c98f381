"""Names a compute region uses through the macros it calls.

A macro call stands for its body, the parameters replaced by the arguments (C11 6.10.3,
6.10.3.1), and the compiler reads the region after that replacement (translation phase 4, C11
5.1.1.2): ``y[i] = W(i, 3)`` with ``#define W(i, j) (w[(i)] * (j))`` uses ``w`` though the
region's text never names it.  OpenACC decides a variable's data attributes on the names the
compute construct's code uses (OpenACC 3.3, 2.6.2), so such a pointer must be mapped as any
other: the emulator checks it (:meth:`computegen.ComputeGen.pointer_check`), and a pointer
no data clause maps fails there as it would dereference a host address on a discrete GPU.
A use whose expansion is an expression (``REF(i, j)`` with ``#define REF(i, j)
ref[(i) * n + (j)]``) is written out expanded inside a compute construct, its names renamed
to the device copies as the region's own text is (:func:`rewritten`), and the variables only
such uses name are bound as the region's text's are (:func:`macro_bindings`): a write through
the macro lands on the device copy, and a missing copyout is seen.  A use the emulator cannot
write out (a statement macro, an expansion that declares or calls a program function, a
header's macro) is left to the preprocessor, its names read from the host as before, and a
variable it names is only checked (a pointer must be mapped).

Only names declared as objects where the region is (:func:`.cscan.objects_in_scope`) count:
a name the body declares, a member after ``.``/``->``, a tag after ``struct``, a type, a
function or another macro is not a variable of the region; the file's own macros are
expanded (:mod:`accellium.dataset.analysis.macros`; a header's are not seen here)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tree_sitter import Node

from accellium.dataset.analysis.macros import Macro, expand, expanded_text, tokens, visible_at
from accellium.dataset.analysis.tree import iter_nodes, root_of
from accellium.evaluation.dynamic.cscan import declared_names, text

__all__ = ["macro_names", "macro_bindings", "rewritten"]

_IDENT = re.compile(r"[A-Za-z_]\w*")
_NOT_A_USE = frozenset({".", "->", "struct", "union", "enum"})


def _macro_uses(region: Node, macros: Mapping[str, object]) -> list[Node]:
    """The calls of function-like macros and the names of object-like ones in ``region``
    (the outermost: a macro in an argument is expanded with its call)."""
    out: list[Node] = []
    stack = [region]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            f = n.child_by_field_name("function")
            if f is not None and f.type == "identifier" and text(f) in macros:
                out.append(n)
                continue
        elif n.type == "identifier" and text(n) in macros:
            out.append(n)
            continue
        stack.extend(n.children)
    return out


def _declared_in(region: Node) -> set[str]:
    """Names declared anywhere in ``region`` (its locals: not the enclosing scope's)."""
    return {name for n in iter_nodes(region) if n.type == "declaration"
            for name in declared_names(n)}


def macro_names(region: Node, objects: set[str], nonvars: set[str]) -> list[str]:
    """The variables of the scope around ``region`` (``objects``, less ``nonvars``) that the
    macros ``region`` uses expand to but its own text does not name (in order of use)."""
    macros = visible_at(root_of(region), region.start_byte)
    if not macros:
        return []
    local = _declared_in(region)
    own = {text(n) for n in iter_nodes(region) if n.type == "identifier"}
    out: dict[str, None] = {}
    for use in _macro_uses(region, dict(macros)):
        body = expand(text(use), macros)
        toks = tokens(body) if body is not None else []
        for k, t in enumerate(toks):
            if (_IDENT.fullmatch(t) and t in objects and t not in nonvars and t not in local
                    and t not in own and (k == 0 or toks[k - 1] not in _NOT_A_USE)):
                out.setdefault(t, None)
    return list(out)



def rewritten(use: Node, macros: dict[str, Macro], rename: dict[str, str],
              defined: set[str]) -> str | None:
    """``use`` (a macro call or name) expanded, its names renamed by ``rename`` (not a member
    after ``.``/``->``, nor a tag): None when it is not a macro use, its expansion is not an
    expression, declares a name (a statement expression) or calls a program function (``defined``:
    its ``routine`` check is written at the call), or it renames nothing."""
    if use.type == "call_expression":
        f = use.child_by_field_name("function")
        m = macros.get(text(f)) if f is not None and f.type == "identifier" else None
        if m is None or m.params is None:
            return None
    elif use.type != "identifier" or macros.get(text(use)) is None or \
            macros[text(use)].params is not None:
        return None
    node = expanded_text(text(use), macros)
    if node is None:
        return None
    for m2 in iter_nodes(node):
        if m2.type in ("declaration", "compound_statement"):
            return None
        if m2.type == "call_expression":
            f = m2.child_by_field_name("function")
            if f is None or f.type != "identifier" or text(f) in defined:
                return None
    body = expand(text(use), macros)
    toks = tokens(body) if body is not None else []
    out, changed = [], False
    for k, t in enumerate(toks):
        if _IDENT.fullmatch(t) and t in rename and (k == 0 or toks[k - 1] not in _NOT_A_USE):
            out.append(rename[t])
            changed = True
        else:
            out.append(t)
    return "(" + " ".join(out) + ")" if changed else None


def macro_bindings(region: Node, hidden: list[str], defined: set[str]) -> list[str]:
    """The names of ``hidden`` (:func:`macro_names`) that every macro use of ``region`` naming
    them can be written out expanded (:func:`rewritten`): the construct binds them to device
    copies as the names its text uses; the others are only checked."""
    macros = visible_at(root_of(region), region.start_byte)
    if not macros or not hidden:
        return []
    table = dict(macros)
    probe = {v: v for v in hidden}
    ok = set(hidden)
    for use in _macro_uses(region, table):
        body = expand(text(use), macros)
        names = set(tokens(body)) & ok if body is not None else set()
        if names and rewritten(use, table, probe, defined) is None:
            ok -= names
    return [v for v in hidden if v in ok]
