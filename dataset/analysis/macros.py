"""Macros of the file: what a subscript or a bound means after the preprocessor.

A function-like macro ``#define NAME(params) body`` defined in the translation unit before a
use, and not ``#undef``'d since, is replaced at the use by its body with the parameters replaced
by the (macro-expanded) arguments, and the result is rescanned with ``NAME`` itself no longer
replaced (C11 6.10.3, 6.10.3.1, 6.10.3.4).  :func:`expand` does that on the text of one
expression, and :func:`expanded` gives the tree of the result, so that ``u[IDX(i, j, k)]``
with ``#define IDX(i, j, k) (((i) * n + (j)) * n + (k))`` is read as ``u[((i*n + j)*n + k)]``.

The expansion lives only inside the analysis: the user's text is never changed, and what is
emitted quotes either the user's text or names the expansion uses, which mean the same where
the macro was used.  Of a conditional chain only the group the file's own text decides counts
(``#if 0``, ``#ifdef X`` after the file's ``#define X``: :mod:`accellium.dataset.analysis.
conditions`; the headers' groups are decided with the command line in :mod:`accellium.
dataset.includes`).  Given up (the use is read as written, as without a definition): a name
with two different definitions of which one is in a group not decided (which one holds is
unknown here), ``#``/``##`` in the body, a call whose arity does not match, more than
:data:`MAX_DEPTH` nested expansions or a result longer than :data:`MAX_CHARS`.  An object-like
macro whose body is a number stays a name (a constant: ``a[0:N]`` is valid as is).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node

from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import root_of, source_of, text, unparen

__all__ = ["Macro", "MacroTable", "table_of", "called_name", "expand", "expanded", "expanded_call", "expanded_text",
           "parsed_expression",
           "file_expansion", "file_macros", "header_macros", "visible_at", "macro_calls", "definition", "parse_define", "used_macros",
           "tokens", "MAX_DEPTH", "MAX_CHARS"]

MAX_DEPTH = 8  # nested expansions followed (a macro whose body uses another macro ...)
MAX_CHARS = 2000  # a longer expansion is not analysed
_TOKEN = re.compile(r"""\s+|//[^\n]*|/\*.*?\*/|[A-Za-z_]\w*|\.?\d(?:[eEpP][+-]|[\w.])*|
                    "(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|
                    ->|\+\+|--|<<=|>>=|<<|>>|[<>=!]=|&&|\|\||[-+*/%&|^]=|\#\#|\.\.\.|.""",
                    re.VERBOSE | re.DOTALL)
_NUMBER = re.compile(r"\(*\s*[-+]?\s*\.?\d[\w.]*\s*\)*")


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...] | None  # None: object-like
    body: str
    variadic: bool = False

    def directive(self) -> str:
        """The ``#define`` line of the macro (:func:`parse_define` reads it back)."""
        if self.params is None:
            return f"#define {self.name} {self.body}".rstrip()
        params = ", ".join([*self.params, *(("...",) if self.variadic else ())])
        return f"#define {self.name}({params}) {self.body}".rstrip()

    @property
    def constant(self) -> bool:
        """An object-like macro whose body is a number: it stays a name (see the module)."""
        return self.params is None and _NUMBER.fullmatch(self.body) is not None


_Event = tuple[int, Macro | None, bool]  # (byte offset, the definition or None: #undef, under #if)


def tokens(s: str) -> list[str]:
    """The preprocessing tokens of ``s``, comments and white space dropped."""
    return [t for t in _TOKEN.findall(s) if t.strip() and not t.startswith(("//", "/*"))]


def definition(n: Node) -> Macro:
    """The macro a ``preproc_def`` or ``preproc_function_def`` node defines."""
    name = text(_field(n, "name"))
    body = " ".join(text(_field(n, "value")).replace("\\\n", " ").split())
    if n.type == "preproc_def":
        return Macro(name, None, body)
    params = _field(n, "parameters")
    words = [t for t in tokens(text(params)) if t not in "(),"]
    variadic = bool(words) and words[-1] == "..."
    return Macro(name, tuple(w for w in words if w != "..."), body, variadic)


