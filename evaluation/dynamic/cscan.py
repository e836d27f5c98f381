"""Tree-sitter helpers of the translator: declared names, free variables of a region, loop
headers in canonical form (``for (i = lo; i < hi; i += s)``) and write targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.tree import iter_nodes

__all__ = ["declared_names", "declarator_name", "is_qualified", "objects_in_scope", "used_as_objects", "free_names", "for_vars", "LoopHeader",
           "parse_header", "collapse_chain", "write_targets", "base_name", "has_side_effects",
           "deref_members", "text"]

_STATEMENT_SCOPES = ("compound_statement", "for_statement")


def text(n: Node | None) -> str:
    """The node's source text ("" for a missing node: an absent field reads as no text)."""
    return n.text.decode("utf-8", "replace") if n is not None and n.text is not None else ""


def declarator_name(d: Node | None) -> str | None:
    """The identifier a declarator declares (``*a[N]`` -> ``a``); None for function declarators."""
    while d is not None:
        if d.type == "identifier":
            return text(d)
        if d.type == "function_declarator":
            return None
        if d.type in ("parenthesized_declarator", "reference_declarator"):
            # C++'s ``T &r`` / ``T &&r`` declare ``r`` as ``T *p`` declares ``p``
            d = next((c for c in d.named_children), None)
            continue
        d = d.child_by_field_name("declarator")
    return None


def declared_names(decl: Node) -> list[str]:
    """Variables declared by a ``declaration`` node."""
    out = []
    for d in decl.children_by_field_name("declarator"):
        name = declarator_name(d)
        if name:
            out.append(name)
    return out


_SCOPES = ("translation_unit", "compound_statement", "for_statement")
#: a parameter, and C++'s parameter with a default argument (``int k = 3``)
_PARAMETERS = ("parameter_declaration", "optional_parameter_declaration")
_PREPROC_GROUPS = ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif",
                   "preproc_elifdef")


def _parameters(fn: Node) -> list[str]:
    """The parameters a function definition names."""
    d = fn.child_by_field_name("declarator")
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator")
    params = d.child_by_field_name("parameters") if d is not None else None
    out = []
    for prm in params.named_children if params is not None else []:
        name = declarator_name(prm.child_by_field_name("declarator")) \
            if prm.type in _PARAMETERS else None
        if name:
            out.append(name)
    return out


# The operand each of these must be an object (or a pointer to one) in: ``a[i]`` (C11
# 6.5.2.1p1: a pointer to a complete object type, never a function), ``s.x`` / ``p->x``
# (6.5.2.3p1-2: a structure or a pointer to one), ``x = ...`` / ``x += ...`` (6.5.16p2: a
# modifiable lvalue), ``x++`` / ``--x`` (6.5.2.4p1, 6.5.3.1p1: the same).
_OBJECT_OPERAND = {"subscript_expression": "argument", "field_expression": "argument",
                   "assignment_expression": "left", "update_expression": "argument"}


def _any_declared(root: Node) -> set[str]:
    """Every name a declaration inside ``root`` declares: objects, functions (``double
    y1(double);`` at block scope) and typedefs."""
    out: set[str] = set()
    for m in iter_nodes(root):
        if m.type not in ("declaration", "type_definition"):
            continue
        for top in m.children_by_field_name("declarator"):
            d: Node | None = top
            while d is not None and d.type not in ("identifier", "type_identifier"):
                d = next((c for c in d.named_children), None) \
                    if d.type == "parenthesized_declarator" else d.child_by_field_name("declarator")
            if d is not None:
                out.add(text(d))
    return out


