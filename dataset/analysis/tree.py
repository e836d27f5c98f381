"""Tree access: the reads of the tree-sitter tree that the analysis makes.

Every walk here is a loop over an explicit stack or a parent chain, never a recursion: a loop
nest 1,000 deep or an expression inside 1,000 parentheses is an ordinary input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from tree_sitter import Language, Node, Query, QueryCursor

from accellium.dataset.pragma import IDENT_RE

__all__ = ["IDENT", "LOOP_TYPES", "ForHeader", "text", "norm", "field", "unparen", "op",
           "shift_statement", "template_function",
           "fold_expression", "resolve_chains",
           "named", "iter_nodes", "nodes_of", "root_of", "source_of", "kept_with_tree", "step_of", "subscripts", "subscript_index", "clause_value", "base_name", "first_loop", "body_statements",
           "for_header", "is_name", "mentions", "idents"]

#: A C identifier.
IDENT = IDENT_RE
LOOP_TYPES = ("for_statement", "for_range_loop")


def text(node: Node | None) -> str:
    """The node's source text ("" for none)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def norm(s: str) -> str:
    """``s`` without whitespace (``a -> b`` and ``a->b`` compare equal)."""
    return re.sub(r"\s+", "", s)


def idents(s: str) -> set[str]:
    """The identifiers in a piece of source text."""
    return set(IDENT.findall(s))


def field(node: Node | None, name: str) -> Node | None:
    return node.child_by_field_name(name) if node is not None else None


def named(node: Node | None) -> list[Node]:
    """The named children, comments left out."""
    if node is None:
        return []
    return [c for c in node.named_children if c.type != "comment"]


def clause_value(node: Node) -> Node | None:
    """The expression of a C++ ``condition_clause``: a controlling expression (``if``,
    ``while``, ``switch``) is one around it where C has the parentheses — the same
    expression, tested the same way (C++ [stmt.select]; C11 6.8.4.1p2).  None for one with
    an initialiser (``if (T x = e; c)``), whose statement runs first."""
    return None if field(node, "initializer") is not None else field(node, "value")


def inner_declarator(d: Node) -> Node | None:
    """The declarator inside the declarator ``d``: its ``declarator`` field, or, for the kinds
    the grammar gives no such field (a C++ reference ``&r``, an init declarator, parentheses),
    its last named child."""
    nxt = field(d, "declarator")
    if nxt is None and d.type in ("reference_declarator", "init_declarator",
                                  "parenthesized_declarator"):
        kids = named(d)
        nxt = kids[-1] if kids else None
    return nxt


# C++'s named casts that convert a value and call nothing ([expr.static.cast],
# [expr.const.cast], [expr.reinterpret.cast]); `dynamic_cast` checks the object at run time
NAMED_CASTS = ("static_cast", "const_cast", "reinterpret_cast")


def named_cast_operand(node: Node | None) -> Node | None:
    """The operand of a C++ named cast ``static_cast<T>(e)`` (the grammar reads it as a call
    of a template): ``e``; None for anything else."""
    if node is None or node.type != "call_expression":
        return None
    fn = field(node, "function")
    if fn is None or fn.type != "template_function" or text(field(fn, "name")) not in NAMED_CASTS:
        return None
    args = named(field(node, "arguments"))
    return args[0] if len(args) == 1 else None


def unparen(node: Node | None) -> Node | None:
    """The expression inside any parentheses and casts (C++'s named casts too:
    :func:`named_cast_operand`), and inside a C++ controlling expression's
    ``condition_clause`` (:func:`clause_value`; one with an initialiser is kept whole)."""
    while node is not None and node.type in ("parenthesized_expression", "cast_expression",
                                             "condition_clause", "call_expression"):
        if node.type in ("call_expression", "condition_clause"):
            inner = named_cast_operand(node) if node.type == "call_expression" else \
                clause_value(node)
            if inner is None:
                return node  # a call, or a condition with an initialiser: kept whole
            node = inner
            continue
        inner = field(node, "value") if node.type == "cast_expression" else None
        if inner is None:
            kids = named(node)
            inner = kids[-1] if kids else None
        node = inner
    return node


V = TypeVar("V")


def fold_expression(root: Node, leaf: Callable[[Node], tuple[bool, V | None]],
                    binary: Callable[[Node, V | None, V | None], V | None],
                    unary: Callable[[Node, V | None], V | None]) -> V | None:
    """Evaluate an arithmetic expression bottom-up on an explicit stack (no recursion):
    ``leaf(n)`` says whether ``n`` is a leaf and its value; a binary expression's value is
    ``binary(n, left, right)``, a unary one's ``unary(n, operand)`` (operands with their
    parentheses and casts removed); a node with a missing operand is None."""
    values: dict[int, V | None] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        n, ready = stack.pop()
        is_leaf, value = leaf(n)
        if is_leaf:
            values[n.id] = value
            continue
        parts = ([unparen(field(n, "left")), unparen(field(n, "right"))]
                 if n.type == "binary_expression" else [unparen(field(n, "argument"))])
        if any(p is None for p in parts):
            values[n.id] = None
            continue
        if not ready:
            stack.append((n, True))
            stack.extend((p, False) for p in parts if p is not None)
            continue
        got = [values[p.id] for p in parts if p is not None]
        values[n.id] = binary(n, got[0], got[1]) if n.type == "binary_expression" \
            else unary(n, got[0])
    return values[root.id]


