"""The ``#pragma`` lines above a statement, and which of them is a loop's own label.

Line-based, as the data card describes: blank lines, comments, ``#if``/``#else``/``#endif``
lines and non-OpenACC pragmas between a directive and its statement are skipped.  Each scan
stops at the first line of code above, so scanning above every loop of a file visits each line
a bounded number of times.  Two directives in different branches of one ``#if`` group
(``#if A`` / ``#pragma acc kernels loop`` / ``#else`` / ``#pragma acc parallel loop`` /
``#endif``) are alternatives, never both in force: the one nearest the statement is its
pragma, and the other is neither its label nor stacked above it (:func:`in_other_branch`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from accellium.dataset.lines import LineIndex
from accellium.dataset.pragma import (
    COMPUTE_DIRECTIVES,
    LOOP_DIRECTIVES,
    STANDALONE_DIRECTIVES,
    is_acc_pragma,
    join_continuations,
    parse,
)
from accellium.dataset.pragma_text import open_comment_after

__all__ = ["PragmaLine", "LOOP_LABEL_DIRECTIVES", "is_loop_label", "pragmas_above",
           "in_other_branch",
           "split_label", "foreign_pragma_above", "openmp_construct_above",
           "strip_acc_pragmas"]

#: Directives that can be a loop's own pragma.  The loop constructs (``loop``, ``parallel
#: loop``, ...) apply to the ``for`` below them; the compute constructs (``parallel``,
#: ``kernels``, ``serial``) take that loop as their structured block and decide how it runs.
#: ``data`` and ``host_data`` also own the statement below them, but only as a region: they
#: move data and say nothing about the loop, so for the loop they are *enclosing* directives,
#: and replacing "the loop's pragma" must never delete them.  Standalone directives (``update``,
#: ``wait``, ``enter data``, ...) own nothing.
LOOP_LABEL_DIRECTIVES = LOOP_DIRECTIVES | COMPUTE_DIRECTIVES


def is_loop_label(directive: str | None) -> bool:
    """True when an OpenACC directive (its name, e.g. ``"parallel loop"``) can be the label of
    the ``for`` loop right below it (see :data:`LOOP_LABEL_DIRECTIVES`)."""
    return directive in LOOP_LABEL_DIRECTIVES


@dataclass(frozen=True)
class PragmaLine:
    """An ``#pragma acc`` line (continuations joined) with its 0-based line range."""

    text: str
    start_line: int
    end_line: int  # inclusive

    @cached_property
    def directive(self) -> str | None:
        return _directive_of(self.text)


@lru_cache(maxsize=4096)
def _directive_of(text: str) -> str | None:
    try:
        return parse(text).directive
    except ValueError:
        return None


_SKIP_PP = re.compile(r"^\s*#\s*(endif|else|elif|if|ifdef|ifndef|elifdef|elifndef)\b")
_PRAGMA_RE = re.compile(r"^\s*#\s*pragma\b")
#: block comments at the start of a line: white space before a directive's ``#`` (C11
#: 5.1.1.2 phase 3, 6.10p2)
_LEADING_COMMENTS = re.compile(r"^\s*(?:/\*.*?\*/\s*)+")
_PRAGMA_OPERATOR = re.compile(r"^\s*(?:_Pragma|__pragma)\s*\(")
#: The static-control-part markers of polyhedral source-to-source tools (``#pragma scop`` /
#: ``#pragma endscop``: pet, Clan, PPCG, Pluto; suites of polyhedral kernels write them around
#: every kernel).
#: No C compiler recognises them, and a pragma the implementation does not recognise is
#: ignored (C11 6.10.6p1; gcc warns ``ignoring '#pragma scop'``), so unlike ``omp`` or
#: ``GCC ivdep`` they bind to no statement and an OpenACC directive may stand beside them.
_MARKER_PRAGMA = re.compile(r"^\s*#\s*pragma\s+(?:scop|endscop)\s*(?:$|//|/\*)")


_OPENS = frozenset({"if", "ifdef", "ifndef"})
_SWITCHES = frozenset({"else", "elif", "elifdef", "elifndef"})


