"""The text of an open document as the client sees it: the one line model of this server.

LSP 3.17 ("Text Documents"): a line ends at ``\\n``, ``\\r\\n`` or ``\\r`` and at nothing else.
U+2028, U+2029, U+0085 (NEL), form feed, vertical tab and U+001C..U+001E are characters of their
line, although Python's ``str.splitlines`` (which pygls 2.1.1's ``TextDocument.lines`` uses)
breaks at all of them.  VS Code's text model and Neovim (``fileformat`` unix/dos/mac) agree with
the specification, so this module, not pygls's document, holds each open document:

* :func:`line_starts` finds the line starts of a buffer under that model;
* :class:`Text` keeps the buffer (UTF-8 bytes) and its line starts up to date change by change,
  converts LSP positions (UTF-8, UTF-16 or UTF-32 columns) to byte offsets and back, and clamps
  positions as the specification says (a column past the end of its line means the end of the
  line, a line past the end of the document means the end of the document).

Tree-sitter counts only ``\\n`` as a line break; :func:`lone_cr_to_lf` gives it a copy of the
same length in which every lone ``\\r`` is a ``\\n``, so its rows are the rows of this model.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["line_starts", "lone_cr_to_lf", "Text", "Edit", "encode", "ENCODINGS"]

ENCODINGS = ("utf-8", "utf-16", "utf-32")
_BREAK = re.compile(rb"\r\n|\r|\n")
_LONE_CR = re.compile(rb"\r(?!\n)")


def encode(text: str) -> bytes:
    """The document's bytes: UTF-8, lone surrogates kept (a JSON string may carry them)."""
    return text.encode("utf-8", "surrogatepass")


def line_starts(data: bytes, offset: int = 0) -> list[int]:
    """Byte offsets of the line starts of ``data`` (the first line's start excluded), shifted
    by ``offset``."""
    return [m.end() + offset for m in _BREAK.finditer(data)]


def lone_cr_to_lf(data: bytes) -> bytes:
    """``data`` with every ``\\r`` that is not followed by ``\\n`` replaced by ``\\n``."""
    return _LONE_CR.sub(b"\n", data) if b"\r" in data else data


@dataclass(frozen=True)
class Edit:
    """One applied change in bytes and (row, byte column) points of the line model."""

    start: int
    old_end: int
    new_end: int
    start_point: tuple[int, int]
    old_end_point: tuple[int, int]
    new_end_point: tuple[int, int]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:  # a column inside a character: count what is there
        return data.decode("utf-8", "replace")


def _units(s: str, encoding: str) -> int:
    if encoding == "utf-32":
        return len(s)
    if encoding == "utf-8":
        return len(encode(s))
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


class Text:
    """A buffer and its line starts (LSP line model).  ``starts`` is replaced, never mutated,
    so a snapshot of (``data``, ``starts``) stays valid while the buffer changes."""

    def __init__(self, data: bytes, encoding: str = "utf-16"):
        self.data = data
        self.starts: list[int] = [0, *line_starts(data)]
        self.encoding = encoding if encoding in ENCODINGS else "utf-16"

    # -- lines ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.starts)

    def line_end(self, row: int) -> int:
        """Offset of the end of line ``row``'s content (before its line break)."""
        end = self.starts[row + 1] if row + 1 < len(self.starts) else len(self.data)
        if end > self.starts[row] and self.data[end - 1:end] == b"\n":
            end -= 1
        if end > self.starts[row] and self.data[end - 1:end] == b"\r":
            end -= 1
        return end

    def line_bytes(self, row: int) -> bytes:
        if not 0 <= row < len(self.starts):
            return b""
        return self.data[self.starts[row]:self.line_end(row)]

    def line_break(self, row: int) -> bytes:
        """The break that ends line ``row`` (b"" for the last line)."""
        if not 0 <= row < len(self.starts) - 1:
            return b""
        return self.data[self.line_end(row):self.starts[row + 1]]

    def row_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    # -- positions ------------------------------------------------------------------------------

    def frozen(self) -> Text:
        """A copy that later changes to this one leave alone (O(1): data and starts are
        replaced on change, never mutated)."""
        t = Text.__new__(Text)
        t.data, t.starts, t.encoding = self.data, self.starts, self.encoding
        return t

    def byte_col(self, row: int, col: int, encoding: str | None = None) -> int:
        """Byte column of the LSP column ``col`` on ``row`` (clamped to the line; a column inside
        a character means the start of that character)."""
        encoding = encoding or self.encoding
        raw = self.line_bytes(row)
        col = max(0, col)
        if raw.isascii():
            return min(col, len(raw))
        if encoding == "utf-8":
            b = min(col, len(raw))
            while 0 < b < len(raw) and (raw[b] & 0xC0) == 0x80:
                b -= 1
            return b
        text = _decode(raw)
        units = 0
        wide = 1 if encoding == "utf-32" else 2
        for k, ch in enumerate(text):
            step = wide if ord(ch) > 0xFFFF else 1
            if units + step > col:
                return len(encode(text[:k]))
            units += step
        return len(raw)

    def col_of(self, row: int, byte_col: int, encoding: str | None = None) -> int:
        """LSP column of a byte column on ``row``."""
        encoding = encoding or self.encoding
        prefix = self.line_bytes(row)[:max(0, byte_col)]
        if prefix.isascii() or encoding == "utf-8":
            return len(prefix)
        return _units(_decode(prefix), encoding)

    def offset(self, line: int, character: int) -> int:
        """Byte offset of an LSP position, clamped as the specification says."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.data)
        return self.starts[line] + self.byte_col(line, character)

    def point(self, offset: int) -> tuple[int, int]:
        row = self.row_of(offset)
        return row, offset - self.starts[row]

    def position(self, offset: int) -> tuple[int, int]:
        row = self.row_of(offset)
        return row, self.col_of(row, offset - self.starts[row])

    # -- changes --------------------------------------------------------------------------------

    def replace_all(self, data: bytes) -> Edit:
        old_end = len(self.data)
        old_point = self.point(old_end)
        self.data = data
        self.starts = [0, *line_starts(data)]
        return Edit(0, old_end, len(data), (0, 0), old_point, self.point(len(data)))

    def apply(self, start: tuple[int, int], end: tuple[int, int], text: str) -> Edit:
        """Replace the LSP range ``start``..``end`` (positions as (line, character); a reversed
        range is read the right way round) by ``text``."""
        s, e = self.offset(*start), self.offset(*end)
        if e < s:
            s, e = e, s
        ins = encode(text)
        old = self.data
        start_point, old_end_point = self.point(s), self.point(e)
        new = old[:s] + ins + old[e:]
        delta = len(ins) - (e - s)
        # Line starts up to the line before the edit stay; from there to the first old line
        # start at least two bytes past the edit they are found again (a "\r" just before the
        # edit and a "\n" just after it may join into one break, or a pair may part); the
        # rest shift by ``delta``.
        row = max(0, self.row_of(s) - 1)
        a = self.starts[row]
        k = bisect.bisect_left(self.starts, e + 2)
        if k < len(self.starts):
            b = self.starts[k] + delta
            tail = [x + delta for x in self.starts[k + 1:]]
        else:
            b, tail = len(new), []
        self.starts = self.starts[:row + 1] + line_starts(new[a:b], a) + tail
        self.data = new
        return Edit(s, e, s + len(ins), start_point, old_end_point, self.point(s + len(ins)))
