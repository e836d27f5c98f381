"""Annotate a C/C++ file: one suggestion per ``for`` loop, optionally written back in place.

The functions behind ``accellium suggest``.  Files are handled as bytes, so line endings,
tabs and invalid UTF-8 elsewhere in the file are kept exactly.  An edit only ever adds whole
lines (or, with ``replace``, rewrites the lines of a loop's own label), each ending with the
line break of the line it goes above; writing is in place (``server/write_back.py``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tree_sitter import Tree

from accellium.dataset.analysis import scope_of
from accellium.dataset.analysis.compiled import Compiled, compiled_view
from accellium.dataset.analysis.macros import header_macros
from accellium.dataset.includes import Included
from accellium.dataset.loops import (
    LineIndex,
    Loop,
    detect_lang,
    insertion_problem,
    loops_in_tree,
    normalize_lang,
    parse_tree,
)
from accellium.dataset.pragma import (
    COMPUTE_DIRECTIVES,
    Clause,
    Pragma,
    PragmaError,
    is_acc_pragma,
    normalize_text,
    parse,
)
from accellium.server.engines import Engine, LoopQuery
from accellium.server.safety import asserts_parallel
from accellium.server.suggest import suggest
from accellium.server.write_back import InputError, check_writable, write_in_place

__all__ = ["InputError", "LoopSuggestion", "read_source", "annotate_source", "apply_edits",
           "MAX_FILE_BYTES", "MAX_NEST_DEPTH", "check_writable", "write_in_place", "skip_reason",
           "is_one_line_pragma", "eol_for", "splice"]

MAX_FILE_BYTES = 20 * 1024 * 1024
#: Loops with more nested loops than this are listed but not analysed: the analysis and the
#: safety guard cost grows with the square of a loop's own nest depth, and no real code comes
#: close (the deepest of the 4,069 mined annotated loops holds a nest of 10).
MAX_NEST_DEPTH = 32
_COMPUTE = COMPUTE_DIRECTIVES


@dataclass
class LoopSuggestion:
    path: str
    line: int  # 1-based line of the for keyword
    end_line: int
    depth: int
    pragma: str | None
    directive: str | None
    clauses: list[str]
    notes: list[str]
    existing: str | None
    engine: str = ""
    elapsed_ms: float = 0.0
    insertable: bool = True  # a pragma line can be placed for this loop (dataset.loops rule)
    insert_problem: str | None = None  # why not, when it cannot
    # Not in the JSON contract: where the edit goes, and whether another loop of the same nest
    # carries an OpenACC label (then --apply leaves the nest alone: see apply_edits).
    _loop: Loop | None = field(default=None, repr=False)
    _nest_labelled: bool = field(default=False, repr=False)
    # a sequential compute construct around loops that take parallel pragmas (see
    # _serialising): --apply leaves this loop to its inner ones
    _serialises: bool = field(default=False, repr=False)
    # (0-based row, definition's byte range) of the program functions the loop calls that
    # need `#pragma acc routine seq` for its compute construct (--apply adds the line)
    _routines: list[tuple[int, int, int]] = field(default_factory=list, repr=False)
    # the suggested pragma parsed once (None: no pragma, or not one the parser reads)
    _parsed: Pragma | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in (
            "path", "line", "end_line", "depth", "pragma", "directive", "clauses", "notes",
            "existing", "engine", "elapsed_ms", "insertable", "insert_problem")}

    @property
    def changes_file(self) -> bool:
        if self.pragma is None:
            return False
        return self.existing is None or normalize_text(self.existing) != normalize_text(self.pragma)


def read_source(path: str | Path) -> bytes:
    """Read a source file or raise :class:`InputError` with a one-line reason."""
    if str(path) == "":
        raise InputError("the path is empty, expected a C/C++ file")
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, expected a C/C++ file")
    if not p.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path}: file is {size:,} bytes, over the limit of "
                             f"{MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES // 2**20} MiB)")
        with open(p, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}: file grew over the limit of {MAX_FILE_BYTES:,} bytes")
    if not data.strip():
        raise InputError(f"{path}: file is empty")
    if b"\0" in data[:65536]:
        raise InputError(f"{path}: binary file (contains NUL bytes), expected C/C++ source")
    return data


def _nest_labels(loops: list[Loop]) -> list[bool]:
    """For each loop: does another loop of its nest (an ancestor or a descendant) carry an
    OpenACC label?  Two linear passes over the parent links."""
    below = [False] * len(loops)  # a descendant is labelled
    for i in range(len(loops) - 1, -1, -1):
        p = loops[i].parent_index
        if p is not None and (below[i] or loops[i].pragma is not None):
            below[p] = True
    above = [False] * len(loops)  # an ancestor is labelled
    for i, lp in enumerate(loops):
        p = lp.parent_index
        if p is not None:
            above[i] = above[p] or loops[p].pragma is not None
    return [a or b for a, b in zip(above, below, strict=True)]


def compiled(source: bytes, lang: str, includes: Included | None) -> Compiled:
    """The text the planner reads (and the per-loop suggestions, when the file as written does
    not parse): ``source`` with the conditional groups the macros known
    (the command line's, the file's, its headers': ``includes``) decide replaced by what the
    compiler reads (:mod:`accellium.dataset.analysis.compiled`); ``source`` itself when the
    headers were not read (a header could define any name)."""
    if includes is None:
        return Compiled(source)
    events = [(e.at, e.name, e.macro, e.cond) for e in includes.events if e.at >= 0]
    return compiled_view(source, lang, includes.predefined, events)


def compiled_tree(source: bytes, lang: str, includes: Included | None
                  ) -> tuple[Compiled, Tree | None]:
    """:func:`compiled` with its tree, when the view differs from ``source`` and parses
    without error; else ``source``'s own view and None (the document is read as written)."""
    view = compiled(source, lang, includes)
    if view.changed:
        seen = parse_tree(view.text, lang)
        if not seen.root_node.has_error:
            return view, seen
    return Compiled(source), None


def compiled_note(view: Compiled, first: int, last: int, done: str = "answered",
                  what: str = "pragma") -> str:
    """What an answer (or a plan: ``done``, ``what``) made on the compiled view of lines
    ``first``..``last`` says about the conditional groups it read."""
    out = [f"{a}-{b}" if a != b else str(a) for a, b in view.dropped
           if first <= a and b <= last]
    many = "s" if len(out) > 1 or any("-" in x for x in out) else ""
    left = f"; left out, as the compiler drops them: line{many} {', '.join(out)}" if out else ""
    return (f"{done} for the conditional groups (#if/#ifdef) as the macros known here decide "
            f"them (the command line's, the file's, its headers'){left}; under other macros "
            f"the {what} may not hold")


def _suggest_one(q: LoopQuery, engine: Engine):
    """The engine's suggestion, or None with the reason when this loop's code defeats it (the
    other loops of the file are still served)."""
    try:
        return suggest(q, engine), None
    except (PragmaError, RecursionError) as e:
        return None, f"no suggestion: the engine failed on this loop ({type(e).__name__})"


def annotate_source(
    source: bytes,
    engine: Engine,
    *,
    path: str = "<buffer>",
    lang: str | None = None,
    line: int | None = None,
    includes: Included | None = None,
) -> list[LoopSuggestion]:
    """Suggestions for every loop (or, with ``line``, the loops containing that 1-based line,
    innermost last), in document order; ``includes``: the macros of the file's headers
    (:func:`accellium.dataset.includes.read_includes`)."""
    lang = normalize_lang(lang) if lang else detect_lang(path, source)
    lines = LineIndex(source)
    # The text the compiler reads (same rows and offsets): a conditional group the known macros
    # drop is no code of the build (C11 6.10.1p6) — a `printf` under `#ifdef DEBUG` makes no
    # loop sequential, a loop in it gets no pragma — and a group holding half a statement
    # (``#ifdef T`` above ``for (...) {``, another around its ``}``) no longer leaves the
    # function's tree in error.  Undecided groups stay (their macros are not known here).
    view, seen = compiled_tree(source, lang, includes)
    if seen is not None:
        source, tree = view.text, seen
    else:
        tree = parse_tree(source, lang)  # the file as written (its own view parsed nothing)
    loops = loops_in_tree(tree, source, lines)
    nest_labelled = _nest_labels(loops)
    out: list[LoopSuggestion] = []
    for lp, labelled in zip(loops, nest_labelled, strict=True):
        if line is not None and not lp.contains_line(line - 1):
            continue
        if lp.loop_depth > MAX_NEST_DEPTH:
            s, failure = None, (f"not analysed: a nest of {lp.loop_depth} loops, over the "
                                f"limit of {MAX_NEST_DEPTH}")
        else:
            defines = includes.for_loop(lp.start_byte, lp.text, tree.root_node) \
                if includes else ()
            q = LoopQuery(code=lp.text, lang=lang, enclosing=tuple(lp.enclosing),
                          scope=scope_of(source, lp.start_byte, lang, defines,
                                         includes.routines_at(lp.start_byte)
                                         if includes else frozenset(),
                                         includes.types_at(lp.start_byte)
                                         if includes else frozenset(),
                                         includes.texts_before(lp.start_byte)
                                         if includes else ()),
                          first_line=lp.line)
            s, failure = _suggest_one(q, engine)
        problem = insertion_problem(lines, lp)
        common: dict[str, Any] = dict(path=path, line=lp.line, end_line=lp.end_line_1, depth=lp.depth,
                      existing=lp.pragma.text if lp.pragma else None,
                      insertable=problem is None, insert_problem=problem, _loop=lp,
                      _nest_labelled=labelled)
        if s is None:
            out.append(LoopSuggestion(pragma=None, directive=None, clauses=[],
                                      notes=[failure or ""], **common))
            continue
        notes = list(s.notes)
        if any(lp.line <= r + 1 <= lp.end_line_1 for r in view.blanked):
            notes.append(compiled_note(view, lp.line, lp.end_line_1))
        out.append(LoopSuggestion(
            pragma=s.pragma, directive=s.directive, clauses=s.clauses,
            notes=notes, engine=s.engine,
            elapsed_ms=s.elapsed_ms, **common))
    for s in out:
        s._parsed = _parse_or_none(s.pragma)
    with header_macros(includes.at if includes is not None and includes.events else None):
        _routine_lines(out, source, lang)
    _serialising(out)
    return out


def _parse_or_none(pragma: str | None) -> Pragma | None:
    try:
        return parse(pragma) if pragma else None
    except PragmaError:
        return None


def _serialising(out: list[LoopSuggestion]) -> None:
    """Mark the suggestions that would serialise parallel inner loops.

    OpenACC 3.3 (2.5) allows no compute construct inside another, so a compute construct on
    an outer loop is the only pragma its nest can take.  When that construct keeps the outer
    loop sequential (``parallel loop seq``, ``serial``, ``kernels`` on a loop with a carried
    dependence) while loops inside it — or in the program functions it calls, which would
    become device routines — take a parallel pragma of their own, it runs them all in one
    device thread (or leaves them to the compiler's proof): the inner loops are where the
    pragmas go, and the outer loop stays on the host."""
    starts = sorted(s._loop.start_byte for s in out
                    if s._parsed is not None and s._loop is not None and s.existing is None
                    and s.insertable and asserts_parallel(s._parsed))
    for s in out:
        p, lp = s._parsed, s._loop
        if p is None or lp is None or s.existing is not None or p.directive not in _COMPUTE \
                or asserts_parallel(p):
            continue
        # (its own loop is not parallel, so its start is not among ``starts``)
        spans = [(lp.start_byte + 1, lp.end_byte)] + [(a, b) for _, a, b in s._routines]
        s._serialises = any(bisect_left(starts, a) < bisect_left(starts, b) for a, b in spans)


def _routine_lines(out: list[LoopSuggestion], source: bytes, lang: str) -> None:
    """Record, for each suggested compute construct, the program functions its loop calls
    that need ``#pragma acc routine seq`` and the line each goes above (OpenACC 3.3, 2.15.1:
    a function called on the device must be compiled for it, or the GPU link fails)."""
    from accellium.dataset.offload.routines import routine_sites

    for s in out:
        p = s._parsed
        if s._loop is not None and p is not None and p.directive in _COMPUTE:
            s._routines = routine_sites(source, lang, s._loop.start_byte, s._loop.end_byte)


def is_one_line_pragma(text: str) -> bool:
    """A pragma that is safe to write as one line: no line break, no comment opener (an open
    ``/*`` would swallow the loop), no trailing backslash (it would splice the loop's line into
    the pragma)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return (is_acc_pragma(text) and not re.search(r"[\r\n\x00\x0b\x0c\x85\u2028\u2029]", text)
            and "/*" not in text and "//" not in text and not text.rstrip().endswith("\\"))


def skip_reason(s: LoopSuggestion, replace: bool) -> str | None:
    """Why ``--apply`` leaves this loop as it is (None: it edits it)."""
    if s._loop is None or not s.changes_file:
        return "nothing to change"
    if s.existing is not None and not replace:
        return "already annotated (use --replace)"
    if not s.insertable:
        return f"not insertable: {s.insert_problem}"
    if s._nest_labelled:
        return "another loop of its nest carries an OpenACC directive"
    if s._serialises:
        return ("a sequential compute construct here would serialise the parallel loops "
                "inside it: they take the pragmas")
    if not is_one_line_pragma(s.pragma or ""):
        return "the suggestion is not a one-line OpenACC pragma"
    return None


def eol_for(lines: LineIndex, row: int) -> bytes:
    """The line break a new line above ``row`` ends with: that line's own (so a mixed file keeps
    each region's style), else the one above it, else ``\\n``."""
    return lines.eol(row) or lines.eol(row - 1) or b"\n"


def _edit(lines: LineIndex, lp: Loop, pragma: str) -> tuple[int, int, bytes]:
    """(start, end, bytes): the label's lines rewritten in place, or a new line above the
    loop's first line with the loop's indentation."""
    text = pragma.encode("utf-8")
    if lp.pragma is not None:
        start = lines.line_span(lp.pragma.start_line)[0]
        end = lines.line_span(lp.pragma.end_line)[1]  # its line break stays
        return start, end, lines.indent(lp.pragma.start_line).encode() + text
    start = lines.line_span(lp.start_line)[0]
    return start, start, lines.indent(lp.start_line).encode() + text + eol_for(lines, lp.start_line)


def splice(source: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``source`` with each ``(start, end, text)`` byte range replaced (ranges must not
    overlap)."""
    parts: list[bytes] = []
    pos = 0
    for start, end, text in sorted(edits, key=lambda e: e[0]):
        parts += [source[pos:start], text]
        pos = end
    parts.append(source[pos:])
    return b"".join(parts)


def _chosen(lines: LineIndex, suggestions: list[LoopSuggestion], replace: bool
            ) -> list[LoopSuggestion]:
    """The suggestions ``--apply`` writes: nothing against them (:func:`skip_reason`) and no
    loop around them chosen (document order: nesting = overlap)."""
    chosen: list[LoopSuggestion] = []
    last_end = -1  # end of the last loop given a pragma
    for s in sorted(suggestions, key=lambda s: s._loop.start_byte if s._loop else -1):
        lp = s._loop
        if skip_reason(s, replace) is not None or lp is None or s.pragma is None:
            continue
        if lp.start_byte < last_end:
            continue
        if insertion_problem(lines, lp) is not None:  # the loop of another buffer, say
            continue
        chosen.append(s)
        last_end = lp.end_byte
    return _outside_routines(chosen)


def _outside_routines(chosen: list[LoopSuggestion]) -> list[LoopSuggestion]:
    """``chosen`` with the loops in functions that become ``acc routine seq`` made sequential
    loops of the routine: a routine runs on the device inside another compute construct,
    where none may start (OpenACC 3.3, 2.5, 2.15.1), so a compute construct there becomes
    ``loop seq`` (what the guard answers once the routine line is in the file, so a second
    ``--apply`` changes nothing)."""
    spans = {(a, b) for s in chosen for _, a, b in s._routines}
    for s in chosen:
        p = s._parsed
        if s._loop is None or p is None or p.directive not in _COMPUTE \
                or not any(a <= s._loop.start_byte < b for a, b in spans):
            continue
        kept = tuple(c for c in p.clauses if c.name.lower() in ("private", "firstprivate"))
        seq = Pragma("loop", (Clause("seq"),) + kept)
        s.pragma, s.directive, s.clauses = seq.render(), seq.directive, \
            [c.render() for c in seq.clauses]
        s._parsed = seq
        s.notes.append(f"`loop seq`, not `{p.directive}`: the function becomes an `acc "
                       "routine seq` (a compute construct calls it), where no compute "
                       "construct may start")
    return chosen


def apply_edits(source: bytes, suggestions: list[LoopSuggestion], *, replace: bool = False
                ) -> tuple[bytes, list[LoopSuggestion]]:
    """Insert (or, with ``replace``, replace) pragmas; returns the new bytes and the applied
    suggestions.  A loop is edited only when :func:`skip_reason` finds nothing against it and
    no loop around it receives a new pragma in this same edit (its context would change).
    Each program function an applied compute construct calls gets ``#pragma acc routine seq``
    above its first declaration, once.

    Idempotent: the loops edited now carry the pragma afterwards, and every other loop of their
    nests is left alone on the next run because of it.
    """
    lines = LineIndex(source)
    chosen = _chosen(lines, suggestions, replace)
    edits: list[tuple[int, int, bytes]] = []
    for s in chosen:
        assert s._loop is not None and s.pragma is not None
        edits.append(_edit(lines, s._loop, s.pragma))
    for row in sorted({row for s in chosen for row, _, _ in s._routines}):
        start = lines.line_span(row)[0]
        edits.append((start, start, lines.indent(row).encode() + b"#pragma acc routine seq"
                      + eol_for(lines, row)))
    if not edits:
        return source, []
    return splice(source, edits), chosen
