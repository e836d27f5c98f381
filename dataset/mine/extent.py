"""Statement extents by matching parentheses and braces, for code the grammar cannot parse
(comments, strings and preprocessor lines ignored): the data card's fallback."""

from __future__ import annotations

import re

from accellium.dataset.loops import find_loops

__all__ = ["brace_extent", "statement_extent", "brace_depth"]

_TOKENS = re.compile(
    rb'//(?:[^\n\\]|\\.)*|/\*.*?(?:\*/|\Z)|"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?'
    rb'|^[ \t]*#(?:[^\n\\]|\\.)*|[(){};]', re.DOTALL | re.MULTILINE)


def brace_extent(source: bytes, start: int) -> int | None:
    """End byte of the ``for`` statement starting at ``start`` by matching parentheses and
    braces (comments, strings and preprocessor lines ignored); ``None`` when unbalanced."""
    it = _TOKENS.finditer(source, start)
    depth = 0
    for m in it:  # the header: up to the `)` that closes `for (`
        tok = m.group(0)
        if len(tok) != 1:
            continue
        if tok == b"(":
            depth += 1
        elif tok == b")":
            depth -= 1
            if depth == 0:
                return _body_end(it, braced=True)
        elif tok in {b"{", b"}"}:
            return None
    return None


def _body_end(tokens, braced: bool) -> int | None:
    """End byte of a statement from ``tokens`` (:data:`_TOKENS` matches from its start): the
    first ``;`` outside brackets, or the ``}`` that closes it when it is a ``braced`` block;
    ``None`` when unbalanced."""
    depth = 0
    for t in tokens:
        tok = t.group(0)
        if len(tok) != 1:
            continue
        if tok in {b"(", b"{"}:
            depth += 1
        elif tok in {b")", b"}"}:
            depth -= 1
            if depth < 0:
                return None
            if depth == 0 and tok == b"}" and braced:
                return t.end()
        elif tok == b";" and depth == 0:
            return t.end()
    return None


def brace_depth(snippet: bytes, lang: str) -> int:
    """Nesting depth of ``for`` loops in a loop's text, by brace extents (for broken trees)."""
    spans = []
    for lp in find_loops(snippet, lang):
        e = brace_extent(snippet, lp.start_byte)
        spans.append((lp.start_byte, e if e is not None else lp.end_byte))
    if not spans:
        return 1
    return max(sum(1 for a, b in spans if a <= s < b) for s, _ in spans)


_STMT_KEYWORD = re.compile(rb"(while|if|switch|for|do|else)\b")


def statement_extent(source: bytes, start: int) -> int | None:
    """End byte of the statement starting at ``start`` (a ``{`` block, ``while``/``if``/
    ``switch``/``for`` with their body, ``do ... while (...);``, or up to the next ``;``)."""
    m = _STMT_KEYWORD.match(source, start)
    if m and m.group(1) in {b"while", b"if", b"switch", b"for"}:
        return brace_extent(source, start)
    return _body_end(_TOKENS.finditer(source, m.end() if m else start),
                     braced=not m and source[start:start + 1] == b"{")
