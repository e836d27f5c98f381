"""Names the loop may not see in every build: declared only in a preprocessor group that does
not hold the loop.

C11 6.10.1: of an ``#if``/``#ifdef`` ... ``#elif`` ... ``#else`` ... ``#endif`` chain the
preprocessor keeps one group (or none).  A variable declared only in a group the loop is not in
(``#if CHECK`` ... ``float *ref;`` ... ``#endif``, then the loop uses ``ref`` inside an
``#if CHECK`` group of its own body) is undeclared in a build that skips that group: a clause
naming it is a compile error there (gcc: "undeclared"), while a build that keeps the group
needs it (the loop uses the variable).  :func:`conditional_names` finds such names among those a
loop's code mentions, with the line of the group's directive.  A name with one declaration
outside every such group — in no group, in a group that also holds the loop, or in an ``#if``/
``#ifdef``/``#ifndef`` group whose directive is the same as one of a group holding the loop
(the same condition: both are kept or both skipped) — is declared in every build that compiles
the loop.
"""

from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from accellium.dataset.analysis.scope import FileIndex, declared_names
from accellium.dataset.analysis.tree import ancestors, nodes_of, text
from accellium.dataset.analysis.tree import field as _field

__all__ = ["conditional_names"]

_GROUPS = frozenset({"preproc_if", "preproc_ifdef", "preproc_elif", "preproc_elifdef",
                     "preproc_else"})
# (start, end) of a group's own lines: an #if's group ends where its #elif/#else starts
_Span = tuple[int, int]
# name -> [(the start byte of the function holding the declaration, -1 at file scope, the
#           declaration's start byte, the spans of the groups around it, innermost first)]
_Group = tuple[_Span, int, str]  # (its span, the row of its directive, its condition's key)
_Declarations = dict[str, list[tuple[int, int, tuple[_Group, ...]]]]


def _span(n: Node) -> _Span:
    alt = _field(n, "alternative")
    return n.start_byte, alt.start_byte if alt is not None else n.end_byte


def _key(n: Node) -> str:
    """What a group's directive tests, as text ("": an ``#elif``/``#else``, whose outcome
    depends on the groups before it)."""
    if n.type == "preproc_if":
        return "if " + " ".join(text(_field(n, "condition")).split())
    if n.type == "preproc_ifdef":
        word = text(n.children[0]) if n.children else ""
        return word.lstrip("#").strip() + " " + text(_field(n, "name")).strip()
    return ""


_NESTING = ("declaration", "function_definition", *sorted(_GROUPS))


def _declarations(root: Node) -> _Declarations:
    """Every declaration of the file with the groups around it (one inside another
    declaration — a C++ lambda's body in an initialiser — is left out: its names are local);
    none when no declaration lies in a group (then no name can answer,
    :func:`conditional_names`)."""
    found: list[tuple[Node, int, tuple[_Group, ...]]] = []
    # the enclosing nodes of those kinds: (end byte, type, function start, groups)
    open_: list[tuple[int, str, int, tuple[_Group, ...]]] = [(root.end_byte, "", -1, ())]
    for n in nodes_of(root, _NESTING):  # pre-order: an enclosing node comes first
        while len(open_) > 1 and open_[-1][0] <= n.start_byte:
            open_.pop()
        _, up, fn, groups = open_[-1]
        if up == "declaration":
            continue
        t = n.type
        if t == "declaration":
            found.append((n, fn, groups))
        elif t == "function_definition":
            fn = n.start_byte
        else:
            groups = ((_span(n), n.start_point[0], _key(n)),) + groups
        open_.append((n.end_byte, t, fn, groups))
    out: _Declarations = {}
    if not any(groups for _, _, groups in found):
        return out
    for n, fn, groups in found:
        for d in declared_names(n):
            if d.function is None:
                out.setdefault(d.name, []).append((fn, n.start_byte, groups))
    return out


def conditional_names(index: FileIndex, function: Node, loop: Node, names: Iterable[str]
                      ) -> dict[str, int]:
    """Of ``names``, those whose every declaration visible at ``loop`` (in ``function`` before
    the loop, or at file scope before it) lies in a preprocessor group that does not hold the
    loop; each with the 0-based row of that group's directive."""
    got = index.memo.get("conditional-declarations")
    if got is None:
        got = index.memo["conditional-declarations"] = _declarations(index.tree.root_node)
    assert isinstance(got, dict)
    at = loop.start_byte
    holding = set()
    for up in ancestors(loop):
        if up.type in _GROUPS and _span(up)[0] <= at < _span(up)[1] and _key(up):
            holding.add(_key(up))
    grouped = index.memo.get("conditional-names")
    if grouped is None:  # the names with a declaration in some group: only they can answer
        grouped = index.memo["conditional-names"] = {
            name for name, decls in got.items() if any(g for _, _, g in decls)}
    assert isinstance(grouped, set)
    out: dict[str, int] = {}
    for name in names:
        if name not in grouped:
            continue
        seen = [groups for fn, start, groups in got.get(name, ())
                if start < at and fn in (-1, function.start_byte)]
        if not seen:
            continue
        apart = [next((row for (a, b), row, key in groups
                       if not a <= at < b and key not in holding), None) for groups in seen]
        if all(row is not None for row in apart):
            out[name] = min(r for r in apart if r is not None)
    return out
