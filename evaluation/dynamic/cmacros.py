"""Names a compute region uses through the macros it calls.

A macro call stands for its body, the parameters replaced by the arguments (C11 6.10.3,
6.10.3.1), and the compiler reads the region after that replacement (translation phase 4, C11
5.1.1.2): ``y[i] = W(i, 3)`` with ``#define W(i, j) (w[(i)] * (j))`` uses ``w`` though the
region's text never names it.  OpenACC decides a variable's data attributes on the names the
compute construct's code uses (OpenACC 3.3, 2.6.2), so such a pointer must be mapped as any
other: the emulator checks it (:meth:`computegen.ComputeGen.pointer_check`), and a pointer
no data clause maps fails there as it would dereference a host address on a discrete GPU.
The expansion itself is not rewritten to the device copies (the host's variables are read
there, as before): a stale device copy read only through a macro is not seen.

Only names declared as objects where the region is (:func:`.cscan.objects_in_scope`) count:
a name the body declares, a member after ``.``/``->``, a tag after ``struct``, a type, a
function or another macro is not a variable of the region; the file's own macros are
expanded (:mod:`accellium.dataset.analysis.macros`; a header's are not seen here)."""

from __future__ import annotations

import re

from tree_sitter import Node

from accellium.dataset.analysis.macros import expand, tokens, visible_at
from accellium.dataset.analysis.tree import iter_nodes, root_of
from accellium.evaluation.dynamic.cscan import declared_names, text

__all__ = ["macro_names"]

_IDENT = re.compile(r"[A-Za-z_]\w*")
_NOT_A_USE = frozenset({".", "->", "struct", "union", "enum"})


def _macro_uses(region: Node, macros: dict[str, object]) -> list[Node]:
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