class MacroTable:
    """Every ``#define`` and ``#undef`` of a tree, in source order."""

    def __init__(self, root: Node):
        from accellium.dataset.analysis.conditions import CONDITIONAL, Defines, chain, kept

        self.events: dict[str, list[_Event]] = {}
        state = Defines()  # the file alone: only what its own text decides
        stack: list[tuple[Node, bool]] = [(c, False) for c in reversed(root.named_children)]
        while stack:
            n, cond = stack.pop()
            t = n.type
            if t in ("preproc_def", "preproc_function_def"):
                m = definition(n)
                self.events.setdefault(m.name, []).append((n.start_byte, m, cond))
                state.define(m, not cond)
            elif t == "preproc_call" and text(_field(n, "directive")).strip() == "#undef":
                words = tokens(text(_field(n, "argument")))
                if words:
                    self.events.setdefault(words[0], []).append((n.start_byte, None, cond))
                    state.undef(words[0], not cond)
            elif t in CONDITIONAL:
                for g, certain in reversed(kept(chain(n), state)):
                    stack.extend((c, cond or not certain) for c in reversed(g.body))
            elif t in ("translation_unit", "linkage_specification", "declaration_list"):
                stack.extend((c, cond) for c in reversed(n.named_children))
        self.ambiguous = frozenset(
            name for name, evs in self.events.items()
            if any(c for _, _, c in evs) and len({m for _, m, _ in evs}) > 1)

    def visible(self, at: int, before: Sequence[Macro] = (), constants: bool = False
                ) -> dict[str, Macro]:
        """The macros defined before byte ``at`` (and not undefined since), that the analysis
        expands (see the module).  ``before``: macros defined before the first line (those of
        the headers the file includes, :mod:`accellium.dataset.includes`); a definition or
        ``#undef`` of the file before ``at`` overrides one of them, and a name the file also
        defines otherwise under a conditional group is ambiguous, as two definitions of the
        file are.  ``constants``: the object-like macros whose body is a number too (their
        values, where two expressions must be compared as the compiler sees them)."""
        out = {m.name: m for m in before if constants or not m.constant}
        for name, evs in self.events.items():
            first = out.get(name)
            if name in self.ambiguous or (first is not None and any(c for _, _, c in evs)
                                          and any(m != first for _, m, _ in evs)):
                out.pop(name, None)
                continue
            seen, last = False, None
            for pos, m, _ in evs:
                if pos < at:
                    seen, last = True, m
            if not seen:
                continue
            if last is not None and (constants or not last.constant):
                out[name] = last
            else:
                out.pop(name, None)
        return out


_TABLES: OrderedDict[bytes, MacroTable] = OrderedDict()
_MAX_TABLES = 64


def table_of(root: Node) -> MacroTable | None:
    """The macro table of the tree whose root is ``root`` (cached by its source; None: the
    source has no directive)."""
    src = source_of(root)
    if b"#" not in src:
        return None
    table = _TABLES.get(src)
    if table is None:
        table = _TABLES[src] = MacroTable(root)
        if len(_TABLES) > _MAX_TABLES:
            _TABLES.popitem(last=False)
    else:
        _TABLES.move_to_end(src)
    return table


def _split_args(toks: list[str], start: int) -> tuple[list[list[str]], int] | None:
    """The arguments of a call whose ``(`` is ``toks[start]``, and the index after its
    ``)`` (None: unbalanced)."""
    args: list[list[str]] = [[]]
    depth = 0
    for k in range(start, len(toks)):
        t = toks[k]
        if t in "([{" and (depth or t == "("):
            depth += 1
            if depth == 1:
                continue
        elif t in ")]}":
            depth -= 1
            if depth == 0:
                return args, k + 1
        elif t == "," and depth == 1:
            args.append([])
            continue
        args[-1].append(t)
    return None


class _Fail(Exception):
    """The expansion is given up (see the module)."""


def _arguments(m: Macro, args: list[list[str]]) -> list[list[str]]:
    params = m.params or ()
    if not params and args == [[]]:
        return []
    if m.variadic and len(args) >= len(params):
        rest = [t for a in args[len(params):] for t in (*a, ",")][:-1]
        return [*args[:len(params)], rest]
    if len(args) != len(params):
        raise _Fail
    return args


def _substitute(m: Macro, args: list[list[str]], table: Mapping[str, Macro],
                off: frozenset[str], depth: int) -> list[str]:
    body = tokens(m.body)
    if "#" in body or "##" in body:
        raise _Fail
    names = list(m.params or ()) + (["__VA_ARGS__"] if m.variadic else [])
    values = {p: _expand(a, table, off, depth + 1) for p, a in zip(names, _arguments(m, args),
                                                            strict=False)}
    out: list[str] = []
    for t in body:
        out.extend(values.get(t, (t,)))
    return out


