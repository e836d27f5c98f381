"""Casts the grammar reads as calls: ``(real)(k * k)``.

The C grammar the analysis parses with cannot know which identifiers are type names, so
``(T)(e)`` — a cast of ``(e)`` to ``T`` when ``typedef float T;`` is in scope — is read as a
call of ``T`` with the argument ``e``.  In C an identifier a ``typedef`` declares is a type
name in its scope (C11 6.7.8p3), ordinary identifiers share one name space (6.2.3p1: a
file-scope typedef name is no function or object of the file), and a parenthesised type name
before an expression is a cast (6.5.4).  The same holds for an object-like macro whose body is
a type made of type-specifier keywords only (``#define REAL double``): the preprocessor puts
the type there (6.10.3).  So a "call" whose function is a parenthesised identifier that the
file declares by a file-scope ``typedef``, or such a macro visible there, and that no
declaration of the enclosing function redeclares (6.2.1p4), is a cast: it calls nothing.
The headers' ``typedef`` names count within :func:`header_types`.

C++ also spells a conversion in functional notation, ``double(x)``: a simple type specifier
followed by a parenthesised expression is the cast ``(double)(x)`` ([expr.type.conv]), which
the C++ grammar reads as a call whose function is the type: it calls nothing either."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from tree_sitter import Node

from accellium.dataset.analysis.macros import Macro
from accellium.dataset.analysis.tree import (
    field,
    iter_nodes,
    named,
    named_cast_operand,
    nodes_of,
    root_of,
    source_of,
    text,
    unparen,
)

__all__ = ["typedef_cast", "is_call", "typedef_names", "type_words", "header_types",
           "value_types", "holds_no_address"]

#: Keywords a type-specifier list may be made of (C11 6.7.2, 6.7.3).
_TYPE_WORDS = frozenset({"void", "char", "short", "int", "long", "float", "double", "signed",
                         "unsigned", "_Bool", "_Complex", "const", "volatile", "bool"})

#: Conditional groups of the preprocessor that hold file-scope declarations (C11 6.10.1).
_CONDITIONAL = frozenset({"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif",
                          "preproc_elifdef"})

#: The nodes whose identifier child a declaration declares.
_DECLARATORS = frozenset({"init_declarator", "parameter_declaration", "array_declarator",
                          "pointer_declarator", "declaration"})

#: the typedef names of the headers of the file being read (:func:`header_types`)
_HEADER_TYPES: ContextVar[frozenset[str]] = ContextVar("header_types", default=frozenset())

#: file text -> its file-scope typedef names (the last few files)
_MEMO: dict[bytes, frozenset[str]] = {}
_MEMO_SIZE = 16
_VALUE_MEMO: dict[bytes, frozenset[str]] = {}


_RECORDS = ("struct_specifier", "union_specifier", "class_specifier")


def holds_no_address(t: Node | None, values: Collection[str]) -> bool:
    """Does an object of the type ``t`` (a declaration's type node) hold no address: a basic
    type, a structure, union or class whose every member does, or a name of ``values``?"""
    if t is None:
        return False
    if t.type in ("primitive_type", "sized_type_specifier"):
        return True
    if t.type in _RECORDS:
        body = field(t, "body")
        if body is None:
            name = field(t, "name")
            return name is not None and text(name) in values
        return _members_hold_no_address(body, values)
    return t.type == "type_identifier" and text(t) in values


def _members_hold_no_address(body: Node, values: Collection[str]) -> bool:
    """Every data member of a structure's body holds no address (a member function's
    declaration is no member object; a base class is not looked through: no)."""
    if body.parent is not None and any(c.type == "base_class_clause"
                                       for c in body.parent.children):
        return False
    for m in named(body):
        if m.type in ("comment", "access_specifier", "function_definition", "declaration",
                      "template_declaration", "friend_declaration", "type_definition",
                      "preproc_call"):
            continue  # no data member (a C++ member function, a nested type, a friend)
        if m.type != "field_declaration":
            return False
        ds = m.children_by_field_name("declarator")
        if any(d.type == "function_declarator" for d in ds):
            continue
        if not holds_no_address(field(m, "type"), values) or any(
                n.type in ("pointer_declarator", "reference_declarator")
                for d in ds for n in iter_nodes(d)):
            return False
    return True


def _more_value_types(root: Node, records: list[Node], out: set[str]) -> bool:
    """Add to ``out`` the structures and ``typedef`` names whose objects hold no address given
    ``out``; whether any was added."""
    before = len(out)
    for top in records:
        name = field(top, "name")
        if name is not None and name.type == "type_identifier" and text(name) not in out and \
                holds_no_address(top, out):
            out.add(text(name))
    for top in named(root):
        if top.type == "type_definition" and holds_no_address(field(top, "type"), out):
            out.update(text(d) for d in top.children_by_field_name("declarator")
                       if d.type == "type_identifier")
    return len(out) > before


def value_types(root: Node) -> frozenset[str]:
    """The type names of the file whose objects hold no address: each structure, union or
    class it defines whose every data member holds none (``struct vec3 { double x, y, z;
    };``, which C++ also names ``vec3``), and each ``typedef`` of a basic type, of such a
    definition or of another such name, with no ``*`` in its declarator (``typedef struct
    {...} vec3;``).  A structure with a pointer member (``struct view { double *p; }``) holds
    one: what a callee writes through it is not the object's own."""
    key = source_of(root)
    got = _VALUE_MEMO.get(key)
    if got is not None:
        return got
    out: set[str] = set()
    records = [n for n in nodes_of(root, _RECORDS) if field(n, "body") is not None]
    while _more_value_types(root, records, out):  # a structure of such structures: after them
        pass
    if len(_VALUE_MEMO) >= _MEMO_SIZE:
        _VALUE_MEMO.pop(next(iter(_VALUE_MEMO)))
    _VALUE_MEMO[key] = got = frozenset(out)
    return got


