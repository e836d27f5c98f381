"""The one C/C++ loop finder (tree-sitter), used by the CLI, the server, the LSP and the miner.

``find_loops(source, lang)`` returns every ``for`` statement (and C++ range-for) of a buffer with
byte and line/column ranges (UTF-8 bytes and UTF-16 code units, as LSP needs), nest depth,
perfect-nest depth, the ``#pragma acc`` label directly above it and the ``enclosing`` OpenACC
directives (DESIGN §2).  It never raises on bad input: half-typed code, macros, CRLF, CR-only
line ends, tabs, invalid UTF-8 and very large buffers all give a best-effort answer.

Time and memory are linear in the size of the buffer, whatever the nesting: the tree is walked
once with a cursor along the paths from the root to the loops (no recursion, no ``node.parent``
per loop, which tree-sitter answers by walking down from the root), and the two per-loop values
that grow with the nest -- the loop's text and its ``enclosing`` list -- are built when read.
Lines follow :mod:`dataset.lines` (``\\n``, ``\\r\\n`` and a lone ``\\r`` end a line).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import PurePath

import tree_sitter_c
import tree_sitter_cpp
from tree_sitter import Language, Parser, Point, Query, QueryCursor, Range, Tree

from accellium.dataset.labels import (
    LOOP_LABEL_DIRECTIVES,
    PragmaLine,
    foreign_pragma_above,
    is_loop_label,
    pragmas_above,
    split_label,
    strip_acc_pragmas,
)
from accellium.dataset.lines import LINE_BREAK, LineIndex, grammar_view, line_starts
from accellium.dataset.loop_walk import LOOP_TYPES, Loop, walk_loops
from accellium.dataset.pragma import PragmaError, is_acc_pragma, parse

__all__ = [
    "Loop",
    "PragmaLine",
    "LineIndex",
    "LINE_BREAK",
    "LOOP_TYPES",
    "LOOP_LABEL_DIRECTIVES",
    "find_loops",
    "loops_in_tree",
    "parse_tree",
    "parse_below",
    "mask_pragmas",
    "grammar_view",
    "line_starts",
    "detect_lang",
    "normalize_lang",
    "tree_sitter_language",
    "strip_acc_pragmas",
    "strip_comments",
    "loop_at",
    "pragmas_above",
    "split_label",
    "is_loop_label",
    "insertion_problem",
    "LANGS",
]

LANGS = ("c", "cpp")
_CPP_HINTS = re.compile(
    r"\b(class|namespace|template|typename|public:|private:|protected:|virtual|nullptr|"
    r"constexpr|std::|using\s+namespace|operator\s*[^\w\s])|::|#include\s*<(iostream|vector|"
    r"string|map|memory|algorithm|cmath|cstdio|cstdlib)>"
)


@cache
def tree_sitter_language(lang: str) -> Language:
    """The tree-sitter grammar of a normalised language (``c``; anything else: C++)."""
    if lang == "c":
        return Language(tree_sitter_c.language())
    return Language(tree_sitter_cpp.language())


def normalize_lang(lang: str | None) -> str:
    """Map an LSP languageId / file type to ``c`` or ``cpp``."""
    lang = (lang or "c").lower()
    if lang in {"c", "h"}:
        return "c"
    if lang in {"cpp", "c++", "cxx", "cc", "cuda", "objcpp", "hpp"}:
        return "cpp"
    raise ValueError(f"unsupported language '{lang}' (expected c or cpp)")


def detect_lang(path: str | None, text: str | bytes = "") -> str:
    """``c`` or ``cpp`` by extension; ``.h`` (or unknown) decided by C++ keywords.  Upper-case
    ``.C`` and ``.H`` are C++ (gcc and clang compile ``x.C`` as C++), only they are case
    sensitive."""
    suffix = PurePath(path).suffix if path else ""
    if suffix in {".C", ".H"}:
        return "cpp"
    ext = suffix.lower()
    if ext == ".c":
        return "c"
    if ext in {".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".cu", ".cuh", ".ipp",
               ".tpp", ".inl"}:
        return "cpp"
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "cpp" if _CPP_HINTS.search(text[:200_000]) else "c"


# A pragma line (at a line start in the one line model) with its backslash continuations.
_PRAGMA_LINES = re.compile(
    rb"(?<![^\r\n])[ \t]*#[ \t]*pragma\b(?:[^\r\n]*\\(?:\r\n?|\n))*[^\r\n]*")
_NOT_BREAK = re.compile(rb"[^\r\n]")


def mask_pragmas(source: bytes) -> bytes:
    """``source`` with every ``#pragma`` line (and its continuations) blanked, byte offsets and
    line breaks kept.  A pragma between ``for (...)`` and its body would otherwise end the loop
    in the grammar's eyes; the pragmas themselves are found line by line."""
    if b"pragma" not in source:
        return source
    return _PRAGMA_LINES.sub(lambda m: _NOT_BREAK.sub(b" ", m.group(0)), source)