def used_as_objects(n: Node) -> set[str]:
    """Names the code around ``n`` uses as objects where the same declaration as at ``n`` is
    in scope: the operand of a subscript, of ``.``/``->``, of an assignment or of ``++``/``--``
    (:data:`_OBJECT_OPERAND`), which a function cannot be, in the function ``n`` is in (or in
    ``n`` itself outside one), for a name no declaration in that function's body (or in ``n``)
    declares again.  Such a name is declared as an object where ``n`` is, though no
    declaration the tree shows says so: a parameter declared through a function-like macro
    (``double ARR_2D(y1, W, H, w, h)``, a declarator macro), whose parse is a function
    declarator; so it hides a library function of the same name (``y1`` of ``<math.h>``)
    as any object declaration does (C11 6.2.1p4)."""
    scope: Node = n
    up = n.parent
    while up is not None and up.type != "function_definition":
        up = up.parent
    if up is not None:
        scope = up
    body = scope.child_by_field_name("body") if scope.type == "function_definition" else scope
    redeclared = _any_declared(body) if body is not None else set()
    out: set[str] = set()
    for m in iter_nodes(scope):
        field = _OBJECT_OPERAND.get(m.type)
        a = m.child_by_field_name(field) if field is not None else None
        a = _strip_parens(a) if a is not None else None
        if a is not None and a.type == "identifier" and text(a) not in redeclared:
            out.add(text(a))
    return out


def objects_in_scope(n: Node) -> set[str]:
    """Names declared as objects in the scopes around ``n`` before it: the declarations of the
    blocks (and ``for`` initializers, and the file) that enclose it, the parameters of the
    function it is in, and the names the code shows to be objects there
    (:func:`used_as_objects`: a declaration through a macro).  Where such a declaration is in
    scope it hides a function, typedef or enumerator of the same name declared at file scope
    (C11 6.2.1p4): the name is the object there.  Declarations in preprocessor conditional
    groups count (the build keeps one)."""
    out: set[str] = used_as_objects(n)
    up = n.parent
    while up is not None:
        if up.type == "function_definition":
            out.update(_parameters(up))
        elif up.type in _SCOPES or up.type in _PREPROC_GROUPS:
            stack = [c for c in up.children if c.end_byte <= n.start_byte]
            while stack:
                c = stack.pop()
                if c.type == "declaration":
                    out.update(declared_names(c))
                elif c.type in _PREPROC_GROUPS:
                    stack.extend(x for x in c.children if x.end_byte <= n.start_byte)
        up = up.parent
    return out


def _is_callee(n: Node) -> bool:
    p = n.parent
    if p is not None and p.type == "template_function" and p.child_by_field_name("name") == n:
        n, p = p, p.parent  # C++'s ``f<T>(x)`` calls ``f``
    return p is not None and p.type == "call_expression" and p.child_by_field_name("function") == n


def is_qualified(n: Node) -> bool:
    """True for the name of a C++ qualified identifier (``max`` of ``std::max``,
    ``count`` of ``Grid::count``): a name of a namespace or a class, never a local variable
    of the function (C++ [basic.lookup.qual])."""
    p = n.parent
    return p is not None and p.type == "qualified_identifier"


def _declarator_ident(n: Node) -> bool:
    """True for the identifier a declarator introduces (not array sizes in it)."""
    p = n.parent
    while p is not None and p.type in ("pointer_declarator", "array_declarator",
                                       "parenthesized_declarator", "init_declarator",
                                       "reference_declarator"):
        if p.type == "array_declarator" and p.child_by_field_name("size") is not None and \
                _within(n, p.child_by_field_name("size")):
            return False
        if p.type == "init_declarator" and p.child_by_field_name("value") is not None and \
                _within(n, p.child_by_field_name("value")):
            return False
        if p.type == "init_declarator":
            return True
        p = p.parent
    if p is not None and p.type in ("declaration", "for_range_loop", *_PARAMETERS):
        return True
    return False


def _within(n: Node, outer: Node | None) -> bool:
    return outer is not None and outer.start_byte <= n.start_byte and n.end_byte <= outer.end_byte


def _names_variable(n: Node) -> bool:
    """Whether the identifier ``n`` may name a variable where it stands: not a called
    function, not the name a declarator introduces, not a C++ qualified name."""
    return not _is_callee(n) and not _declarator_ident(n) and not is_qualified(n)


