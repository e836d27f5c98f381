"""Function-like macros of the loop's file, expanded where a subscript calls one.

``u[IDX(i, j, n)]`` with ``#define IDX(i, j, n) ((i)*(n) + (j))`` in the file is
``u[(i)*(n) + (j)]``: the preprocessor replaces the call by the body with each parameter
replaced by its argument's tokens (C17 6.10.3).  The dependence test reads the expansion;
a call it cannot expand (no definition in the file, several different ones, ``#``/``##`` in
the body, a variadic or a wrong argument count) is not affine, so it never proves two
accesses apart (:mod:`.affine`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node, Tree

from accellium.dataset.analysis.tree import field, iter_nodes, text, unparen
from accellium.dataset.loops import parse_tree

__all__ = ["Macro", "Macros", "file_macros", "expand_call"]

_MAX_BODY = 400  # longer bodies are not expanded
_WRAP = "int __accellium_value = ({});"


@dataclass(frozen=True)
class Macro:
    params: tuple[str, ...]
    body: str


Macros = dict[str, Macro]


def file_macros(root: Node) -> Macros:
    """The function-like macros the file defines once (or several times alike)."""
    found: dict[str, set[Macro]] = {}
    for n in iter_nodes(root):
        if n.type != "preproc_function_def":
            continue
        name, params, body = field(n, "name"), field(n, "parameters"), field(n, "value")
        if name is None or params is None or body is None:
            continue
        ps = [c for c in params.children if c.type not in ("(", ")", ",")]
        if any(c.type != "identifier" for c in ps):  # variadic (`...`)
            continue
        b = " ".join(text(body).replace("\\\n", " ").split())
        if "#" in b or len(b) > _MAX_BODY:
            continue
        found.setdefault(text(name), set()).add(Macro(tuple(text(c) for c in ps), b))
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


@lru_cache(maxsize=4096)
def _parsed(expr: str) -> tuple[Tree, Node] | None:
    tree = parse_tree(_WRAP.format(expr).encode("utf-8", "surrogateescape"), "c")
    decl = tree.root_node.named_children[0] if tree.root_node.named_children else None
    init = field(decl, "declarator") if decl is not None else None
    value = unparen(field(init, "value")) if init is not None else None
    if value is None or tree.root_node.has_error:
        return None
    return tree, value


def expand_call(call: Node, macros: Macros) -> Node | None:
    """The expression a call of a file macro expands to (a node of a parsed copy), or None."""
    fn, args = field(call, "function"), field(call, "arguments")
    m = macros.get(text(fn)) if fn is not None and fn.type == "identifier" else None
    if m is None or args is None:
        return None
    vals = [text(a) for a in args.named_children if a.type != "comment"]
    if len(vals) != len(m.params):
        return None
    by = dict(zip(m.params, vals, strict=True))
    body = re.sub(r"\b[A-Za-z_]\w*\b", lambda t: f"({by[t.group(0)]})" if t.group(0) in by
                  else t.group(0), m.body)
    got = _parsed(body)
    return None if got is None else got[1]