def _expand(toks: list[str], table: Mapping[str, Macro], off: frozenset[str],
            depth: int) -> list[str]:
    """C11 6.10.3.4: each replacement is rescanned with the macro's own name off."""
    if depth > MAX_DEPTH:
        raise _Fail
    out: list[str] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        m = table.get(t) if t not in off else None
        if m is None:
            out.append(t)
            k += 1
            continue
        if m.params is None:
            out.extend(_expand(tokens(m.body), table, off | {t}, depth + 1))
            k += 1
            continue
        if k + 1 >= len(toks) or toks[k + 1] != "(":
            out.append(t)  # a function-like macro's name without arguments is a name
            k += 1
            continue
        got = _split_args(toks, k + 1)
        if got is None:
            raise _Fail
        args, k = got
        out.extend(_expand(_substitute(m, args, table, off, depth), table, off | {t},
                               depth + 1))
        if sum(len(x) + 1 for x in out) > MAX_CHARS:
            raise _Fail
    return out


def expand(source: str, table: Mapping[str, Macro]) -> str | None:
    """``source`` with the macros of ``table`` expanded (None: nothing to expand, or given up)."""
    toks = tokens(source)
    if not any(t in table for t in toks):
        return None
    try:
        out = " ".join(_expand(toks, table, frozenset(), 0))
    except (_Fail, RecursionError):
        return None
    return out if len(out) <= MAX_CHARS else None


@lru_cache(maxsize=4096)
def _expression(source: str, lang: str) -> Node | None:
    """The expression ``source`` parsed alone (None: it is not one)."""
    from accellium.dataset.loops import parse_tree

    code = f"int __accellium_expansion = (\n{source}\n);\n"
    tree = parse_tree(code.encode("utf-8", "surrogateescape"), lang)
    if tree.root_node.has_error:
        return None
    decl = tree.root_node.named_children[0] if tree.root_node.named_children else None
    init = _field(decl, "declarator")
    value = _field(init, "value") if init is not None else None
    return value if value is not None and value.type == "parenthesized_expression" else None


def parsed_expression(source: str, lang: str = "c") -> Node | None:
    """The C expression ``source`` parsed alone, in parentheses (None: it is not one)."""
    return _expression(source, lang)


def expanded_text(source: str, table: Mapping[str, Macro], lang: str = "c") -> Node | None:
    """The expression ``source`` after the preprocessor, parsed (None: no macro of ``table``
    in it, given up, or not an expression)."""
    out = expand(source, table)
    return _expression(out, lang) if out is not None else None


def expanded(node: Node, table: Mapping[str, Macro], lang: str = "c") -> Node:
    """The expression ``node`` after the preprocessor (``node`` itself when no macro of
    ``table`` is in it, or when the expansion is given up)."""
    if not table:
        return node
    out = expand(text(node), table)
    got = _expression(out, lang) if out is not None else None
    return got if got is not None else node


def expanded_call(node: Node, table: Mapping[str, Macro], lang: str = "c") -> Node | None:
    """A call of a function-like macro of ``table`` after the preprocessor, its parentheses
    removed (None: not such a call, or given up)."""
    fn = _field(node, "function")
    m = table.get(text(fn)) if fn is not None and fn.type == "identifier" else None
    if m is None or m.params is None:
        return None
    got = expanded(node, table, lang)
    return unparen(got) if got is not node else None


def used_macros(code: str, table: Mapping[str, Macro]) -> list[Macro]:
    """The macros of ``table`` that ``code`` names, and those their bodies name, and so on
    (sorted by name)."""
    todo = [t for t in tokens(code) if t in table]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(t for t in tokens(table[name].body) if t in table and t not in seen)
    return [table[n] for n in sorted(seen)]


@lru_cache(maxsize=1024)
def parse_define(directive: str, lang: str = "c") -> Macro | None:
    """The macro of one ``#define`` line (continuation lines allowed); None when the text is
    not exactly one ``#define`` directive."""
    from accellium.dataset.loops import parse_tree

    if "#" not in directive or "\0" in directive:
        return None
    src = (directive.rstrip() + "\n").encode("utf-8", "surrogateescape")
    root = parse_tree(src, lang if lang in ("c", "cpp") else "c").root_node
    kids = root.named_children
    if root.has_error or len(kids) != 1 or kids[0].type not in ("preproc_def",
                                                                 "preproc_function_def"):
        return None
    return definition(kids[0])