def _range_for(n: Node, bound: frozenset[str],
               walk: Callable[[Node, frozenset[str]], frozenset[str]]) -> frozenset[str]:
    """Walks C++'s ``for (T x : r) s`` with ``walk``: ``x`` is declared for ``s`` (not for
    ``r``); the names in scope after it."""
    name = declarator_name(n.child_by_field_name("declarator"))
    for i, c in enumerate(n.children):
        walk(c, bound | {name} if name and n.field_name_for_child(i) == "body" else bound)
    return bound


def free_names(root: Node, nonvars: set[str]) -> tuple[list[str], set[str]]:
    """Identifiers used in ``root`` that are declared outside it (in order of first use), and
    the ones among them assigned in a ``for`` initializer (loop variables)."""
    seen: dict[str, None] = {}
    loopvars: set[str] = set()

    def walk(n: Node, bound: frozenset[str]) -> frozenset[str]:
        t = n.type
        if t == "identifier":
            name = text(n)
            if name not in bound and name not in nonvars and _names_variable(n):
                seen.setdefault(name, None)
            return bound
        if t == "declaration":
            # C11 6.2.1p7: a declared name's scope begins just after its declarator completes,
            # so its own initializer and every later declarator of the same declaration see
            # it (``int c = f(i), d = c + 1;``, ``int x = sizeof x;``); the type specifiers
            # and the declarator's own array sizes do not.
            inner = bound
            for i, c in enumerate(n.children):
                if n.field_name_for_child(i) == "declarator":
                    inner = declarator(c, inner)
                else:
                    walk(c, inner)
            return inner
        if t == "for_range_loop":
            return _range_for(n, bound, walk)
        if t in _STATEMENT_SCOPES:
            inner = bound
            for c in n.children:
                inner = walk(c, inner)
            if t == "for_statement":
                loopvars.update(v for v in for_vars(n) if v not in inner)
            return bound
        inner = bound
        for c in n.children:
            inner = walk(c, inner)
        return bound

    def declarator(d: Node, bound: frozenset[str]) -> frozenset[str]:
        """Walks one declarator of a declaration; the names in scope after it."""
        name = declarator_name(d)
        inner = bound | {name} if name else bound
        if d.type != "init_declarator":
            walk(d, bound)
            return inner
        for i, c in enumerate(d.children):
            walk(c, inner if d.field_name_for_child(i) == "value" else bound)
        return inner

    walk(root, frozenset())
    names = [s for s in seen if s not in nonvars]
    return names, {v for v in loopvars if v in seen}


def for_vars(n: Node) -> list[str]:
    """Variables assigned (not declared) in a for statement's initializer."""
    init = n.child_by_field_name("initializer")
    out = []
    stack = [init] if init is not None else []
    while stack:
        e = stack.pop()
        if e.type == "assignment_expression":
            left = e.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                out.append(text(left))
        elif e.type == "comma_expression":
            stack.extend(e.named_children)
    return out


@dataclass
class LoopHeader:
    var: str
    decl_type: str | None  # the type text when the initializer declares the variable
    lo: Node
    hi: Node
    cmp: int  # 0 <, 1 <=, 2 >, 3 >=, 4 !=
    step: Node | None  # None: +1 or -1 (see step_sign)
    step_sign: int
    body: Node


_CMP = {"<": 0, "<=": 1, ">": 2, ">=": 3, "!=": 4}
_FLIP = {0: 2, 1: 3, 2: 0, 3: 1, 4: 4}


def _strip_parens(n: Node) -> Node:
    while n.type == "parenthesized_expression" and n.named_child_count == 1:
        n = n.named_children[0]
    return n


