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
from accellium.dataset.mine.extent import brace_depth, brace_extent, statement_extent
from accellium.dataset.mine.follow import end_of_logical, next_code
from accellium.dataset.mine.underscore import Rewrite, rewrite_underscore_pragmas
from accellium.dataset.pragma import (
    LABEL_DIRECTIVES,
    STANDALONE_DIRECTIVES,
    PragmaSyntaxError,
    parse,
    split_top_level,
)

__all__ = ["RawPair", "FileResult", "extract_file", "has_acc", "body_is_empty",
           "raw_clauses", "guess_function", "brace_extent", "statement_extent"]

_HAS_ACC = re.compile(rb"#[ \t]*pragma[ \t]+acc\b|_Pragma\s*\(\s*\"\s*acc\b", re.I)
_ACC_ROWS = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+acc\b", re.I | re.M)


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
    kind: str  # what follows (see follow.next_code)
    row: int  # where that is
    form: str
    scope: tuple[int, int] | None = None  # byte range of the statement it applies to
    pair: RawPair | None = None


@dataclass
class _File:
    """One file being read: its buffers, its loops by row, the result being filled."""

    path: str
    data: bytes  # as on disk
    lang: str
    rw: Rewrite  # ``source``: own-line _Pragma operators rewritten to #pragma lines
    lines: LineIndex
    by_row: dict[int, Loop]
    res: FileResult


def extract_file(path: str, data: bytes, lang: str | None = None) -> FileResult:
    """All pairs of one file plus the outcome of every OpenACC directive in it. Never raises
    on bad input (binary data, broken UTF-8, unbalanced braces).

    ``enclosing`` of a pair lists the construct directives whose scope (the statement they
    apply to, found by the same downward rule) contains the loop, in source order: blocks,
    annotated loops and statements, and directives stacked above this one.
    """
    f = _open(path, data, lang)
    if isinstance(f, FileResult):
        return f
    dirs = _directives(f)
    for d in dirs:
        _resolve(f, d)
    _stack_scopes(dirs)
    _assign_enclosing(dirs)
    f.res.pairs.extend(d.pair for d in dirs if d.pair is not None)
    f.res.pairs.sort(key=lambda p: p.line)
    return f.res


def _open(path: str, data: bytes, lang: str | None) -> _File | FileResult:
    """The file to read, or the (empty) result when it is binary or has no OpenACC."""
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
    lang = lang or detect_lang(path, data)
    rw = rewrite_underscore_pragmas(data, res.underscore_pragmas)
    loops = find_loops(rw.source, lang)
    if any(lp.has_error for lp in loops):
        res.events["parse_errors"] += 1
    by_row: dict[int, Loop] = {}
    for lp in loops:
        by_row.setdefault(lp.start_line, lp)
    return _File(path, data, lang, rw, LineIndex(rw.source), by_row, res)


def _directives(f: _File) -> list[_Directive]:
    """Every ``#pragma acc`` line (continuations joined) and inline ``_Pragma`` operator, with
    what follows it."""
    source, lines, res = f.rw.source, f.lines, f.res
    dirs: list[_Directive] = []
    done_until = -1
    for m in _ACC_ROWS.finditer(source):
        start = lines.row_of(m.start())
        if start <= done_until:  # a continuation line of the directive above
            continue
        end = end_of_logical(lines, start)
        done_until = end
        # The directive's text as the loop finder reads it (continuations joined, comments
        # removed, whitespace collapsed).
        above = pragmas_above(lines, end + 1, 0)
        directive = _directive(above[-1].text) if above and above[-1].start_line == start \
            else None
        if directive is None:
            res.directives["unparsable"] += 1
            continue
        kind, row = next_code(lines, end + 1)
        form = "_Pragma" if start in f.rw.own_line_rows else "#pragma"
        dirs.append(_Directive(start, above[-1].text, directive, kind, row, form))
    for row, col, text in f.rw.inline:
        directive = _directive(text)
        loop = f.by_row.get(row)
        if directive is None:
            res.directives["unparsable"] += 1
        elif loop is None or loop.start_col < col:
            res.directives["for_not_parsed"] += 1
        else:
            dirs.append(_Directive(row, text, directive, "for", row, "_Pragma"))
    return dirs