def in_other_branch(lines: LineIndex, upper: int, lower: int) -> bool:
    """True when 0-based line ``upper`` and line ``lower`` (below it) lie in different
    branches of one ``#if`` group: between them, a group that holds ``upper`` turns to its
    next branch (``#else``/``#elif``) and is still open at ``lower``.  A group that closes
    (``#endif``) before ``lower`` holds only ``upper``: whichever branch is compiled, what
    follows the group is the same.  Groups opened and closed between the two lines are
    skipped whole."""
    opened = 0  # groups opened after `upper` and still open
    closed = 0  # groups holding `upper` that closed before `lower`
    switched: set[int] = set()  # of the open groups holding `upper`, those that changed branch
    r = upper + 1
    while r < lower:
        line = lines.line(r)
        m = _SKIP_PP.match(line)  # the conditional directives, by keyword
        if m is not None:
            word = m.group(1)
            if word in _OPENS:
                opened += 1
            elif word == "endif":
                if opened:
                    opened -= 1
                else:
                    switched.discard(closed)
                    closed += 1
            elif word in _SWITCHES and not opened:
                switched.add(closed)
        while line.rstrip().endswith("\\") and r + 1 < lower:  # a continued directive
            r += 1
            line = lines.line(r)
        r += 1
    return bool(switched)


def _logical_line_up(lines: LineIndex, row: int) -> tuple[int, str]:
    """The logical line ending at ``row`` (backslash continuations above joined)."""
    start = row
    while start > 0 and lines.line(start - 1).rstrip().endswith("\\"):
        start -= 1
    text = "\n".join(lines.line(r) for r in range(start, row + 1))
    return start, join_continuations(text)


def _strip_trailing_comment(line: str) -> str:
    line = re.sub(r"/\*.*?\*/", " ", line)
    return re.sub(r"//.*", "", line).strip()


def _directives_above(lines: LineIndex, row: int):
    """Yield (first row, last row, logical text) of each preprocessor line directly above
    ``row``, bottom-up, skipping blank lines and comments; stops at the first code line."""
    r = row - 1
    in_block_comment = False
    comment_end = r  # the row where the block comment being crossed ends
    closed = 0  # `#if` groups that end between the row reached and the statement
    while r >= 0:
        s = lines.line(r).strip()
        if in_block_comment:
            if "/*" in s:
                in_block_comment = False
                before = s[: s.rindex("/*")]
                if before.strip():
                    # a directive whose comment runs down to ``comment_end`` is one line
                    # (phase 3 makes the comment a space; :func:`directive_rows`)
                    start, logical = _logical_line_up(lines, r)
                    head = _LEADING_COMMENTS.sub("", logical[: logical.rindex("/*")]).strip()
                    if not head.startswith("#"):
                        return
                    yield start, comment_end, head
                    r = start - 1
                    continue
            r -= 1
            continue
        if (not s or s.startswith("//")) and \
                not (r > 0 and lines.line(r - 1).rstrip().endswith("\\")):
            r -= 1
            continue
        if s.endswith("*/") and "/*" not in s:
            in_block_comment, comment_end = True, r
            r -= 1
            continue
        if s.startswith("/*") and s.endswith("*/") and not _LEADING_COMMENTS.sub("", s):
            r -= 1
            continue
        # A continuation line belongs to a logical line above it.
        start, logical = _logical_line_up(lines, r)
        ls = _LEADING_COMMENTS.sub("", logical.strip())  # comments before `#` are space
        if not ls.startswith("#") and not _PRAGMA_OPERATOR.match(ls):
            return
        yield start, r, ls
        r = start - 1
        m = _SKIP_PP.match(ls)
        word = m.group(1) if m is not None else None
        if word == "endif":
            closed += 1  # a group between the lines crossed and the statement
        elif word in _OPENS and closed:
            closed -= 1
        elif word in _SWITCHES and not closed:
            # the statement is in this branch of a group: the lines up to the group's `#if`
            # are another branch, never compiled with it (C11 6.10.1p6), and what stands
            # above the group stands above the statement too
            r = _group_opening(lines, r)


def _group_opening(lines: LineIndex, r: int) -> int:
    """The row of the ``#if`` that opens the group whose ``#else``/``#elif`` is just below
    row ``r`` (groups nested in between skipped whole); -1 when there is none."""
    depth = 0
    while r >= 0:
        m = _SKIP_PP.match(lines.line(r))
        if m is not None:
            if m.group(1) == "endif":
                depth += 1
            elif m.group(1) in _OPENS:
                if depth == 0:
                    return r
                depth -= 1
        r -= 1
    return -1


