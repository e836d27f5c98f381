"""Text helpers for ``#pragma acc`` lines: recognise, join continuations, normalise, split.

:mod:`accellium.dataset.pragma` re-exports the public names.
"""

from __future__ import annotations

import re

_ACC_RE = re.compile(r"^\s*#\s*pragma\s+acc\b", re.IGNORECASE)
_NORM_PUNCT = re.compile(r" ?([^\w\s]) ?")


def is_acc_pragma(line: str) -> bool:
    """True when the line starts an OpenACC pragma (``#pragma acc`` with any spacing)."""
    return bool(_ACC_RE.match(line))


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
