"""Conditional groups: which group of an ``#if``/``#ifdef``/``#ifndef`` ... ``#elif`` ...
``#else`` ... ``#endif`` chain the preprocessor keeps.

C11 6.10.1: exactly one group of a chain is kept (or none), the first whose condition holds,
decided by the macros defined at that point — the earlier ``#define`` and ``#undef`` lines in
reading order and the command line's ``-D NAME[=VAL]`` / ``-U NAME``.  In ``#if``, ``defined X``
is 1 when ``X`` is a macro, other macros are replaced, and any identifier left is 0 (6.10.1p4).

:class:`Defines` is what is known at a point: each name certainly defined (as which macro) or
certainly undefined, or unknown.  A name the text defines or undefines is certain from there on
whatever the command line says (a ``-D`` is read before the first line).  A name nothing read
defines is undefined only when the caller says the command line is complete (``complete``: the
dynamic evaluation knows each program's compile command; ``accellium suggest
--defines-complete``); else it is unknown, since a build may pass ``-D`` flags nobody told us
about, and a wrong group would give a wrong macro — a wrong extent and a wrong data section.
Names reserved for the implementation (``__x``, ``_X``: C11 7.1.3; the compiler predefines
``__GNUC__``, ``_OPENACC`` ...) are unknown unless given or defined.  A name defined or
undefined inside a group whose condition is unknown is unknown from there on.

:func:`decide` gives True (kept), False (skipped) or None (unknown: the caller reads the group
as before, under a conditional: its definitions are ambiguous).  :func:`chain` splits a chain's
tree into its groups; :func:`kept` says which of them to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.macros import Macro, parse_define, tokens
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import text

__all__ = ["Defines", "Group", "chain", "kept", "decide", "evaluate", "integer_value",
           "command_line", "given_define", "CONDITIONAL", "MAX_DEPTH"]

CONDITIONAL = frozenset({"preproc_if", "preproc_ifdef"})  # the start of a chain
MAX_DEPTH = 16  # nested macro replacements followed in an ``#if`` expression
_RESERVED = re.compile(r"__|_[A-Z]")
_INT = re.compile(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)([lL]{0,2})")
_LIMIT = 1 << 63  # intmax_t of the targets: a result outside it is not decided


@dataclass
class Defines:
    """What is known of the macros at a point of the reading (see the module)."""

    known: dict[str, Macro | None] = field(default_factory=dict)  # None: certainly undefined
    unsure: set[str] = field(default_factory=set)
    complete: bool = False  # the command line is known whole: an unread name is undefined

    def copy(self) -> Defines:
        return Defines(dict(self.known), set(self.unsure), self.complete)

    def define(self, m: Macro, certain: bool = True) -> None:
        self._set(m.name, m, certain)

    def undef(self, name: str, certain: bool = True) -> None:
        self._set(name, None, certain)

    def _set(self, name: str, m: Macro | None, certain: bool) -> None:
        if certain:
            self.known[name] = m
            self.unsure.discard(name)
        elif name not in self.known or self.known[name] != m:
            self.known.pop(name, None)
            self.unsure.add(name)

    def macro(self, name: str) -> Macro | None | bool:
        """The macro ``name`` is, None when it is certainly undefined, False: unknown."""
        if name in self.known:
            return self.known[name]
        if name in self.unsure or not self.complete or _RESERVED.match(name):
            return False
        return None

    def defined(self, name: str) -> bool | None:
        got = self.macro(name)
        return None if got is False else got is not None


@dataclass(frozen=True)
class Group:
    """One group of a chain: ``kind`` ``if``/``ifdef``/``ifndef``/``else``, its condition
    (the expression's text or the name) and the nodes it holds."""

    kind: str
    condition: str
    body: tuple[Node, ...]


def chain(n: Node) -> list[Group]:
    """The groups of the chain that starts at the ``preproc_if``/``preproc_ifdef`` node ``n``."""
    out: list[Group] = []
    cur: Node | None = n
    while cur is not None:
        alt = _field(cur, "alternative")
        skip = {id(x) for x in (_field(cur, "condition"), _field(cur, "name"), alt)
                if x is not None}
        body = tuple(c for c in cur.named_children if id(c) not in skip)
        if cur.type in ("preproc_if", "preproc_elif"):
            out.append(Group("if", text(_field(cur, "condition")), body))
        elif cur.type in ("preproc_ifdef", "preproc_elifdef"):
            word = text(cur.children[0]) if cur.children else ""
            kind = "ifndef" if word.endswith("ndef") else "ifdef"
            out.append(Group(kind, text(_field(cur, "name")), body))
        else:  # preproc_else
            out.append(Group("else", "", body))
        cur = alt
    return out


def decide(g: Group, d: Defines) -> bool | None:
    """Whether the group's condition holds with ``d`` (None: not known)."""
    if g.kind == "else":
        return True
    if g.kind in ("ifdef", "ifndef"):
        got = d.defined(g.condition.strip())
        return None if got is None else got == (g.kind == "ifdef")
    value = evaluate(g.condition, d)
    return None if value is None else value != 0


def kept(groups: Sequence[Group], d: Defines) -> list[tuple[Group, bool]]:
    """The groups to read and whether each is certain: the first whose condition holds
    (certain), none when all fail; from the first whose condition is unknown on, that one and
    every later one, uncertain (the earlier ones certainly failed)."""
    for k, g in enumerate(groups):
        got = decide(g, d)
        if got is None:
            return [(x, False) for x in groups[k:]]
        if got:
            return [(g, True)]
    return []


# -- ``#if`` expressions ------------------------------------------------------------------------


class _Unknown(Exception):
    """The expression cannot be decided here."""


def _replace(toks: Sequence[str], d: Defines, off: frozenset[str], depth: int
             ) -> list[int | str | None]:
    """``defined`` resolved, macros replaced, identifiers left made 0 (None: unknown), numbers
    read: what remains are values and operators."""
    if depth > MAX_DEPTH:
        raise _Unknown
    out: list[int | str | None] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if t == "defined":
            if depth:  # ``defined`` produced by a replacement: undefined behaviour
                raise _Unknown
            paren = k + 1 < len(toks) and toks[k + 1] == "("
            name = toks[k + 2] if paren and k + 2 < len(toks) else \
                toks[k + 1] if k + 1 < len(toks) else ""
            if not (name[:1].isalpha() or name[:1] == "_") or \
                    (paren and (k + 3 >= len(toks) or toks[k + 3] != ")")):
                raise _Unknown
            got = d.defined(name)
            out.append(None if got is None else int(got))
            k += 4 if paren else 2
            continue
        if t[:1].isalpha() or t[:1] == "_":
            m = d.macro(t) if t not in off else None
            if m is False:
                out.append(None)
            elif m is None:
                out.append(0)
            elif isinstance(m, Macro) and m.params is None:
                out.extend(_replace(tokens(m.body), d, off | {t}, depth + 1))
            else:
                raise _Unknown  # a function-like macro: not replaced here
            k += 1
            continue
        if t[:1].isdigit():
            got_int = _INT.fullmatch(t)
            if got_int is None:
                raise _Unknown  # unsigned, a float or a malformed number
            out.append(int(got_int.group(1), 0 if got_int.group(1)[:2].lower() == "0x"
                           else 8 if got_int.group(1).startswith("0") else 10))
            k += 1
            continue
        if t[:1] in "'\"":
            raise _Unknown
        out.append(t)
        k += 1
    return out


_BINARY = [("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="),
           ("<<", ">>"), ("+", "-"), ("*", "/", "%")]


class _Parser:
    def __init__(self, items: list[int | str | None]):
        self.items, self.k = items, 0

    def peek(self) -> int | str | None:
        return self.items[self.k] if self.k < len(self.items) else "<end>"

    def take(self, op: str) -> bool:
        if self.k < len(self.items) and self.items[self.k] == op:
            self.k += 1
            return True
        return False

    def expression(self) -> int | None:
        c = self.binary(0)
        if not self.take("?"):
            return c
        a = self.expression()
        if not self.take(":"):
            raise _Unknown
        b = self.expression()
        if c is None:
            return a if a == b else None
        return a if c else b

    def binary(self, level: int) -> int | None:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while isinstance(self.peek(), str) and self.peek() in _BINARY[level]:
            op = str(self.peek())
            self.k += 1
            left = _apply(op, left, self.binary(level + 1))
        return left

    def unary(self) -> int | None:
        t = self.peek()
        if t in ("!", "-", "+", "~"):
            self.k += 1
            v = self.unary()
            if v is None:
                return None
            return {"!": int(not v), "-": -v, "+": v, "~": ~v}[str(t)]
        if t == "(":
            self.k += 1
            v = self.expression()
            if not self.take(")"):
                raise _Unknown
            return v
        if t is None or isinstance(t, int):
            self.k += 1
            return t
        raise _Unknown


def _apply(op: str, a: int | None, b: int | None) -> int | None:
    if op == "&&":
        return 0 if a == 0 or b == 0 else None if a is None or b is None else 1
    if op == "||":
        return 1 if (a is not None and a != 0) or (b is not None and b != 0) else \
            None if a is None or b is None else 0
    if a is None or b is None:
        return None
    if op in ("/", "%"):
        if b == 0:
            return None
        q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)  # C truncates
        got = q if op == "/" else a - q * b
    elif op in ("<<", ">>"):
        if not 0 <= b < 64:
            return None
        got = a << b if op == "<<" else a >> b
    else:
        got = {"|": a | b, "^": a ^ b, "&": a & b, "==": int(a == b), "!=": int(a != b),
               "<": int(a < b), ">": int(a > b), "<=": int(a <= b), ">=": int(a >= b),
               "+": a + b, "-": a - b, "*": a * b}[op]
    return got if -_LIMIT <= got < _LIMIT else None


