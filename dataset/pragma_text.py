"""Text helpers for ``#pragma acc`` lines: recognise, join continuations, normalise, split.

:mod:`accellium.dataset.pragma` re-exports the public names.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: comments before a directive's ``#`` are white space (C11 5.1.1.2 phase 3): ``/* tuned */
#: #pragma acc kernels`` is a directive (6.10p2)
_ACC_RE = re.compile(r"^\s*(?:/\*.*?\*/\s*)*#\s*pragma\s+acc\b", re.IGNORECASE)
_NORM_PUNCT = re.compile(r" ?([^\w\s]) ?")


def is_acc_pragma(line: str) -> bool:
    """True when the line starts an OpenACC pragma (``#pragma acc`` with any spacing)."""
    return bool(_ACC_RE.match(line))


def open_comment_after(line: str, inside: bool = False) -> bool:
    """Is a block comment still open at the end of ``line`` (``inside``: one was open at its
    start)?  String and character literals and ``//`` comments are skipped."""
    i = 0
    while i < len(line):
        if inside:
            j = line.find("*/", i)
            if j < 0:
                return True
            inside, i = False, j + 2
            continue
        c = line[i]
        if c in "\"'":
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = j + 1
            continue
        if line.startswith("//", i):
            return False
        if line.startswith("/*", i):
            inside, i = True, i + 2
            continue
        i += 1
    return inside


def directive_rows(line_at: Callable[[int], str], row: int, rows: int) -> int:
    """How many of the ``rows`` lines (``line_at(r)``) the preprocessing directive starting on
    line ``row`` spans: a line ending in a backslash continues it (C11 5.1.1.2 phase 2), and
    so does a block comment opened on it and closed on a later line (phase 3 makes the
    comment one space: the directive ends with the line where the comment ends, 6.10p2)."""
    n, inside = 0, False
    while row + n < rows:
        line = line_at(row + n).rstrip("\r\n")
        n += 1
        inside = open_comment_after(line, inside)
        if not inside and not line.rstrip().endswith("\\"):
            break
    return max(n, 1)


def join_continuations(text: str) -> str:
    """Join backslash-continued lines into one line."""
    return re.sub(r"\\[ \t]*\r?\n", " ", text)


def normalize_text(text: str) -> str:
    """The comparison normal form: whitespace collapsed, no space around punctuation."""
    return _NORM_PUNCT.sub(r"\1", re.sub(r"\s+", " ", text).strip())


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    return re.sub(r"//.*", "", text)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside (), [] and {}; pieces are stripped, empty pieces kept."""
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return out