def pragmas_above(lines: LineIndex, row: int, col_byte: int = 0) -> list[PragmaLine]:
    """The ``#pragma acc`` lines directly above the statement starting at (row, col).

    Blank lines, comments, ``#if``/``#else``/``#endif`` lines and non-OpenACC pragmas in between
    are skipped; an OpenACC line in another branch of an ``#if`` group than the line kept
    below it (or than the statement) is an alternative and is left out.  Returned top-down.  When code precedes the statement on its own line, there
    is nothing above it.
    """
    if not lines.starts_line(row, col_byte):
        return []
    found: list[PragmaLine] = []
    for start, end, ls in _directives_above(lines, row):
        if is_acc_pragma(ls):
            # an alternative of the directive below it (or, with none, of the statement)
            if not in_other_branch(lines, end, found[-1].start_line if found else row):
                text = re.sub(r"\s+", " ", _strip_trailing_comment(ls)).strip()
                found.append(PragmaLine(text, start, end))
        elif not (_SKIP_PP.match(ls) or _PRAGMA_RE.match(ls)):
            break
    found.reverse()
    return found


def foreign_pragma_above(lines: LineIndex, row: int) -> str | None:
    """The first non-OpenACC pragma (``#pragma omp ...``, ``#pragma GCC ivdep``, a
    ``_Pragma(...)`` operator) directly above line ``row`` -- only blank lines, comments,
    ``#if``-family lines and the markers no compiler reads (:data:`_MARKER_PRAGMA`) in
    between -- or None.  Stops at code or at an OpenACC pragma."""
    for _start, _end, ls in _directives_above(lines, row):
        if is_acc_pragma(ls):
            return None
        if _MARKER_PRAGMA.match(ls):
            continue
        if _PRAGMA_RE.match(ls) or _PRAGMA_OPERATOR.match(ls):
            return re.sub(r"\s+", " ", _strip_trailing_comment(ls))
        if not _SKIP_PP.match(ls):
            return None
    return None


#: OpenMP directives that stand alone (no statement follows them as their block)
_OMP_STANDALONE = re.compile(
    r"^\s*#\s*pragma\s+omp\s+(?:barrier|flush|taskwait|taskyield|threadprivate|declare|"
    r"end\s+declare|cancel|cancellation|depobj|scan|requires|assume|allocate|error|interop|"
    r"begin|end|nothing|target\s+(?:enter|exit|update))\b")
_OMP_RE = re.compile(r"^\s*#\s*pragma\s+omp\b")


def openmp_construct_above(lines: LineIndex, row: int) -> str | None:
    """The ``#pragma omp`` construct (not a standalone directive) among the pragmas directly
    above line ``row`` -- only blank lines, comments, ``#if``-family lines and other pragmas
    in between -- or None: the statement starting on ``row`` is that construct's block."""
    for _start, _end, ls in _directives_above(lines, row):
        if _OMP_RE.match(ls):
            if not _OMP_STANDALONE.match(ls):
                return re.sub(r"\s+", " ", _strip_trailing_comment(ls)).strip()
        elif not (_SKIP_PP.match(ls) or _PRAGMA_RE.match(ls) or _PRAGMA_OPERATOR.match(ls)):
            return None
    return None


def split_label(prags: list[PragmaLine]) -> tuple[PragmaLine | None, list[PragmaLine]]:
    """(label, stacked above it) of the OpenACC lines above a loop (top-down).

    Only the run of constructs below the lowest standalone directive (or unparsable line)
    counts.  Its lowest directive is the loop's label when it can apply to a loop
    (:func:`is_loop_label`); everything else of the run (a ``data`` region, say) is stacked:
    it encloses the loop."""
    run: list[PragmaLine] = []
    for p in reversed(prags):
        d = p.directive
        if d is None or d in STANDALONE_DIRECTIVES:
            break
        run.append(p)
    run.reverse()
    if run and is_loop_label(run[-1].directive):
        return run[-1], run[:-1]
    return None, run


_STR_LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


def strip_acc_pragmas(text: str) -> str:
    """Remove every ``#pragma acc`` line (with its backslash continuations)."""
    out: list[str] = []
    skipping = inside = False
    for m in _STR_LINES.finditer(text):
        line = m.group(0)
        if skipping or is_acc_pragma(line):  # with its continuations (:func:`directive_rows`)
            body = line.rstrip("\r\n")
            inside = open_comment_after(body, inside)
            skipping = inside or body.rstrip().endswith("\\")
            continue
        out.append(line)
    return "".join(out)
