"""Member reads that hold one value over a stretch of code: sizes kept in a structure
(``g->nx``, ``v->n``, ``s.len``, ``p->dim.n``) taken as names, like a scalar parameter.

A member read (:func:`member_read`) is an identifier object followed by one or more member
levels (``.`` or ``->``), nothing else on the way (no subscript, call or cast).  Its name
(:func:`member_key`) is its text without white space: ``g->nx``, a valid C expression that a
data clause may use as it is (OpenACC 3.3, 2.7.1: a section's bounds are expressions,
evaluated where the directive is).

C facts :func:`unchanged` encodes — the read has the same value everywhere in the code when
nothing there can store to it:

* no assignment, ``++``/``--`` or ``&`` of an lvalue ending in one of its member names (any
  object: ``w->n = 0`` may be ``v->n`` when ``w == v``), and none of the object's own name
  (``g = h``, ``&g``; nor a declaration of that name, which would be another object); the
  object's address taken anywhere in the function (``pp = &v``) lets a store through that
  pointer change it, so then nothing is proved;
* no call, other than of a pure library function (it computes a value from its arguments)
  or of a macro the file defines, which is read as its expansion (C11 6.10.3) under the
  same rules — any other function may store to the object through a pointer it holds;
* every other store goes to an lvalue whose type cannot alias the member (C11 6.5p7, strict
  aliasing: an object is accessed only through an lvalue of a compatible type, a signed or
  unsigned variant, a character type, or an aggregate containing it).  The member is of
  integer type (a member used in a subscript or as a loop bound is; one the file declares
  with a floating type is refused), so a store through a ``double``/``float`` lvalue or of a
  pointer cannot change it, and neither can a store to a named scalar variable (an object of
  its own, no member of any structure); a store through an ``int *``, to a member of another
  name, or of unknown type might — unless the object is a struct variable of the function
  (``s.n``) whose address is never taken: then no lvalue but its own name reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from tree_sitter import Node

from accellium.dataset.analysis.library import library_function
from accellium.dataset.analysis.macros import file_expansion
from accellium.dataset.analysis.polynomial import Poly
from accellium.dataset.analysis.scope import declared_names
from accellium.dataset.analysis.tree import field, iter_nodes, named, norm, op, text

__all__ = ["MemberRead", "member_read", "member_key", "parse_key", "unchanged", "pure_library",
           "fixed_reads"]

MemberRead = tuple[str, tuple[str, ...], bool]  # (object, members outermost last, via ->)

_KEY = re.compile(r"([A-Za-z_]\w*)((?:(?:\.|->)[A-Za-z_]\w*)+)")
_STEP = re.compile(r"(\.|->)([A-Za-z_]\w*)")
_FLOATING = frozenset({"float", "double"})
_QUALIFIERS = frozenset({"const", "volatile", "restrict", "static", "register", "extern",
                         "signed", "unsigned", "short", "long", "_Atomic"})
_SCALARS = frozenset({"int", "char", "short", "long", "signed", "unsigned", "_Bool", "bool",
                      "size_t", "ptrdiff_t", "float", "double"})
_MAX_DEPTH = 8  # macro expansions followed inside one another


def _paren(node: Node | None) -> Node | None:
    """The expression inside parentheses (a cast is kept: it changes the type)."""
    while node is not None and node.type == "parenthesized_expression":
        kids = named(node)
        node = kids[-1] if kids else None
    return node


def member_read(node: Node | None) -> MemberRead | None:
    """(object, member names, reached through a pointer) of ``g->nx``, ``s.a.n``; None for
    any other expression."""
    n = _paren(node)
    if n is None or n.type != "field_expression":
        return None
    members: list[str] = []
    arrow = False
    while n is not None and n.type == "field_expression":
        f = field(n, "field")
        if f is None or f.type != "field_identifier":
            return None
        members.append(text(f))
        arrow = arrow or text(field(n, "operator")) == "->"
        n = _paren(field(n, "argument"))
    # C++'s `this` is the pointer a member function's object is reached through
    if n is None or n.type not in ("identifier", "this"):
        return None
    return text(n), tuple(reversed(members)), arrow


def member_key(node: Node | None) -> str | None:
    """The name of a member read: its text without white space (``g->nx``)."""
    return norm(text(node)) if member_read(node) is not None else None


def parse_key(name: str) -> MemberRead | None:
    """The :data:`MemberRead` a :func:`member_key` name spells; None for another name."""
    m = _KEY.fullmatch(name)
    if m is None:
        return None
    steps = _STEP.findall(m.group(2))
    return m.group(1), tuple(s for _, s in steps), any(o == "->" for o, _ in steps)


def pure_library(call: Node) -> bool:
    """Is ``call`` a call of a pure library function?"""
    lib = library_function(norm(text(field(call, "function"))))
    return lib is not None and lib.pure


class _Types:
    """(type words, pointer and array levels) of the names a function and its file declare,
    and of the members the file's structures declare, each table read in one pass when first
    asked."""

    def __init__(self, fn: Node | None, root: Node | None):
        self.fn, self.root = fn, root
        self._names: dict[str, set[tuple[str, int]]] | None = None
        self._globals: dict[str, set[tuple[str, int]]] | None = None
        self._fields: dict[str, set[tuple[str, int]]] | None = None

    @staticmethod
    def _table(nodes: Iterable[Node], kinds: tuple[str, ...]) -> dict[str, set[tuple[str, int]]]:
        out: dict[str, set[tuple[str, int]]] = {}
        for n in nodes:
            if n.type in kinds:
                for d in declared_names(n):
                    out.setdefault(d.name, set()).add((d.type_name, d.levels))
        return out

    def name(self, name: str) -> tuple[str, int] | None:
        """``name``'s declarations in the function, else at file scope; None when there is
        none or they disagree."""
        if self._names is None:
            self._names = self._table(iter_nodes(self.fn) if self.fn is not None else (),
                                      ("parameter_declaration", "declaration"))
        found = self._names.get(name)
        if not found:
            if self._globals is None:
                self._globals = self._table(
                    [*named(self.root), *self._headers()] if self.root is not None else (),
                    ("declaration",))
            found = self._globals.get(name)
        return next(iter(found)) if found and len(found) == 1 else None

    def field(self, member: str) -> set[tuple[str, int]]:
        """Every declaration of a member named ``member`` in the file's structures (and its
        headers')."""
        if self._fields is None:
            tops = [self.root, *self._headers()] if self.root is not None else []
            self._fields = self._table((n for t in tops for n in iter_nodes(t)),
                                       ("field_declaration",))
        return set(self._fields.get(member, ()))

    def _headers(self) -> list[Node]:
        """The file-scope declarations of the headers the file includes above the function
        (read with the file's headers): ``#include`` puts their text in the file (C11
        6.10.2p3)."""
        from accellium.dataset.offload.shapes import header_types

        if self.root is None:
            return []
        return header_types(self.root, self.fn.start_byte if self.fn is not None
                            else self.root.end_byte)