def parse_header(n: Node) -> LoopHeader | None:
    """The canonical-form header of a for statement, or None."""
    init = n.child_by_field_name("initializer")
    cond = n.child_by_field_name("condition")
    upd = n.child_by_field_name("update")
    body = n.child_by_field_name("body")
    if init is None or cond is None or upd is None or body is None:
        return None
    var: str | None = None
    decl_type: str | None = None
    lo: Node | None = None
    if init.type == "declaration":
        ds = init.children_by_field_name("declarator")
        if len(ds) != 1 or ds[0].type != "init_declarator":
            return None
        d = ds[0].child_by_field_name("declarator")
        if d is None or d.type != "identifier":
            return None
        var, lo = text(d), ds[0].child_by_field_name("value")
        decl_type = (init.text or b"")[: ds[0].start_byte - init.start_byte].decode(
            "utf-8", "replace")
    elif init.type == "assignment_expression" and text(init.child_by_field_name("operator")
                                                       or init) == "=":
        left = init.child_by_field_name("left")
        if left is None or left.type != "identifier":
            return None
        var, lo = text(left), init.child_by_field_name("right")
    if var is None or lo is None:
        return None
    cond = _strip_parens(cond)
    if cond.type != "binary_expression":
        return None
    op = text(cond.child_by_field_name("operator"))
    if op not in _CMP:
        return None
    left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
    if left is None or right is None:
        return None
    if _strip_parens(left).type == "identifier" and text(_strip_parens(left)) == var:
        hi, cmp = right, _CMP[op]
    elif _strip_parens(right).type == "identifier" and text(_strip_parens(right)) == var:
        hi, cmp = left, _FLIP[_CMP[op]]
    else:
        return None
    step, sign = _parse_step(upd, var)
    if sign == 0:
        return None
    return LoopHeader(var, decl_type, lo, hi, cmp, step, sign, body)


def _parse_step(u: Node, var: str) -> tuple[Node | None, int]:
    u = _strip_parens(u)
    if u.type == "update_expression":
        arg = u.child_by_field_name("argument")
        if arg is None or text(arg) != var:
            return None, 0
        return None, 1 if "++" in text(u) else -1
    if u.type == "assignment_expression":
        left = u.child_by_field_name("left")
        op = text(u.child_by_field_name("operator"))
        right = u.child_by_field_name("right")
        if left is None or text(left) != var or right is None:
            return None, 0
        if op == "+=":
            return right, 1
        if op == "-=":
            return right, -1
        r = _strip_parens(right)
        if op == "=" and r.type == "binary_expression":
            bop = text(r.child_by_field_name("operator"))
            a, b = r.child_by_field_name("left"), r.child_by_field_name("right")
            if bop in "+-" and text(a) == var:
                return b, 1 if bop == "+" else -1
            if bop == "+" and text(b) == var:
                return a, 1
    return None, 0


def collapse_chain(n: Node, depth: int) -> list[Node] | None:
    """``depth`` perfectly nested for statements starting at ``n`` (None if not)."""
    chain = [n]
    while len(chain) < depth:
        body = chain[-1].child_by_field_name("body")
        while body is not None and body.type == "compound_statement":
            stmts = [c for c in body.named_children if c.type != "comment"]
            if len(stmts) != 1:
                return None
            body = stmts[0]
        if body is None or body.type != "for_statement":
            return None
        chain.append(body)
    return chain


def base_name(node: Node) -> str | None:
    """The variable an lvalue is rooted at (``a[i].x`` -> ``a``, ``*p`` -> ``p``)."""
    n: Node | None = node
    while n is not None:
        t = n.type
        if t == "identifier":
            return text(n)
        if t == "subscript_expression":
            n = n.child_by_field_name("argument")
        elif t == "field_expression":
            n = n.child_by_field_name("argument")
        elif t in ("pointer_expression", "parenthesized_expression"):
            kids = n.named_children
            if not kids:
                return None
            n = kids[-1] if t == "pointer_expression" else kids[0]
        else:
            return None
    return None


def has_side_effects(n: Node) -> bool:
    stack = [n]
    while stack:
        e = stack.pop()
        if e.type in ("update_expression", "assignment_expression", "call_expression"):
            return True
        stack.extend(e.children)
    return False


def write_targets(stmt: Node) -> list[Node]:
    """Top-level lvalues an expression statement assigns (``a = b = c`` gives both)."""
    out: list[Node] = []
    kids = [c for c in stmt.named_children if c.type != "comment"]
    stack = list(kids)
    while stack:
        e = _strip_parens(stack.pop())
        if e.type == "assignment_expression":
            left = e.child_by_field_name("left")
            if left is not None:
                out.append(left)
            right = e.child_by_field_name("right")
            if right is not None and _strip_parens(right).type == "assignment_expression":
                stack.append(right)
        elif e.type == "update_expression":
            arg = e.child_by_field_name("argument")
            if arg is not None:
                out.append(arg)
        elif e.type == "comma_expression":
            stack.extend(e.named_children)
    return out


