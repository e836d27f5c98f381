"""The one line model of a source buffer: lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``.

These are the three line terminators of the LSP specification (3.17, "Text Documents") and the
three that GCC's preprocessor accepts, so a row here is a row for the editor and for the
compiler alike.  Every lookup is proportional to what it returns (never to the length of the
whole line or buffer), so walking all loops of a one-line, 20 MB file stays linear.
"""

from __future__ import annotations

import bisect
import re

__all__ = ["LINE_BREAK", "LineIndex", "line_starts", "grammar_view"]

#: A line terminator (LSP: ``\n``, ``\r\n``, ``\r``).
LINE_BREAK = re.compile(rb"\r\n?|\n")
_LONE_CR = re.compile(rb"\r(?!\n)")
_NON_ASCII = re.compile(rb"[\x80-\xff]+")
_INDENT = re.compile(rb"[ \t]*")


def line_starts(source: bytes) -> list[int]:
    """Byte offset of every line start (the first is 0)."""
    return [0, *(m.end() for m in LINE_BREAK.finditer(source))]


#: A parenthesized subscript followed by an operator that is also a unary one: ``(v[i]) - x``.
_PAREN_SUBSCRIPT = re.compile(
    rb"\((\s*[A-Za-z_]\w*(?:\s*\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\])+\s*)\)(?=\s*(?:[-+*&]))")
_WORD_END = re.compile(rb"[\w)\]>]")


def _open_subscripts(view: bytes) -> bytes:
    """``(v[i]) - x`` with its parentheses turned into spaces.

    The grammar reads ``(v[i]) - x`` as a cast of ``-x`` to the type ``v[i]``; no C program
    means that (a cast names a scalar type, never an array type: C11 6.5.4p2), so it is the
    subscript minus ``x``.  A parenthesized postfix expression is the same expression without
    its parentheses, so the spaces keep the meaning, the length and the offsets.  Parentheses
    after a name, ``)``, ``]`` or ``>`` (a call, a macro, ``sizeof``, a keyword's condition, a
    C++ cast) are kept."""
    if b"[" not in view:
        return view
    out: bytearray | None = None
    for m in _PAREN_SUBSCRIPT.finditer(view):
        k = m.start() - 1
        while k >= 0 and view[k] in b" \t\r\n":
            k -= 1
        if k >= 0 and _WORD_END.match(view, k):
            continue
        if out is None:
            out = bytearray(view)
        out[m.start()] = out[m.end() - 1] = 0x20
    return bytes(out) if out is not None else view


#: A parenthesized name followed by an operator that is also a unary one, ``(i) + x``, or by
#: the ``)`` that closes the parentheses around it, ``((j)*(m))``.
_PAREN_NAME = re.compile(rb"\(\s*([A-Za-z_]\w*)\s*\)(?=\s*[-+*&)])")
#: The words of C and C++ that name or qualify a type (``(int) -x`` is a cast).
_TYPE_WORDS = frozenset(b"""void char short int long float double signed unsigned _Bool bool
    _Complex complex _Imaginary const volatile restrict struct union enum auto register static
    extern typename class FILE DIR va_list jmp_buf sigjmp_buf fenv_t wchar_t""".split())
#: A name used to declare a name (``real x;``, ``real *a,``): it names a type there.
_DECLARES = re.compile(rb"\b([A-Za-z_]\w*)[\s*&]+(?:const\s+)?[A-Za-z_]\w*\s*[;,=\[)]")
#: ``typedef ... ;`` (one level of braces), a C++ class, template or alias name, an object-like
#: macro (a type when its body names no value): the names they may make types.
_TYPEDEF = re.compile(rb"\btypedef\b(?:[^;{}]|\{(?:[^{}]|\{[^{}]*\})*\})*;")
_CPP_TYPE = re.compile(rb"\b(?:class|struct|union|enum|typename|using)\s+([A-Za-z_]\w*)")
_OBJECT_MACRO = re.compile(rb"(?m)^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?:[ \t]+([^\r\n]*))?$")
#: A preprocessing directive line with its backslash continuations.
_DIRECTIVE = re.compile(rb"(?m)^[ \t]*#(?:[^\n]*\\\r?\n)*[^\n]*")
_KEYWORD_BEFORE = frozenset({b"return", b"case", b"else", b"do"})
_WORD = re.compile(rb"[A-Za-z_]\w*")


def _type_names(view: bytes) -> set[bytes]:
    """Every name the buffer may use as a type (an over-estimate: each is left a cast):
    the names of ``typedef`` declarations, of classes, structures, unions, enumerations,
    template parameters and aliases, of object-like macros but those whose body is a number or
    an expression, and every name written before a declared name (``real x;``)."""
    out = set(_TYPE_WORDS)
    for m in _TYPEDEF.finditer(view):
        out.update(_WORD.findall(m.group(0)))
    out.update(m.group(1) for m in _CPP_TYPE.finditer(view))
    out.update(m.group(1) for m in _DECLARES.finditer(view))
    for m in _OBJECT_MACRO.finditer(view):  # ``#define real double``, not ``#define N 100``
        body = m.group(2) or b""
        words = set(_WORD.findall(body))
        if not any(c in body for c in b"0123456789()+-/%.<>=!") or words and words <= out:
            out.add(m.group(1))
    return out