def _resolve(f: _File, d: _Directive) -> None:
    """Pair a directive with its loop, or find the statement it applies to; count it."""
    res = f.res
    if d.directive in STANDALONE_DIRECTIVES:
        res.directives["standalone_above_loop" if d.kind == "for" else "standalone"] += 1
    elif d.kind == "for":
        loop = f.by_row.get(d.row)
        if loop is None:
            # The grammar saw no loop here (a macro in front of it, ...): brace matcher.
            loop = _fallback_loop(f.rw.source, f.lines, d.row, f.lang)
            if loop is None:
                res.directives["for_not_parsed"] += 1
                return
            res.events["fallback_loop"] += 1
        d.pair = _pair(f.path, d, loop, f.lang, f.data, f.rw.source, res.events)
        d.scope = (d.pair.start_byte, d.pair.end_byte)
        res.directives["paired"] += 1
        if d.form == "_Pragma":
            res.underscore_pragmas["paired"] += 1
    elif d.kind in {"block", "statement"}:
        res.directives[d.kind] += 1
        raw = f.lines.line_bytes(d.row)
        first = f.lines.starts[d.row] + (len(raw) - len(raw.lstrip()))
        end = statement_extent(f.rw.source, first)
        d.scope = (first, end) if end is not None else None
    else:
        res.directives[{"acc": "stacked"}.get(d.kind, d.kind)] += 1


def _stack_scopes(dirs: list[_Directive]) -> None:
    """A stacked directive applies to what the directive below it applies to."""
    by_line = {d.start_line: d for d in dirs if d.form == "#pragma" or d.kind != "for"}
    for d in reversed(dirs):
        if d.kind == "acc" and d.directive not in STANDALONE_DIRECTIVES:
            below = by_line.get(d.row)
            if below is not None and below.directive not in STANDALONE_DIRECTIVES:
                d.scope = below.scope


def _assign_enclosing(dirs: list[_Directive]) -> None:
    """Each pair's ``enclosing``: the construct directives whose scope contains its loop —
    including directives stacked above its own — in source order.

    Statement scopes are nested or disjoint, so one sweep over the loops in byte order with a
    stack of open scopes finds them (linear in the pairs and scopes, plus the output); a file
    whose scopes cross (a fallback extent that disagrees with the grammar) is checked pair
    against scope instead."""
    scoped = sorted((d for d in dirs if d.scope is not None and d.directive in LABEL_DIRECTIVES),
                    key=lambda d: d.start_line)
    pairs = [d for d in dirs if d.pair is not None]
    order = sorted(scoped, key=lambda e: (e.scope[0], -e.scope[1]))  # type: ignore[index]
    if not _laminar(order):
        for d in pairs:
            d.pair.enclosing = [e.text for e in scoped if _encloses(e, d)]  # type: ignore[union-attr]
        return
    rank = {id(e): k for k, e in enumerate(scoped)}
    stack: list[_Directive] = []
    k = 0
    for d in sorted(pairs, key=lambda d: d.pair.start_byte):  # type: ignore[union-attr]
        start = d.pair.start_byte  # type: ignore[union-attr]
        while k < len(order) and order[k].scope[0] <= start:  # type: ignore[index]
            while stack and stack[-1].scope[1] <= order[k].scope[0]:  # type: ignore[index]
                stack.pop()
            stack.append(order[k])
            k += 1
        while stack and stack[-1].scope[1] <= start:  # type: ignore[index]
            stack.pop()
        inside = [e for e in stack if _encloses(e, d)]
        inside.sort(key=lambda e: rank[id(e)])
        d.pair.enclosing = [e.text for e in inside]  # type: ignore[union-attr]


def _encloses(e: _Directive, d: _Directive) -> bool:
    start = d.pair.start_byte  # type: ignore[union-attr]
    lo, hi = e.scope  # type: ignore[misc]
    return e is not d and lo <= start < hi and (lo < start or e.start_line < d.start_line)


def _laminar(order: list[_Directive]) -> bool:
    """Scopes sorted by (start, -end) are nested or disjoint."""
    stack: list[tuple[int, int]] = []
    for e in order:
        lo, hi = e.scope  # type: ignore[misc]
        while stack and stack[-1][1] <= lo:
            stack.pop()
        if stack and hi > stack[-1][1]:
            return False
        stack.append((lo, hi))
    return True


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
                kind="for_statement", depth=0, loop_depth=brace_depth(source[start:end], lang),
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
            depth = brace_depth(source[loop.start_byte:end], lang)
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
