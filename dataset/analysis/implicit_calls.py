"""C++ code that calls functions it does not name: operators, constructors, destructors.

A built-in operator applies only to operands of arithmetic, enumeration and pointer types; an
operator expression with an operand of class type calls an operator function (C++
[over.match.oper]p1-2): a member of the class (``a[i] + b[i]`` is ``a[i].operator+(b[i])``)
or a function declared outside it (``operator+(a[i], b[i])``), or a conversion function of
the class.  The one exception is simple assignment, whose operator function the compiler
defines itself when the class declares none ([class.copy.assign]).  In a compute construct
such a call needs a device version as a call written by name does (OpenACC 3.3, 2.15.1).
So does the definition of an object of a class that declares a constructor: it calls one
([class.ctor]p1, [dcl.init]p17), and one whose class declares a destructor calls it when its
block ends ([class.dtor]p12).

Only what the file shows: an operand's type from the declarations of the function and the
file (its headers' included), a class the file or a header it includes above the loop
defines.  An operand whose type is not known this way is taken for a built-in one."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.scope import FileIndex, declared_names, function_name
from accellium.dataset.analysis.summaries import ARITHMETIC_WORDS
from accellium.dataset.analysis.tree import field, iter_nodes, text, unparen

__all__ = ["implicit_callees"]

#: the operator expressions and the fields of their operands
_OPERANDS = {"binary_expression": ("left", "right"), "unary_expression": ("argument",),
             "update_expression": ("argument",), "assignment_expression": ("left",)}
_CLASS_WORDS = ("struct", "class", "union", "const", "volatile")


def implicit_callees(node: Node, index: FileIndex) -> list[str]:
    """The functions the code under ``node`` calls without naming them, in order, each named
    as the file can look it up: a function of the file by its name as written there
    (``operator+``, an out-of-class member's ``V::operator+``), else ``Class::name`` (a member
    its class's body defines or declares; an operator nothing the file shows defines)."""
    if index.lang != "cpp":
        return []
    defn = index.function_at(node.start_byte)
    types = _Types(index, defn)
    out: list[str] = []
    for n in iter_nodes(node):
        if n.type == "declaration":
            found = types.special_members(n)
        else:
            found = [types.operator_called(n)]
        out += [f for f in found if f is not None and f not in out]
    return out


class _Types:
    """The types of the names a function and its file declare, and of their classes' data
    members, as (type words, pointer and array levels)."""

    def __init__(self, index: FileIndex, defn: Node | None):
        from accellium.dataset.offload.shapes import header_context

        self.index, self.defn = index, defn
        self.root = index.tree.root_node
        self.before = defn.start_byte if defn is not None else self.root.end_byte
        self.headers = header_context()  # the header declarations in force

    def _declared(self, name: str) -> tuple[str, int] | None:
        d = self.index.context(self.defn).declared.get(name) if self.defn is not None else None
        d = d or self.index.globals.get(name)
        return None if d is None else (d.type_name, d.levels - d.references)

    def type_of(self, e: Node | None) -> tuple[str, int] | None:
        e = unparen(e)
        if e is None:
            return None
        if e.type == "identifier":
            return self._declared(text(e))
        if e.type == "subscript_expression":
            t = self.type_of(field(e, "argument"))
            return (t[0], t[1] - 1) if t is not None and t[1] > 0 else None
        if e.type == "pointer_expression":
            t = self.type_of(field(e, "argument"))
            if t is None:
                return None
            return (t[0], t[1] + 1) if text(field(e, "operator")) == "&" else \
                ((t[0], t[1] - 1) if t[1] > 0 else None)
        if e.type == "field_expression":
            t = self.type_of(field(e, "argument"))
            arrow = text(field(e, "operator")) == "->"
            if t is None or t[1] != int(arrow):
                return None
            return self._member(t[0], text(field(e, "field")))
        return None

    def _bodies(self, type_name: str) -> list[Node]:
        """The member lists of the class ``type_name`` names and of its bases ([] where the
        file and its headers do not define one such class), found once per file, headers in
        force, type and place (the file's memo): each lookup reads the whole file and its
        headers, and every operand of every loop asks."""
        words = [w for w in type_name.split() if w not in _CLASS_WORDS]
        if len(words) != 1 or words[0] in ARITHMETIC_WORDS:  # a fundamental type: no class
            return []
        memo = self.index.memo.setdefault("class_bodies", {})
        assert isinstance(memo, dict)
        key = (self.headers, words[0], self.before)
        if key not in memo:
            memo[key] = self._find_bodies(words[0])
        return memo[key]

    def _find_bodies(self, name: str) -> list[Node]:
        """:meth:`_bodies` of the class ``name``, looked up."""
        from accellium.dataset.analysis.classes import with_bases
        from accellium.dataset.analysis.deep import type_bodies

        found = type_bodies(self.root, f"class {name}", self.before) or \
            type_bodies(self.root, name, self.before)
        return with_bases(found[0], self.root, self.before) if len(found) == 1 else []

    def _member(self, type_name: str, member: str) -> tuple[str, int] | None:
        for body in self._bodies(type_name):
            for f in body.named_children:
                if f.type == "field_declaration":
                    for d in declared_names(f):
                        if d.name == member and d.function is None:
                            return d.type_name, d.levels - d.references
        return None

    def class_of(self, e: Node | None) -> str | None:
        """The class ``e``'s type is, where it is an object (not a pointer) of a class the
        file shows."""
        t = self.type_of(e)
        if t is None or t[1] != 0 or not self._bodies(t[0]):
            return None
        return next(w for w in t[0].split() if w not in _CLASS_WORDS)

    def operator_called(self, n: Node) -> str | None:
        """The operator function the operator expression ``n`` calls (None: none, or not an
        operator expression)."""
        fields = _OPERANDS.get(n.type)
        for f in fields or ():
            cls = self.class_of(n.child_by_field_name(f))
            if cls is not None:
                sign = "".join(text(n.child_by_field_name("operator")).split())
                return self._function(cls, f"operator{sign}", sign != "=")
        return None

    def special_members(self, decl: Node) -> list[str | None]:
        """The constructor and destructor the definition of an object ``decl`` declares
        calls, where its class declares them."""
        t = " ".join(text(field(decl, "type")).split())
        if not any(d.function is None and d.levels == 0 for d in declared_names(decl)) or \
                not self._bodies(t):
            return []
        cls = next(w for w in t.split() if w not in _CLASS_WORDS)
        return [self._function(cls, cls, False), self._function(cls, f"~{cls}", False)]

    def _function(self, cls: str, want: str, always: bool) -> str | None:
        """The function ``want`` (an operator, a constructor or destructor's name) of an
        object of ``cls`` that code calls: a member its class declares, else one the file
        declares at file scope; else (``always``) the member nothing read shows, or None."""
        for body in self._bodies(cls):
            for f in body.named_children:
                if f.type in ("field_declaration", "function_definition", "declaration") and \
                        any("".join(m.split()) == want for m in _member_names(f)):
                    qualified = f"{cls}::{want}"
                    return next((k for k in self.index.definitions
                                 if "".join(k.split()) == qualified), qualified)
        if want.startswith("operator"):
            free = next((k for k in [*self.index.definitions, *self.index.prototypes]
                         if "".join(k.split()) == want), None)
            if free is not None:
                return free
        return f"{cls}::{want}" if always else None


def _member_names(n: Node) -> list[str]:
    """The names a member declaration or a member function definition declares."""
    if n.type == "function_definition":
        name = function_name(n)[0]
        return [name] if name else []
    return [d.name for d in declared_names(n)]
