"""Following a directive downwards to what it applies to: blank lines, comments, ``#endif``
lines, whole ``#else``/``#elif`` branches and non-OpenACC pragmas are skipped."""

from __future__ import annotations

import re

from accellium.dataset.loops import LineIndex

__all__ = ["next_code", "end_of_logical"]

_ACC_LINE = re.compile(r"^\s*#\s*pragma\s+acc\b", re.I)
_ANY_PRAGMA = re.compile(r"^\s*#\s*pragma\b")
_PP = re.compile(r"^\s*#\s*(\w*)")
_FOR = re.compile(r"for\s*\(")


def next_code(lines: LineIndex, row: int) -> tuple[str, int]:
    """What follows a directive ending on ``row - 1``: (kind, row) with kind one of ``for``,
    ``acc``, ``block``, ``preprocessor``, ``statement``, ``end_of_file``."""
    n = len(lines)
    r = row
    in_comment = False
    while r < n:
        s = lines.line(r).strip()
        if in_comment:
            if "*/" not in s:
                r += 1
                continue
            s = s[s.index("*/") + 2:].strip()
            in_comment = False
        while s.startswith("/*"):
            end = s.find("*/", 2)
            if end < 0:
                in_comment = True
                s = ""
                break
            s = s[end + 2:].strip()
        if not s or s.startswith("//"):
            r += 1
            continue
        if s.startswith("#"):
            if _ACC_LINE.match(s):
                return "acc", r
            pp = _PP.match(s)
            word = pp.group(1) if pp else ""
            if _ANY_PRAGMA.match(s) or word == "endif":
                r = end_of_logical(lines, r) + 1
                continue
            if word in {"else", "elif"}:
                r = _skip_branch(lines, r) + 1
                continue
            return "preprocessor", r
        if s.startswith("{"):
            return "block", r
        if _FOR.match(s):
            return "for", r
        return "statement", r
    return "end_of_file", r


def end_of_logical(lines: LineIndex, r: int) -> int:
    while r + 1 < len(lines) and lines.line(r).rstrip().endswith("\\"):
        r += 1
    return r


def _skip_branch(lines: LineIndex, r: int) -> int:
    """From an ``#else``/``#elif`` row, the row of the matching ``#endif``."""
    depth = 0
    r += 1
    while r < len(lines):
        m = _PP.match(lines.line(r))
        if m and lines.line(r).lstrip().startswith("#"):
            word = m.group(1)
            if word in {"if", "ifdef", "ifndef"}:
                depth += 1
            elif word == "endif":
                if depth == 0:
                    return r
                depth -= 1
        r += 1
    return r