def _words(type_name: str) -> set[str]:
    return set(type_name.split()) - {"const", "volatile", "restrict"}


def _cannot_alias(lv: Node, types: _Types) -> bool:
    """Is the store to ``lv`` one that cannot change an integer member (module doc): through
    a floating lvalue, of a pointer, or to a named scalar variable?"""
    levels = 0
    n: Node | None = _paren(lv)
    while n is not None and (n.type == "subscript_expression" or
                             n.type == "pointer_expression" and op(n) == "*"):
        levels += 1
        n = _paren(field(n, "argument"))
    if n is None:
        return False
    if n.type == "identifier":
        got = types.name(text(n))
        if got is None:
            return False
        if levels == 0 and got[1] == 0:
            return bool(_words(got[0])) and _words(got[0]) <= _SCALARS  # a named scalar
        decls = {got}
    elif n.type == "field_expression":
        decls = types.field(text(field(n, "field")))
    else:
        return False
    if len(decls) != 1:
        return False
    type_name, have = decls.pop()
    if levels < have:
        return True  # a pointer (or an element that is one) is stored
    return levels == have and bool(_words(type_name) & _FLOATING)


def _target(n: Node) -> Node | None:
    """The lvalue an assignment, ``++``/``--`` or ``&`` stores to or exposes."""
    if n.type == "assignment_expression":
        return field(n, "left")
    if n.type == "update_expression" or n.type == "pointer_expression" and op(n) == "&":
        return field(n, "argument")
    return None