def parse_tree(source: bytes, lang: str, old_tree: Tree | None = None) -> Tree:
    """Parse with the grammar of ``lang`` (incrementally when ``old_tree`` was edited).

    ``source`` is the buffer as is; the tree is built over :func:`grammar_view` of
    :func:`mask_pragmas` of it (same length and offsets, tree rows = :class:`LineIndex` rows).
    """
    parser = Parser(tree_sitter_language(normalize_lang(lang)))
    view = grammar_view(mask_pragmas(source))
    tree = parser.parse(view, old_tree) if old_tree is not None else parser.parse(view)
    from accellium.dataset.analysis.tree import remember_root  # (analysis imports this module)

    remember_root(tree.root_node)
    return tree


def parse_below(source: bytes, lang: str, rows: int) -> Tree:
    """:func:`parse_tree` of ``rows`` empty lines followed by ``source``: the tree's rows and
    offsets are those of the text at its line of a file, but the empty lines are skipped, not
    lexed (the parser reads only the range of ``source``), so a fragment deep in a large file
    parses in time of its own length."""
    view = grammar_view(mask_pragmas(source))
    if rows <= 0:
        return Parser(tree_sitter_language(normalize_lang(lang))).parse(view)
    last = view.rfind(b"\n")
    end = Point(rows + view.count(b"\n"), len(view) - last - 1)
    parser = Parser(tree_sitter_language(normalize_lang(lang)),
                    included_ranges=[Range(Point(rows, 0), end, rows, rows + len(view))])
    return parser.parse(b"\n" * rows + view)


# ----------------------------------------------------------------------------------------------
# Text helpers
# ----------------------------------------------------------------------------------------------

_COMMENT_RE = re.compile(
    r"//(?:[^\n\\]|\\.)*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", re.DOTALL
)


