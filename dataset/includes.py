"""The macros of a file's local headers: what ``IDX(i, j)`` means when ``#include "idx.h"``
defines it.

:func:`read_includes` follows the quoted includes of a file (``#include "x.h"``: C11 6.10.2p3
looks for them first relative to the including file, then where ``<...>`` headers are looked
for; here: the including file's folder, then the extra include folders in order) and records
every ``#define`` and ``#undef`` in the order the preprocessor reads them, with the position
of the top-level ``#include`` that brought it.  :meth:`Included.for_loop` gives the macros
visible at a loop (those of the includes above it) that the loop's code uses; they travel
beside the file's text in :class:`~accellium.dataset.analysis.LoopScope` ``defines``, so no
line or offset of the file moves.

What is read, and what never is:

* quoted includes, and ``#include <...>`` only when the header is in one of the include
  folders given (``-I DIR``: gcc looks there for both forms, before the system folders,
  and never in the including file's folder for ``<...>``); any other ``<...>`` header is a
  system or library header and is skipped without a note, as are computed includes
  (``#include MACRO``);
* only regular files whose real path (symbolic links resolved) is inside the including
  file's folder or one of the include folders given: a link or a ``../`` out of them, an
  absolute path elsewhere, a device or a pipe is not read (a note says so).  The first
  candidate that exists decides, as for the compiler: a header outside the folders is not
  replaced by a later candidate;
* each header at most once (as its include guard makes it), :data:`MAX_DEPTH` includes
  deep, at most :data:`MAX_FILE_BYTES` per header, :data:`MAX_TOTAL_BYTES` and
  :data:`MAX_FILES` headers per file; past a limit the rest is not read (a note).

Conditional groups are read as the preprocessor reads them where that is known
(:mod:`accellium.dataset.analysis.conditions`, C11 6.10.1): of an ``#if``/``#ifdef``/
``#ifndef`` ... ``#elif`` ... ``#else`` chain only the group kept counts — its ``#define``,
``#undef`` and ``#include`` lines; the others are not read — decided by the command line's
``-D``/``-U`` (``predefined``) and the definitions read before, the file's own included.  A
condition that cannot be decided (a name the build may ``-D`` without our knowing, unless the
caller says the command line is whole) keeps the old reading: its group and the later ones
are read as conditional.  A header that is one include guard (``#ifndef G``, ``#define G``
... ``#endif``) is read as kept: builds do not ``-D`` a guard's name.

Nothing here raises on a missing, unreadable or malformed header: it is a note, and the
macros it would have defined are unknown (the analysis then refuses the loops that use them,
as before).  A name the headers define in two different ways, one of them in a conditional
group not decided, is left out, as the analysis does for the file itself
(:mod:`accellium.dataset.analysis.macros`).
"""

from __future__ import annotations

import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from tree_sitter import Node

from accellium.dataset.analysis.conditions import CONDITIONAL, Defines, Group, chain, kept
from accellium.dataset.analysis.macros import Macro, definition, tokens, used_macros
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import text

__all__ = ["Included", "read_includes", "within", "given_macros", "parameters_at", "declarations_at", "read_at_most", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES",
           "MAX_FILES"]

MAX_DEPTH = 8  # nested includes followed (the file's own includes are depth 1)
MAX_FILE_BYTES = 1024 * 1024  # a larger header is not read
MAX_TOTAL_BYTES = 4 * 1024 * 1024  # the headers of one file together
MAX_FILES = 128  # headers read for one file

_CONTAINERS = frozenset({"translation_unit", "linkage_specification", "declaration_list"})


@dataclass(frozen=True)
class _Directive:
    """A ``#define`` (macro), an ``#undef`` (name), a quoted ``#include`` (path) or a
    conditional chain (its groups, each with its directives) of a file."""

    at: int  # byte offset in the file
    macro: Macro | None = None
    undef: str | None = None
    include: str | None = None
    system: bool = False  # ``#include <...>``: looked for in the include folders only
    groups: tuple[tuple[Group, tuple[_Directive, ...]], ...] = ()  # a conditional chain


@dataclass(frozen=True)
class _Event:
    at: int  # byte offset in the top-level file of the #include that brought it
    name: str
    macro: Macro | None  # None: #undef
    cond: bool


