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

from accellium.dataset.loops import (
    LineIndex,
    Loop,
    detect_lang,
    find_loops,
    pragmas_above,
    strip_acc_pragmas,
    strip_comments,
)
from accellium.dataset.pragma import (
    LABEL_DIRECTIVES,
    STANDALONE_DIRECTIVES,
    PragmaSyntaxError,
    parse,
    split_top_level,
)

__all__ = ["RawPair", "FileResult", "extract_file", "file_lang", "has_acc", "body_is_empty",
           "raw_clauses", "guess_function", "brace_extent"]

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
    start_byte: int = 0  # the loop's byte range in the file (after the fallback, if any)
    end_byte: int = 0


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


@dataclass
class _Directive:
    start_line: int  # 0-based
    text: str
    directive: str
    kind: str  # what follows (see _next_code)
    row: int  # where that is
    form: str
    scope: tuple[int, int] | None = None  # byte range of the statement it applies to
    pair: RawPair | None = None


def extract_file(path: str, data: bytes, lang: str | None = None) -> FileResult:
    """All pairs of one file plus the outcome of every OpenACC directive in it. Never raises
    on bad input (binary data, broken UTF-8, unbalanced braces).

    ``enclosing`` of a pair lists the construct directives whose scope (the statement they
    apply to, found by the same downward rule) contains the loop, in source order: blocks,
    annotated loops and statements, and directives stacked above this one.
    """
    res = FileResult()
    if b"\0" in data:
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

    dirs: list[_Directive] = []
    done_until = -1
    for m in _ACC_ROWS.finditer(source):
        start = lines.row_of(m.start())
        if start <= done_until:  # a continuation line of the directive above
            continue
        end = _end_of_logical(lines, start)
        done_until = end
        # The directive's text as the loop finder reads it (continuations joined, comments
        # removed, whitespace collapsed).
        above = pragmas_above(lines, end + 1, 0)
        directive = _directive(above[-1].text) if above and above[-1].start_line == start \
            else None
        if directive is None:
            res.directives["unparsable"] += 1
            continue
        kind, row = _next_code(lines, end + 1)
        form = "_Pragma" if start in rw.own_line_rows else "#pragma"
        dirs.append(_Directive(start, above[-1].text, directive, kind, row, form))
    for row, col, text in rw.inline:
        directive = _directive(text)
        loop = by_row.get(row)
        if directive is None:
            res.directives["unparsable"] += 1
        elif loop is None or loop.start_col < col:
            res.directives["for_not_parsed"] += 1
        else:
            dirs.append(_Directive(row, text, directive, "for", row, "_Pragma"))

    for d in dirs:
        if d.directive in STANDALONE_DIRECTIVES:
            res.directives["standalone_above_loop" if d.kind == "for" else "standalone"] += 1
            continue
        if d.kind == "for":
            loop = by_row.get(d.row)
            if loop is None:
                # The grammar saw no loop here (a macro in front of it, ...): brace matcher.
                loop = _fallback_loop(source, lines, d.row, lang)
                if loop is None:
                    res.directives["for_not_parsed"] += 1
                    continue
                res.events["fallback_loop"] += 1
            d.pair = _pair(path, d, loop, lang, data, source, res.events)
            d.scope = (d.pair.start_byte, d.pair.end_byte)
            res.directives["paired"] += 1
            if d.form == "_Pragma":
                res.underscore_pragmas["paired"] += 1
        elif d.kind in {"block", "statement"}:
            res.directives[d.kind] += 1
            first = lines.starts[d.row] + (len(lines.line_bytes(d.row))
                                           - len(lines.line_bytes(d.row).lstrip()))
            end = statement_extent(source, first)
            d.scope = (first, end) if end is not None else None
        else:
            res.directives[{"acc": "stacked"}.get(d.kind, d.kind)] += 1
    # A stacked directive applies to what the directive below it applies to.
    by_line = {d.start_line: d for d in dirs if d.form == "#pragma" or d.kind != "for"}
    for d in reversed(dirs):
        if d.kind == "acc" and d.directive not in STANDALONE_DIRECTIVES:
            below = by_line.get(d.row)
            if below is not None and below.directive not in STANDALONE_DIRECTIVES:
                d.scope = below.scope
    scoped = sorted((d for d in dirs if d.scope is not None and d.directive in LABEL_DIRECTIVES),
                    key=lambda d: d.start_line)
    for d in dirs:
        if d.pair is None:
            continue
        start = d.pair.start_byte
        d.pair.enclosing = [
            e.text for e in scoped
            if e is not d and e.scope[0] <= start < e.scope[1]
            and (e.scope[0] < start or e.start_line < d.start_line)
        ]
        res.pairs.append(d.pair)
    res.pairs.sort(key=lambda p: p.line)
    return res


