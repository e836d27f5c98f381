"""Static analysis of one loop nest (no data needed) and the ``analysis`` engine.

:func:`analyze` reads the loop on the tree-sitter tree and returns :class:`LoopFacts`:

* dependences carried by the loop: affine subscripts in the loop indices (``x[i]`` written and
  ``x[i-1]`` read, Gauss–Seidel sweeps, recurrences), array elements written by every iteration
  (``w[j] -= ...`` inside ``for k``), and scalars read before they are written in an iteration
  (prefix sums);
* reductions ``+ * max min && || & | ^`` in the usual spellings; privatisable scalars;
* indirect writes (``h[idx[i]]++``: needs ``atomic``), early exits, calls with unknown effects;
* the nest (perfect depth, rectangular bounds → how far ``collapse`` may go), the arrays read
  and written with sections from the loop bounds, and the arrays an enclosing data region
  already names (→ ``present``, the paper's most common error).

The LSP uses :func:`analyze` for diagnostics and hovers; :class:`AnalysisEngine` turns the facts
into a pragma.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from accellium.dataset.loops import parse_tree
from accellium.dataset.pragma import COMPUTE_DIRECTIVES, Clause, Pragma, PragmaError, parse
from accellium.server.engines.base import EngineAnswer, LoopQuery
from tree_sitter import Node

__all__ = ["Dependence", "LoopFacts", "analyze", "enclosing_context", "AnalysisEngine"]

Affine = dict[str, int]  # variable -> coefficient; "" -> constant

_PURE_CALLS = frozenset(
    "sqrt sqrtf sqrtl fabs fabsf fabsl abs labs llabs exp expf expl exp2 log logf log2 log10 "
    "log1p pow powf powl sin sinf cos cosf tan tanf asin acos atan atan2 sinh cosh tanh floor "
    "floorf ceil ceilf round roundf trunc fmod fmodf fmax fmaxf fmin fminf max min cbrt hypot "
    "erf erfc copysign rsqrt exp10 sizeof std::sqrt std::abs std::fabs std::exp std::log "
    "std::pow std::sin std::cos std::max std::min std::fmax std::fmin std::floor std::ceil "
    "MAX MIN max_ min_ fma fmaf isnan isinf".split()
)
_EXIT_CALLS = frozenset({"exit", "abort", "_exit", "quick_exit"})
_MAX_NAMES = {"max", "fmax", "fmaxf", "fmaxl", "std::max", "std::fmax", "MAX", "Max", "dmax",
              "max_"}
_MIN_NAMES = {"min", "fmin", "fminf", "fminl", "std::min", "std::fmin", "MIN", "Min", "dmin",
              "min_"}
_COMPOUND_OPS = {"+=": "+", "-=": "+", "*=": "*", "&=": "&", "|=": "|", "^=": "^"}
_BINARY_RED = {"+": "+", "-": "+", "*": "*", "&": "&", "|": "|", "^": "^", "&&": "&&",
               "||": "||"}
_DATA_CLAUSE_NAMES = {"copy", "copyin", "copyout", "create", "present", "deviceptr", "pcopy",
                      "pcopyin", "pcopyout", "pcreate", "present_or_copy", "present_or_copyin",
                      "present_or_copyout", "present_or_create", "no_create", "attach",
                      "use_device"}
_LOOP_TYPES = ("for_statement", "for_range_loop")
_SCOPE_BREAKERS = ("for_statement", "for_range_loop", "while_statement", "do_statement",
                   "switch_statement")


@dataclass(frozen=True)
class Dependence:
    """A dependence carried by the analysed loop."""

    var: str
    line: int  # 1-based line in the analysed code
    message: str
    kind: str = "array"  # array | scalar


@dataclass
class _Access:
    name: str
    subs: list[Affine | None]
    write: bool
    read: bool
    line: int
    text: str
    order: int
    indirect: bool = False
    node: Node | None = None  # the access in the tree
    raw: list = field(default_factory=list)  # the index nodes (``subs`` holds them resolved)
    _ids: frozenset[str] | None = None

    @property
    def ids(self) -> frozenset[str]:
        """The names its subscripts use (computed on first use)."""
        if self._ids is None:
            self._ids = frozenset(w for n in self.raw for w in _IDENT.findall(_text(n)))
        return self._ids


@dataclass
class LoopFacts:
    """What :func:`analyze` sees in one loop nest."""

    parsed: bool = False
    index_vars: list[str] = field(default_factory=list)  # the perfect nest, outermost first
    bounds: list[tuple[str, str]] = field(default_factory=list)  # (lo, hi) exclusive, per index
    perfect_depth: int = 0
    loop_depth: int = 0
    collapse: int = 1  # how many loops of the nest collapse may cover (1 = none)
    carried: list[Dependence] = field(default_factory=list)
    reductions: list[tuple[str, str]] = field(default_factory=list)  # (op, var)
    private: list[str] = field(default_factory=list)
    # arrays every iteration writes before it reads them (also in ``private``): a parallel
    # pragma must name them in ``private`` (the safety guard adds it)
    private_arrays: list[str] = field(default_factory=list)
    locals: list[str] = field(default_factory=list)
    indirect_writes: list[str] = field(default_factory=list)
    early_exits: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    arrays: dict[str, str] = field(default_factory=dict)  # name -> in | out | inout
    sections: dict[str, str] = field(default_factory=dict)  # name -> clause argument
    scalars_read: list[str] = field(default_factory=list)
    in_region: bool = False  # inside a compute construct or an annotated loop
    present: dict[str, str] = field(default_factory=dict)  # array -> argument in enclosing
    notes: list[str] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        """No carried dependence and no early exit: the iterations may run in parallel."""
        return not self.carried and not self.early_exits

    @property
    def variables(self) -> set[str]:
        return (set(self.index_vars) | set(self.arrays) | {v for _, v in self.reductions}
                | set(self.private) | set(self.scalars_read) | set(self.locals))

    def data_clauses(self, present_style: bool = True) -> list[Clause]:
        """Data clauses for a compute construct on this loop: ``present`` for arrays an
        enclosing region names, ``copyin``/``copyout``/``copy`` for the others."""
        out: dict[str, list[str]] = {}
        for name, mode in self.arrays.items():
            if name in self.present:
                if present_style:
                    out.setdefault("present", []).append(self.present[name])
                continue
            kind = {"in": "copyin", "out": "copyout"}.get(mode, "copy")
            out.setdefault(kind, []).append(self.sections.get(name, name))
        return [Clause(k, ", ".join(v)) for k, v in out.items() if v]


# ----------------------------------------------------------------------------------------------
# Enclosing context
# ----------------------------------------------------------------------------------------------


def compute_construct(enclosing: Sequence[str]) -> str:
    """The innermost enclosing compute construct: ``parallel``, ``kernels``, ``serial`` or
    ``none`` (a combined ``kernels loop`` counts as ``kernels``)."""
    return _compute_construct(tuple(e for e in enclosing if isinstance(e, str)))


@lru_cache(maxsize=4096)
def _compute_construct(enclosing: tuple[str, ...]) -> str:
    out = "none"
    for p in enclosing_context(enclosing)[2]:
        family = p.directive.split()[0]
        if family in ("parallel", "kernels", "serial"):
            out = family
    return out


def enclosing_context(enclosing: Sequence[str]) -> tuple[bool, dict[str, str], list[Pragma]]:
    """(inside a compute region or annotated loop, {array: its data-clause argument},
    parsed enclosing pragmas)."""
    in_region = False
    present: dict[str, str] = {}
    parsed: list[Pragma] = []
    for text in enclosing or ():
        try:
            p = parse(text) if isinstance(text, str) else None
        except (PragmaError, ValueError):
            p = None
        if p is None:
            continue
        parsed.append(p)
        if p.directive in COMPUTE_DIRECTIVES or p.directive == "loop":
            in_region = True
        for c in p.clauses:
            if c.name.lower() in _DATA_CLAUSE_NAMES:
                try:
                    args = c.arg_list()
                    names = c.variables()
                except Exception:  # noqa: BLE001 - enclosing text is user input
                    continue
                for a in args:
                    m = re.match(r"\s*([A-Za-z_]\w*)", a.split(":", 1)[1]
                                 if re.match(r"\s*readonly\s*:", a) else a)
                    if m and m.group(1) in names:
                        present.setdefault(m.group(1), a)
    return in_region, present, parsed


# ----------------------------------------------------------------------------------------------
# Tree helpers
# ----------------------------------------------------------------------------------------------


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _field(node: Node, name: str) -> Node | None:
    return node.child_by_field_name(name)


def _unparen(node: Node | None) -> Node | None:
    while node is not None and node.type in ("parenthesized_expression", "cast_expression"):
        inner = _field(node, "value") if node.type == "cast_expression" else None
        if inner is None:
            named = [c for c in node.named_children if c.type != "comment"]
            inner = named[-1] if named else None
        node = inner
    return node


def _op(node: Node) -> str:
    o = _field(node, "operator")
    return _text(o) if o is not None else ""


def _iter_nodes(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _subscripts(node: Node) -> tuple[Node | None, list[Node]]:
    """(base, [index nodes]) of ``a[i][j]`` (C) or ``a[i][j]`` / ``a[i, j]`` (C++)."""
    idx: list[Node] = []
    while node is not None and node.type == "subscript_expression":
        i = _field(node, "index")
        if i is not None:
            idx.append(i)
        else:
            lst = _field(node, "indices")
            if lst is not None:
                idx.extend(c for c in lst.named_children if c.type != "comment")
        node = _unparen(_field(node, "argument"))
    idx.reverse()
    return node, idx


def _base_name(node: Node | None) -> str | None:
    node = _unparen(node)
    if node is None:
        return None
    if node.type in ("identifier", "field_identifier"):
        return _text(node)
    if node.type == "field_expression":
        return _norm(_text(node))
    if node.type == "pointer_expression":
        return _base_name(_field(node, "argument"))
    return None


def _affine(node: Node | None, subst: dict[str, Affine]) -> Affine | None:
    node = _unparen(node)
    if node is None:
        return None
    t = node.type
    if t == "identifier":
        name = _text(node)
        if name in subst:
            return dict(subst[name])
        return {name: 1}
    if t == "number_literal":
        s = _text(node).rstrip("uUlL")
        try:
            return {"": int(s, 0)}
        except ValueError:
            return None
    if t == "binary_expression":
        op = _op(node)
        a = _affine(_field(node, "left"), subst)
        b = _affine(_field(node, "right"), subst)
        if a is None or b is None:
            return None
        if op in ("+", "-"):
            out = dict(a)
            for k, v in b.items():
                out[k] = out.get(k, 0) + (v if op == "+" else -v)
            return {k: v for k, v in out.items() if v}
        if op == "*":
            if set(a) <= {""}:
                a, b = b, a
            if set(b) <= {""}:
                c = b.get("", 0)
                return {k: v * c for k, v in a.items() if v * c}
            # product of symbols (n*i): keep as one symbol times the other, if one is an index
            if len(a) == 1 and len(b) == 1 and "" not in a and "" not in b:
                (ka, va), (kb, vb) = next(iter(a.items())), next(iter(b.items()))
                return {f"{ka}*{kb}": va * vb}
            return None
        return None
    if t == "unary_expression":
        op = _op(node)
        a = _affine(_field(node, "argument"), subst)
        if a is None:
            return None
        if op == "-":
            return {k: -v for k, v in a.items()}
        if op == "+":
            return a
        return None
    return None


# ----------------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------------


def _for_parts(node: Node) -> tuple[str | None, str, str, bool]:
    """(index var, lo text, hi text exclusive, rectangular-friendly) of a for header."""
    init = _field(node, "initializer")
    cond = _field(node, "condition")
    var = None
    lo = ""
    if init is not None:
        if init.type == "declaration":
            d = _field(init, "declarator")
            if d is not None and d.type == "init_declarator":
                var = _text(_field(d, "declarator")).lstrip("*& ")
                lo = _text(_field(d, "value"))
        elif init.type == "assignment_expression":
            var = _text(_field(init, "left"))
            lo = _text(_field(init, "right"))
        elif init.type == "comma_expression":
            left = _field(init, "left")
            if left is not None and left.type == "assignment_expression":
                var = _text(_field(left, "left"))
                lo = _text(_field(left, "right"))
    if node.type == "for_range_loop":
        var = _text(_field(node, "declarator")).lstrip("*& ") or None
    hi = ""
    if cond is not None and cond.type == "binary_expression" and var:
        op = _op(cond)
        left, right = _field(cond, "left"), _field(cond, "right")
        if _text(left).strip() == var:
            if op == "<":
                hi = _text(right)
            elif op == "<=":
                hi = f"{_text(right)}+1"
        elif _text(right).strip() == var:
            if op == ">":
                hi = _text(left)
            elif op == ">=":
                hi = f"{_text(left)}+1"
    if var and not re.fullmatch(r"[A-Za-z_]\w*", var):
        var = None
    return var, " ".join(lo.split()), " ".join(hi.split()), True


def _body_statements(node: Node) -> list[Node]:
    body = _field(node, "body")
    if body is None:
        return []
    if body.type == "compound_statement":
        return [c for c in body.named_children if c.type != "comment"]
    return [body]


def _first_loop(root: Node) -> Node | None:
    for n in _iter_nodes(root):
        if n.type in _LOOP_TYPES:
            return n
    return None


def _section(lo: str, hi: str) -> str | None:
    if not hi:
        return None
    lo = lo or "0"
    if lo == "0":
        return f"0:{hi}"
    if re.fullmatch(r"[\w.>-]+", lo):
        return f"{lo}:{hi}-{lo}"
    return f"{lo}:({hi})-({lo})"


def _dependence(w: _Access, r: _Access, v: str, inner: set[str]) -> int | str | None:
    """Distance (in iterations of ``v``) between a write and another access of the same
    array: an int, ``"all"`` (every iteration touches the same elements), ``"cross"`` (an inner
    index sweeps the elements other iterations access), ``"never"`` or None
    (unknown)."""
    return _dependence_of(_subs_key(w.subs), _subs_key(r.subs), v, frozenset(inner))


def _subs_key(subs: list[Affine | None]) -> tuple:
    return tuple(None if a is None else tuple(a.items()) for a in subs)


_IDENT = re.compile(r"[A-Za-z_]\w*")
_INDIRECT_CHARS = re.compile(r"[\[(.]|->")
_CONDITIONAL = frozenset({"if_statement", "conditional_expression", "switch_statement",
                          "case_statement", "while_statement", "do_statement"})


def _moving_base(name: str, varying: set[str]) -> bool:
    """Does the array ``name`` (``cell->U``, ``inout[iv+h].c0``) depend on names that change
    between iterations (its root pointer, or an index inside it)?"""
    if _IDENT.fullmatch(name):
        return False
    root = re.match(r"\s*([A-Za-z_]\w*)", name)
    ids = set(_IDENT.findall(" ".join(re.findall(r"\[([^\]]*)\]", name))))
    if root:
        ids.add(root.group(1))
    return bool(ids & varying)


def _conditional(node: Node | None, loop: Node) -> bool:
    """Is ``node`` under an ``if``, ``?:``, ``switch`` or ``while`` inside the iteration?"""
    p = node.parent if node is not None else None
    while p is not None and p.id != loop.id:
        if p.type in _CONDITIONAL:
            return True
        p = p.parent
    return False


def _privatisable(accs: list[_Access], v: str, varying: set[str], loop: Node) -> bool:
    """A scratch array of the iteration: its subscripts use only inner loop indices and
    names the loop does not change (``varying``: the loop index ``v``, other written names),
    so every iteration touches the same elements; the first access is an unconditional plain
    write and the loop reads it too — each iteration fills it before it reads it (an array the
    loop only writes is its output, not scratch)."""
    if not _IDENT.fullmatch(accs[0].name):
        return False
    if not any(a.read for a in accs):
        return False
    for a in accs:
        if a.indirect or not a.subs or any(x is not None and v in x for x in a.subs):
            return False
    for a in accs:
        if v in a.ids or a.ids & varying:
            return False
    first = min(accs, key=lambda a: a.order)
    return first.write and not first.read and not _conditional(first.node, loop)


@lru_cache(maxsize=65536)
def _dependence_of(wk: tuple, rk: tuple, v: str, inner: frozenset[str]
                   ) -> int | str | None:
    """:func:`_dependence` on hashable subscripts (many arrays share their subscripts)."""
    if len(wk) != len(rk) or not wk:
        return None
    dist: int | None = None
    cross = False

    def sweeps(x: dict) -> bool:  # an inner index alone: every value of a range
        return not x.get(v) and any(k in inner or any(p in inner for p in k.split("*"))
                                    for k in x if k not in ("", v))

    for ak, bk in zip(wk, rk, strict=True):
        a = None if ak is None else dict(ak)
        b = None if bk is None else dict(bk)
        if a is None or b is None:
            return None
        ca, cb = a.get(v, 0), b.get(v, 0)
        if any(v in k and k != v for k in list(a) + list(b)):  # v inside a product (n*v)
            return None
        if ca != cb:
            # x[i] on one side, x[j] (j an inner index) on the other: j runs over elements
            # that other iterations of i access (x[i] -= L[i][j]*x[j])
            if (ca and sweeps(b)) or (cb and sweeps(a)):
                cross = True
                continue
            return None
        d = dict(a)
        for k, x in b.items():
            d[k] = d.get(k, 0) - x
        d = {k: x for k, x in d.items() if x}
        if any(k in inner or any(p in inner for p in k.split("*")) for k in list(a) + list(b)
               if k not in ("", v)):
            if ca:
                return None  # v and an inner index together: not decided here
            continue  # an inner index alone: this dimension takes every value
        other = [k for k in d if k not in ("", v)]
        if other:
            return None
        c = d.get("", 0)
        if ca == 0:
            if c:
                return "never"
            continue
        if c % ca:
            return "never"
        k = c // ca
        if dist is None:
            dist = k
        elif dist != k:
            return "never"
    if dist is not None:  # a dimension pins the distance: x[i][k] vs x[i][j] is one row
        return dist
    return "cross" if cross else "all"


class _Walker:
    def __init__(self, loop: Node, outer_vars: list[str]):
        self.loop = loop
        self.accesses: list[_Access] = []
        self.events: dict[str, list[tuple[str, Node, int]]] = {}  # name -> (kind, stmt, order)
        self.decls: set[str] = set()
        self.calls: list[str] = []
        self.exits: list[str] = []
        self.inner_vars: set[str] = set()
        self.inner_loops: list[tuple[Node, str | None, str, str]] = []  # (node, var, lo, hi)
        self.assign_count: dict[str, int] = {}
        self.assign_value: dict[str, Node] = {}
        self.order = 0
        self.array_names: set[str] = set()
        self.outer_vars = outer_vars

    # line numbers relative to the analysed code
    def line(self, node: Node) -> int:
        return node.start_point[0] + 1

    def walk(self) -> None:
        for n in _iter_nodes(self.loop):
            if n is not self.loop and n.type in _LOOP_TYPES:
                var, lo, hi, _ = _for_parts(n)
                self.inner_loops.append((n, var, lo, hi))
                if var:
                    self.inner_vars.add(var)
            if n.type == "declaration":
                for d in n.children_by_field_name("declarator"):
                    name = self._decl_name(d)
                    if name:
                        self.decls.add(name)
                        if d.type == "init_declarator":
                            self.assign_count[name] = self.assign_count.get(name, 0) + 1
                            val = _field(d, "value")
                            if val is not None:
                                self.assign_value[name] = val
        body = _field(self.loop, "body")
        if body is not None:
            self._visit(body, in_cond=False, depth=0)

    @staticmethod
    def _decl_name(d: Node) -> str | None:
        # `MAYBE_UNUSED real g = 0.` / `float complex z`: a word tree-sitter does not know as
        # a type makes it read the type's last word as the name and the name as an ERROR
        # right after it; the declared variable is the ERROR's identifier.
        for err in (*(c for c in d.children if c.type == "ERROR"), d.next_named_sibling):
            if err is not None and err.type == "ERROR" and err.named_child_count == 1 \
                    and err.named_children[0].type == "identifier":
                return _text(err.named_children[0])
        while d is not None and d.type not in ("identifier",):
            nxt = _field(d, "declarator")
            if nxt is None:
                return None
            d = nxt
        return _text(d) if d is not None else None

    def _event(self, name: str, kind: str, stmt: Node) -> None:
        self.order += 1
        self.events.setdefault(name, []).append((kind, stmt, self.order))

    def _access(self, node: Node, write: bool, read: bool) -> None:
        base, idx = _subscripts(node)
        name = _base_name(base)
        if name is None:
            for i in idx:
                self._expr(i)
            if base is not None:
                self._expr(base)
            return
        self.array_names.add(name)
        # a subscript, call or field inside an index (h[idx[i]], a[f(i)], a[p.k]); the text
        # test spares walking the common plain indices (i, j + 1)
        indirect = any(_INDIRECT_CHARS.search(_text(i)) is not None and any(
            x.type in ("subscript_expression", "call_expression", "field_expression")
            for x in _iter_nodes(i)) for i in idx)
        self.order += 1
        self.accesses.append(_Access(name, [None] * len(idx), write, read, self.line(node),
                                     " ".join(_text(node).split()), self.order, indirect,
                                     node))
        self.accesses[-1].subs = [i for i in idx]  # type: ignore[misc]  # resolved later
        for i in idx:
            self._expr(i)

    def _macro_access(self, node: Node, write: bool, read: bool) -> bool:
        """``_A(u, i, j)`` / ``ACCESS_3D(u, i, j, k)`` used like an array element."""
        fn = _text(_field(node, "function"))
        args = _field(node, "arguments")
        if not re.fullmatch(r"_?[A-Z][A-Z0-9_]*|_[A-Za-z]\w*", fn) or args is None:
            return False
        named = [c for c in args.named_children if c.type != "comment"]
        if len(named) < 2 or named[0].type != "identifier":
            return False
        name = _text(named[0])
        self.array_names.add(name)
        self.order += 1
        acc = _Access(name, [None] * (len(named) - 1), write, read, self.line(node),
                      " ".join(_text(node).split()), self.order, False, node)
        acc.subs = named[1:]  # type: ignore[assignment]
        self.accesses.append(acc)
        for i in named[1:]:
            self._expr(i)
        return True

    def _lvalue(self, node: Node | None, kind: str, stmt: Node) -> None:
        node = _unparen(node)
        if node is None:
            return
        if node.type == "identifier":
            self._event(_text(node), kind, stmt)
            if kind == "write":
                name = _text(node)
                self.assign_count[name] = self.assign_count.get(name, 0) + 1
            return
        if node.type == "subscript_expression":
            self._access(node, write=True, read=kind == "rmw")
            return
        if node.type == "call_expression" and self._macro_access(node, True, kind == "rmw"):
            return
        self._expr(node)

    def _expr(self, node: Node | None, stmt: Node | None = None) -> None:
        if node is None:
            return
        stmt = stmt or node
        t = node.type
        if t == "identifier":
            self._event(_text(node), "read", stmt)
            return
        if t == "subscript_expression":
            self._access(node, write=False, read=True)
            return
        if t == "assignment_expression":
            op = _op(node)
            self._expr(_field(node, "right"), stmt)
            left = _field(node, "left")
            self._lvalue(left, "write" if op == "=" else "rmw", stmt)
            if op == "=" and left is not None and _unparen(left) is not None and \
                    _unparen(left).type == "identifier":
                self.assign_value[_text(_unparen(left))] = _field(node, "right")
            return
        if t == "update_expression":
            self._lvalue(_field(node, "argument"), "rmw", stmt)
            return
        if t == "call_expression":
            fn = _field(node, "function")
            name = _norm(_text(fn))
            if not self._macro_access(node, False, True):
                if name in _EXIT_CALLS:
                    self.exits.append(f"call to `{name}` (line {self.line(node)})")
                elif name not in _PURE_CALLS and not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                    if name not in self.calls:
                        self.calls.append(name)
                if fn is not None and fn.type != "identifier":
                    self._expr(fn, stmt)
                args = _field(node, "arguments")
                for c in (args.named_children if args is not None else []):
                    arg = _unparen(_field(c, "argument")) if c.type == "pointer_expression" \
                        else None
                    if arg is not None and _op(c) == "&" and arg.type == "identifier":
                        # `&x`: an out parameter, the callee assigns it
                        self._lvalue(arg, "write", stmt)
                    else:
                        # `&a[k]` is a pointer into an array, like passing `a` itself: what
                        # the callee does there is unknown (the note on calls says so)
                        self._expr(c, stmt)
            return
        if t == "field_expression":
            self._expr(_field(node, "argument"), stmt)
            return
        if t in ("declaration",):
            for d in node.children_by_field_name("declarator"):
                if d.type == "init_declarator":
                    self._expr(_field(d, "value"), stmt)
                    name = self._decl_name(d)
                    if name:
                        self._event(name, "write", stmt)
                else:
                    for c in d.named_children:
                        if c.type != "identifier":
                            self._expr(c, stmt)
            return
        if t in ("sizeof_expression", "string_literal", "char_literal", "number_literal",
                 "type_descriptor", "primitive_type", "comment"):
            return
        for c in node.named_children:
            self._expr(c, stmt if t not in ("expression_statement", "if_statement") else c)

    def _visit(self, node: Node, in_cond: bool, depth: int) -> None:
        t = node.type
        if t in ("break_statement",) and depth == 0:
            self.exits.append(f"`break` (line {self.line(node)})")
            return
        if t == "return_statement":
            self.exits.append(f"`return` (line {self.line(node)})")
            self._expr(_field(node, "argument") or (node.named_children[0]
                                                    if node.named_children else None))
            return
        if t == "goto_statement":
            self.exits.append(f"`goto` (line {self.line(node)})")
            return
        if t in _LOOP_TYPES:
            for part in ("initializer", "condition", "update"):
                p = _field(node, part)
                if p is not None:
                    self._expr(p)
            body = _field(node, "body")
            if body is not None:
                self._visit(body, in_cond, depth + 1)
            return
        if t in ("while_statement", "do_statement", "switch_statement"):
            for c in node.named_children:
                if c.type in ("compound_statement",) or c.type.endswith("_statement"):
                    self._visit(c, True, depth + 1)
                else:
                    self._expr(c)
            return
        if t == "if_statement":
            self._expr(_field(node, "condition"))
            for part in ("consequence", "alternative"):
                p = _field(node, part)
                if p is not None:
                    self._visit(p, True, depth)
            return
        if t in ("compound_statement", "else_clause", "labeled_statement", "case_statement"):
            for c in node.named_children:
                if c.type == "comment":
                    continue
                self._visit(c, in_cond, depth)
            return
        if t == "expression_statement":
            for c in node.named_children:
                self._expr(c, node)
                if in_cond:
                    self._cond_stmts.add(node.id)
            return
        if t == "declaration":
            self._expr(node, node)
            return
        self._expr(node)

    _cond_stmts: set[int]


def _writes_definitely(node: Node, writes: set[int]) -> bool:
    """Does executing ``node`` always assign the scalar (``writes``: ids of statements that
    assign it unconditionally within themselves)?"""
    if node.id in writes:
        return True
    t = node.type
    if t == "compound_statement":
        return any(_writes_definitely(c, writes) for c in node.named_children)
    if t == "if_statement":
        cons, alt = _field(node, "consequence"), _field(node, "alternative")
        if cons is None or alt is None:
            return False
        if alt.type == "else_clause":
            alt = alt.named_children[0] if alt.named_children else None
        return alt is not None and _writes_definitely(cons, writes) and \
            _writes_definitely(alt, writes)
    if t in ("expression_statement", "declaration"):
        return False
    return False


def _covered(name: str, stmt: Node, order: int, writes: list[tuple[Node, int]],
             loop: Node) -> bool:
    """Is a read of ``name`` at ``stmt`` preceded, in every path through the iteration, by an
    assignment (an earlier statement of an enclosing block that always assigns it)?"""
    ids = {st.id for st, _ in writes}
    child, p = stmt, stmt.parent
    while p is not None and p.id != loop.id:
        if p.type == "compound_statement":
            for c in p.named_children:
                if c.id == child.id:
                    break
                if _writes_definitely(c, ids):
                    return True
        child, p = p, p.parent
    return False


def _reduction_of(name: str, stmt: Node) -> str | None:
    """The reduction operator when ``stmt`` updates ``name`` as a reduction, else None."""
    node = stmt
    if node.type == "expression_statement":
        kids = [c for c in node.named_children if c.type != "comment"]
        if len(kids) != 1:
            return None
        node = kids[0]
    node = _unparen(node)
    if node is None:
        return None
    if node.type == "update_expression":
        return "+" if _text(_unparen(_field(node, "argument"))) == name else None
    if node.type == "if_statement":
        return _if_minmax(name, node)
    if node.type != "assignment_expression":
        return None
    left = _unparen(_field(node, "left"))
    if left is None or left.type != "identifier" or _text(left) != name:
        return None
    op = _op(node)
    right = _unparen(_field(node, "right"))
    if op in _COMPOUND_OPS:
        return _COMPOUND_OPS[op] if not _mentions(right, name) else None
    if op != "=" or right is None:
        return None
    if right.type == "binary_expression":
        return _chain(name, right)
    if right.type == "call_expression":
        fn = _norm(_text(_field(right, "function")))
        args = _field(right, "arguments")
        named = [c for c in (args.named_children if args is not None else [])
                 if c.type != "comment"]
        if len(named) == 2 and (fn in _MAX_NAMES or fn in _MIN_NAMES):
            a, b = _unparen(named[0]), _unparen(named[1])
            if (_is_name(a, name) and not _mentions(b, name)) or (
                    _is_name(b, name) and not _mentions(a, name)):
                return "max" if fn in _MAX_NAMES else "min"
        return None
    if right.type == "conditional_expression":
        cond = _unparen(_field(right, "condition"))
        cons = _unparen(_field(right, "consequence"))
        alt = _unparen(_field(right, "alternative"))
        if cond is None or cond.type != "binary_expression":
            return None
        return _minmax_from(name, cond, cons, alt)
    return None


def _chain(name: str, e: Node | None) -> str | None:
    """``s + e``, ``e + s``, ``s + a + b`` ... → the operator."""
    e = _unparen(e)
    if e is None or e.type != "binary_expression":
        return None
    bop = _op(e)
    if bop not in _BINARY_RED:
        return None
    a, b = _unparen(_field(e, "left")), _unparen(_field(e, "right"))
    if _is_name(a, name) and not _mentions(b, name):
        return _BINARY_RED[bop]
    if bop != "-" and _is_name(b, name) and not _mentions(a, name):
        return _BINARY_RED[bop]
    if bop in ("+", "-", "*") and not _mentions(b, name):
        inner = _chain(name, a)
        if inner == _BINARY_RED[bop]:
            return inner
    return None


def _is_name(node: Node | None, name: str) -> bool:
    node = _unparen(node)
    return node is not None and node.type == "identifier" and _text(node) == name


def _mentions(node: Node | None, name: str) -> bool:
    if node is None:
        return False
    return any(n.type == "identifier" and _text(n) == name for n in _iter_nodes(node))


def _minmax_from(name: str, cond: Node, take: Node | None, other: Node | None) -> str | None:
    """``(x > s) ? x : s`` / ``if (x > s) s = x`` → max."""
    op = _op(cond)
    a, b = _unparen(_field(cond, "left")), _unparen(_field(cond, "right"))
    if op not in ("<", "<=", ">", ">="):
        return None
    if other is not None and not _is_name(other, name):
        return None
    if _is_name(b, name) and take is not None and _norm(_text(take)) == _norm(_text(a)):
        return "max" if op in (">", ">=") else "min"
    if _is_name(a, name) and take is not None and _norm(_text(take)) == _norm(_text(b)):
        return "max" if op in ("<", "<=") else "min"
    return None


def _if_minmax(name: str, node: Node) -> str | None:
    if _field(node, "alternative") is not None:
        return None
    cond = _unparen(_field(node, "condition"))
    if cond is not None and cond.type == "condition_clause":
        kids = [c for c in cond.named_children if c.type != "comment"]
        cond = _unparen(kids[-1]) if kids else None
    cons = _field(node, "consequence")
    if cond is None or cons is None or cond.type != "binary_expression":
        return None
    stmts = [cons] if cons.type != "compound_statement" else [
        c for c in cons.named_children if c.type != "comment"]
    assign = None
    for st in stmts:
        kids = [c for c in st.named_children if c.type != "comment"]
        e = _unparen(kids[0]) if st.type == "expression_statement" and kids else None
        if e is not None and e.type == "assignment_expression" and _op(e) == "=" and _is_name(
                _field(e, "left"), name):
            if assign is not None:
                return None
            assign = e
    if assign is None:
        return None
    return _minmax_from(name, cond, _unparen(_field(assign, "right")), None)


@lru_cache(maxsize=4096)
def _analyze_cached(code: str, lang: str, enclosing: tuple[str, ...]) -> LoopFacts:
    facts = LoopFacts()
    facts.in_region, facts.present, _ = enclosing_context(enclosing)
    try:
        src = code.encode("utf-8", "surrogateescape")
        tree = parse_tree(src, lang if lang in ("c", "cpp") else "c")
    except Exception:  # noqa: BLE001 - bad language or encoding: nothing to see
        return facts
    loop = _first_loop(tree.root_node)
    if loop is None:
        return facts
    facts.parsed = True
    # -- the nest ---------------------------------------------------------------------------
    nest = [loop]
    while True:
        inner = _body_statements(nest[-1])
        if len(inner) == 1 and inner[0].type in _LOOP_TYPES:
            nest.append(inner[0])
        else:
            break
    facts.perfect_depth = len(nest)
    for n in nest:
        var, lo, hi, _ = _for_parts(n)
        if var is None:
            break
        facts.index_vars.append(var)
        facts.bounds.append((lo, hi))
    v = facts.index_vars[0] if facts.index_vars else None
    # collapse: perfect and rectangular (inner bounds do not use outer indices)
    ncol = 1
    for k in range(1, len(facts.index_vars)):
        outer = set(facts.index_vars[:k])
        lo, hi = facts.bounds[k]
        words = set(re.findall(r"[A-Za-z_]\w*", lo + " " + hi))
        cond_text = _text(_field(nest[k], "condition"))
        if words & outer or not hi or set(re.findall(r"[A-Za-z_]\w*", cond_text)) & outer:
            break
        ncol = k + 1
    facts.collapse = ncol
    # -- body ------------------------------------------------------------------------------
    w = _Walker(loop, facts.index_vars)
    w._cond_stmts = set()
    w.walk()
    depth = 1
    for n in [loop] + [x[0] for x in w.inner_loops]:
        d, p = 0, n
        while p is not None:
            if p.type in _LOOP_TYPES:
                d += 1
            p = p.parent
        depth = max(depth, d)
    facts.loop_depth = depth
    inner_vars = set(w.inner_vars) - ({v} if v else set())
    index_all = set(facts.index_vars) | w.inner_vars
    # affine substitutions for locals assigned once from an affine expression
    subst: dict[str, Affine] = {}
    once = {name: val for name, val in w.assign_value.items()
            if w.assign_count.get(name, 0) == 1 and name not in index_all}
    for _ in range(3):  # chains: base = i*stride; addr = base + K
        changed = False
        for name, val in once.items():
            a = _affine(val, subst)
            if a is not None and a != subst.get(name):
                subst[name] = a
                changed = True
        if not changed:
            break
    written = {n for n, evs in w.events.items() if any(k != "read" for k, _, _ in evs)}
    opaque_locals = {n for n in set(w.assign_value) | written
                     if n not in subst and n not in index_all}
    for acc in w.accesses:
        acc.raw = list(acc.subs)
        resolved: list[Affine | None] = []
        for node in acc.subs:
            a = _affine(node, subst)  # type: ignore[arg-type]
            if a is not None and any(k in opaque_locals for k in a):
                a = None
            resolved.append(a)
        acc.subs = resolved
    local_arrays = {n for n in w.decls if n in w.array_names}
    # -- arrays: dependences ---------------------------------------------------------------
    if v:
        seen: set[tuple[str, str]] = set()
        by_name: dict[str, list[_Access]] = {}
        for acc in w.accesses:
            if acc.name not in local_arrays:
                by_name.setdefault(acc.name, []).append(acc)
        inner_fs = frozenset(inner_vars)
        # Names whose value changes from one iteration of ``v`` to the next: ``v``, what the
        # body assigns, and inner indices whose bounds use either.
        varying = (written | set(index_all)) - inner_vars
        for _, var, lo, hi in w.inner_loops:
            if var and set(_IDENT.findall(f"{lo} {hi}")) & (varying | {v}):
                varying.add(var)

        def _sig(acc: _Access) -> tuple:
            return tuple(None if a is None else tuple(sorted(a.items())) for a in acc.subs)

        for name, accs in by_name.items():
            if _moving_base(name, varying | index_all):
                # `cell->U[k]` after `cell = &mesh->cell[i]`, `inout[iv+h].c0[ih]`: another
                # array in every iteration, not decided here
                continue
            if _privatisable(accs, v, varying, loop):
                facts.private_arrays.append(name)
                continue
            # Identical subscripts decide identically: test each distinct pair once.
            uniq: dict[tuple, _Access] = {}
            sigs: dict[int, tuple] = {}
            for acc in accs:
                sig = _sig(acc)
                key = (sig, acc.write, acc.read, acc.indirect)
                if key not in uniq:
                    uniq[key] = acc
                    sigs[id(acc)] = sig
            accs = list(uniq.values())
            writes = [a for a in accs if a.write]
            tested: set[tuple] = set()
            for wa in writes:
                if wa.indirect:
                    continue
                for ra in accs:
                    if ra.indirect:
                        continue
                    pair = (sigs[id(wa)], sigs[id(ra)], ra.write and not ra.read)
                    if pair in tested:
                        continue
                    tested.add(pair)
                    d = _dependence_of(sigs[id(wa)], sigs[id(ra)], v, inner_fs)
                    if d is None or d == "never" or d == 0:
                        continue
                    key = (name, wa.text if ra is wa else ra.text)
                    if key in seen:
                        continue
                    seen.add(key)
                    if d == "all":
                        msg = (f"`{wa.text}` is written by every iteration of `{v}` "
                               f"(line {wa.line}): carried dependence")
                        line = wa.line
                    elif d == "cross":
                        msg = (f"`{ra.text}` reaches elements that other iterations of `{v}` "
                               f"write as `{wa.text}` (line {ra.line}): carried dependence")
                        line = ra.line
                    elif ra.write and not ra.read:
                        msg = (f"`{ra.text}` and `{wa.text}` written by different iterations "
                               f"(line {ra.line}): carried dependence")
                        line = ra.line
                    else:
                        order = "after" if ra.order > wa.order else "before"
                        msg = (f"`{ra.text}` read {order} `{wa.text}` written (line {ra.line}): "
                               "carried dependence")
                        line = ra.line
                    facts.carried.append(Dependence(name, line, msg, "array"))
                    break
    # indirect writes
    for acc in w.accesses:
        if acc.write and acc.indirect and acc.name not in local_arrays:
            if acc.name not in facts.indirect_writes:
                facts.indirect_writes.append(acc.name)
                facts.notes.append(f"`{acc.text}` is an indirect write (line {acc.line}): "
                                   "conflicting iterations need `#pragma acc atomic update`")
    # -- scalars ---------------------------------------------------------------------------
    skip = index_all | w.array_names | set(w.calls) | set(_PURE_CALLS) | w.decls
    for name, events in w.events.items():
        if name in skip:
            continue
        kinds = [k for k, _, _ in events]
        if "write" not in kinds and "rmw" not in kinds:
            if name not in facts.scalars_read and re.fullmatch(r"[A-Za-z_]\w*", name):
                facts.scalars_read.append(name)
            continue
        stmts = {}
        for k, st, _ in events:
            if k in ("write", "rmw"):
                stmts[st.id] = st
        ops = set()
        red_ok = True
        red_stmt_ids = set()
        for st in stmts.values():
            op = _reduction_of(name, st)
            if op is None:
                ifn = st.parent
                if ifn is not None and ifn.type == "compound_statement":
                    ifn = ifn.parent
                if ifn is not None and ifn.type == "if_statement":
                    op = _if_minmax(name, ifn)
                    if op is not None:
                        red_stmt_ids.add(ifn.id)
            if op is None:
                red_ok = False
                break
            ops.add(op)
            red_stmt_ids.add(st.id)
        if red_ok and len(ops) == 1:
            # other reads must all be inside the reduction statements (or their if-condition)
            stray = False
            for k, st, _ in events:
                if k == "read" and st.id not in red_stmt_ids:
                    p = st
                    inside = False
                    while p is not None and p is not loop:
                        if p.id in red_stmt_ids:
                            inside = True
                            break
                        p = p.parent
                    if not inside:
                        stray = True
                        break
            if not stray:
                op = ops.pop()
                facts.reductions.append((op, name))
                continue
        writes = [(st, o) for k, st, o in events if k == "write"]
        uncovered = [(k, st, o) for k, st, o in events if k != "write"
                     and not _covered(name, st, o, writes, loop)]
        if writes and not uncovered:
            facts.private.append(name)
            continue
        first_kind, first_stmt, first_order = uncovered[0] if uncovered else events[0]
        line = first_stmt.start_point[0] + 1
        if any(o < first_order for _, o in writes):
            msg = (f"`{name}` is assigned only conditionally (line {line}) and may carry its "
                   "value to the next iteration")
        else:
            msg = (f"`{name}` is read before it is written in an iteration (line {line}): "
                   "carried dependence")
        facts.carried.append(Dependence(name, line, msg, "scalar"))
    facts.private.extend(facts.private_arrays)
    facts.locals = sorted(w.decls - index_all)
    facts.early_exits = list(w.exits)
    facts.calls = list(w.calls)
    # -- arrays: modes and sections ---------------------------------------------------------
    for acc in w.accesses:
        if acc.name in local_arrays or acc.name in facts.private_arrays:
            continue
        mode = facts.arrays.get(acc.name)
        r = acc.read or not acc.write
        wr = acc.write
        new = "inout" if (r and wr) else ("out" if wr else "in")
        if mode is None:
            facts.arrays[acc.name] = new
        elif mode != new:
            facts.arrays[acc.name] = "inout"
    bounds = dict(zip(facts.index_vars, facts.bounds, strict=False))
    for _, var, lo, hi in w.inner_loops:
        if var and var not in bounds:
            bounds[var] = (lo, hi)
    for name in facts.arrays:
        accs = [a for a in w.accesses if a.name == name]
        sec = None
        if all(len(a.subs) == 1 and a.subs[0] is not None for a in accs):
            vars_ = set()
            for a in accs:
                vars_ |= {k for k in a.subs[0] if k}  # type: ignore[union-attr]
            if len(vars_) == 1:
                iv = vars_.pop()
                if iv in bounds and all(a.subs[0] == {iv: 1} for a in accs):
                    s = _section(*bounds[iv])
                    if s and not set(re.findall(r"[A-Za-z_]\w*", s)) & (index_all - {iv}):
                        sec = f"{name}[{s}]"
        if sec and "." not in name and "->" not in name:
            facts.sections[name] = sec
    # -- notes -----------------------------------------------------------------------------
    for op, name in facts.reductions:
        facts.notes.append(f"`{name}` is a {op} reduction")
    scalars = [p for p in facts.private if p not in facts.private_arrays]
    if scalars:
        facts.notes.append("assigned before use in each iteration, so private: "
                           + ", ".join(f"`{p}`" for p in scalars))
    for a in facts.private_arrays:
        facts.notes.append(f"`{a}` is written before it is read in every iteration: "
                           f"`private({a})` gives each iteration its own copy (a pointer needs "
                           f"its extent, e.g. `private({a}[0:n])`; values after the loop are "
                           "undefined)")
    for dep in facts.carried:
        facts.notes.append(dep.message)
    for e in facts.early_exits:
        facts.notes.append(f"early exit: {e}; the loop cannot be parallelised as written")
    if facts.calls:
        facts.notes.append("calls " + ", ".join(f"`{c}`" for c in facts.calls[:4])
                           + ": side effects unknown (they need `#pragma acc routine`)")
    for name in facts.arrays:
        if name in facts.present:
            facts.notes.append(f"`{name}` is present in the enclosing data region")
    return facts


def analyze(code: str, lang: str = "c", enclosing: Sequence[str] = ()) -> LoopFacts:
    """Facts about the first ``for`` loop of ``code``. Never raises on bad input."""
    if not isinstance(code, str):
        return LoopFacts()
    try:
        enc = tuple(e for e in (enclosing or ()) if isinstance(e, str))
        facts = _analyze_cached(code, lang if isinstance(lang, str) else "c", enc)
    except RecursionError:
        return LoopFacts()
    # a copy, so that callers may edit the notes
    return LoopFacts(**{k: (list(v) if isinstance(v, list) else
                            dict(v) if isinstance(v, dict) else v)
                        for k, v in facts.__dict__.items()})


# ----------------------------------------------------------------------------------------------
# The engine
# ----------------------------------------------------------------------------------------------


def pragma_from_facts(facts: LoopFacts, *, data: bool = True, private: bool = True,
                      collapse: bool = False) -> tuple[Pragma | None, list[str]]:
    """The analysis engine's pragma for the facts (None: advise no pragma)."""
    notes: list[str] = []
    if not facts.safe:
        if facts.in_region:
            notes.append("sequential: `loop seq`")
            return Pragma("loop", (Clause("seq"),)), notes
        notes.append("no pragma: the iterations depend on each other")
        return None, notes
    clauses: list[Clause] = []
    directive = "loop" if facts.in_region else "parallel loop"
    if collapse and facts.collapse > 1:
        clauses.append(Clause("collapse", str(facts.collapse)))
    if facts.reductions:
        by_op: dict[str, list[str]] = {}
        for op, name in facts.reductions:
            by_op.setdefault(op, []).append(name)
        for op, names in by_op.items():
            clauses.append(Clause("reduction", f"{op}:{','.join(names)}"))
    if private and facts.private:
        clauses.append(Clause("private", ", ".join(facts.private)))
    if data and directive != "loop":
        clauses.extend(facts.data_clauses())
    return Pragma(directive, tuple(clauses)), notes


class AnalysisEngine:
    """Static analysis only: safety, reductions, privatisation and data clauses."""

    name = "analysis"

    def __init__(self, train: object = None, **_: object):
        self.train = train

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        facts = analyze(query.stripped, query.lang, query.enclosing)
        if not facts.parsed:
            return EngineAnswer(None, ["no `for` loop found"])
        p, notes = pragma_from_facts(facts, collapse=True)
        return EngineAnswer(p.render() if p is not None else None, facts.notes + notes)