def _root_name(lv: Node | None) -> str | None:
    """The identifier an lvalue's chain of members, elements and dereferences starts from."""
    n = _paren(lv)
    while n is not None and n.type in ("field_expression", "subscript_expression",
                                       "pointer_expression"):
        n = _paren(field(n, "argument"))
    return text(n) if n is not None and n.type == "identifier" else None


def _own_storage(lv: Node | None, obj: str) -> bool:
    """Does ``lv`` designate ``obj`` or part of its own storage (``s``, ``s.n``, ``s.a[2]``;
    not ``v->n``, which is in the object ``v`` points to)?"""
    n = _paren(lv)
    while n is not None and n.type in ("field_expression", "subscript_expression"):
        if n.type == "field_expression" and text(field(n, "operator")) == "->":
            return False
        n = _paren(field(n, "argument"))
    return n is not None and n.type == "identifier" and text(n) == obj


def _address_taken(fn: Node | None, obj: str) -> bool:
    """Is the address of ``obj`` or of a part of it taken in ``fn`` (``&s``, ``&s.n``): a
    pointer may then reach it (unknown without the function)?"""
    if fn is None:
        return True
    return any(n.type == "pointer_expression" and op(n) == "&" and
               _own_storage(field(n, "argument"), obj) for n in iter_nodes(fn))


def _local_struct(fn: Node | None, obj: str) -> bool:
    """Is ``obj`` a struct variable (no pointer) the function declares (a parameter or a
    local)?"""
    if fn is None:
        return False
    found = {(d.type_name, d.levels) for n in iter_nodes(fn)
             if n.type in ("parameter_declaration", "declaration")
             for d in declared_names(n) if d.name == obj}
    return len(found) == 1 and next(iter(found))[1] == 0


def _floating_member(types: _Types, member: str) -> bool:
    return any(levels == 0 and _words(t) & _FLOATING for t, levels in types.field(member))


def unchanged(read: MemberRead, code: Iterable[Node], fn: Node | None, root: Node | None,
              pure: Callable[[Node], bool] = pure_library) -> bool:
    """Does the member read hold one value everywhere in ``code`` (nodes of the function
    ``fn``, in the file ``root``)?  ``pure(call)``: a call that stores nothing (by default a
    pure library function); a call of a macro of the file is read as its expansion."""
    obj, members, arrow = read
    types = _Types(fn, root)
    if _address_taken(fn, obj) or _floating_member(types, members[-1]):
        return False
    own = not arrow and _local_struct(fn, obj)
    stack = [(n, 0) for n in code]
    while stack:
        top, depth = stack.pop()
        for n in iter_nodes(top):
            t = n.type
            if t == "call_expression":
                body = file_expansion(n) if depth < _MAX_DEPTH else None
                if body is not None:
                    stack.append((body, depth + 1))
                elif not pure(n):
                    return False
                continue
            if t == "declaration":
                if any(d.name == obj for d in declared_names(n)):
                    return False  # another object of that name from here on
                continue
            lv = _paren(_target(n))
            if lv is None:
                continue
            if lv.type == "field_expression" and text(field(lv, "field")) in members:
                return False
            name = _root_name(lv)
            if lv.type == "identifier" and text(lv) == obj:
                return False
            if t == "pointer_expression":
                continue  # an address taken: what is stored through it is judged there
            if own and name != obj:
                continue  # no lvalue but the variable's own name reaches it
            if not _cannot_alias(lv, types):
                return False
    return True


def fixed_reads(exprs: Iterable[Node], code: Iterable[Node], fn: Node | None,
                root: Node | None, pure: Callable[[Node], bool] = pure_library
                ) -> dict[str, Poly]:
    """The member reads of ``exprs`` that hold one value everywhere in ``code``
    (:func:`unchanged`), each as the name it is: ``{"g->nx": {("g->nx",): 1}}`` — the
    values a reader of subscripts takes them at, like a scalar the loop never assigns."""
    code = list(code)
    out: dict[str, Poly] = {}
    seen: set[str] = set()
    for e in exprs:
        for n in iter_nodes(e):
            read = member_read(n) if n.type == "field_expression" else None
            key = norm(text(n)) if read is not None else None
            if read is None or key is None or key in seen:
                continue
            seen.add(key)
            if unchanged(read, code, fn, root, pure):
                out[key] = {(key,): 1}
    return out
