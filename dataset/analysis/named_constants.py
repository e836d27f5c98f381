"""The integer values some names have wherever a loop runs: an object-like macro whose body
is an integer literal (``#define NUM_VARS 4``: the preprocessor puts the number in its place,
C11 6.10.3p9) and a file-scope object declared ``const`` (or ``constexpr``) of an integer
type with an integer literal as its value (``const int sten_size = 4;``: a program that
changes a const object is undefined, C11 6.7.3p6) that neither the function nor the loop
declares again.  The analysis keeps such names as names (a section reads ``a[0:N]``); a proof
that compares two bounds (:mod:`.filled`) may use their values."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from tree_sitter import Node

from accellium.dataset.analysis.macros import Macro, table_of
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import kept_with_tree, text, unparen

__all__ = ["named_constants"]

_INTEGER_TYPES = frozenset({"int", "long", "short", "unsigned", "signed", "size_t", "char"})


def _integer(s: str) -> int | None:
    s = s.strip().rstrip("uUlL")
    try:
        return int(s, 0) if s and (s[0].isdigit()) else None
    except ValueError:
        return None


def _macro_values(macros: Iterable[Macro]) -> dict[str, int]:
    out = {}
    for m in macros:
        if m.params is None and (v := _integer(m.body)) is not None:
            out[m.name] = v
    return out


def _const_objects(root: Node) -> dict[str, int]:
    """The file-scope const integers of the tree ``root``; read once per tree."""
    return kept_with_tree(root, "const-objects", 0, lambda: _read_const_objects(root))


def _read_const_objects(root: Node) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in root.named_children:
        if d.type != "declaration":
            continue
        quals = {text(c) for c in d.named_children if c.type == "type_qualifier"}
        ty = _field(d, "type")
        if not quals & {"const", "constexpr"} or ty is None or \
                not set(text(ty).split()) <= _INTEGER_TYPES:
            continue
        for c in d.named_children:
            name, value = _field(c, "declarator"), unparen(_field(c, "value"))
            if c.type == "init_declarator" and name is not None and \
                    name.type == "identifier" and value is not None and \
                    value.type == "number_literal" and (v := _integer(text(value))) is not None:
                out[text(name)] = v
    return out


def named_constants(root: Node | None, at: int, defines: Iterable[Macro],
                    shadowing: Collection[str]) -> dict[str, int]:
    """The names (module doc) with their values at byte ``at`` of the file whose tree is
    ``root`` (None: a loop given alone, where only ``defines`` are known), ``defines`` the
    macros of its headers; ``shadowing``: the names the function and the loop declare."""
    table = table_of(root) if root is not None else None
    macros = table.visible(at, tuple(defines), constants=True).values() if table is not None \
        else defines
    objects = _const_objects(root) if root is not None else {}
    return {**{n: v for n, v in objects.items() if n not in shadowing}, **_macro_values(macros)}
