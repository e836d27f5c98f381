"""The one C/C++ loop finder (tree-sitter), used by the CLI, the server, the LSP and the miner.

``find_loops(source, lang)`` returns every ``for`` statement (and C++ range-for) of a buffer with
byte and line/column ranges (UTF-8 bytes and UTF-16 code units, as LSP needs), nest depth,
perfect-nest depth, the ``#pragma acc`` label directly above it and the ``enclosing`` OpenACC
directives (DESIGN §2).  It never raises on bad input: half-typed code, macros, CRLF, tabs,
invalid UTF-8 and very large buffers all give a best-effort answer.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePath

import tree_sitter_c
import tree_sitter_cpp
from accellium.dataset.pragma import STANDALONE_DIRECTIVES, is_acc_pragma, join_continuations, parse
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

__all__ = [
    "Loop",
    "PragmaLine",
    "LineIndex",
    "find_loops",
    "loops_in_tree",
    "parse_tree",
    "detect_lang",
    "strip_acc_pragmas",
    "strip_comments",
    "loop_at",
    "LANGS",
]

LANGS = ("c", "cpp")
LOOP_TYPES = ("for_statement", "for_range_loop")
_CPP_HINTS = re.compile(
    r"\b(class|namespace|template|typename|public:|private:|protected:|virtual|nullptr|"
    r"constexpr|std::|using\s+namespace|operator\s*[^\w\s])|::|#include\s*<(iostream|vector|"
    r"string|map|memory|algorithm|cmath|cstdio|cstdlib)>"
)


@cache
def _language(lang: str) -> Language:
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
    """``c`` or ``cpp`` by extension; ``.h`` (or unknown) decided by C++ keywords."""
    ext = PurePath(path).suffix.lower() if path else ""
    if ext == ".c":
        return "c"
    if ext in {".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".cu", ".cuh", ".ipp",
               ".tpp", ".inl"}:
        return "cpp"
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "cpp" if _CPP_HINTS.search(text[:200_000]) else "c"


_PRAGMA_LINES = re.compile(rb"^[ \t]*#[ \t]*pragma\b(?:[^\n]*\\\r?\n)*[^\n]*", re.MULTILINE)


def mask_pragmas(source: bytes) -> bytes:
    """``source`` with every ``#pragma`` line (and its continuations) blanked, byte offsets and
    line breaks kept.  A pragma between ``for (...)`` and its body would otherwise end the loop
    in the grammar's eyes; the pragmas themselves are found line by line."""
    if b"pragma" not in source:
        return source
    return _PRAGMA_LINES.sub(lambda m: re.sub(rb"[^\r\n]", b" ", m.group(0)), source)


def parse_tree(source: bytes, lang: str, old_tree: Tree | None = None) -> Tree:
    """Parse with the grammar of ``lang`` (incrementally when ``old_tree`` was edited).

    ``source`` is the buffer as is; the tree is built over :func:`mask_pragmas` of it.
    """
    parser = Parser(_language(normalize_lang(lang)))
    masked = mask_pragmas(source)
    return parser.parse(masked, old_tree) if old_tree is not None else parser.parse(masked)


class LineIndex:
    """Line starts of a byte buffer; converts byte columns to UTF-16 columns."""

    def __init__(self, source: bytes):
        self.source = source
        self.starts = [0] + [m.end() for m in re.finditer(rb"\n", source)]

    def __len__(self) -> int:
        return len(self.starts)

    def line_bytes(self, row: int) -> bytes:
        if row < 0 or row >= len(self.starts):
            return b""
        end = self.starts[row + 1] if row + 1 < len(self.starts) else len(self.source)
        return self.source[self.starts[row]:end].rstrip(b"\n").rstrip(b"\r")

    def line(self, row: int) -> str:
        return self.line_bytes(row).decode("utf-8", "replace")

    def row_of(self, byte: int) -> int:
        return bisect.bisect_right(self.starts, byte) - 1

    def utf16_col(self, row: int, byte_col: int) -> int:
        prefix = self.line_bytes(row)[:byte_col]
        if prefix.isascii():
            return len(prefix)
        return len(prefix.decode("utf-8", "replace").encode("utf-16-le")) // 2

    def byte_col(self, row: int, utf16_col: int) -> int:
        """Inverse of :meth:`utf16_col` (clamped to the line)."""
        raw = self.line_bytes(row)
        if raw.isascii():
            return min(utf16_col, len(raw))
        text = raw.decode("utf-8", "replace")
        units = 0
        for k, ch in enumerate(text):
            if units >= utf16_col:
                return len(text[:k].encode("utf-8"))
            units += 2 if ord(ch) > 0xFFFF else 1
        return len(raw)