def _open_names(view: bytes) -> bytes:
    """``(i) + x`` with its parentheses turned into spaces when ``i`` is no type.

    The grammar reads ``(i) + x * y`` as ``((i) +x) * y``: a cast of ``+x`` to the type ``i``,
    because it cannot know that ``i`` names no type.  A cast needs a type name (C11 6.5.4),
    and a name is one only when a declaration makes it one (a ``typedef``, a class, a template
    parameter, a macro; 6.7.8): a name the buffer never declares or uses as a type
    (:func:`_type_names`; ``..._t`` is the library's spelling of its types) is an object or a
    value, ``(i)`` is ``i`` (6.5.1p5) and ``+`` is the addition.  This is how an index macro's
    expansion reads (``((i) + nx * (j))``).  So is a parenthesized name before a ``)``: a cast
    needs an operand after its type, so ``(m)`` there is no cast, and left as it is the grammar
    reads ``((j)*(m)) + (i)`` as a cast of ``+(i)`` to the type ``j (*)(m)`` (a pointer to a
    function of an ``m``), ``((x)*(m))`` being an index macro's product.  Parentheses after a name, ``)``, ``]`` or ``>``
    (a call, a macro, ``sizeof``, a keyword's condition, a C++ cast) are kept, but for
    ``return`` and ``case``."""
    if b"(" not in view or not _PAREN_NAME.search(view):
        return view
    types: set[bytes] | None = None
    out: bytearray | None = None
    directives = [(d.start(), d.end()) for d in _DIRECTIVE.finditer(view)]
    for m in _PAREN_NAME.finditer(view):
        if any(a <= m.start() < b for a, b in directives):
            continue  # a macro's body is text (read as written, parsed where it expands)
        name = m.group(1)
        if name.endswith((b"_t", b"_T")) or name.isdigit():
            continue
        k = m.start() - 1
        while k >= 0 and view[k] in b" \t\r\n":
            k -= 1
        if k >= 0 and _WORD_END.match(view, k):
            j = k
            while j >= 0 and (view[j:j + 1].isalnum() or view[j:j + 1] == b"_"):
                j -= 1
            if view[j + 1:k + 1] not in _KEYWORD_BEFORE:
                continue
        if types is None:
            types = _type_names(view)
        if name in types:
            continue
        if out is None:
            out = bytearray(view)
        out[m.start()] = out[m.end() - 1] = 0x20
    return bytes(out) if out is not None else view


# C11 6.7.2's complex and imaginary type specifiers, which the grammar lacks (it reads
# `double _Complex z` as a declarator `_Complex` and an error), and `<complex.h>`'s macros for
# them (7.3.1p2) where they stand beside a floating type's keyword
_COMPLEX = re.compile(rb"\b(?:_Complex|_Imaginary)\b|(?<=\bfloat)(\s+)(?:complex|imaginary)\b|"
                      rb"(?<=\bdouble)(\s+)(?:complex|imaginary)\b|"
                      rb"\b(?:complex|imaginary)(?=\s+(?:float|double|long)\b)")


def _complex_specifiers(view: bytes) -> bytes:
    """``view`` with the complex type specifiers (:data:`_COMPLEX`) turned into spaces: a
    complex variable then reads as one of its real type (``double complex z`` as ``double
    z``), which declares the same name with the same pointer and array levels; what the
    analysis reads of it (a reduction's operator, the elements a section moves) is alike for
    both (OpenACC 3.3, 2.5.15: ``+`` and ``*`` reduce complex values)."""
    if b"omplex" not in view and b"maginary" not in view:
        return view
    return _COMPLEX.sub(lambda m: bytes(c if c in b"\r\n" else 0x20 for c in m.group()), view)