def evaluate(expr: str, d: Defines) -> int | None:
    """The value of the ``#if`` expression ``expr`` with ``d`` (None: not decided: an unknown
    name that matters, a function-like macro, an unsigned or character constant, an error)."""
    try:
        items = _replace(tokens(expr), d, frozenset(), 0)
        if not items:
            return None
        p = _Parser(items)
        v = p.expression()
        return v if p.k == len(items) else None
    except (_Unknown, RecursionError):
        return None


def integer_value(toks: Sequence[str]) -> int | None:
    """The value of the tokens of an integer constant expression made of integer constants,
    operators and parentheses alone (C11 6.6p6: ``(1 + 3) * 2``, ``64 / 8 % 3``, ``1 << 4``),
    with C's truncating division; None when an identifier is among them (a variable, a cast,
    ``sizeof``: no value here, not 0 as in ``#if``), an unsigned, character or floating
    constant, a division by 0, or anything else."""
    if not toks or any(t[:1].isalpha() or t[:1] == "_" for t in toks):
        return None
    try:
        items = _replace(toks, Defines(), frozenset(), 0)
        p = _Parser(items)
        v = p.expression()
        return v if p.k == len(items) else None
    except (_Unknown, RecursionError, IndexError):
        return None


# -- the command line ---------------------------------------------------------------------------


