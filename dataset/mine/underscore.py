"""``_Pragma("acc ...")`` operators read like the ``#pragma`` lines they stand for.

On a line of their own they are rewritten in place (same byte length) to a padded ``#pragma``
line; in front of a ``for`` on the same line they are blanked and remembered as that loop's
label. Operators inside macros or after other code are counted, not paired.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from accellium.dataset.loops import LineIndex

__all__ = ["Rewrite", "rewrite_underscore_pragmas"]

_UNDERSCORE_PRAGMA = re.compile(rb'_Pragma\s*\(\s*"((?:[^"\\\n]|\\.)*)"\s*\)')


@dataclass
class Rewrite:
    source: bytes  # the buffer with own-line _Pragma rewritten to padded #pragma lines
    own_line_rows: set[int] = field(default_factory=set)
    inline: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, pragma text)


def _unescape(s: bytes) -> str:
    text = s.decode("utf-8", "replace")
    return re.sub(r"\\(.)", r"\1", text)


def rewrite_underscore_pragmas(source: bytes, counts: Counter[str]) -> Rewrite:
    if b"_Pragma" not in source:
        return Rewrite(source)
    out = bytearray(source)
    rw = Rewrite(source)
    lines = LineIndex(source)
    for m in _UNDERSCORE_PRAGMA.finditer(source):
        content = _unescape(m.group(1)).strip()
        if not re.match(r"acc\b", content):
            continue
        row = lines.row_of(m.start())
        line_start = lines.starts[row]
        before = source[line_start:m.start()]
        line_end = source.find(b"\n", m.end())
        line_end = len(source) if line_end < 0 else line_end
        after = source[m.end():line_end].rstrip(b"\r")
        prev = lines.line(row - 1).rstrip() if row > 0 else ""
        if before.lstrip().startswith(b"#") or prev.endswith("\\") or after.rstrip().endswith(
                b"\\"):
            counts["in_macro"] += 1
            continue
        if before.strip():
            counts["after_code"] += 1
            continue
        text = "#pragma " + re.sub(r"\s+", " ", content)
        if not after.strip() or after.strip() in {b";"}:
            enc = text.encode("utf-8")
            span = m.end() - m.start()
            if len(enc) > span:  # cannot happen for valid escapes; be safe
                counts["unreadable"] += 1
                continue
            out[m.start():m.end()] = enc + b" " * (span - len(enc))
            if after.strip() == b";":
                k = source.index(b";", m.end())
                out[k:k + 1] = b" "
            rw.own_line_rows.add(row)
            counts["own_line"] += 1
        else:
            # ``_Pragma("acc loop") for (...)``: blank the operator, label the loop after it.
            out[m.start():m.end()] = b" " * (m.end() - m.start())
            col = m.end() - line_start
            rw.inline.append((row, col, text))
            counts["inline"] += 1
    rw.source = bytes(out)
    return rw