def _fallback_loop(source: bytes, lines: LineIndex, row: int, lang: str) -> Loop | None:
    raw = lines.line_bytes(row)
    col = len(raw) - len(raw.lstrip())
    start = lines.starts[row] + col
    end = brace_extent(source, start)
    if end is None:
        return None
    text = source[start:end].decode("utf-8", "replace")
    er = lines.row_of(end - 1)
    return Loop(start_byte=start, end_byte=end, start_line=row, start_col=col, end_line=er,
                end_col=end - lines.starts[er], start_col_utf16=col, end_col_utf16=0,
                kind="for_statement", depth=0, loop_depth=_brace_depth(source[start:end], lang),
                perfect_depth=1, text=text, indent="", index_var=None, function=None,
                pragma=None, has_error=True)


def _pair(path: str, d: _Directive, loop: Loop, lang: str, original: bytes, source: bytes,
          events: Counter[str]) -> RawPair:
    p = parse(d.text)
    end, depth = loop.end_byte, loop.loop_depth
    if loop.has_error:
        # Macros such as ``if CONSTEXPR (...)`` can make the grammar close a loop early; a
        # brace matcher then gives the extent (the data card's fallback).
        alt = brace_extent(source, loop.start_byte)
        if alt is not None and alt != end:
            end = alt
            depth = _brace_depth(source[loop.start_byte:end], lang)
            events["fallback_extent"] += 1
    text = original[loop.start_byte:end].decode("utf-8", "replace")
    rewritten = source[loop.start_byte:end].decode("utf-8", "replace")
    return RawPair(
        path=path,
        line=d.start_line + 1,
        pragma=d.text,
        directive=d.directive,
        directive_valid=d.directive in LABEL_DIRECTIVES,
        clauses=raw_clauses(d.text, p.clause_texts),
        loop=text,
        loop_stripped=strip_acc_pragmas(rewritten),
        loop_depth=depth,
        lang=lang,
        function=loop.function or guess_function(source, loop.start_byte),
        enclosing=[],
        pragma_form=d.form,
        empty_body=body_is_empty(rewritten),
        parse_error=loop.has_error,
        start_byte=loop.start_byte,
        end_byte=end,
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


def _body_end(tokens, braced: bool) -> int | None:  # noqa: ANN001 - an iterator of matches
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


def _brace_depth(snippet: bytes, lang: str) -> int:
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


# ----------------------------------------------------------------------------------------------
# Clauses as written, function names when the grammar fails
# ----------------------------------------------------------------------------------------------

_HEAD = re.compile(r"^\s*#\s*pragma\s+acc\s+(?:(?:parallel|kernels|serial)\s+loop\b|"
                   r"(?:enter|exit)\s+data\b|[A-Za-z_]\w*)", re.I)


def raw_clauses(pragma_text: str, parsed: list[str]) -> list[str]:
    """The clauses of a (comment-free, whitespace-collapsed) pragma as written: spaces inside
    the parentheses are kept (``reduction( +:s )``), ``name (args)`` becomes ``name(args)``.
    Falls back to ``parsed`` (the pragma model's rendering) when the two disagree."""
    m = _HEAD.match(pragma_text)
    if not m:
        return parsed
    rest = pragma_text[m.end():]
    pieces: list[str] = []
    for part in split_top_level(rest, ","):
        for word in split_top_level(part, " "):
            if not word:
                continue
            if word.startswith("(") and pieces:
                pieces[-1] += word
            else:
                pieces.append(word)
    return pieces if len(pieces) == len(parsed) else parsed


_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "return", "sizeof", "do", "else",
                       "defined", "__attribute__", "decltype", "alignas", "static_assert"})
_FUNC_HEAD = re.compile(
    r"([A-Za-z_~][\w:~]*)\s*\([^;{}]*\)\s*(?:const|noexcept|override|final|mutable|"
    r"->\s*[\w:<>*&\s]+|\s)*$")
_PP_LINE = re.compile(r"^[ \t]*#(?:[^\n\\]|\\.)*", re.M | re.S)


def guess_function(source: bytes, pos: int) -> str | None:
    """Name of the function around byte ``pos`` by a text heuristic (for code the grammar
    cannot parse): the nearest enclosing ``{`` preceded by ``name(...)`` that is not a
    keyword. Comments and preprocessor lines are ignored."""
    text = strip_comments(source[:pos].decode("utf-8", "replace"))
    text = _PP_LINE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch == "}":
            depth += 1
        elif ch == "{":
            if depth > 0:
                depth -= 1
                continue
            m = _FUNC_HEAD.search(text, max(0, i - 4000), i)
            if m and m.group(1).split("::")[-1] not in _KEYWORDS:
                return m.group(1)
    return None