def given_define(spec: str, lang: str = "c") -> Macro | None:
    """The macro of a ``-D`` argument: ``NAME`` (defined as 1), ``NAME=VALUE`` or
    ``NAME(params)=VALUE`` (None: malformed)."""
    name, eq, value = spec.partition("=")
    if not name or any(c.isspace() for c in name):
        return None
    return parse_define(f"#define {name} {value if eq else '1'}", lang)


def command_line(words: Iterable[str], complete: bool = False, lang: str = "c"
                 ) -> tuple[Defines, tuple[Macro, ...]]:
    """The state a compile command's ``-D NAME[=VAL]`` / ``-DNAME`` / ``-U NAME`` words give
    (in their order: the last for a name counts, as for gcc), and the macros defined.
    ``complete``: the words are the whole command — unless one of them makes the compiler read
    macros from elsewhere (``-include FILE`` and ``-imacros FILE`` read a file before the first
    line, ``@FILE`` reads more options), which leaves the names nothing read defines unknown."""
    ws = list(words)
    elsewhere = any(w.startswith(("-include", "-imacros", "@")) for w in ws)
    d = Defines(complete=complete and not elsewhere)
    for i, w in enumerate(ws):
        if w[:2] not in ("-D", "-U"):
            continue
        arg = w[2:] if len(w) > 2 else (ws[i + 1] if i + 1 < len(ws) else "")
        if w.startswith("-U"):
            if arg:
                d.undef(arg)
            continue
        m = given_define(arg, lang)
        if m is not None:
            d.define(m)
    return d, tuple(m for m in d.known.values() if m is not None)