#: what a ``->`` chain of :func:`_member_path` may start from: a variable, C++'s ``this``
_POINTER_NAMES = ("identifier", "this")


def _member_path(n: Node) -> tuple[str, str] | None:
    """(``s``, ``s.a.x``) of a member chain of a variable through ``.`` (``s.x``, ``s.a.x``),
    or through a pointer variable's ``->`` first (``p->x``, ``p->a.x``; C++'s ``this->x``);
    None for anything else (``p->a->x``, ``a[i].x``, ``f().x``)."""
    parts: list[str] = []
    while n.type == "field_expression":
        opn = n.child_by_field_name("operator")
        fld = n.child_by_field_name("field")
        arg = n.child_by_field_name("argument")
        if opn is None or text(opn) not in (".", "->") or fld is None or arg is None:
            return None
        n = _strip_parens(arg)
        if text(opn) == "->" and n.type not in _POINTER_NAMES:
            return None
        parts.append(text(opn) + text(fld))
    if n.type not in _POINTER_NAMES or not parts:
        return None
    return text(n), text(n) + "".join(reversed(parts))


def _dereferenced(n: Node) -> bool:
    """Is ``n`` the operand a subscript, a ``*`` or a ``->`` dereferences?"""
    up = n.parent
    while up is not None and up.type == "parenthesized_expression":
        up = up.parent
    arg = up.child_by_field_name("argument") if up is not None else None
    if arg is None or _strip_parens(arg).start_byte != n.start_byte or \
            _strip_parens(arg).end_byte != n.end_byte:
        return False
    return up is not None and (up.type == "subscript_expression" or (
        up.type == "pointer_expression" and text(up.child_by_field_name("operator")) == "*") or (
        up.type == "field_expression" and text(up.child_by_field_name("operator")) == "->"))


def _assigned(root: Node) -> set[str]:
    """Variables ``root`` assigns whole (``p = q``, ``p++``, ``p += k``)."""
    out: set[str] = set()
    for stmt in iter_nodes(root):
        if stmt.type == "assignment_expression":
            lhs = stmt.child_by_field_name("left")
        elif stmt.type == "update_expression":
            lhs = stmt.child_by_field_name("argument")
        else:
            continue
        if lhs is not None and _strip_parens(lhs).type == "identifier":
            out.add(text(_strip_parens(lhs)))
    return out


def deref_members(root: Node, names: set[str],
                  members: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Members of the variables ``names`` that ``root`` dereferences, by variable: of a struct
    variable (``s.x[i]``, ``*s.x``, ``s.x->y`` -> ``{"s": ["s.x"]}``; ``s.a.x[i]`` ->
    ``s.a.x``) or of the object a pointer variable points to (``p->x[i]`` -> ``p->x``; C++'s
    ``this->x[i]``, and ``x[i]`` for a data member of ``members`` named bare, ->
    ``{"this": ["this->x"]}``).  The member is a pointer or an array, and the object's copy on
    the device must hold a device address there when it is a pointer.  Not listed: a member
    only read as a value (``s.n``), and the members of a variable the region assigns (its value
    at entry is not the one the member is reached through)."""
    out: dict[str, list[str]] = {}
    assigned = _assigned(root)
    own = _any_declared(root) if members else set()
    for n in iter_nodes(root):
        if n.type == "identifier" and "this" in names and text(n) in members and \
                text(n) not in own and text(n) not in assigned and _dereferenced(n):
            path: tuple[str, str] | None = ("this", f"this->{text(n)}")
        elif n.type == "field_expression" and _dereferenced(n):
            path = _member_path(n)
        else:
            continue
        if path is not None and path[0] in names and path[0] not in assigned and \
                path[1] not in out.get(path[0], []):
            out.setdefault(path[0], []).append(path[1])
    return out