def grammar_view(masked: bytes) -> bytes:
    """``masked`` as the grammar should read it, with the same length and offsets: every lone
    ``\\r`` turned into ``\\n`` (tree-sitter counts rows at ``\\n`` only; with this copy its rows
    are the rows of :class:`LineIndex`, and a CR-only file parses as the C file it is), and the
    parentheses of ``(v[i]) - x`` (:func:`_open_subscripts`) and of ``(i) + x``
    (:func:`_open_names`) opened, and complex type specifiers blanked
    (:func:`_complex_specifiers`)."""
    view = _LONE_CR.sub(b"\n", masked) if b"\r" in masked else masked
    return _open_names(_open_subscripts(_complex_specifiers(view)))


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class _RowMap:
    """UTF-8 byte column <-> UTF-16 column of one non-ASCII line.

    A line decodes as its ASCII bytes plus its maximal runs of bytes >= 0x80, each on its own
    (an ASCII byte always ends a UTF-8 sequence, valid or not), so the map is a sorted list of
    runs with their cumulative surplus of bytes over UTF-16 units."""

    __slots__ = ("raw", "starts", "ends", "before", "units")

    def __init__(self, raw: bytes):
        self.raw = raw
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []  # surplus (bytes - units) of the runs before run k
        self.units: list[int] = []  # UTF-16 units of run k
        surplus = 0
        for m in _NON_ASCII.finditer(raw):
            units = _utf16_units(m.group(0).decode("utf-8", "replace"))
            self.starts.append(m.start())
            self.ends.append(m.end())
            self.before.append(surplus)
            self.units.append(units)
            surplus += (m.end() - m.start()) - units

    def to_utf16(self, col: int) -> int:
        k = bisect.bisect_left(self.starts, col) - 1
        if k < 0:
            return col
        if col >= self.ends[k]:
            return col - self.before[k] - ((self.ends[k] - self.starts[k]) - self.units[k])
        head = self.raw[self.starts[k]:col].decode("utf-8", "replace")
        return self.starts[k] - self.before[k] + _utf16_units(head)

    def to_byte(self, u16: int) -> int:
        # UTF-16 column where run k starts: starts[k] - before[k] (monotone in k).
        lo, hi = 0, len(self.starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.starts[mid] - self.before[mid] <= u16:
                lo = mid + 1
            else:
                hi = mid
        k = lo - 1
        if k < 0:
            return min(u16, len(self.raw))
        run_u16 = self.starts[k] - self.before[k]
        if u16 >= run_u16 + self.units[k]:
            after = u16 - run_u16 - self.units[k]
            return min(self.ends[k] + after, len(self.raw))
        units = run_u16
        text = self.raw[self.starts[k]:self.ends[k]].decode("utf-8", "replace")
        pos = self.starts[k]
        for ch in text:
            if units >= u16:
                return pos
            units += 2 if ord(ch) > 0xFFFF else 1
            pos += len(ch.encode("utf-8", "replace"))
        return min(pos, self.ends[k])


class LineIndex:
    """Line starts of a byte buffer; converts byte columns to UTF-16 columns."""

    def __init__(self, source: bytes):
        self.source = source
        self.starts = line_starts(source)

    def __len__(self) -> int:
        return len(self.starts)

    def _maps(self) -> dict[int, _RowMap | None]:
        # Created lazily: subclasses may set ``source`` and ``starts`` without __init__.
        try:
            return self._row_maps
        except AttributeError:
            self._row_maps: dict[int, _RowMap | None] = {}
            return self._row_maps

    def line_span(self, row: int) -> tuple[int, int]:
        """(start, end) byte offsets of the text of line ``row`` (its terminator excluded)."""
        starts = self.starts
        if row < 0 or row >= len(starts):
            return len(self.source), len(self.source)
        start = starts[row]
        if row + 1 >= len(starts):
            return start, len(self.source)
        end = starts[row + 1]
        src = self.source
        last = src[end - 1] if end > start else -1
        if last == 10:  # \n, maybe after \r
            end -= 2 if end - 2 >= start and src[end - 2] == 13 else 1
        elif last == 13:  # a lone \r
            end -= 1
        return start, end

    def eol(self, row: int) -> bytes:
        """The terminator of line ``row`` (``b""`` for a last line without one)."""
        if row < 0 or row + 1 >= len(self.starts):
            return b""
        return self.source[self.line_span(row)[1]:self.starts[row + 1]]

    def line_bytes(self, row: int) -> bytes:
        if row < 0 or row >= len(self.starts):
            return b""
        start, end = self.line_span(row)
        return self.source[start:end]

    def line(self, row: int) -> str:
        return self.line_bytes(row).decode("utf-8", "replace")

    def row_of(self, byte: int) -> int:
        return bisect.bisect_right(self.starts, byte) - 1

    def indent_len(self, row: int) -> int:
        """Bytes of spaces and tabs that start line ``row``."""
        start, end = self.line_span(row)
        m = _INDENT.match(self.source, start, end)
        return m.end() - start if m else 0

    def indent(self, row: int) -> str:
        start = self.line_span(row)[0]
        return self.source[start:start + self.indent_len(row)].decode("ascii")

    def starts_line(self, row: int, byte_col: int) -> bool:
        """True when only spaces and tabs precede byte column ``byte_col`` of line ``row``."""
        return byte_col <= self.indent_len(row)

    def _row_map(self, row: int) -> _RowMap | None:
        try:
            all_ascii = self._all_ascii  # type: ignore[has-type]
        except AttributeError:
            all_ascii = self._all_ascii = self.source.isascii()
        if all_ascii:
            return None
        maps = self._maps()
        if row not in maps:
            raw = self.line_bytes(row)
            maps[row] = None if raw.isascii() else _RowMap(raw)
        return maps[row]

    def utf16_col(self, row: int, byte_col: int) -> int:
        start, end = self.line_span(row)
        col = max(0, min(byte_col, end - start))
        rm = self._row_map(row)
        return col if rm is None else rm.to_utf16(col)

    def byte_col(self, row: int, utf16_col: int) -> int:
        """Inverse of :meth:`utf16_col` (clamped to the line)."""
        start, end = self.line_span(row)
        rm = self._row_map(row)
        if rm is None:
            return max(0, min(utf16_col, end - start))
        return rm.to_byte(max(0, utf16_col))