def strip_comments(text: str) -> str:
    """Replace every comment by spaces (line breaks kept); strings are left alone."""

    def repl(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.startswith(("//", "/*")):
            return re.sub(r"[^\n]", " ", s)
        return s

    return _COMMENT_RE.sub(repl, text)


# ----------------------------------------------------------------------------------------------
# Loops
# ----------------------------------------------------------------------------------------------


@cache
def _loop_query(lang_obj: Language) -> Query:
    types = [t for t in LOOP_TYPES if lang_obj.id_for_node_kind(t, True)]
    return Query(lang_obj, " ".join(f"({t}) @loop" for t in types))


def loops_in_tree(tree: Tree, source: bytes, lines: LineIndex | None = None, *,
                  stats: dict[str, int] | None = None) -> list[Loop]:
    """Build :class:`Loop` objects from a parsed tree (see :func:`find_loops`).

    ``tree`` may be a stand-in whose ``root_node`` is any node of a real tree (the language
    server walks one nest at a time): the loops under it are returned, with the context
    (depth, enclosing directives, function) of the whole tree.  ``stats``, when given, counts
    the tree nodes visited (``nodes``) and the loops found (``loops``).
    """
    lines = lines or LineIndex(source)
    root = tree.root_node
    caps = QueryCursor(_loop_query(tree.language)).captures(root).get("loop", [])
    targets = sorted(caps, key=lambda n: n.start_byte)
    return walk_loops(root, targets, source, lines, stats)


def _encode(source: str) -> bytes:
    try:
        return source.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that no bytes decoded to
        return source.encode("utf-8", "surrogatepass")


def find_loops(source: str | bytes, lang: str = "c") -> list[Loop]:
    """Every ``for`` loop of a buffer, in document order. Never raises on bad code."""
    if isinstance(source, str):
        source = _encode(source)
    tree = parse_tree(source, lang)
    return loops_in_tree(tree, source)


def loop_at(loops: list[Loop], line0: int) -> list[Loop]:
    """Loops containing 0-based ``line0`` (pragma lines included), innermost first."""
    hits = [lp for lp in loops if lp.contains_line(line0)]
    return sorted(hits, key=lambda lp: -lp.depth)


# ----------------------------------------------------------------------------------------------
# Where a pragma line can go (shared by `accellium suggest --apply` and the language server)
# ----------------------------------------------------------------------------------------------

#: Parents under which a ``for`` is a statement of its own, so that a pragma line placed right
#: above it applies to it: a block, the body of another statement (``if (c)`` / ``else`` /
#: ``for (...)`` / ``while`` / ``do`` on the line above: an OpenACC construct is a statement,
#: so it may be that body), a label or ``case`` on the line above, a conditional-compilation
#: group, the file itself.  Elsewhere (a macro argument, an attribute, an ``ERROR`` node of code
#: that does not parse) a line in between would not apply to the loop.
STATEMENT_PARENTS = frozenset({
    "compound_statement", "translation_unit", "for_statement", "for_range_loop",
    "while_statement", "do_statement", "if_statement", "else_clause", "labeled_statement",
    "case_statement", "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif",
    "preproc_elifdef", "declaration_list",
})


def insertion_problem(lines: LineIndex, lp: Loop) -> str | None:
    """Why no ``#pragma acc`` line can be placed for ``lp`` -- None when it can.

    With a label (``lp.pragma``) the edit replaces the label's lines in place, which is always
    possible.  Otherwise a new line goes right above the loop's first line, which is right only
    when the ``for`` starts its statement on its own line: nothing but blanks before it, the
    line above not continued into it by a backslash, the loop a statement of its own
    (:data:`STATEMENT_PARENTS`), and no other pragma directly above it -- GCC rejects an
    OpenACC loop directive followed by another pragma (``for statement expected``), and a
    ``#pragma omp for`` / ``GCC ivdep`` / ``unroll`` above an OpenACC one likewise, so the new
    line can go neither below nor above such a pragma.
    """
    if lp.pragma is not None:
        return None
    row = lp.start_line
    if not lines.starts_line(row, lp.start_col):
        return ("code precedes the `for` on its line (e.g. `if (c) for`, `{ for`, `L: for`): "
                "a pragma line above it would apply to that code; put the loop on a line of "
                "its own")
    if row > 0 and lines.line_bytes(row - 1).rstrip(b" \t").endswith(b"\\"):
        return ("the line above ends with a backslash, so the `for` line continues it "
                "(a macro?): no pragma line can go in between")
    if lp.parent_type is not None and lp.parent_type not in STATEMENT_PARENTS:
        return (f"the loop is not a statement of its own here (inside `{lp.parent_type}`: a "
                "macro argument, an attribute, or code that does not parse)")
    other = foreign_pragma_above(lines, row)
    if other is not None:
        short = other if len(other) <= 60 else other[:57] + "..."
        return (f"`{short}` is directly above the loop: an OpenACC loop directive must be "
                "followed by the loop itself and that pragma binds to the loop too, so they "
                "cannot be stacked (combine them by hand, e.g. #ifdef _OPENACC / #else)")
    return None


def nest_problem(lines: LineIndex, lp: Loop, ancestors: list[Loop]) -> str | None:
    """Why a pragma for ``lp`` would not fit the OpenACC lines of its nest (None: it would):
    a loop label inside it (a compute construct may hold no other, OpenACC 3.3, 2.5, and a
    ``collapse`` covers only loops no directive stands between, 2.9.1 — gcc: "not enough
    perfectly nested loops"; the suggestion is made for the loop alone and merges with
    neither), or an ``ancestors``' label whose ``collapse(k)`` already binds ``lp`` as one of
    its k loops.  The CLI's writer leaves every loop of a labelled nest alone; an editor's
    quick fix may still annotate a loop inside a labelled one (``loop vector`` under
    ``parallel loop gang``)."""
    for r in range(lp.start_line + 1, lp.end_line + 1):
        line = lines.line(r)
        if is_acc_pragma(line) and is_loop_label(PragmaLine(line.strip(), r, r).directive):
            return (f"a loop inside it already carries `{line.strip()}` (line {r + 1}): a "
                    "pragma here would hold a compute construct or collapse over a labelled "
                    "loop, which OpenACC does not allow")
    for a in ancestors:
        if a.pragma is None:
            continue
        try:
            p = parse(a.pragma.text)
        except PragmaError:
            continue
        k = next((int(args) for c in p.clauses
                  if c.name == "collapse" and (args := (c.args or "").strip()).isdigit()), 1)
        if lp.depth - a.depth < k:
            return (f"the `collapse({k})` of the loop at line {a.line} already binds this "
                    "loop: no directive may stand between collapsed loops (OpenACC 3.3, "
                    "2.9.1)")
    return None