def resolve_chains(once: dict[str, Node], value: Callable[[Node, dict[str, V]], V | None],
                   rounds: int) -> dict[str, V]:
    """The values of locals assigned once, each computed by ``value(expression, known)``
    from the values known so far, repeated until nothing changes (at most ``rounds`` times):
    a chain ``k1 = k + 1; k2 = k1 + 1`` resolves in as many rounds as it is long."""
    known: dict[str, V] = {}
    for _ in range(rounds):
        changed = False
        for name, node in once.items():
            v = value(node, known)
            if v is not None and v != known.get(name):
                known[name] = v
                changed = True
        if not changed:
            break
    return known


def op(node: Node | None) -> str:
    """The operator of a binary, unary, update or assignment expression ("" for none)."""
    o = field(node, "operator") if node is not None else None
    return text(o) if o is not None else ""


def shift_statement(stmt: Node | None) -> Node | None:
    """The ``a << b`` or ``a >> b`` (parentheses aside) an expression statement's value is
    (None: another statement).  In C++ such a statement exists for a call of an overloaded
    operator — a built-in shift's value, discarded, changes nothing (C++ [expr.shift],
    [stmt.expr]) — in practice a stream's insertion or extraction (``out << x;``, ``in >>
    a[i];``)."""
    if stmt is None or stmt.type != "expression_statement":
        return None
    kids = named(stmt)
    e = unparen(kids[0]) if kids else None
    return e if e is not None and e.type == "binary_expression" and op(e) in ("<<", ">>") \
        else None


def template_function(node: Node) -> Node:
    """The function definition a C++ ``template_declaration`` declares ([temp.pre]: a call
    ``f<T>(x)`` runs its body with ``T`` given), else ``node`` itself."""
    if node.type == "template_declaration":
        return next((c for c in named(node) if c.type == "function_definition"), node)
    return node


