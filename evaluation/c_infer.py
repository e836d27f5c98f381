"""C type inference for the compile check: the type each free identifier of a loop needs.

From the uses of each name on the tree-sitter tree (and the clause arguments of the pragma and
its enclosing directives) a small lattice of :class:`Shape` values is built: a scalar (``int``
when used as an integer), a pointer of some rank, a struct with fields, a function.  The source
generator (:mod:`accellium.evaluation.c_source`) turns them into declarations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.evaluation.c_prelude import KNOWN

__all__ = ["Shape", "Facts", "scalar", "analyse_tree", "walk", "CAPS"]

# ----------------------------------------------------------------------------------------------
# Shapes (a tiny type lattice)
# ----------------------------------------------------------------------------------------------


@dataclass
class Shape:
    kind: str = "scalar"  # scalar | ptr | struct | func
    is_int: bool = False
    elem: Shape | None = None  # ptr: element; func: return value
    fields: dict[str, Shape] = field(default_factory=dict)
    lvalue: bool = False  # func: the call result is assigned to
    weak: bool = False  # evidence from clauses only / ALL_CAPS constant

    def merge(self, other: Shape | None) -> Shape:
        if other is None:
            return self
        a, b = self, other
        order = {"scalar": 0, "ptr": 2, "struct": 1, "func": 3}
        if order[b.kind] > order[a.kind]:
            a, b = b, a
        out = Shape(a.kind, a.is_int or (b.kind == "scalar" and b.is_int and a.kind == "scalar"),
                    a.elem, dict(a.fields), a.lvalue or b.lvalue, a.weak and b.weak)
        if a.kind == b.kind:
            if a.kind in ("ptr", "func"):
                out.elem = a.elem.merge(b.elem) if a.elem else b.elem
            for k, v in b.fields.items():
                out.fields[k] = out.fields[k].merge(v) if k in out.fields else v
        elif a.kind == "ptr" and b.kind == "struct":
            # p->f and p[i] / p.f: a pointer to a struct
            base = out
            while base.elem is not None and base.elem.kind == "ptr":
                base = base.elem
            base.elem = (base.elem or Shape()).merge(b)
        return out


def scalar(is_int: bool = False) -> Shape:
    return Shape("scalar", is_int)

_INT_OPS = {"%", "<<", ">>", "&", "|", "^"}
_INT_ASSIGN_OPS = {"%=", "<<=", ">>=", "&=", "|=", "^="}
_ARITH = {"+", "-", "*", "/"}
_COMPARE = {"<", "<=", ">", ">=", "!=", "=="}
CAPS = re.compile(r"^[A-Z][A-Z0-9_]*$")


# ----------------------------------------------------------------------------------------------
# Inference
# ----------------------------------------------------------------------------------------------


class Facts:
    def __init__(self, lang: str):
        self.lang = lang
        self.shapes: dict[str, Shape] = {}
        self.local: set[str] = set()
        self.types: dict[str, Shape] = {}  # unknown type names → shape (struct or scalar)
        self.local_types: dict[str, str] = {}  # local variable → its (unknown) type name
        self.this_fields: dict[str, Shape] = {}
        self.namespaces: dict[str, dict[str, Shape]] = {}
        self.labels: set[str] = set()
        self.uses_this = False
        self.clause_bases: set[str] = set()
        self.multi_section: dict[str, int] = {}

    def add(self, name: str, shape: Shape) -> None:
        self.shapes[name] = self.shapes[name].merge(shape) if name in self.shapes else shape


def _text(node: Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text is not None else ""


def _binary_int(par: Node) -> bool | None:
    """An enclosing binary expression: True when its operator needs integers, None when the
    value flows on through it (arithmetic, comparison, logic), False otherwise."""
    op_node = par.child_by_field_name("operator")
    op = _text(op_node) if op_node is not None else ""
    if op in _INT_OPS:
        return True
    if op in _ARITH or op in _COMPARE or op in ("&&", "||"):
        return None
    return False


def _assignment_int(cur: Node, par: Node) -> bool:
    """An enclosing assignment: an integer compound operator, or the value assigned to a
    loop variable in a ``for`` header (OpenACC needs integer loops)."""
    op = par.child_by_field_name("operator")
    if op is not None and _text(op) in _INT_ASSIGN_OPS:
        return True
    gp = par.parent
    if gp is not None and gp.type == "comma_expression":
        gp = gp.parent
    if gp is not None and gp.type == "for_statement" and \
            (par.child_by_field_name("right") or par).id == cur.id:
        parent_id = par.parent.id if par.parent is not None else par.id
        return any((gp.child_by_field_name(f) or gp).id in (par.id, parent_id)
                   for f in ("initializer", "update"))
    return False


def _int_declaration_context(par: Node) -> bool:
    """Declarations and statements whose values are integers by the C grammar: a ``for``
    header declaration, a switch, a case label, an array size, a bit-field width."""
    if par.type == "init_declarator" and par.parent is not None and \
            par.parent.type == "declaration" and par.parent.parent is not None and \
            par.parent.parent.type == "for_statement":
        return True
    if par.type in ("switch_statement", "case_statement", "array_declarator", "bitfield_clause"):
        return True
    return par.type == "condition_clause" and par.parent is not None and \
        par.parent.type == "switch_statement"


def _int_context(node: Node) -> bool:
    """True when the value of ``node`` must be an integer."""
    cur = node
    while True:
        par = cur.parent
        if par is None:
            return False
        t = par.type
        if t == "subscript_expression" or t == "subscript_argument_list":
            sub = par if t == "subscript_expression" else par.parent
            if sub is None:
                return True
            return cur.id != (sub.child_by_field_name("argument") or sub).id or t != "subscript_expression"
        if t == "binary_expression":
            verdict = _binary_int(par)
            if verdict is not None:
                return verdict
            cur = par
            continue
        if t in ("parenthesized_expression", "unary_expression", "update_expression"):
            if t == "unary_expression" and par.child_count and _text(par.child(0)) == "~":
                return True
            cur = par
            continue
        if t == "for_statement":
            # the bounds, start and step of a loop: OpenACC needs integer loops
            return any((par.child_by_field_name(f) or par).id == cur.id
                       for f in ("condition", "initializer", "update"))
        if t == "assignment_expression":
            return _assignment_int(cur, par)
        return _int_declaration_context(par)


def _shape_of_use(node: Node, facts: Facts) -> Shape:
    """Shape required of ``node`` (an expression) by its context, climbing outwards.

    Iterative: each enclosing subscript, member access, dereference or call wraps the shape
    the next level requires, so the climb records the wrappers and builds from the outside in.
    """
    wrappers: list[tuple[str, Node]] = []
    cur = node
    while True:
        par = cur.parent
        if par is None:
            leaf = scalar()
            break
        kind = _use_kind(cur, par)
        if kind is None:
            leaf = scalar(_int_context(cur))
            break
        if kind != "paren":
            wrappers.append((kind, par))
        cur = par
    shape = leaf
    for kind, par in reversed(wrappers):
        shape = _wrap(kind, par, shape)
    return shape


def _use_kind(node: Node, par: Node) -> str | None:
    """How ``par`` uses ``node``: ``subscript``, ``field``, ``deref``, ``call``, ``paren`` or
    None (a plain value)."""
    t = par.type
    if t == "subscript_expression" and (par.child_by_field_name("argument") or par).id == node.id:
        return "subscript"
    if t == "field_expression" and (par.child_by_field_name("argument") or par).id == node.id:
        return "field"
    if t == "pointer_expression" and _text(par.child(0)) == "*":
        return "deref"
    if t == "call_expression" and (par.child_by_field_name("function") or par).id == node.id:
        return "call"
    if t == "parenthesized_expression":
        return "paren"
    return None


def _wrap(kind: str, par: Node, inner: Shape) -> Shape:
    if kind in ("subscript", "deref"):
        return Shape("ptr", elem=inner)
    if kind == "call":
        return Shape("func", elem=inner, lvalue=_is_lvalue(par))
    op = par.child_by_field_name("operator")
    fld = par.child_by_field_name("field")
    fname = _text(fld) if fld is not None else "__f"
    if fld is not None and fld.type in ("template_method", "destructor_name"):
        fname = _text(fld.child(0)) if fld.child(0) is not None else fname
    shape = Shape("struct", fields={fname: inner})
    if op is not None and _text(op) == "->":
        return Shape("ptr", elem=shape)
    return shape


def _is_lvalue(node) -> bool:
    par = node.parent
    if par is None:
        return False
    if par.type == "assignment_expression":
        left = par.child_by_field_name("left")
        return left is not None and left.id == node.id
    if par.type == "update_expression":
        return True
    if par.type == "pointer_expression" and _text(par.child(0)) == "&":
        return True
    return False


def _declared_names(decl) -> list[str]:
    """Names declared by a declarator subtree."""
    out = []
    stack = [decl]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "field_identifier") and n.parent is not None and n.parent.type in (
            "init_declarator", "pointer_declarator", "array_declarator", "declaration",
            "reference_declarator", "parameter_declaration", "function_declarator",
            "structured_binding_declarator",
        ):
            # only the declarator position, not an initialiser or an array size
            p = n.parent
            if p.type == "init_declarator" and (p.child_by_field_name("declarator") or p).id != n.id:
                continue
            if p.type == "array_declarator" and (p.child_by_field_name("declarator") or p).id != n.id:
                continue
            out.append(_text(n))
            continue
        if n.type in ("argument_list", "initializer_list", "parameter_list") and n.id != decl.id:
            continue
        stack.extend(n.named_children)
    return out


def _in_preproc(node) -> bool:
    p = node.parent
    while p is not None:
        if p.type.startswith("preproc_") and p.type not in ("preproc_if", "preproc_ifdef",
                                                            "preproc_else", "preproc_elif"):
            return True
        if p.type in ("preproc_if", "preproc_elif"):
            cond = p.child_by_field_name("condition")
            if cond is not None and cond.start_byte <= node.start_byte < cond.end_byte:
                return True
        p = p.parent
    return False


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node`` in document order, without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def analyse_tree(root: Node, facts: Facts) -> None:
    """Fill ``facts`` from the tree of the wrapped loop, one pass per kind of evidence."""
    nodes = list(walk(root))
    _declarations(nodes, facts)
    _type_names(nodes, facts)
    _loop_variables(nodes, facts)
    for n in nodes:
        _identifier_use(n, facts)
    for n in nodes:
        if n.type in ("assignment_expression", "init_declarator"):
            _copy_between_names(n, facts)


def _declarations(nodes: list[Node], facts: Facts) -> None:
    """Names the loop declares itself (not free), their unknown type names and labels."""
    for n in nodes:
        t = n.type
        if t == "for_range_loop":
            d = n.child_by_field_name("declarator")
            if d is not None:
                facts.local.update(_declared_names(d) or [_text(d)])
        elif t in ("declaration", "parameter_declaration", "condition_clause",
                   "field_declaration"):
            ty = n.child_by_field_name("type")
            for d in n.children_by_field_name("declarator"):
                names = _declared_names(d)
                facts.local.update(names)
                if ty is not None and ty.type == "type_identifier":
                    for nm in names:
                        facts.local_types[nm] = _text(ty)
        elif t == "lambda_expression":
            for c in walk(n):
                if c.type in ("parameter_declaration", "optional_parameter_declaration"):
                    d = c.child_by_field_name("declarator")
                    if d is not None:
                        facts.local.update(_declared_names(d) or [_text(d)])
        elif t == "labeled_statement":
            lab = n.child_by_field_name("label")
            if lab is not None:
                facts.labels.add(_text(lab))


def _type_names(nodes: list[Node], facts: Facts) -> None:
    for n in nodes:
        if n.type != "type_identifier":
            continue
        par = n.parent
        if par is not None and par.type in ("struct_specifier", "union_specifier",
                                            "enum_specifier", "class_specifier",
                                            "qualified_identifier"):
            continue
        name = _text(n)
        if name not in KNOWN:
            facts.types.setdefault(name, scalar())


def _loop_variables(nodes: list[Node], facts: Facts) -> None:
    """Loop iteration variables assigned in a ``for`` header are integers."""
    for n in nodes:
        if n.type != "for_statement":
            continue
        init = n.child_by_field_name("initializer")
        if init is None or init.type not in ("assignment_expression", "comma_expression"):
            continue
        for a in walk(init):
            if a.type == "assignment_expression":
                left = a.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    facts.add(_text(left), scalar(True))


def _identifier_use(n: Node, facts: Facts) -> None:
    t = n.type
    if t == "identifier":
        if _free_use(n):
            facts.add(_text(n), _shape_of_use(n, facts))
    elif t == "this" and facts.lang == "cpp":
        facts.uses_this = True
        par = n.parent
        if par is not None and par.type == "field_expression":
            shp = _shape_of_use(n, facts)
            if shp.kind == "ptr" and shp.elem is not None:
                for k, v in shp.elem.fields.items():
                    facts.this_fields[k] = facts.this_fields[k].merge(v) \
                        if k in facts.this_fields else v
    elif t == "qualified_identifier" and facts.lang == "cpp":
        _namespace_use(n, facts)


def _free_use(n: Node) -> bool:
    """An identifier that names a variable or function (not a label, a field, a macro test)."""
    par = n.parent
    if par is not None and par.type in ("qualified_identifier", "goto_statement",
                                        "labeled_statement"):
        return False
    if _in_preproc(n):
        return False
    return not (par is not None and par.type == "field_expression"
                and (par.child_by_field_name("field") or par).id == n.id)


def _namespace_use(n: Node, facts: Facts) -> None:
    scope = n.child_by_field_name("scope")
    name = n.child_by_field_name("name")
    if scope is None or name is None or n.parent is None or \
            n.parent.type == "qualified_identifier":
        return
    s = _text(scope)
    if s.startswith("std"):
        return
    if scope.type == "namespace_identifier" and name.type == "identifier":
        ns = facts.namespaces.setdefault(s, {})
        nm = _text(name)
        shp = _shape_of_use(n, facts)
        ns[nm] = ns[nm].merge(shp) if nm in ns else shp


def _copy_between_names(n: Node, facts: Facts) -> None:
    """``p = q``, ``p = q + k``, ``double **p = q``: both sides get the pointer shape."""
    left = n.child_by_field_name("left") or n.child_by_field_name("declarator")
    right = n.child_by_field_name("right") or n.child_by_field_name("value")
    if left is None or right is None:
        return
    while right.type == "binary_expression":
        lhs = right.child_by_field_name("left")
        if lhs is None:
            break
        right = lhs
    if right.type == "pointer_expression" and right.child_count and \
            _text(right.child(0)) == "&":
        return
    if left.type == "pointer_declarator" and right.type == "identifier":
        depth = 0
        d: Node | None = left
        while d is not None and d.type == "pointer_declarator":
            depth += 1
            d = d.child_by_field_name("declarator")
        s = scalar()
        for _ in range(depth):
            s = Shape("ptr", elem=s)
        facts.add(_text(right), s)
    elif left.type == "identifier" and right.type == "identifier":
        ln, rn = _text(left), _text(right)
        ls, rs = facts.shapes.get(ln), facts.shapes.get(rn)
        if ls is not None and ls.kind == "ptr" and rn not in facts.local:
            facts.add(rn, ls)
        if rs is not None and rs.kind == "ptr" and ln not in facts.local:
            facts.add(ln, rs)