@dataclass(frozen=True)
class Included:
    """The macro events of a file's headers, the files read and the notes."""

    events: tuple[_Event, ...] = ()
    notes: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()  # real paths read, in order
    stamps: tuple[tuple[str, object], ...] = ()  # (real path, what it was read at)
    local: Mapping[str, Macro] = field(default_factory=dict)  # the file's own definitions
    # (offset of the top-level #include, text) of each header read outside a conditional group
    texts: tuple[tuple[int, bytes], ...] = ()
    predefined: Defines | None = field(default=None, compare=False)  # the command line's
    _memo: dict[int, dict[str, Macro]] = field(default_factory=dict, compare=False, repr=False)
    # the routine names of each header text, by its position in ``texts`` (read once)
    _routines: dict[int, frozenset[str]] = field(default_factory=dict, compare=False,
                                                 repr=False)
    # the typedef names of each header text, by its position in ``texts`` (read once)
    _types: dict[int, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def visible(self, offset: int, constants: bool = False) -> dict[str, Macro]:
        """The header macros visible at byte ``offset`` of the file (``#undef`` applied,
        ambiguous names left out; the same for every offset between two includes: computed
        once per include, the loops of a file ask again and again).  ``constants``: with the
        object-like macros whose body is a number (else left out, :mod:`~accellium.dataset.
        analysis.macros`).  Do not edit it."""
        n = sum(1 for e in self.events if e.at < offset) if self.events else 0
        key = -n - 1 if constants else n
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = _visible(self.events[:n], constants)
        return got

    def at(self, offset: int) -> tuple[Macro, ...]:
        """:meth:`visible` with the constants, as a tuple (what :func:`~accellium.dataset.
        analysis.macros.header_macros` takes; its readers leave the constants out unless
        they ask for them)."""
        return tuple(self.visible(offset, constants=True).values())

    def for_loop(self, offset: int, code: str, root: Node | None = None
                 ) -> tuple[Macro, ...]:
        """The header macros visible at ``offset`` that ``code`` uses, directly or through
        the bodies of other macros (the file's own ones included), sorted by name; and, with
        the file's tree ``root``, those the parameter list of the function holding the loop
        uses (:func:`parameters_at`: an array parameter spelled through a macro).  The
        object-like macros whose body is a number are among them (as in :meth:`at`): the
        analysis reads them as names unless it asks for their values (bounds that compare
        only by value: ``#define VM 1`` and ``#define VE (VM + 3)``,
        :func:`~accellium.dataset.offload.known.macro_values`)."""
        if not self.events:
            return ()
        headers = self.visible(offset, constants=True)
        table = {**headers, **{k: v for k, v in self.local.items() if k not in headers}}
        params = parameters_at(root, offset) if root is not None else ""
        local = declarations_at(root, offset) if root is not None else ""
        code = "\n".join(t for t in (code, params, local) if t)
        return tuple(m for m in used_macros(code, table) if headers.get(m.name) is m)

    def routines_at(self, offset: int) -> frozenset[str]:
        """The functions the headers included before byte ``offset`` (outside a conditional
        group) declare after a ``#pragma acc routine`` line or name in ``routine(name)``: a
        routine directive applies to the function the declaration after it names, wherever
        that declaration is (OpenACC 3.3, 2.15.1), so the file's calls of it run on the
        device."""
        from accellium.dataset.analysis.scope import routine_names

        return self._per_header(offset, b"routine", self._routines,
                                lambda data: routine_names(data.decode("utf-8", "replace")))

    def texts_before(self, offset: int) -> tuple[tuple[int, bytes], ...]:
        """The headers included before byte ``offset`` (outside a conditional group): the
        offset of each top-level ``#include`` and the header's text (``LoopScope.headers``:
        their file-scope declarations are the file's, C11 6.10.2p3)."""
        return tuple((at, data) for at, data in self.texts if at < offset)

    def types_at(self, offset: int) -> frozenset[str]:
        """The names the file-scope ``typedef`` declarations of the headers included before
        byte ``offset`` (outside a conditional group) declare: ``#include`` puts the header's
        text there (C11 6.10.2p3), so each is a type name of the file from there on, and
        ``(T)(e)`` a cast (:mod:`~accellium.dataset.analysis.casts`)."""
        from accellium.dataset.analysis.casts import typedef_names
        from accellium.dataset.loops import parse_tree

        def read(data: bytes) -> frozenset[str]:
            try:
                return typedef_names(parse_tree(data, "c").root_node)
            except (ValueError, RecursionError):
                return frozenset()

        return self._per_header(offset, b"typedef", self._types, read)

    def _per_header(self, offset: int, word: bytes, memo: dict[int, frozenset[str]],
                    read: Callable[[bytes], frozenset[str]]) -> frozenset[str]:
        """The union of ``read`` over the header texts included before byte ``offset`` that
        hold ``word`` (none does without it), each header read once (``memo``, by its position
        in ``texts``: each loop of the file asks)."""
        names: set[str] = set()
        for k, (at, data) in enumerate(self.texts):
            if at >= offset or word not in data:
                continue
            got = memo.get(k)
            if got is None:
                got = memo[k] = read(data)
            names |= got
        return frozenset(names)

    def fresh(self, open_buffers: Mapping[str, bytes] | None = None) -> bool:
        """Whether every header read is still as it was (cheap: one ``stat`` each)."""
        return all(_stamp(p, open_buffers) == s for p, s in self.stamps)


def _visible(events: Sequence[_Event], constants: bool = False) -> dict[str, Macro]:
    seen: dict[str, list[_Event]] = {}
    for e in events:
        seen.setdefault(e.name, []).append(e)
    out: dict[str, Macro] = {}
    for name, evs in seen.items():
        if len(evs) > 1 and any(e.cond for e in evs) and len({e.macro for e in evs}) > 1:
            continue
        last = evs[-1].macro
        if last is not None and (constants or not last.constant):
            out[name] = last
    return out


def _stamp(real: str, open_buffers: Mapping[str, bytes] | None) -> object:
    if open_buffers is not None and real in open_buffers:
        return ("open", hash(open_buffers[real]))
    try:
        st = os.stat(real)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


# -- one file's directives --------------------------------------------------------------------


def _include_path(n: Node) -> tuple[str, bool] | None:
    """The name of a quoted or ``<...>`` include and whether it is the latter (None: a macro,
    or malformed)."""
    p = _field(n, "path")
    if p is None or p.type not in ("string_literal", "system_lib_string"):
        return None
    raw = text(p)
    ends = ('<', '>') if p.type == "system_lib_string" else ('"', '"')
    name = raw[1:-1] if len(raw) >= 2 and (raw[0], raw[-1]) == ends else ""
    ok = name and "\0" not in name and "\\" not in name
    return (name, p.type == "system_lib_string") if ok else None


def _directives_of(root: Node) -> tuple[_Directive, ...]:
    """The defines, undefs, quoted includes and conditional chains of a tree, in source order
    (where the analysis reads a file's own macros: top level, conditional groups, ``extern
    "C"`` blocks)."""
    return tuple(_directives_in(root.named_children))


def _directives_in(nodes: Sequence[Node]) -> list[_Directive]:
    out: list[_Directive] = []
    stack: list[Node] = list(reversed(nodes))
    while stack:
        n = stack.pop()
        t = n.type
        if t in ("preproc_def", "preproc_function_def"):
            out.append(_Directive(n.start_byte, macro=definition(n)))
        elif t == "preproc_call" and text(_field(n, "directive")).strip() == "#undef":
            words = tokens(text(_field(n, "argument")))
            if words:
                out.append(_Directive(n.start_byte, undef=words[0]))
        elif t == "preproc_include":
            got = _include_path(n)
            if got is not None:
                out.append(_Directive(n.start_byte, include=got[0], system=got[1]))
        elif t in CONDITIONAL:
            groups = tuple((replace(g, body=()), tuple(_directives_in(g.body))) for g in chain(n))
            if any(body for _, body in groups):
                out.append(_Directive(n.start_byte, groups=groups))
        elif t in _CONTAINERS:
            stack.extend(reversed(n.named_children))
    return out


def _guarded(directives: Sequence[_Directive]
             ) -> tuple[str, tuple[_Directive, ...]] | None:
    """The name and the directives inside a header's include guard (the whole header is
    ``#ifndef G``, ``#define G`` ... ``#endif``) (None: not such a header).  A build does not
    ``-D`` a guard's name: its group is read even when the command line is not known whole."""
    if len(directives) != 1 or len(directives[0].groups) != 1:
        return None
    g, body = directives[0].groups[0]
    first = body[0].macro if body else None
    name = g.condition.strip()
    return (name, body) if g.kind == "ifndef" and first is not None and first.name == name \
        else None


def _flat(directives: Sequence[_Directive]) -> Iterator[_Directive]:
    """Every directive, those of every group of a chain included, in source order."""
    for d in directives:
        yield d
        for _, body in d.groups:
            yield from _flat(body)


@lru_cache(maxsize=256)
def _parsed(data: bytes, lang: str) -> tuple[_Directive, ...]:
    """The directives of a header's text (cached by the text)."""
    from accellium.dataset.loops import parse_tree

    if b"#" not in data:
        return ()
    return _directives_of(parse_tree(data, lang).root_node)


_DISK: OrderedDict[tuple[str, object], bytes] = OrderedDict()  # (real path, stamp) -> text
_DISK_ITEMS = 256


def read_at_most(fd: int, limit: int) -> bytes:
    """The bytes of the open file ``fd``, read in chunks up to ``limit + 1`` of them: more
    than ``limit`` means the file grew past it (whatever its size said when it was opened)."""
    chunks, size = [], 0
    while size <= limit:
        b = os.read(fd, min(1 << 20, limit + 1 - size))
        if not b:
            break
        chunks.append(b)
        size += len(b)
    return b"".join(chunks)


def _read_regular(real: str, limit: int) -> bytes | str:
    """The bytes of the regular file ``real`` (a reason instead when it is not one, is larger
    than ``limit`` or cannot be read).  Opened without following a link and without blocking
    (a pipe never stalls it), checked on the open file."""
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        return f"cannot be read ({e.strerror or type(e).__name__})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file"
        if st.st_size > limit:
            return f"larger than {limit} bytes"
        key = (real, (st.st_mtime_ns, st.st_size, st.st_ino))
        got = _DISK.get(key)
        if got is not None:
            _DISK.move_to_end(key)
            return got
        data = read_at_most(fd, limit)
        if len(data) > limit:
            return f"larger than {limit} bytes"
        _DISK[key] = data
        if len(_DISK) > _DISK_ITEMS:
            _DISK.popitem(last=False)
        return data
    except OSError as e:
        return f"cannot be read ({e.strerror or type(e).__name__})"
    finally:
        os.close(fd)


# -- following the includes -------------------------------------------------------------------


def within(real: str, roots: Sequence[str]) -> bool:
    """Is the real path ``real`` one of ``roots`` (real paths) or below one?  By whole path
    components: ``/a/bc`` is not below ``/a/b``."""
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


@dataclass
class _Walk:
    lang: str
    roots: list[str]  # real paths of the folders that may be read
    dirs: list[str]  # the extra include folders, in order
    open_buffers: Mapping[str, bytes] | None
    events: list[_Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    stamps: list[tuple[str, object]] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    texts: list[tuple[int, bytes]] = field(default_factory=list)
    state: Defines = field(default_factory=Defines)  # the macros known at the point read
    total: int = 0
    full: bool = False  # a total limit was reached: nothing more is read

    def note(self, text_: str) -> None:
        if text_ not in self.notes:
            self.notes.append(text_)

    def resolve(self, name: str, folder: str, system: bool = False) -> str | None:
        """The real path of the header ``name`` included from a file in ``folder`` (None:
        not found, or not to be read; a note says why); ``system``: a ``<...>`` include,
        looked for in the include folders only."""
        bases = ([] if system else [folder]) + self.dirs if not os.path.isabs(name) else [""]
        for base in bases:
            cand = os.path.normpath(os.path.join(base, name))
            if not os.path.lexists(cand):
                continue
            real = os.path.realpath(cand)
            if not within(real, self.roots):
                self.note(f"{name}: not read: outside the include folders")
                return None
            return real
        self.note(f"{name}: not found")
        return None

    def text_of(self, name: str, real: str) -> bytes | None:
        if self.open_buffers is not None and real in self.open_buffers:
            got: bytes | str = self.open_buffers[real]
            if len(got) > MAX_FILE_BYTES:
                got = f"larger than {MAX_FILE_BYTES} bytes"
        else:
            got = _read_regular(real, MAX_FILE_BYTES)
        if isinstance(got, str):
            self.note(f"{name}: not read: {got}")
            return None
        if self.total + len(got) > MAX_TOTAL_BYTES or len(self.headers) >= MAX_FILES:
            self.note(f"{name}: not read: the headers of this file passed "
                      f"{MAX_TOTAL_BYTES} bytes or {MAX_FILES} files")
            self.full = True
            return None
        self.total += len(got)
        self.headers.append(real)
        self.stamps.append((real, _stamp(real, self.open_buffers)))
        return got

    def visit(self, directives: Sequence[_Directive], folder: str, top: int | None,
              cond: bool, depth: int) -> None:
        """The events of ``directives`` (a file in ``folder``; ``top``: the offset of the
        top-level include being followed, None for the top-level file itself)."""
        for d in directives:
            if self.full:
                return
            at = d.at if top is None else top
            if d.macro is not None:
                self.state.define(d.macro, not cond)
                if top is not None:
                    self.events.append(_Event(at, d.macro.name, d.macro, cond))
            elif d.undef is not None:
                self.state.undef(d.undef, not cond)
                if top is not None:
                    self.events.append(_Event(at, d.undef, None, cond))
            elif d.include is not None:
                self.follow(d.include, folder, at, cond, depth + 1, d.system)
            else:  # a chain: the group the preprocessor keeps (all from an unknown one on)
                bodies = dict((id(g), body) for g, body in d.groups)
                for g, certain in kept([g for g, _ in d.groups], self.state):
                    self.visit(bodies[id(g)], folder, top, cond or not certain, depth)

    def follow(self, name: str, folder: str, at: int, cond: bool, depth: int,
               system: bool = False) -> None:
        if system and (os.path.isabs(name) or not any(
                os.path.lexists(os.path.join(d, name)) for d in self.dirs)):
            return  # a system or library header
        if depth > MAX_DEPTH:
            self.note(f"{name}: not read: includes nested more than {MAX_DEPTH} deep")
            return
        real = self.resolve(name, folder, system)
        if real is None or real in self.done:
            return  # each header once (its include guard), which also ends a cycle
        self.done.add(real)
        data = self.text_of(name, real)
        if data is None:
            return
        try:
            directives = _parsed(data, self.lang)
        except (ValueError, RecursionError) as e:
            self.note(f"{name}: not read: {type(e).__name__}")
            return
        guard = _guarded(directives)
        if guard is not None and self.state.defined(guard[0]) is None:
            directives = guard[1]  # an include guard nobody is known to define: read it
        if not cond:
            self.texts.append((at, data))
        self.visit(directives, os.path.dirname(real), at, cond, depth)


def read_includes(source: bytes | str, path: str | os.PathLike[str] | None, lang: str = "c",
                  include_dirs: Sequence[str | os.PathLike[str]] = (), *,
                  open_buffers: Mapping[str, bytes] | None = None,
                  root: Node | None = None, predefined: Defines | None = None,
                  project: str | os.PathLike[str] | None = None) -> Included:
    """The macros the local headers of the file at ``path`` (its text: ``source``) define
    (see the module).  ``include_dirs``: more folders to look in and that may be read;
    ``project``: the folder of the program's files (a manifest's program folder, an
    uploaded program's), whose headers may be read too — ``#include "../main.h"`` from
    ``kernel/k.c`` — though it is not looked in (a compiler does not either);
    ``open_buffers``: real path -> text of headers open in an editor (read instead of the
    disk); ``root``: the file's tree when the caller has it; ``predefined``: what the command
    line defines (:func:`~accellium.dataset.analysis.conditions.command_line`: ``-D``/``-U``,
    and whether it is the whole command), which decides conditional groups with the
    definitions read so far (its macros count as defined before the first line).  Never raises
    on bad input."""
    if path is None:
        return Included()
    lang = lang if lang in ("c", "cpp") else "c"
    try:
        folder = os.path.dirname(os.path.realpath(os.fspath(path)))
        dirs = [os.path.realpath(os.fspath(d)) for d in include_dirs]
        top = [os.path.realpath(os.fspath(project))] if project is not None else []
    except (OSError, ValueError, TypeError):
        return Included()
    walk = _Walk(lang, [folder, *(d for d in [*dirs, *top] if os.path.isdir(d))], dirs,
                 open_buffers,
                 state=predefined.copy() if predefined is not None else Defines())
    walk.events += [_Event(-1, name, m, False) for name, m in walk.state.known.items()
                    if m is not None]
    walk.done.add(os.path.realpath(os.fspath(path)))  # a file that includes itself: once
    try:
        if root is None:
            from accellium.dataset.loops import parse_tree

            data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) \
                else source
            if b"#" not in data:
                return Included()
            root = parse_tree(data, lang).root_node
        own = _directives_of(root)
        walk.visit(own, folder, None, False, 0)
    except (OSError, ValueError, RecursionError) as e:
        walk.note(f"headers not read: {type(e).__name__}")
        own = ()
    local = {d.macro.name: d.macro for d in _flat(own) if d.macro is not None}
    return Included(tuple(walk.events), tuple(walk.notes), tuple(walk.headers),
                    tuple(walk.stamps), local, texts=tuple(walk.texts),
                    predefined=predefined.copy() if predefined is not None else None)


def parameters_at(root: Node, offset: int) -> str:
    """The parameter list of the function definition holding byte ``offset`` ('' outside
    one): where a loop's array parameters are declared, maybe through a macro of a header
    (``double ARR_2D(a, N, M)``), which the loop's scope must then carry for the shapes of its
    arrays (:func:`accellium.dataset.offload.shapes.macro_declarator`)."""
    n: Node | None = root.descendant_for_byte_range(offset, offset)
    while n is not None and n.type != "function_definition":
        n = n.parent
    d = _field(n, "declarator") if n is not None else None
    while d is not None and d.type != "function_declarator":
        d = _field(d, "declarator")
    params = _field(d, "parameters") if d is not None else None
    return text(params) if params is not None else ""


def declarations_at(root: Node, offset: int) -> str:
    """The declarations the function holding byte ``offset`` makes before it, in the blocks
    that hold it ('' outside a function): where a loop's local arrays are declared, maybe
    through a header's macro standing for a declaration (``ARRAY_2D_DECL(A, ...);``
    standing for ``double (*A)[N][M]; A = ...``, C11 6.10.3), which the loop's scope must then carry
    for their shapes, as for :func:`parameters_at`.  A statement that is a call of a name is
    taken for such a macro (only the header macros it names are used)."""
    n: Node | None = root.descendant_for_byte_range(offset, offset)
    blocks: list[Node] = []
    while n is not None and n.type != "function_definition":
        if n.type == "compound_statement":
            blocks.append(n)
        n = n.parent
    if n is None:
        return ""
    out: list[str] = []
    for b in reversed(blocks):
        for c in b.named_children:
            if c.end_byte > offset:
                break
            if c.type == "declaration" or (
                    c.type == "expression_statement" and c.named_children
                    and c.named_children[0].type == "call_expression"):
                out.append(text(c))
    return "\n".join(out)


def given_macros(macros: Sequence[Macro], source: bytes, lang: str = "c",
                 base: Included | None = None) -> Included:
    """Header macros a client read itself (an HTTP request's ``defines``) as an
    :class:`Included` for ``source``: every one defined before the first line of ``source``
    (its own definitions and ``#undef`` lines override them, as for headers read here); a name
    given twice takes the last definition.  No file is read.  ``base``: what
    :func:`read_includes` read for ``source``: the macros come after its command line's and
    before its headers'."""
    if base is not None:
        pre = tuple(e for e in base.events if e.at < 0)
        given = tuple(_Event(-1, m.name, m, False) for m in macros)
        return Included(pre + given + tuple(e for e in base.events if e.at >= 0), base.notes,
                        base.headers, base.stamps, base.local, texts=base.texts,
                        predefined=base.predefined)
    if not macros:
        return Included()
    from accellium.dataset.loops import parse_tree

    lang = lang if lang in ("c", "cpp") else "c"
    own = _directives_of(parse_tree(source, lang).root_node) if b"#" in source else ()
    local = {d.macro.name: d.macro for d in _flat(own) if d.macro is not None}
    events = tuple(_Event(-1, m.name, m, False) for m in macros)
    return Included(events, local=local)