def typedef_names(root: Node) -> frozenset[str]:
    """The names the file's file-scope ``typedef`` declarations declare (in any conditional
    group of the preprocessor)."""
    key = source_of(root)
    got = _MEMO.get(key)
    if got is not None:
        return got
    out: set[str] = set()
    tops = list(named(root))
    while tops:
        top = tops.pop()
        if top.type in _CONDITIONAL:  # either group of `#ifdef` may be the one compiled
            tops.extend(named(top))
        if top.type != "type_definition":
            continue
        for d in top.children_by_field_name("declarator"):
            for n in iter_nodes(d):
                if n.type == "type_identifier":
                    out.add(text(n))
                    break
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = got = frozenset(out)
    return got


def type_words(body: str) -> bool:
    """Is a macro's replacement text the words of a type (its specifiers and qualifiers,
    C11 6.7.2-6.7.3: ``double``, ``unsigned long``, ``const float``)?"""
    words = body.split()
    return bool(words) and set(words) <= _TYPE_WORDS


def _type_macro(m: Macro | None) -> bool:
    return m is not None and m.params is None and type_words(m.body)


#: a function's text -> the names its declarations declare (the last few functions)
_DECLARED: dict[bytes, frozenset[str]] = {}


def _redeclared(node: Node, name: str) -> bool:
    """Does a declaration of the function around ``node`` (a parameter or a local) declare
    ``name``?"""
    fn = node.parent
    while fn is not None and fn.type != "function_definition":
        fn = fn.parent
    if fn is None:
        return False
    key = fn.text or b""
    got = _DECLARED.get(key)
    if got is None:
        got = frozenset(text(n) for n in iter_nodes(fn) if n.type == "identifier" and
                        n.parent is not None and n.parent.type in _DECLARATORS)
        if len(_DECLARED) >= _MEMO_SIZE:
            _DECLARED.pop(next(iter(_DECLARED)))
        _DECLARED[key] = got
    return name in got


def typedef_cast(node: Node, types: frozenset[str] | None = None,
                 macros: Mapping[str, Macro] | None = None) -> bool:
    """Is the call expression ``node`` a cast to a type name (the module's rule)?  ``types``
    and ``macros``: the file's typedef names and the macros visible at ``node``, for a node
    of a tree other than the file's (a loop parsed alone); by default, those of the file
    ``node`` is in."""
    fn = field(node, "function")
    if fn is not None and fn.type in ("primitive_type", "sized_type_specifier"):
        return True  # C++'s `double(x)`, `unsigned int(x)`
    if fn is None or fn.type != "parenthesized_expression":
        return False
    inner = unparen(fn)
    if inner is None or inner.type != "identifier":
        return False
    name = text(inner)
    if types is None or macros is None:
        from accellium.dataset.analysis.macros import visible_at

        root = root_of(node)
        types = typedef_names(root) | _HEADER_TYPES.get() if types is None else types
        macros = visible_at(root, node.start_byte) if macros is None else macros
    return (name in types or _type_macro(macros.get(name))) and not _redeclared(node, name)


@contextmanager
def header_types(names: frozenset[str]) -> Iterator[None]:
    """Within the block, the names the typedefs of the headers of the file being read declare
    are type names too (``#include`` puts the header's text in the file, C11 6.10.2p3)."""
    token = _HEADER_TYPES.set(names)
    try:
        yield
    finally:
        _HEADER_TYPES.reset(token)


def is_call(node: Node) -> bool:
    """Is ``node`` a call expression that calls something (no cast the grammar reads as a
    call)?"""
    return node.type == "call_expression" and not typedef_cast(node) and \
        named_cast_operand(node) is None
