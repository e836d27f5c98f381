"""What a piece of code does with arrays and names: the array elements it reads and writes
(:func:`array_uses`), the names it assigns and declares (:func:`assignments`).

Unlike the analysis's loop walk, these read any statement — the host code between offloaded
loops as well as the loops — because the planner needs the same facts for both: which arrays a
statement touches, with which subscripts, and whether a write replaces an element whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.macro_element import macro_element, macro_reads
from accellium.dataset.analysis.macros import file_macros
from accellium.dataset.analysis.reference_params import (
    bound_to_writable_reference,
    writable_reference_arg,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import named, op, shift_statement, subscripts, text, unparen

__all__ = ["ArrayUse", "array_uses", "is_declared_name", "declarator_name", "Assignments", "assignments", "ZERO"]

#: The subscript of ``*p`` (``p[0]``).
ZERO = 0
_SKIP = frozenset({"sizeof_expression", "string_literal", "char_literal", "comment",
                   "type_descriptor", "concatenated_string", "alignof_expression"})
_NOT_USES = frozenset({"field_identifier", "type_identifier", "statement_identifier"})


@dataclass
class ArrayUse:
    """One use of an array: an element (``a[i][j]``, ``*p``) or the array itself (``f(a)``,
    ``&a[i]``, ``p = a``: ``whole``, its extent unknown)."""

    name: str  # the array: an identifier, or a member chain (``s->v``)
    node: Node  # the subscript (or deref) expression, the identifier for a whole use
    # subscripts in order (ZERO for ``*p``); of a macro's element (``U(i, j)``), nodes of its
    # expansion's own tree: where they are is ``node``
    subs: list[Node | int]
    read: bool
    write: bool
    plain: bool = False  # ``a[...] = e``: the element is replaced whole
    whole: bool = False

    @property
    def row(self) -> int:
        return self.node.start_point[0]

    @property
    def member(self) -> bool:
        return not self.name.isidentifier()

    def names_row(self, levels: int) -> bool:
        """Does the use name a row of an array of ``levels`` levels — fewer subscripts than
        it takes (``best[t]`` of ``double best[][K]``)?  A row is an array, which C turns
        into a pointer to its first element (C11 6.3.2.1p3): what is read or written through
        it is not seen at the use."""
        return not self.whole and len(self.subs) < levels


def _climb(node: Node) -> tuple[Node, bool]:
    """The expression whose value a use of ``node`` is, through member accesses and
    subscripts on them (``p[i].v[k]``): (that expression, whether it went through a member)."""
    cur, parent, member = node, node.parent, False
    while parent is not None:
        if parent.type == "field_expression" and _field(parent, "argument") == cur:
            member = True
        elif parent.type == "subscript_expression" and _field(parent, "argument") == cur \
                and member:
            pass
        elif parent.type == "parenthesized_expression":
            pass
        else:
            break
        cur, parent = parent, parent.parent
    return cur, member


def _role(node: Node) -> tuple[bool, bool, bool, bool]:
    """(read, write, plain write, whole) of the element ``node`` names."""
    top, member = _climb(node)
    parent = top.parent
    if parent is None:
        return True, False, False, False
    if parent.type == "assignment_expression" and _field(parent, "left") == top:
        if op(parent) == "=" and not member:
            return False, True, True, False
        return True, True, False, False
    if parent.type == "update_expression":
        return True, True, False, False
    if parent.type == "pointer_expression" and op(parent) == "&":
        return True, True, False, True
    if _extracted(top) or (parent.type == "argument_list" and _bound_to_reference(top, parent)) \
            or bound_to_writable_reference(top):
        return True, True, False, False  # C++: stored through a reference
    if parent.type == "field_expression" or member:
        return True, False, False, False
    return True, False, False, False


def _bound_to_reference(arg: Node, args: Node) -> bool:
    """Is the argument ``arg`` (of the argument list ``args``) bound to a reference its
    callee may assign (:func:`.reference_params.writable_reference_arg`)?"""
    call = args.parent
    k = next((i for i, a in enumerate(named(args)) if a.id == arg.id), -1)
    return call is not None and writable_reference_arg(call, k)


def _extracted(top: Node) -> bool:
    """Is ``top`` a right operand of a statement ``in >> a >> b;`` (C++)?  Such a statement
    exists for a call of an overloaded ``operator>>`` — a built-in shift's value, discarded,
    changes nothing (C++ [expr.shift], [stmt.expr]) — a stream's extraction, which stores the
    value it reads in its right operand through a reference ([istream.formatted])."""
    parent = top.parent
    if parent is None or parent.type != "binary_expression" or op(parent) != ">>" or \
            _field(parent, "right") != top:
        return False
    while parent.parent is not None and parent.parent.type == "binary_expression" and \
            op(parent.parent) == ">>" and _field(parent.parent, "left") == parent:
        parent = parent.parent
    stmt = parent.parent
    while stmt is not None and stmt.type == "parenthesized_expression":
        stmt = stmt.parent
    return shift_statement(stmt) == parent


def _subscript_use(node: Node) -> tuple[ArrayUse | None, list[Node]]:
    base, idx = subscripts(node)
    rest: list[Node] = list(idx)
    if base is None:
        return None, rest
    subs: list[Node | int] = list(idx)
    inner = unparen(_field(base, "argument")) if base.type == "pointer_expression" and \
        op(base) == "*" else None
    if inner is not None and inner.type == "identifier":  # (*A)[i][j] is A[0][i][j]
        name = text(inner)
        subs = [ZERO, *idx]
    elif base.type == "identifier":
        name = text(base)
    elif base.type == "field_expression":
        name = "".join(text(base).split())
        rest.append(base)  # `s[k].v[i]`: its subscripts are uses too
    else:
        rest.append(base)
        return None, rest
    read, write, plain, whole = _role(node)
    return ArrayUse(name, node, subs, read, write, plain, whole), rest


def _macro_use(node: Node) -> tuple[ArrayUse, list[Node]] | None:
    """A call of a function-like macro of the file that stands for one element
    (:mod:`accellium.dataset.analysis.macro_element`: ``U(i, j)``, ``I2D(u, n, i, j)``): a use
    of that element, with the subscripts of the expansion, and the arguments still to read —
    all but the one naming the array (None: not such a call)."""
    got = macro_element(node)
    if got is None:
        return None
    read, write, plain, whole = _role(node)
    args = [a for k, a in enumerate(named(_field(node, "arguments"))) if k != got.base_arg]
    return ArrayUse(got.name, node, list(got.subs), read, write, plain, whole), args


def _macro_reads(node: Node) -> tuple[list[ArrayUse], list[Node]] | None:
    """A call of a function-like macro of the file whose body, an rvalue, reads elements no
    argument names (:func:`accellium.dataset.analysis.macro_element.macro_reads`:
    ``W(i, 3)`` with ``#define W(i, j) (w[(i)] * (j))``): a read of each, with the
    subscripts of the expansion, and the arguments still to read (None: not such a call)."""
    if node.type == "identifier":  # an object-like macro (``#define WI (w[i] * 2.0)``)
        table = file_macros(node) \
            if node.parent is not None and not is_declared_name(node) else None
        got = macro_reads(node, table) if table else None
        args: list[Node] = []
    else:
        table = file_macros(node)
        got = macro_reads(node, table) if table is not None else None
        args = named(_field(node, "arguments"))
    if got is None:
        return None
    bases = {e.base_arg for e in got}
    args = [a for k, a in enumerate(args) if k not in bases]
    return [ArrayUse(e.name, node, list(e.subs), True, False) for e in got], args


def _deref_use(node: Node) -> ArrayUse | None:
    """``*p`` (the element ``p[0]``) or ``*(p + k)`` (``p[k]``, C11 6.5.2.1)."""
    arg = unparen(_field(node, "argument"))
    sub: Node | int = ZERO
    if arg is not None and arg.type == "binary_expression" and op(arg) == "+":
        left, right = unparen(_field(arg, "left")), _field(arg, "right")
        if left is None or left.type != "identifier" or right is None:
            return None
        arg, sub = left, right
    if arg is None or arg.type != "identifier":
        return None
    read, write, plain, whole = _role(node)
    return ArrayUse(text(arg), node, [sub], read, write, plain, whole)


def is_declared_name(node: Node) -> bool:
    """Is the identifier the name a declarator declares (not a use: ``n`` of ``T a[n]`` is one)?"""
    p = node.parent
    while p is not None and p.type in ("pointer_declarator", "array_declarator",
                                       "parenthesized_declarator", "init_declarator"):
        decl = _field(p, "declarator")
        if p.type == "init_declarator":
            return decl is not None and node.start_byte < decl.end_byte
        if p.type == "array_declarator" and decl is not None and \
                not (node.start_byte < decl.end_byte):
            return False  # a name in the size: a use
        node, p = p, p.parent
    return p is not None and p.type in ("declaration", "parameter_declaration", "init_declarator")


def _whole_use(node: Node) -> ArrayUse | None:
    p = node.parent
    if p is None or node.type != "identifier":
        return None
    if is_call(p) and _field(p, "function") == node:
        return None
    if is_declared_name(node):
        return None
    if p.type in ("goto_statement", "labeled_statement"):
        return None
    return ArrayUse(text(node), node, [], True, True, False, True)


def array_uses(root: Node | None) -> list[ArrayUse]:
    """Every array use under ``root`` in source order.  A bare identifier is reported as a
    whole use whatever its type: the caller keeps the names it knows to be arrays."""
    out: list[ArrayUse] = []
    if root is None:
        return out
    stack = [root]
    while stack:
        n = stack.pop()
        t = n.type
        if t in _SKIP:
            continue
        kids: list[Node] = list(n.named_children)
        if t == "subscript_expression":
            use, kids = _subscript_use(n)
            if use is not None:
                out.append(use)
        elif t == "pointer_expression" and op(n) == "*":
            use = _deref_use(n)
            if use is not None:
                out.append(use)
                kids = [k for k in use.subs if not isinstance(k, int)]
        elif t == "call_expression" and (got := _macro_use(n)) is not None:
            out.append(got[0])
            kids = got[1]
        elif t == "call_expression" and (reads := _macro_reads(n)) is not None:
            out.extend(reads[0])
            kids = reads[1]
        elif t == "identifier" and (reads := _macro_reads(n)) is not None:
            out.extend(reads[0])
        elif t == "identifier":
            use = _whole_use(n)
            if use is not None:
                out.append(use)
        elif t in _NOT_USES:
            continue
        stack.extend(reversed(kids))
    out.sort(key=lambda u: u.node.start_byte)
    return out


@dataclass
class Assignments:
    """Names assigned under a node: how often, the value of each plain assignment
    (``x = e``, ``T x = e``), and the names declared there."""

    count: dict[str, int] = field(default_factory=dict)
    values: dict[str, Node] = field(default_factory=dict)
    declared: dict[str, Node] = field(default_factory=dict)  # name -> its declarator

    def once(self) -> dict[str, Node]:
        """Locals declared here and assigned exactly once, with their value."""
        return {n: v for n, v in self.values.items()
                if self.count.get(n) == 1 and n in self.declared}


def _target(node: Node | None) -> str | None:
    node = unparen(node)
    if node is not None and node.type == "identifier":
        return text(node)
    return None


def declarator_name(d: Node | None) -> str | None:
    """The name a declarator declares (``*p``, ``a[n]``, ``(*f)``)."""
    while d is not None and d.type != "identifier":
        if d.type in ("function_declarator",):
            return None
        nxt = _field(d, "declarator")
        if nxt is None and d.type == "parenthesized_declarator":
            kids = named(d)
            nxt = kids[0] if kids else None
        d = nxt
    return text(d) if d is not None else None


def _changed_names(n: Node) -> list[str]:
    """The name ``x++`` changes, ``&x`` may let be written through, or the arguments ``x``
    the callee of the call ``n`` binds to a reference it may assign (C++)."""
    if n.type == "update_expression" or (n.type == "pointer_expression" and op(n) == "&"):
        name = _target(_field(n, "argument"))
        return [name] if name else []
    if n.type == "call_expression":
        return [text(a) for k, a in enumerate(named(_field(n, "arguments")))
                if a.type == "identifier" and writable_reference_arg(n, k)]
    return []


def assignments(root: Node | None) -> Assignments:
    out = Assignments()
    if root is None:
        return out
    stack = [root]
    while stack:
        n = stack.pop()
        t = n.type
        if t in _SKIP:
            continue
        name: str | None = None
        if t == "assignment_expression":
            name = _target(_field(n, "left"))
            right = _field(n, "right")
            if name and op(n) == "=" and right is not None:
                out.values[name] = right
        elif t in ("update_expression", "pointer_expression", "call_expression"):
            for changed in _changed_names(n):
                out.count[changed] = out.count.get(changed, 0) + 1
        elif t == "init_declarator":
            name = declarator_name(_field(n, "declarator"))
            value = _field(n, "value")
            if name and value is not None:
                out.values[name] = value
                out.declared.setdefault(name, n)
        elif t == "declaration":
            for d in n.children_by_field_name("declarator"):
                if d.type != "init_declarator":
                    dn = declarator_name(d)
                    if dn:
                        out.declared.setdefault(dn, d)
        if name:
            out.count[name] = out.count.get(name, 0) + 1
        stack.extend(reversed(named(n)))
    return out
