"""Offload plans with the engine: the per-loop pragmas come from the one suggestion pipeline
(:func:`server.suggest.suggest`, safety guard included) with the file as the loop's scope, the
plan from :mod:`accellium.dataset.offload`; the edits are applied with the rules of
``accellium suggest --apply`` (:mod:`server.annotate`: bytes in, bytes out, each new line with
the line break of the line it goes above, checked before it is written).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from tree_sitter import Node

from accellium.dataset.analysis import compute_construct, scope_of
from accellium.dataset.analysis.casts import header_types
from accellium.dataset.analysis.compiled import compiled_view
from accellium.dataset.analysis.macros import Macro, header_macros
from accellium.dataset.includes import Included
from accellium.dataset.loops import LineIndex, Loop, detect_lang, normalize_lang, parse_tree
from accellium.dataset.offload import FunctionPlan, LoopAdvice, PlanEdit, plan_source
from accellium.dataset.offload.calls import Summary
from accellium.dataset.offload.passed_alike import seen_program_pairs
from accellium.dataset.offload.program import (
    HEADER_SUFFIXES,
    SOURCE_SUFFIXES,
    header_files,
    uncalling_units,
)
from accellium.dataset.offload.shapes import header_declarations
from accellium.dataset.pragma import PragmaError, parse
from accellium.server.annotate import (
    compiled,
    compiled_note,
    eol_for,
    is_one_line_pragma,
    splice,
)
from accellium.server.engines import Engine, LoopQuery
from accellium.server.safety import asserts_parallel
from accellium.server.suggest import suggest

__all__ = ["offload_source", "apply_plans", "engine_advisor", "edit_bytes", "all_edits",
           "caller_plans", "program_problem", "program_units", "program_unit_headers",
           "program_offloading", "uncalling_units", "HEADER_SUFFIXES",
           "PROGRAM_SUFFIXES"]

#: What may be named as one of the program's other files: C and C++ sources and headers.
PROGRAM_SUFFIXES = SOURCE_SUFFIXES + HEADER_SUFFIXES


def program_problem(path: str, data: bytes, lang: str,
                    of: str = "the planned file") -> str | None:
    """Why the file ``path`` (its text ``data``) cannot be one of the program's other files
    of ``of``, a ``lang`` file (None: it can): not a C/C++ source or header, or a translation
    unit in another language (the planner reads one language: it could not see the calls
    there)."""
    from accellium.dataset.loops import detect_lang

    low = path.lower()
    if not low.endswith(PROGRAM_SUFFIXES):
        return "not a C/C++ source file (expected .c, .cc, .cpp, .cxx or a header)"
    if not low.endswith(HEADER_SUFFIXES) and detect_lang(path, data) != lang:
        return f"not in the language of {of} ({lang}): the plan cannot see the calls made there"
    return None


def program_units(others: dict[str, bytes]) -> list[bytes]:
    """The translation units among the program's other files (path -> text): headers aside
    (:func:`~accellium.dataset.offload.program.header_files`)."""
    headers = header_files(others)
    return [t for r, t in others.items() if r not in headers]


def program_unit_headers(others: dict[str, bytes],
                         read: Callable[[str, bytes], tuple[bytes, ...]]
                         ) -> list[tuple[bytes, ...]]:
    """The texts of the headers each of :func:`program_units` includes, in its order (what
    ``offload_source(program_headers=)`` takes): ``read(path, text)`` finds them."""
    headers = header_files(others)
    return [read(r, t) for r, t in others.items() if r not in headers]


def program_offloading(others: dict[str, bytes], engine: Engine, lang: str,
                       includes_of: Callable[[str, bytes], Included | None] | None = None
                       ) -> frozenset[str]:
    """The functions of the program's other translation units (path -> text, headers aside)
    with a loop the engine offloads as the file is written, and those with OpenACC already
    (:func:`offload_source`'s ``offloading``).  A file planned now reads the others as they
    are, but each may be planned in turn (``accellium suggest THAT --offload``): a call of
    such a function is then no host code — its loops, with their present-or-copy clauses
    (OpenACC 3.3, 2.7.1), would compute on the copy a caller's region holds while the
    ``update device`` after the call overwrites it — so the caller's plan treats it as a
    function that offloads (docs/offload.md, item 10), right in both cases.
    ``includes_of``: the headers of a unit (path, text -> :class:`Included`), for the
    engine's answers."""
    from accellium.dataset.analysis.scope import function_name
    from accellium.dataset.offload.plan import functions_in
    from accellium.server.annotate import annotate_source

    out: set[str] = set()
    headers = header_files(others)
    for rel, text in others.items():
        if rel in headers:
            continue
        inc = includes_of(rel, text) if includes_of is not None else None
        rows = [a.line for a in annotate_source(text, engine, path=rel, lang=lang, includes=inc)
                if a.pragma]
        for fn in functions_in(parse_tree(text, lang).root_node):
            name = function_name(fn)[0]
            if name and any(fn.start_point[0] < r <= fn.end_point[0] + 1 for r in rows):
                out.add(name)
    return frozenset(out)


def engine_advisor(engine: Engine, lang: str, fallback: Engine | str | None = "auto",
                   includes: Included | None = None):
    """The per-loop answer of ``engine`` through the one pipeline (the loop's file as scope,
    with the macros of its headers from ``includes``; ``fallback`` answers when a model's
    answer is not a valid pragma)."""

    roots: dict[bytes, Node] = {}  # the tree of each source asked about (one per plan)

    def advise(source: bytes, lp: Loop) -> LoopAdvice:
        defines: tuple[Macro, ...] = ()
        routines = includes.routines_at(lp.start_byte) if includes is not None \
            else frozenset()
        types = includes.types_at(lp.start_byte) if includes is not None else frozenset()
        if includes is not None and includes.events:
            root = roots.get(source)
            if root is None:
                roots.clear()
                root = roots[source] = parse_tree(source, lang).root_node
            defines = includes.for_loop(lp.start_byte, lp.text, root)
        q = LoopQuery(code=lp.text, lang=lang, enclosing=tuple(lp.enclosing),
                      scope=scope_of(source, lp.start_byte, lang, defines, routines, types,
                                     includes.texts_before(lp.start_byte)
                                     if includes is not None else (), seen_program_pairs()),
                      first_line=lp.line,
                      mapped_by_caller=True)
        try:
            s = suggest(q, engine, fallback=fallback)
        except (PragmaError, RecursionError) as e:
            return LoopAdvice(None, False, (f"the engine failed on this loop ({type(e).__name__})",))
        parallel = False
        if s.pragma is not None:
            try:
                parallel = asserts_parallel(parse(s.pragma), compute_construct(q.enclosing))
            except PragmaError:
                parallel = False
        notes = tuple(s.notes)  # file lines: the query gives the loop's line
        return LoopAdvice(s.pragma, parallel, notes)

    return advise


def offload_source(source: bytes, engine: Engine, *, path: str = "<buffer>",
                   lang: str | None = None, function: str | None = None,
                   rows: tuple[int, int] | None = None, replace: bool = False,
                   per_loop: bool = False,
                   fallback: Engine | str | None = "auto",
                   program: list[bytes] | None = None,
                   includes: Included | None = None,
                   offloading: Collection[str] = (),
                   foreign: Mapping[str, Summary] | None = None,
                   program_headers: Sequence[Sequence[bytes]] | None = None
                   ) -> list[FunctionPlan]:
    """The plans of ``source`` (see :func:`accellium.dataset.offload.plan_source`;
    ``program``: the program's other translation units, when all of them are known;
    ``includes``: the macros of the file's headers, for the per-loop answers, and their
    file-scope declarations, for the plan's arrays; ``offloading``: functions of those units
    whose own plans offload; ``foreign``: the summaries their plans export, whose calls the
    file's regions may hold; ``program_headers``: the texts of the headers each unit of
    ``program`` includes, where they were read)."""
    lang = normalize_lang(lang) if lang else detect_lang(path, source)
    view = compiled(source, lang, includes)
    texts = includes.texts if includes is not None else ()
    # every header's typedef names: in C no name of one translation unit is both a type and
    # a function (C11 6.2.3p1), so the planner's own passes read `(T)(e)` as a cast wherever
    # a header declares T (the per-loop answers ask by position, `engine_advisor`)
    types = includes.types_at(len(source) + 1) if includes is not None else frozenset()
    with header_macros(includes.at if includes is not None and includes.events else None), \
            header_declarations(view.text, texts, lang), header_types(types):
        plans = plan_source(view.text, engine_advisor(engine, lang, fallback, includes),
                            lang=lang, function=function, rows=rows, replace=replace,
                            per_loop=per_loop, program=program, offloading=offloading,
                            foreign=foreign, program_headers=program_headers,
                            own_headers=[compiled_view(t, lang, includes.predefined, []).text
                                         for _, t in texts] if includes is not None else [])
    for p in plans:
        if any(p.line <= r + 1 <= p.end_line for r in view.blanked):
            p.notes.append(compiled_note(view, p.line, p.end_line, "planned", "plan"))
    return plans


def caller_plans(source: bytes, plans: list[FunctionPlan], lang: str,
                 others: dict[str, bytes]) -> dict[str, list[FunctionPlan]]:
    """The data regions the program's other files (path -> text, all of them, headers aside)
    get around their calls of the functions ``plans`` offload (:mod:`accellium.dataset.offload.
    program`): path -> the plans of the callers that have edits."""
    from accellium.dataset.offload.program import exports, plan_callers

    headers = header_files(others)
    units = {r: t for r, t in others.items() if r not in headers}
    ex = exports(source, plans, lang)
    if not ex.summaries:
        return {}
    out: dict[str, list[FunctionPlan]] = {}
    for rel, text in units.items():
        rest = [source] + [t for r, t in units.items() if r != rel]
        got = [p for p in plan_callers(text, ex, lang, rest) if p.edits]
        if got:
            out[rel] = got
    return out


def all_edits(plans: list[FunctionPlan]) -> list[PlanEdit]:
    """The edits of several plans of one source, in order; a line two plans add at the same
    place (a ``routine seq`` above a function both call) once."""
    seen: set[tuple[int, int, tuple[str, ...], int]] = set()
    out = []
    for p in plans:
        for e in p.edits:
            k = (e.row, int(e.rank), e.lines, e.delete)
            if k not in seen:
                seen.add(k)
                out.append(e)
    return sorted(out, key=lambda e: e.key())


def _valid_line(text: str) -> bool:
    s = text.strip()
    return s in ("{", "}") or is_one_line_pragma(s)


def edit_bytes(source: bytes, edits: list[PlanEdit]) -> list[tuple[int, int, bytes]]:
    """Byte edits ``(start, end, text)`` (sorted, not overlapping) for line edits: new lines end
    with the line break of the row they go above; removed rows go with their line break."""
    lines = LineIndex(source)
    n_rows = len(lines)
    groups: dict[int, tuple[int, bytes]] = {}  # start -> (end, text)
    order: list[int] = []
    for e in sorted(edits, key=lambda e: e.key()):
        if any(not _valid_line(t) for t in e.lines):
            raise ValueError(f"not a one-line OpenACC pragma or brace: {e.lines!r}")
        if e.row >= n_rows:
            start = len(source)
            eol = eol_for(lines, n_rows - 1)
            text = b"".join(eol + t.encode() for t in e.lines)
            end = start
        else:
            start = lines.starts[e.row]
            eol = eol_for(lines, e.row)
            text = b"".join(t.encode() + eol for t in e.lines)
            end = start
            if e.delete:
                last = min(n_rows - 1, e.row + e.delete - 1)
                end = lines.starts[last + 1] if last + 1 < n_rows else len(source)
        if start in groups:
            old_end, old_text = groups[start]
            groups[start] = (max(old_end, end), old_text + text)
        else:
            groups[start] = (end, text)
            order.append(start)
    return _merged(groups)


def _merged(groups: dict[int, tuple[int, bytes]]) -> list[tuple[int, int, bytes]]:
    """Insertions inside a removed range join it (they go where the removed rows were)."""
    out: list[tuple[int, int, bytes]] = []
    for start in sorted(groups):
        end, text = groups[start]
        if out and start < out[-1][1]:
            s0, e0, t0 = out[-1]
            out[-1] = (s0, max(e0, end), t0 + text)
        else:
            out.append((start, end, text))
    return out


def apply_plans(source: bytes, plans: list[FunctionPlan]) -> bytes:
    """``source`` with the plans' edits (unchanged when they have none)."""
    edits = all_edits(plans)
    if not edits:
        return source
    return splice(source, edit_bytes(source, edits))
