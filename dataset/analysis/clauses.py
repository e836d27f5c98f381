"""What may go into a clause: the analysis reads names and bounds from code that may be
malformed (``for(;i++){1++->)b[j]l r}``); a clause is built only from parts checked here, so
that every pragma it renders parses.

A clause variable is an identifier or a member chain (``a``, ``s.v``, ``p->x``), optionally with
array sections (``a[0:n]``, ``a[:n][1:m-2]``) whose bounds are simple expressions: names,
numbers, member accesses, arithmetic, parentheses and calls.
"""

from __future__ import annotations

import re
from functools import lru_cache

from accellium.dataset.pragma import IDENT

__all__ = ["is_clause_var", "is_simple_expr", "is_clause_arg"]

_NAME = re.compile(rf"\s*{IDENT}")
_ARROW = re.compile(r"\s*(?:\.|->)")
_TOKEN = re.compile(rf"\s*(?:(->)|({IDENT})|(\d[\w.]*)|([-+*/%().,\[\]]))")
_MAX_LEN = 400


def _bracket_end(s: str, i: int) -> int:
    """The index after the ``]`` closing the ``[`` at ``i`` (-1: unbalanced)."""
    depth = 0
    for j in range(i, len(s)):
        depth += {"[": 1, "]": -1}.get(s[j], 0)
        if depth == 0:
            return j + 1
    return -1


def _member_chain(s: str, sections: bool) -> bool:
    """``a``, ``s.v``, ``p->x``, ``u[d].K`` (an element's member); with ``sections`` the last
    part may carry sections (``a[0:n]``)."""
    i = 0
    while True:
        m = _NAME.match(s, i)
        if m is None:
            return False
        i = m.end()
        while i < len(s) and s[i:].lstrip().startswith("["):
            i += len(s[i:]) - len(s[i:].lstrip())
            end = _bracket_end(s, i)
            if end < 0:
                return False
            inner = s[i + 1:end - 1]
            arrow = _ARROW.match(s, end)
            if arrow is None and sections:
                return _sections(s[i:])
            if not is_simple_expr(inner):
                return False
            i = end
        arrow = _ARROW.match(s, i)
        if arrow is None:
            return s[i:].strip() == ""
        i = arrow.end()


@lru_cache(maxsize=16384)
def is_clause_var(name: str) -> bool:
    """``a``, ``s.v``, ``p->x``, ``u[d].K``."""
    return isinstance(name, str) and len(name) <= _MAX_LEN and _member_chain(name, False)


def is_simple_expr(s: str) -> bool:
    """Names, numbers, ``.``/``->`` members, ``+ - * / %``, balanced parentheses and brackets,
    commas inside them (call arguments); not empty."""
    if not isinstance(s, str) or not s.strip() or len(s) > _MAX_LEN:
        return False
    stack: list[str] = []
    i = 0
    while i < len(s):
        m = _TOKEN.match(s, i)
        if m is None:
            return s[i:].strip() == "" and not stack
        tok = m.group(4)
        if tok in ("(", "["):
            stack.append(tok)
        elif tok in (")", "]"):
            if not stack or stack.pop() != {")": "(", "]": "["}[tok]:
                return False
        elif tok == "," and not stack:
            return False
        i = m.end()
    return not stack


def _sections(rest: str) -> bool:
    """``[lo:len][lo:len]...`` with simple bounds (either side of ``:`` may be empty)."""
    i = 0
    while i < len(rest):
        if rest[i].isspace():
            i += 1
            continue
        if rest[i] != "[":
            return False
        end = _bracket_end(rest, i)
        if end < 0:
            return False
        parts = _split_colon(rest[i + 1:end - 1])
        if parts is None or any(p.strip() and not is_simple_expr(p) for p in parts):
            return False
        i = end
    return True


def _split_colon(inner: str) -> list[str] | None:
    """``lo:len`` split at its top-level colon (at most one)."""
    depth, cut = 0, -1
    for k, ch in enumerate(inner):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if ch == ":" and depth == 0:
            if cut >= 0:
                return None
            cut = k
    if cut < 0:
        return [inner] if inner.strip() else None
    return [inner[:cut], inner[cut + 1:]]


@lru_cache(maxsize=16384)
def is_clause_arg(arg: str) -> bool:
    """A data-clause argument: a clause variable with optional sections (``x[0:n]``)."""
    if not isinstance(arg, str) or len(arg) > _MAX_LEN:
        return False
    return _member_chain(arg.strip(), True)