def iter_nodes(node: Node) -> Iterator[Node]:
    """Every node of the subtree, in source order (pre-order)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _grammar_of(root: Node) -> Language | None:
    """The grammar ``root``'s tree was parsed with, when ``root`` is the translation unit of
    one of the two grammars the analysis parses with (their root kinds have different ids);
    None for any other node."""
    if root.type != "translation_unit" or root.parent is not None:
        return None
    from accellium.dataset.loops import tree_sitter_language  # (it imports this module)

    for lang in ("c", "cpp"):
        grammar = tree_sitter_language(lang)
        if grammar.id_for_node_kind("translation_unit", True) == root.kind_id:
            return grammar
    return None


@lru_cache(maxsize=64)
def _types_query(grammar: Language, types: tuple[str, ...]) -> Query | None:
    """A query capturing every node of ``types`` (those the grammar has; None: it has none)."""
    known = [t for t in types if grammar.id_for_node_kind(t, True)]
    return Query(grammar, "[" + " ".join(f"({t})" for t in known) + "] @n") if known else None


def nodes_of(root: Node, types: tuple[str, ...],
             where: Callable[[Node], bool] | None = None) -> list[Node]:
    """The nodes of ``root``'s subtree whose type is one of ``types`` (and, given ``where``,
    for which it holds), in source order (pre-order, as :func:`iter_nodes` visits them).  For
    the root of a parsed file the grammar finds them: a query runs in the parser's own code,
    where a walk in Python visits every node of the file (about a hundred thousand for 6,000
    lines); for any other node it is a walk.  Nothing is kept: the callers keep what they
    derive."""
    grammar = _grammar_of(root)
    query = _types_query(grammar, types) if grammar is not None else None
    if query is None:
        return [] if grammar is not None else \
            [n for n in iter_nodes(root) if n.type in types and (where is None or where(n))]
    found = QueryCursor(query).captures(root).get("n", [])
    if where is not None:
        found = [n for n in found if where(n)]
    # a query's captures are not in source order: pre-order is an enclosing node first
    return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))


#: the roots of recently parsed trees, newest last (:func:`remember_root`, :func:`root_of`)
_ROOTS: tuple[Node, ...] = ()
_MAX_ROOTS = 8


def remember_root(root: Node) -> None:
    """Keep ``root`` among the recent roots :func:`root_of` tries first."""
    global _ROOTS
    _ROOTS = (*[r for r in _ROOTS if r != root][-(_MAX_ROOTS - 1):], root)


class _TreeFacts:
    """What is kept of one recent tree (:func:`source_of`, :func:`kept_with_tree`)."""

    __slots__ = ("source", "memo")

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.memo: dict[str, dict] = {}


#: the facts of recent trees by root, least recently used first.  The bound is the point: a
#: cache that holds a node holds its whole tree (a 10,000-line file's is about 11 MB), and a
#: language server parses each version of a buffer anew
_TREES: dict[Node, _TreeFacts] = {}
_MAX_TREES = 12


def _facts(root: Node) -> _TreeFacts:
    got = _TREES.pop(root, None)
    if got is None or len(got.source) != root.end_byte - root.start_byte:
        got = _TreeFacts(root.text or b"")
        if len(_TREES) >= _MAX_TREES:
            _TREES.pop(next(iter(_TREES)))
    _TREES[root] = got
    return got


def source_of(root: Node) -> bytes:
    """The source of the tree whose root is ``root``, as one bytes object for as long as the
    tree is recent: ``Node.text`` copies the whole file at each call, and a fresh copy is
    hashed again wherever it keys a cache — per loop of a large file, a cost that grows
    with the file."""
    return _facts(root).source


def kept_with_tree(root: Node, name: str, key: Hashable, make: Callable[[], V]) -> V:
    """``make()``, computed once for the tree whose root is ``root`` and the cache ``name``'s
    ``key``: what a module derives from the tree's nodes, kept as long as the tree is recent
    and dropped with it, so that no cache keeps old trees alive (an entry holds the root, so
    no other tree's root compares equal to it)."""
    memo = _facts(root).memo.setdefault(name, {})
    if key in memo:
        return memo[key]
    got = memo[key] = make()
    return got


def _holds(root: Node, node: Node) -> bool:
    """Is ``node`` a node of ``root``'s tree?  The smallest node of the tree over ``node``'s
    bytes is ``node`` or lies below it with the same bytes; nodes compare equal only within
    one tree."""
    if not (root.start_byte <= node.start_byte and node.end_byte <= root.end_byte):
        return False
    d = root.descendant_for_byte_range(node.start_byte, node.end_byte)
    while d is not None and d.start_byte == node.start_byte and d.end_byte == node.end_byte:
        if d == node:
            return True
        d = d.parent
    return False


def addressed_names(node: Node) -> set[str]:
    """The names whose address the subtree takes (``&n``, ``&(n)``): through such a pointer a
    callee or a store may change them."""
    return {text(a) for n in iter_nodes(node)
            if n.type == "pointer_expression" and op(n) == "&"
            and (a := unparen(field(n, "argument"))) is not None and a.type == "identifier"}


def root_of(node: Node) -> Node:
    """The root of the tree ``node`` belongs to (the file's translation unit).  A node does
    not know its tree and finding a parent walks down from the root, so climbing costs the
    square of the depth; a recently parsed tree's root is found by a descent instead."""
    for r in reversed(_ROOTS):
        if _holds(r, node):
            if r != _ROOTS[-1]:
                remember_root(r)
            return r
    while node.parent is not None:
        node = node.parent
    remember_root(node)
    return node


def ancestors(node: Node) -> list[Node]:
    """The nodes that contain ``node``, its parent first and the root last: one descent from
    the root (``.parent`` walks down from the root at each step)."""
    cur = root_of(node)
    path: list[Node] = []
    while cur != node:
        path.append(cur)
        nxt = cur.child_with_descendant(node)
        if nxt is None:  # not reached by the descent: climb
            up, p = [], node.parent
            while p is not None:
                up.append(p)
                p = p.parent
            return up
        cur = nxt
    path.reverse()
    return path


def subscript_index(node: Node | None) -> Node | None:
    """The index of one subscript ``a[i]``: C's ``index`` field; C++ writes it in a
    ``subscript_argument_list`` (``indices``), which holds one expression in C-style code
    (None for ``a[i, j]``, an overloaded operator's arguments)."""
    i = field(node, "index")
    if i is None and node is not None:
        kids = named(field(node, "indices"))
        i = kids[0] if len(kids) == 1 else None
    return i


def subscripts(node: Node) -> tuple[Node | None, list[Node]]:
    """(base, [index nodes]) of ``a[i][j]`` (C) or ``a[i][j]`` / ``a[i, j]`` (C++)."""
    idx: list[Node] = []
    cur: Node | None = node
    while cur is not None and cur.type == "subscript_expression":
        i = field(cur, "index")
        if i is not None:
            idx.append(i)
        else:
            lst = field(cur, "indices")
            if lst is not None:
                idx.extend(reversed(named(lst)))
        cur = unparen(field(cur, "argument"))
    idx.reverse()
    return cur, idx


def base_name(node: Node | None) -> str | None:
    """The array an access names: ``a``, ``s.v``, ``p->x`` (``*p`` is ``p``), else None."""
    node = unparen(node)
    while node is not None and node.type == "pointer_expression":
        node = unparen(field(node, "argument"))
    if node is None:
        return None
    if node.type in ("identifier", "field_identifier"):
        return text(node)
    if node.type in ("field_expression", "qualified_identifier"):
        # C++ `grid::A`, `::A`, `Cfg::T`: a name of namespace or class scope (a write
        # through it is a write to that array, [basic.lookup.qual])
        return norm(text(node))
    return None


def first_loop(root: Node) -> Node | None:
    """The first ``for`` statement in source order."""
    for n in iter_nodes(root):
        if n.type in LOOP_TYPES:
            return n
    return None


def body_statements(loop: Node) -> list[Node]:
    """The statements of a loop's body (one for a body without braces)."""
    body = field(loop, "body")
    if body is None:
        return []
    if body.type == "compound_statement":
        return named(body)
    return [body]


@dataclass(frozen=True)
class ForHeader:
    """A ``for`` header read as ``var`` from ``lo`` (inclusive) to ``hi`` (exclusive); the
    texts are "" where the header does not say."""

    var: str | None
    lo: str = ""
    hi: str = ""
    #: the constant amount the increment adds (``i += 2``: 2); 1 for ``i++`` and where the
    #: increment is no positive literal
    step: int = 1


def step_of(update: Node | None, var: str | None) -> int:
    """The constant a ``for`` increment adds to ``var``: +1 / -1 for ``var++`` / ``var--``,
    ``c`` / ``-c`` for ``var += c`` / ``var -= c`` and ``var = var + c`` / ``var - c`` with
    ``c`` a positive integer literal; 0 for any other increment."""
    u = unparen(update)
    if u is None or not var:
        return 0
    if u.type == "update_expression":
        return (1 if op(u) == "++" else -1) if text(unparen(field(u, "argument"))).strip() == \
            var else 0
    if u.type != "assignment_expression" or text(field(u, "left")).strip() != var:
        return 0
    right = unparen(field(u, "right"))
    sign = {"+=": 1, "-=": -1}.get(op(u), 0)
    if op(u) == "=" and right is not None and right.type == "binary_expression" and \
            op(right) in ("+", "-") and text(field(right, "left")).strip() == var:
        sign = 1 if op(right) == "+" else -1
        right = unparen(field(right, "right"))
    value = text(right).rstrip("uUlL") if right is not None and \
        right.type == "number_literal" else ""
    return sign * int(value) if sign and value.isdigit() and int(value) > 0 else 0


def _init_var(init: Node | None) -> tuple[str | None, str]:
    if init is None:
        return None, ""
    if init.type == "declaration":
        d = field(init, "declarator")
        if d is not None and d.type == "init_declarator":
            return text(field(d, "declarator")).lstrip("*& "), text(field(d, "value"))
    elif init.type == "assignment_expression":
        return text(field(init, "left")), text(field(init, "right"))
    elif init.type == "comma_expression":
        left = field(init, "left")
        if left is not None and left.type == "assignment_expression":
            return text(field(left, "left")), text(field(left, "right"))
    return None, ""


def _upper_bound(cond: Node | None, var: str | None) -> str:
    if cond is None or cond.type != "binary_expression" or not var:
        return ""
    o = op(cond)
    left, right = field(cond, "left"), field(cond, "right")
    if text(left).strip() == var:
        return {"<": text(right), "<=": f"{text(right)}+1"}.get(o, "")
    if text(right).strip() == var:
        return {">": text(left), ">=": f"{text(left)}+1"}.get(o, "")
    return ""


def for_header(node: Node) -> ForHeader:
    """The index, lower and exclusive upper bound of a ``for`` (or range-for) header."""
    var, lo = _init_var(field(node, "initializer"))
    if node.type == "for_range_loop":
        var = text(field(node, "declarator")).lstrip("*& ") or None
    hi = _upper_bound(field(node, "condition"), var)
    if var and not IDENT.fullmatch(var):
        var = None
    return ForHeader(var, " ".join(lo.split()), " ".join(hi.split()),
                     max(1, step_of(field(node, "update"), var))
                     if node.type == "for_statement" else 1)


def is_name(node: Node | None, name: str) -> bool:
    """Is ``node`` (inside parentheses) the identifier ``name``?"""
    node = unparen(node)
    return node is not None and node.type == "identifier" and text(node) == name


def mentions(node: Node | None, name: str) -> bool:
    """Does the subtree use the identifier ``name``?"""
    if node is None:
        return False
    return any(n.type == "identifier" and text(n) == name for n in iter_nodes(node))
