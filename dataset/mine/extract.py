"""Pragma–loop pairs of one C/C++ file, with the extraction rules of the data card.

Every ``#pragma acc`` line (continuations joined) is followed downwards: blank lines, comments,
``#endif`` lines, whole ``#else``/``#elif`` branches and non-OpenACC pragmas are skipped.  The
directive is paired when what comes next is a ``for`` statement that the loop finder
(:func:`dataset.loops.find_loops`) knows; otherwise the reason is counted: a ``{`` block,
another ``#pragma acc`` (the upper one then appears in the lower one's ``enclosing``), another
statement, another preprocessor line, or a standalone directive (``update``, ``wait``, ...).

``_Pragma("acc ...")`` operators are handled as well (the reference skipped them): on a line of
their own they are read like the ``#pragma`` line they stand for; in front of a ``for`` on the
same line they label that loop.  They are counted separately (``pragma_form``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from dataset.loops import (
    LineIndex,
    Loop,
    PragmaLine,
    _split_label,
    detect_lang,
    find_loops,
    pragmas_above,
    strip_acc_pragmas,
    strip_comments,
)
from dataset.pragma import (
    LABEL_DIRECTIVES,
    STANDALONE_DIRECTIVES,
    PragmaSyntaxError,
    parse,
)

__all__ = ["RawPair", "FileResult", "extract_file", "file_lang", "has_acc", "body_is_empty"]

_HAS_ACC = re.compile(rb"#[ \t]*pragma[ \t]+acc\b|_Pragma\s*\(\s*\"\s*acc\b", re.I)
_ACC_ROWS = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+acc\b", re.I | re.M)
_ACC_LINE = re.compile(r"^\s*#\s*pragma\s+acc\b", re.I)
_ANY_PRAGMA = re.compile(r"^\s*#\s*pragma\b")
_PP = re.compile(r"^\s*#\s*(\w*)")
_FOR = re.compile(r"for\s*\(")
_UNDERSCORE_PRAGMA = re.compile(rb'_Pragma\s*\(\s*"((?:[^"\\\n]|\\.)*)"\s*\)')


@dataclass
class RawPair:
    """One pair before filtering and dedup (fields of :class:`dataset.records.Record`)."""

    path: str
    line: int  # 1-based line of the pragma
    pragma: str
    directive: str
    directive_valid: bool
    clauses: list[str]
    loop: str
    loop_stripped: str
    loop_depth: int
    lang: str
    function: str | None
    enclosing: list[str]
    pragma_form: str  # "#pragma" or "_Pragma"
    empty_body: bool
    parse_error: bool  # the tree around the loop had syntax errors (extent may be off)


@dataclass
class FileResult:
    pairs: list[RawPair] = field(default_factory=list)
    #: every acc directive by outcome: paired, block, stacked, statement, preprocessor,
    #: standalone, standalone_above_loop, unparsable, end_of_file, for_not_parsed, ...
    directives: Counter[str] = field(default_factory=Counter)
    #: file-level events: binary, bad_utf8, no_acc, parse_errors
    events: Counter[str] = field(default_factory=Counter)
    underscore_pragmas: Counter[str] = field(default_factory=Counter)


def has_acc(data: bytes) -> bool:
    """Cheap test: could this buffer contain an OpenACC directive?"""
    return _HAS_ACC.search(data) is not None


def file_lang(path: str, data: bytes) -> str:
    """``c``/``cpp`` by extension (``.C``/``.H`` are C++), ``.h`` decided by C++ keywords."""
    if path.endswith((".C", ".H")):
        return "cpp"
    return detect_lang(path, data)


def body_is_empty(loop_text: str) -> bool:
    """True for ``for (...);``, ``for (...) {}`` and the like (comments and nested pragmas
    ignored)."""
    text = strip_comments(strip_acc_pragmas(loop_text))
    start = text.find("(")
    if start < 0:
        return False
    depth = 0
    for k in range(start, len(text)):
        ch = text[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                rest = re.sub(r"\s+", "", text[k + 1:])
                return rest in {"", ";"} or re.fullmatch(r"\{;*\}", rest) is not None
    return False


# ----------------------------------------------------------------------------------------------
# _Pragma("acc ...")
# ----------------------------------------------------------------------------------------------


@dataclass
class _Rewrite:
    source: bytes  # the buffer with own-line _Pragma rewritten to padded #pragma lines
    own_line_rows: set[int] = field(default_factory=set)
    inline: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, pragma text)


def _unescape(s: bytes) -> str:
    text = s.decode("utf-8", "replace")
    return re.sub(r"\\(.)", r"\1", text)


def _rewrite_underscore_pragmas(source: bytes, counts: Counter[str]) -> _Rewrite:
    if b"_Pragma" not in source:
        return _Rewrite(source)
    out = bytearray(source)
    rw = _Rewrite(source)
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


# ----------------------------------------------------------------------------------------------
# Following a directive downwards
# ----------------------------------------------------------------------------------------------


def _next_code(lines: LineIndex, row: int) -> tuple[str, int]:
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
            word = _PP.match(s).group(1)
            if _ANY_PRAGMA.match(s) or word == "endif":
                r = _end_of_logical(lines, r) + 1
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


def _end_of_logical(lines: LineIndex, r: int) -> int:
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


# ----------------------------------------------------------------------------------------------
# The file
# ----------------------------------------------------------------------------------------------


def _directive(text: str) -> str | None:
    try:
        return parse(text).directive
    except PragmaSyntaxError:
        return None


def extract_file(path: str, data: bytes, lang: str | None = None) -> FileResult:
    """All pairs of one file plus the outcome of every OpenACC directive in it. Never raises
    on bad input (binary data, broken UTF-8, unbalanced braces)."""
    res = FileResult()
    if b"\0" in data[:8192] or b"\0" in data:
        res.events["binary"] += 1
        return res
    if not has_acc(data):
        res.events["no_acc"] += 1
        return res
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        res.events["bad_utf8"] += 1
    lang = lang or file_lang(path, data)
    rw = _rewrite_underscore_pragmas(data, res.underscore_pragmas)
    source = rw.source
    loops = find_loops(source, lang)
    lines = LineIndex(source)
    if any(lp.has_error for lp in loops):
        res.events["parse_errors"] += 1
    by_row: dict[int, Loop] = {}
    for lp in loops:
        by_row.setdefault(lp.start_line, lp)

    done_until = -1
    for m in _ACC_ROWS.finditer(source):
        start = lines.row_of(m.start())
        if start <= done_until:  # a continuation line of the directive above
            continue
        end = _end_of_logical(lines, start)
        done_until = end
        # The directive's text and the construct directives stacked above it, as the loop
        # finder reads them (whitespace collapsed, comments removed).
        above = pragmas_above(lines, end + 1, 0)
        if not above or above[-1].start_line != start:
            res.directives["unparsable"] += 1
            continue
        prag = above[-1]
        form = "_Pragma" if start in rw.own_line_rows else "#pragma"
        directive = _directive(prag.text)
        kind, row = _next_code(lines, end + 1)
        if directive is None:
            res.directives["unparsable"] += 1
            continue
        if directive in STANDALONE_DIRECTIVES:
            res.directives["standalone_above_loop" if kind == "for" else "standalone"] += 1
            continue
        if kind != "for":
            res.directives[{"acc": "stacked"}.get(kind, kind)] += 1
            continue
        loop = by_row.get(row)
        if loop is None:
            res.directives["for_not_parsed"] += 1
            continue
        label_run, stacked_run = _split_label(above[:-1])
        stacked = stacked_run + ([label_run] if label_run else [])
        res.pairs.append(_pair(path, prag, directive, loop, stacked, lang, form,
                               data, source, loops, res.events))
        res.directives["paired"] += 1
        if form == "_Pragma":
            res.underscore_pragmas["paired"] += 1
    for row, col, text in rw.inline:
        loop = by_row.get(row)
        if loop is None or loop.start_col < col:
            res.directives["for_not_parsed"] += 1
            continue
        directive = _directive(text)
        if directive is None or directive in STANDALONE_DIRECTIVES:
            res.directives["standalone" if directive else "unparsable"] += 1
            continue
        prag = PragmaLine(text, row, row)
        res.pairs.append(_pair(path, prag, directive, loop, [], lang, "_Pragma", data, source,
                               loops, res.events))
        res.directives["paired"] += 1
        res.underscore_pragmas["paired"] += 1
    res.pairs.sort(key=lambda p: p.line)
    return res


def _pair(path: str, prag: PragmaLine, directive: str, loop: Loop, stacked: list[PragmaLine],
          lang: str, form: str, original: bytes, source: bytes, loops: list[Loop],
          events: Counter[str]) -> RawPair:
    ancestors = loop.enclosing[: len(loop.enclosing) - len(loop.stacked)]
    p = parse(prag.text)
    end, depth = loop.end_byte, loop.loop_depth
    if loop.has_error:
        # Macros such as ``if CONSTEXPR (...)`` can make the grammar close a loop early; a
        # brace matcher then gives the extent (the data card's fallback).
        alt = brace_extent(source, loop.start_byte)
        if alt is not None and alt != end:
            end = alt
            depth = 1 + max((lp.depth - loop.depth for lp in loops
                             if loop.start_byte <= lp.start_byte < end), default=0)
            events["fallback_extent"] += 1
    text = original[loop.start_byte:end].decode("utf-8", "replace")
    rewritten = source[loop.start_byte:end].decode("utf-8", "replace")
    return RawPair(
        path=path,
        line=prag.start_line + 1,
        pragma=prag.text,
        directive=directive,
        directive_valid=directive in LABEL_DIRECTIVES,
        clauses=p.clause_texts,
        loop=text,
        loop_stripped=strip_acc_pragmas(rewritten),
        loop_depth=depth,
        lang=lang,
        function=loop.function,
        enclosing=ancestors + [x.text for x in stacked],
        pragma_form=form,
        empty_body=body_is_empty(rewritten),
        parse_error=loop.has_error,
    )


# ----------------------------------------------------------------------------------------------
# Fallback loop extent
# ----------------------------------------------------------------------------------------------

_TOKENS = re.compile(
    rb'//(?:[^\n\\]|\\.)*|/\*.*?(?:\*/|\Z)|"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?'
    rb'|^[ \t]*#(?:[^\n\\]|\\.)*|[(){};]', re.DOTALL | re.MULTILINE)


def brace_extent(source: bytes, start: int) -> int | None:
    """End byte of the ``for`` statement starting at ``start`` by matching parentheses and
    braces (comments, strings and preprocessor lines ignored); ``None`` when unbalanced."""
    it = _TOKENS.finditer(source, start)
    depth = 0
    header_done = False
    for m in it:
        tok = m.group(0)
        if len(tok) != 1:
            continue
        if not header_done:
            if tok == b"(":
                depth += 1
            elif tok == b")":
                depth -= 1
                if depth == 0:
                    header_done = True
            elif tok in {b"{", b"}"}:
                return None
            continue
        if tok in {b"(", b"{"}:
            depth += 1
        elif tok in {b")", b"}"}:
            depth -= 1
            if depth < 0:
                return None
            if depth == 0 and tok == b"}":
                return m.end()
        elif tok == b";" and depth == 0:
            return m.end()
    return None