@dataclass(frozen=True)
class PragmaLine:
    """An ``#pragma acc`` line (continuations joined) with its 0-based line range."""

    text: str
    start_line: int
    end_line: int  # inclusive

    @property
    def directive(self) -> str | None:
        try:
            return parse(self.text).directive
        except ValueError:
            return None


@dataclass
class Loop:
    """One ``for`` statement of a buffer. Lines and columns are 0-based; ``line`` is 1-based."""

    start_byte: int
    end_byte: int
    start_line: int
    start_col: int  # bytes
    end_line: int
    end_col: int  # bytes
    start_col_utf16: int
    end_col_utf16: int
    kind: str  # for_statement | for_range_loop
    depth: int  # number of enclosing for loops (0 = outermost)
    loop_depth: int  # max nesting of for loops inside, this one included (1 = no inner loop)
    perfect_depth: int  # loops in the perfect nest starting here (1 = not perfectly nested)
    text: str
    indent: str
    index_var: str | None
    function: str | None
    pragma: PragmaLine | None  # the label: the acc directive owning this loop, if any
    stacked: list[PragmaLine] = field(default_factory=list)  # acc directives above the label
    enclosing: list[str] = field(default_factory=list)  # outermost first (DESIGN §2)
    parent_index: int | None = None  # index in the result list of the innermost enclosing loop
    has_error: bool = False

    @property
    def line(self) -> int:
        return self.start_line + 1

    @property
    def end_line_1(self) -> int:
        return self.end_line + 1

    @property
    def stripped(self) -> str:
        return strip_acc_pragmas(self.text)

    def contains_line(self, line0: int) -> bool:
        first = self.pragma.start_line if self.pragma else self.start_line
        return first <= line0 <= self.end_line


# ----------------------------------------------------------------------------------------------
# Text helpers
# ----------------------------------------------------------------------------------------------


