"""The text the compiler reads: a file's conditional groups decided where the macros known
decide them (C11 6.10.1).

Of an ``#if``/``#ifdef``/``#ifndef`` ... ``#elif`` ... ``#else`` ... ``#endif`` chain the
preprocessor keeps one group (or none) and drops the others before the code is parsed
(translation phase 4), so a loop in a dropped group is not compiled and one in the kept group
is an ordinary statement of the block around the chain, whatever lines the directives take.
:func:`compiled_view` gives the file with every row of a decided chain that the compiler does
not read turned into spaces — the directive lines of the chain, and the groups it drops — so
that the rows, the byte offsets and the line breaks are those of the file (an edit made for
the view is an edit of the file).  A chain is decided when its conditions are, with what is
known where it stands: the command line's ``-D``/``-U`` (and whether the command line is known
whole), the definitions of the file read before it and those of its headers
(:mod:`accellium.dataset.includes`).  A chain that is not decided (a name the build may define
without our knowing), and every chain inside one of its groups, is left as it is.

A kept group of whole statements inside a function (its braces balanced, no directive or
pragma of its own, code in it) becomes a block in the view — ``{`` on the row of its first
directive, ``}`` on the ``#endif`` row — when the view then reads it as a block with no
declaration (a declaration there would be scoped to the block): a region holds the group whole
or stays inside it, so the edited file still builds with other macros.  Any other kept group
is read with its directives blanked.

The directives are found line by line, as the preprocessor finds them (a ``#`` first on a line
outside a comment; ``\\`` continues a line), not in the syntax tree: a group that holds half a
statement (``#ifdef T`` above ``for (...) {`` and another around its ``}``) leaves the tree of
the whole function in error, while the view parses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from accellium.dataset.analysis.conditions import Defines, Group, decide
from accellium.dataset.analysis.macros import Macro, definition
from accellium.dataset.analysis.tree import iter_nodes

__all__ = ["Compiled", "compiled_view"]

_DIRECTIVE = re.compile(rb"^\s*#\s*([A-Za-z_]+)\b(.*)$", re.S)
_NEWLINE = re.compile(rb"\n")


@dataclass(frozen=True)
class Compiled:
    """The view and the 1-based line ranges of the groups it drops (for the plan's notes)."""

    text: bytes
    dropped: tuple[tuple[int, int], ...] = ()  # 1-based, inclusive
    blanked: tuple[int, ...] = ()  # 0-based rows the view turns into spaces

    @property
    def changed(self) -> bool:
        return bool(self.blanked)


@dataclass
class _Chain:
    live: bool  # the chain's context is certainly compiled
    decided: bool  # every condition read so far is decided (only meaningful when ``live``)
    taken: bool = False  # a group was kept
    keeping: bool = False  # the current group is kept
    start: int = 0  # the row of the group's directive
    rows: list[int] = field(default_factory=list)  # directive rows of the chain
    dropped: list[tuple[int, int]] = field(default_factory=list)  # rows of dropped groups
    depth: int = 0  # the brace depth where the chain starts
    kept: tuple[int, int, int] | None = None  # the kept group's depth at start, end, least
    code: bool = False  # the kept group holds code


def _logical_lines(source: bytes) -> list[tuple[int, int, bytes]]:
    """(first row, last row, text) of each line after ``\\`` splicing, with comments outside
    string literals replaced by a space (a comment spanning rows counts on its first)."""
    rows = source.split(b"\n")
    out: list[tuple[int, int, bytes]] = []
    in_comment = False
    r = 0
    while r < len(rows):
        first = r
        buf = bytearray()
        while True:
            line = rows[r].rstrip(b"\r")
            if line.endswith(b"\\") and r + 1 < len(rows):
                buf += line[:-1]
                r += 1
                continue
            buf += line
            break
        text, in_comment = _strip_comments(bytes(buf), in_comment)
        out.append((first, r, text))
        r += 1
    return out


def _strip_comments(line: bytes, in_comment: bool) -> tuple[bytes, bool]:
    if not in_comment and b"/" not in line:
        return line, False  # no comment starts here, and a literal ends with its line
    out = bytearray()
    k, quote = 0, 0
    while k < len(line):
        c = line[k]
        if in_comment:
            if line.startswith(b"*/", k):
                in_comment = False
                out += b" "
                k += 2
            else:
                k += 1
            continue
        if quote:
            out.append(c)
            if c == 0x5C and k + 1 < len(line):
                out.append(line[k + 1])
                k += 2
                continue
            if c == quote:
                quote = 0
            k += 1
            continue
        if line.startswith(b"/*", k):
            in_comment = True
            k += 2
            continue
        if line.startswith(b"//", k):
            break
        if c in (0x22, 0x27):
            quote = c
        out.append(c)
        k += 1
    return bytes(out), in_comment


def compiled_view(source: bytes, lang: str = "c", predefined: Defines | None = None,
                  headers: Sequence[tuple[int, str, Macro | None, bool]] = ()) -> Compiled:
    """The file as the compiler reads it where that is decided (see the module).
    ``predefined``: the command line's macros; ``headers``: the header macro events
    ``(byte offset of the file's #include, name, Macro or None for #undef, conditional)``."""
    if b"#" not in source:
        return Compiled(source)
    r = _Reader(source, lang, predefined, headers)
    for first, last, text in _logical_lines(source):
        m = _DIRECTIVE.match(text)
        if m is not None:
            r.directive(first, last, text, m.group(1).decode("ascii", "replace"),
                        m.group(2).decode("utf-8", "replace"))
        else:
            r.code(text)
    if not r.blank:
        return Compiled(source)
    blocks = dict(r.blocks)
    for _ in range(_ROUNDS):
        out = _blanked(source, r.starts, r.blank, blocks)
        bad = _not_blocks(out, lang, blocks)
        if not bad:
            break
        for row in bad:
            del blocks[row]
    else:
        out = _blanked(source, r.starts, r.blank, {})
    return Compiled(out, tuple(sorted(r.dropped)), tuple(sorted(r.blank)))


_ROUNDS = 4


def _blanked(source: bytes, starts: list[int], blank: set[int], blocks: dict[int, int]
             ) -> bytes:
    """``source`` with the rows ``blank`` turned into spaces, and a ``{`` (``}``) first on
    the row of each block's first (last) directive."""
    out = bytearray(source)
    for row in blank:
        s = starts[row]
        e = starts[row + 1] - 1 if row + 1 < len(starts) else len(source)
        for k in range(s, e):
            if out[k] not in (0x0A, 0x0D):
                out[k] = 0x20
    for a, b in blocks.items():
        for row, brace in ((a, 0x7B), (b, 0x7D)):
            out[starts[row]] = brace
    return bytes(out)


def _not_blocks(view: bytes, lang: str, blocks: dict[int, int]) -> list[int]:
    """The first rows of the ``blocks`` that the view does not read as a block of statements
    alone (a declaration in it would be scoped to the block: then the group's directives are
    only blanked)."""
    from accellium.dataset.loops import parse_tree

    if not blocks:
        return []
    found: dict[int, bool] = {}
    for n in iter_nodes(parse_tree(view, lang).root_node):
        a = n.start_point[0]
        if n.type == "compound_statement" and a in blocks and n.start_point[1] == 0 and \
                n.end_point[0] == blocks[a] and n.parent is not None and \
                n.parent.type == "compound_statement":
            found[a] = not n.has_error and not any(
                c.type in ("declaration", "type_definition") for c in n.named_children)
    return [a for a in blocks if not found.get(a)]


_BRACES = re.compile(rb'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[{}]')


class _Reader:
    """The directives read so far: the macros known, the chains open, the rows to blank."""

    def __init__(self, source: bytes, lang: str, predefined: Defines | None,
                 headers: Sequence[tuple[int, str, Macro | None, bool]]):
        self.lang = lang
        self.state = predefined.copy() if predefined is not None else Defines()
        self.events: dict[int, list[tuple[str, Macro | None, bool]]] = {}
        for at, name, m, cond in headers:
            self.events.setdefault(at, []).append((name, m, cond))
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(source))]
        self.size = len(source)
        self.stack: list[_Chain] = []
        self.blank: set[int] = set()  # 0-based rows
        self.dropped: list[tuple[int, int]] = []  # 1-based line ranges of dropped groups
        # decided chains inside a function whose kept group is balanced: the row of the
        # first directive -> the row of ``#endif`` (the view makes them a block)
        self.blocks: list[tuple[int, int]] = []
        self.depth = 0  # ``{`` minus ``}`` on the code lines read (compiled or maybe)

    def code(self, text: bytes) -> None:
        """A line of code: its braces (those in literals aside), where it may be compiled."""
        if not (self.live() or self.unsure()):
            return
        if text.strip():
            for c in self.stack:
                c.code = c.code or c.keeping
        for m in _BRACES.finditer(text):
            t = m.group(0)
            if t in (b"{", b"}"):
                self.depth += 1 if t == b"{" else -1
                for c in self.stack:
                    if c.keeping and c.kept is not None:
                        c.kept = (c.kept[0], c.kept[1], min(c.kept[2], self.depth))

    def live(self) -> bool:
        """Is the current line certainly compiled?"""
        return all(c.live and c.decided and c.keeping for c in self.stack)

    def unsure(self) -> bool:
        """May the current line be compiled or not?"""
        return not self.live() and not any(c.live and c.decided and not c.keeping
                                           for c in self.stack)

    def directive(self, first: int, last: int, text: bytes, word: str, rest: str) -> None:
        if word in ("if", "ifdef", "ifndef"):
            ch = _Chain(live=self.live(), decided=self.live(), start=first, depth=self.depth)
            ch.rows.extend(range(first, last + 1))
            self.stack.append(ch)
            if ch.live:
                self.enter(ch, decide(Group(word, rest.strip(), ()), self.state))
        elif word in ("elif", "else", "endif") and self.stack:
            self.next_group(first, last, word, rest)
        else:
            for c in self.stack:  # a pragma or a definition stays next to its neighbours
                if c.keeping:
                    c.kept = (c.kept[0], c.kept[1], -1) if c.kept is not None else None
            if self.live() or self.unsure():
                self.definition(first, last, text, word, rest)

    def next_group(self, first: int, last: int, word: str, rest: str) -> None:
        ch = self.stack[-1] if word != "endif" else self.stack.pop()
        ch.rows.extend(range(first, last + 1))
        if not (ch.live and ch.decided):
            return
        if not ch.keeping and ch.start + 1 <= first - 1:
            ch.dropped.append((ch.start + 1, first - 1))
        if ch.keeping and ch.kept is not None:
            ch.kept = (ch.kept[0], self.depth, ch.kept[2])
        ch.keeping = False
        ch.start = first
        if word == "endif":
            if ch.kept is not None and ch.code and ch.depth >= 1 and \
                    ch.kept[0] == ch.kept[1] <= ch.kept[2]:
                self.blocks.append((ch.rows[0], first))
            self.blank.update(ch.rows)
            for lo, hi in ch.dropped:
                self.blank.update(range(lo, hi + 1))
                self.dropped.append((lo + 1, hi + 1))
        elif not ch.taken:
            self.enter(ch, True if word == "else" else decide(Group("if", rest.strip(), ()),
                                                              self.state))

    def enter(self, ch: _Chain, got: bool | None) -> None:
        """The chain's group just opened is kept (``got``), dropped, or not decided: then the
        chain is left as it is."""
        if got is None:
            ch.decided = False
            ch.keeping = False
            return
        ch.keeping = got
        ch.taken = got
        if got:
            ch.kept = (self.depth, self.depth, self.depth)

    def definition(self, first: int, last: int, text: bytes, word: str, rest: str) -> None:
        certain = self.live()
        if word == "define":
            got = _definition(text, self.lang)
            if got is not None:
                self.state.define(got, certain)
        elif word == "undef" and rest.split():
            self.state.undef(rest.split()[0], certain)
        elif word == "include":
            end = self.starts[last + 1] if last + 1 < len(self.starts) else self.size
            for at in range(self.starts[first], end):
                for name, mac, cond in self.events.get(at, ()):
                    if mac is None:
                        self.state.undef(name, certain and not cond)
                    else:
                        self.state.define(mac, certain and not cond)


def _definition(text: bytes, lang: str) -> Macro | None:
    """The macro a ``#define`` line defines (None: not read)."""
    from accellium.dataset.loops import parse_tree

    try:
        root = parse_tree(text.strip() + b"\n", lang).root_node
    except (ValueError, RecursionError):
        return None
    for n in root.named_children:
        if n.type in ("preproc_def", "preproc_function_def"):
            return definition(n)
    return None