_IDENT = re.compile(r"[A-Za-z_]\w*")


def called_name(name: str, table: Mapping[str, Macro]) -> str:
    """The function a call of ``name`` calls: ``name`` itself, or, when ``name`` is an
    object-like macro whose replacement list is one identifier (``#define fmaxr fmax``), the
    name that replaces it — the preprocessor rescans the replacement with the rest of the
    file, so ``fmaxr(a, b)`` is ``fmax(a, b)`` (C11 6.10.3.4p1) — followed through such
    macros up to :data:`MAX_DEPTH` deep."""
    seen = {name}
    for _ in range(MAX_DEPTH):
        m = table.get(name)
        if m is None or m.params is not None or not _IDENT.fullmatch(m.body.strip()):
            break
        name = m.body.strip()
        if name in seen:
            break
        seen.add(name)
    return name


#: Keywords a ``(`` may follow that call nothing: statements (``for (...)``), operators
#: (``sizeof(float)``), and C++'s conversions in functional notation (``double(x)``) — C11
#: 6.4.1, C++ [lex.key], [expr.type.conv].
_NOT_CALLED = frozenset({
    "for", "while", "if", "switch", "return", "do", "else", "case", "goto", "sizeof",
    "_Alignof", "alignof", "_Generic", "_Static_assert", "static_assert", "decltype",
    "typeof", "__typeof__", "__attribute__", "defined", "void", "char", "short", "int",
    "long", "float", "double", "signed", "unsigned", "_Bool", "bool"})


def macro_calls(m: Macro) -> list[str]:
    """The names the body of ``m`` calls (a name followed by ``(``, parameters and keywords
    left out: :data:`_NOT_CALLED`)."""
    toks = tokens(m.body)
    return [t for t, nxt in zip(toks, toks[1:], strict=False)
            if nxt == "(" and (t[0].isalpha() or t[0] == "_") and t not in (m.params or ())
            and t not in _NOT_CALLED]


#: The macros of the headers visible at a byte offset of the file whose tree is being read
#: (:mod:`accellium.dataset.includes`), for :func:`file_expansion`; set with
#: :func:`header_macros` by the callers that know them (the analysis of a loop with a scope,
#: the offload plan of a file).
_HEADERS: ContextVar[Callable[[int], Sequence[Macro]] | None] = ContextVar(
    "accellium_header_macros", default=None)


@contextmanager
def header_macros(at: Callable[[int], Sequence[Macro]] | None) -> Iterator[None]:
    """Within the block, :func:`file_expansion` also expands the macros ``at(offset)`` gives
    (those the headers define before a byte offset of the file)."""
    token = _HEADERS.set(at)
    try:
        yield
    finally:
        _HEADERS.reset(token)


def header_macros_active() -> bool:
    """Are header macros in force (:func:`header_macros`)?"""
    return _HEADERS.get() is not None


def visible_at(root: Node, at: int, constants: bool = False) -> dict[str, Macro]:
    """The macros visible at byte ``at`` of the file whose tree is ``root``: its own and,
    within :func:`header_macros`, its headers' (``constants``: with those whose body is a
    number, :meth:`MacroTable.visible`)."""
    hdr = _HEADERS.get()
    before = hdr(at) if hdr is not None else ()
    table = table_of(root)
    if table is None:
        return {m.name: m for m in before if constants or not m.constant}
    return table.visible(at, before, constants)


def file_macros(node: Node) -> dict[str, Macro] | None:
    """The macros visible where the call ``node`` of a whole file's tree is, the headers'
    included (:func:`header_macros`), when its function's name is one of them; None when it
    is not a call of such a name (checked first, without building the table).  ``node`` may
    also be an identifier: the same, for that name (an object-like macro's use)."""
    fn = node if node.type == "identifier" else _field(node, "function")
    if fn is None or fn.type != "identifier":
        return None
    name = text(fn)
    root = root_of(node)
    table = table_of(root)
    hdr = _HEADERS.get()
    if (table is None or name not in table.events) and (
            hdr is None or all(m.name != name for m in hdr(node.start_byte))):
        return None
    seen = visible_at(root, node.start_byte)
    return seen if name in seen else None


def file_expansion(node: Node) -> Node | None:
    """:func:`expanded_call` for a call in a whole file's tree, with the macros visible where
    the call is, the headers' included (:func:`header_macros`) (None: not such a call)."""
    seen = file_macros(node)
    return expanded_call(node, seen) if seen is not None else None