def strip_acc_pragmas(text: str) -> str:
    """Remove every ``#pragma acc`` line (with its backslash continuations)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if skipping or is_acc_pragma(line):
            skipping = line.rstrip("\r\n").rstrip().endswith("\\")
            continue
        out.append(line)
    return "".join(out)


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
# Pragmas above a statement (line-based, as the data card describes)
# ----------------------------------------------------------------------------------------------

_SKIP_PP = re.compile(r"^\s*#\s*(endif|else|elif|if|ifdef|ifndef)\b")
_PRAGMA_RE = re.compile(r"^\s*#\s*pragma\b")


def _logical_line_up(lines: LineIndex, row: int) -> tuple[int, str]:
    """The logical line ending at ``row`` (backslash continuations above joined)."""
    start = row
    while start > 0 and lines.line(start - 1).rstrip().endswith("\\"):
        start -= 1
    text = "\n".join(lines.line(r) for r in range(start, row + 1))
    return start, join_continuations(text)


def pragmas_above(lines: LineIndex, row: int, col_byte: int = 0) -> list[PragmaLine]:
    """The ``#pragma acc`` lines directly above the statement starting at (row, col).

    Blank lines, comments, ``#if``/``#else``/``#endif`` lines and non-OpenACC pragmas in between
    are skipped.  Returned top-down.  When code precedes the statement on its own line, there
    is nothing above it.
    """
    if lines.line_bytes(row)[:col_byte].strip():
        return []
    found: list[PragmaLine] = []
    r = row - 1
    in_block_comment = False
    while r >= 0:
        raw = lines.line(r)
        s = raw.strip()
        if in_block_comment:
            if "/*" in s:
                in_block_comment = False
                before = s[: s.index("/*")].strip()
                if before:
                    break
            r -= 1
            continue
        if not s or s.startswith("//"):
            r -= 1
            continue
        if s.endswith("*/") and "/*" not in s:
            in_block_comment = True
            r -= 1
            continue
        if s.startswith("/*") and s.endswith("*/"):
            r -= 1
            continue
        # A continuation line belongs to a logical line above it.
        start, logical = _logical_line_up(lines, r)
        ls = logical.strip()
        if is_acc_pragma(ls):
            found.append(PragmaLine(re.sub(r"\s+", " ", _strip_trailing_comment(ls)).strip(),
                                    start, r))
            r = start - 1
            continue
        if _SKIP_PP.match(ls) or _PRAGMA_RE.match(ls):
            r = start - 1
            continue
        break
    found.reverse()
    return found


def _strip_trailing_comment(line: str) -> str:
    line = re.sub(r"/\*.*?\*/", " ", line)
    return re.sub(r"//.*", "", line).strip()


def _split_label(prags: list[PragmaLine]) -> tuple[PragmaLine | None, list[PragmaLine]]:
    """(label, stacked above it). The label is the lowest directive when it owns statements;
    standalone directives are neither labels nor enclosing; scanning stops at them."""
    if not prags:
        return None, []
    # Only the run of constructs below the lowest standalone directive counts.
    run: list[PragmaLine] = []
    for p in reversed(prags):
        d = p.directive
        if d is None or d in STANDALONE_DIRECTIVES:
            break
        run.append(p)
    run.reverse()
    if not run:
        return None, []
    return run[-1], run[:-1]


# ----------------------------------------------------------------------------------------------
# Tree walking
# ----------------------------------------------------------------------------------------------


@cache
def _loop_query(lang_obj: Language) -> Query:
    types = [t for t in LOOP_TYPES if lang_obj.id_for_node_kind(t, True)]
    return Query(lang_obj, " ".join(f"({t}) @loop" for t in types))


def _iter_loops(root: Node, language: Language) -> Iterator[Node]:
    """All loop nodes in document order (a native tree-sitter query)."""
    caps = QueryCursor(_loop_query(language)).captures(root)
    yield from sorted(caps.get("loop", []), key=lambda n: n.start_byte)


def _body(loop: Node) -> Node | None:
    return loop.child_by_field_name("body")


def _inner_statements(body: Node | None) -> list[Node]:
    if body is None:
        return []
    if body.type == "compound_statement":
        return [c for c in body.named_children if c.type != "comment"]
    return [body]


def _perfect_depth(loop: Node) -> int:
    depth = 1
    node = loop
    while True:
        inner = _inner_statements(_body(node))
        if len(inner) == 1 and inner[0].type in LOOP_TYPES:
            depth += 1
            node = inner[0]
        else:
            return depth


def _index_var(loop: Node) -> str | None:
    if loop.type == "for_range_loop":
        decl = loop.child_by_field_name("declarator")
        return _first_identifier(decl)
    init = loop.child_by_field_name("initializer")
    if init is None:
        return None
    if init.type == "declaration":
        d = init.child_by_field_name("declarator")
        if d is not None and d.type == "init_declarator":
            d = d.child_by_field_name("declarator")
        return _first_identifier(d)
    if init.type == "assignment_expression":
        return _first_identifier(init.child_by_field_name("left"))
    if init.type == "comma_expression":
        return _first_identifier(init.child_by_field_name("left"))
    return None


def _first_identifier(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "identifier":
        return node.text.decode("utf-8", "replace")
    for c in node.named_children:
        r = _first_identifier(c)
        if r:
            return r
    return None


def _function_name(node: Node) -> str | None:
    p = node.parent
    while p is not None:
        if p.type == "function_definition":
            d = p.child_by_field_name("declarator")
            while d is not None and d.type not in {"function_declarator"}:
                nxt = d.child_by_field_name("declarator")
                if nxt is None:
                    break
                d = nxt
            if d is not None:
                name = d.child_by_field_name("declarator") or d
                txt = name.text.decode("utf-8", "replace") if name.text else None
                return txt
            return None
        p = p.parent
    return None


_BLOCK_PARENTS_WITHOUT_LABEL = {"function_definition", "for_statement", "for_range_loop",
                                "if_statement", "while_statement", "do_statement",
                                "else_clause", "switch_statement", "case_statement",
                                "lambda_expression", "try_statement", "catch_clause"}


def loops_in_tree(tree: Tree, source: bytes, lines: LineIndex | None = None) -> list[Loop]:
    """Build :class:`Loop` objects from a parsed tree (see :func:`find_loops`)."""
    lines = lines or LineIndex(source)
    out: list[Loop] = []
    node_index: dict[int, int] = {}
    pragma_cache: dict[tuple[int, int], tuple[PragmaLine | None, list[PragmaLine]]] = {}

    def labels(row: int, col: int) -> tuple[PragmaLine | None, list[PragmaLine]]:
        key = (row, col)
        if key not in pragma_cache:
            pragma_cache[key] = _split_label(pragmas_above(lines, row, col))
        return pragma_cache[key]

    for node in _iter_loops(tree.root_node, tree.language):
        sr, sc = node.start_point
        er, ec = node.end_point
        label, stacked = labels(sr, sc)
        # Enclosing: walk ancestors from the outermost down.
        ancestors: list[Node] = []
        p = node.parent
        parent_loop: Node | None = None
        depth = 0
        while p is not None:
            ancestors.append(p)
            if p.type in LOOP_TYPES:
                depth += 1
                if parent_loop is None:
                    parent_loop = p
            p = p.parent
        enclosing: list[str] = []
        for a in reversed(ancestors):
            if a.type in LOOP_TYPES:
                al, ast = labels(*a.start_point)
                enclosing.extend(x.text for x in ast)
                if al is not None:
                    enclosing.append(al.text)
            elif a.type == "compound_statement" and (
                a.parent is None or a.parent.type not in _BLOCK_PARENTS_WITHOUT_LABEL
            ):
                bl, bst = labels(*a.start_point)
                enclosing.extend(x.text for x in bst)
                if bl is not None:
                    enclosing.append(bl.text)
        enclosing.extend(x.text for x in stacked)
        text = source[node.start_byte:node.end_byte].decode("utf-8", "replace")
        first_line = lines.line(sr)
        indent = re.match(r"[ \t]*", first_line).group(0)
        loop = Loop(
            start_byte=node.start_byte,
            end_byte=node.end_byte,
            start_line=sr,
            start_col=sc,
            end_line=er,
            end_col=ec,
            start_col_utf16=lines.utf16_col(sr, sc),
            end_col_utf16=lines.utf16_col(er, ec),
            kind=node.type,
            depth=depth,
            loop_depth=1,
            perfect_depth=_perfect_depth(node),
            text=text,
            indent=indent,
            index_var=_index_var(node),
            function=_function_name(node),
            pragma=label,
            stacked=stacked,
            enclosing=enclosing,
            parent_index=node_index.get(parent_loop.id) if parent_loop is not None else None,
            has_error=node.has_error,
        )
        node_index[node.id] = len(out)
        out.append(loop)
    # Nest depth bottom-up: children come after their parent in document order.
    for lp in reversed(out):
        if lp.parent_index is not None:
            parent = out[lp.parent_index]
            parent.loop_depth = max(parent.loop_depth, lp.loop_depth + 1)
    return out


def find_loops(source: str | bytes, lang: str = "c") -> list[Loop]:
    """Every ``for`` loop of a buffer, in document order. Never raises on bad code."""
    if isinstance(source, str):
        source = source.encode("utf-8", "surrogateescape")
    tree = parse_tree(source, lang)
    return loops_in_tree(tree, source)


def loop_at(loops: list[Loop], line0: int) -> list[Loop]:
    """Loops containing 0-based ``line0`` (pragma lines included), innermost first."""
    hits = [lp for lp in loops if lp.contains_line(line0)]
    return sorted(hits, key=lambda lp: -lp.depth)
