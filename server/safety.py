"""The safety guard: no pragma that asserts parallelism the loop does not have.

:func:`check` runs once on every answer of every engine, in :func:`server.suggest.suggest`
only, with the facts the engine saw (:meth:`LoopQuery.facts`: the query's scope and position,
when it has them):

* a ``loop`` nested in loops that already use a partitioning level keeps only the levels
  after theirs (``gang`` > ``worker`` > ``vector``; OpenACC 3.3, 2.9.2-2.9.4, and gcc rejects
  the rest: "inner loop uses same OpenACC parallelism as containing loop");
* ``async``/``wait`` clauses are removed: a per-loop suggestion cannot carry the ``wait`` that
  must follow the loop before the host reads its results; the note says where it goes;
* a loop whose body can leave it (``return``, ``goto`` out, ``break``, ``exit()``,
  ``longjmp``, ``throw``) gets no compute construct and no loop directive: gcc rejects them
  ("invalid branch to/from OpenACC structured block", "break statement used with ... for
  loop") and the device cannot leave the program;
* a loop directive (``loop``, ``parallel loop``, ...) needs a loop in canonical form
  (:mod:`accellium.dataset.analysis.loop_form`): on any other ``for`` there is no pragma, and
  a ``collapse`` covers only the nest's leading loops in that form (gcc rejects the rest;
  ``LoopFacts.collapse`` counts only those, and :func:`server.safety_data.fit_nest` cuts the
  clause to it); a loop whose body changes its variable, its bound or its step gets no pragma
  at all: the analysis reads the iterations the header counts, so neither a loop directive
  nor the data clauses of a construct around the loop fit it;
* a pragma that asserts parallelism (``parallel loop``, ``loop`` without ``seq``/``auto``,
  ``independent``, ``gang``/``worker``/``vector``) on a loop with a dependence becomes
  ``loop seq`` inside a compute region, and outside one ``kernels`` (the compiler parallelises
  only what it proves independent; in ``kernels`` a scalar is copied back, OpenACC 3.3,
  2.5.1) — or no pragma at all when a call's effects (I/O, hidden state, the heap, shared
  pointers) keep the loop on the host;
* outside a compute region, a loop that calls a function needing what only the host has (a
  stream or file other than the standard output, ``rand``'s state, the clock, the heap) gets
  no compute construct at all, ``serial`` included (gcc's nvptx build does not link
  ``fprintf(fp, ...)``; a device ``rand`` is not the program's sequence); printing on the
  standard output (``printf``, ``puts``) may run in a ``serial`` construct;
* outside a compute region, with the file known, a loop in a C inline definition (``inline``
  without ``static`` or ``extern``, C11 6.7.4p7: the file provides no external definition)
  gets no compute construct: the compiler outlines a construct's body and then no longer
  inlines the function, and its calls link to an external definition the program may not
  have (gcc: "undefined reference");
* outside a compute region, with the file known, a loop that calls (directly or through the
  file's functions and macros) a function with no device version here — defined elsewhere and
  named by no ``#pragma acc routine`` of the file — gets no compute construct: its GPU build
  does not link (OpenACC 3.3, 2.15.1); the functions the file defines get their ``routine
  seq`` line with the pragma (``suggest --apply``, the editor's quick fix) — unless one holds
  a compute construct of its own: a routine's body runs inside its callers' compute
  constructs, where none may start (OpenACC 3.3, 2.5, 2.15.1), so the loop gets none;
* ``kernels`` / ``kernels loop`` without ``independent``, a ``loop`` in a ``kernels``
  construct without ``independent`` (OpenACC treats both as ``auto``) and ``loop auto`` leave
  the decision to the compiler: kept, with a note;
* a parallel pragma gets the ``private`` scratch arrays and the ``reduction`` clauses of the
  reductions the code after the loop reads (a flag, too) that it lacks: without them
  iterations share the array, and the host never sees the reduced value;
* a pragma whose clauses name a variable declared only in a preprocessor group that does
  not hold the loop (``#if CHECK`` ... ``float *ref;`` ... ``#endif``) is no pragma: a build
  that skips the group rejects it (undeclared), one that keeps it needs the clause;
* inside a compute construct, a compute or ``data`` construct answered becomes ``loop``
  (:func:`server.safety_directive.in_compute_region`: gcc rejects the nesting), and an
  independent loop in the gang-redundant part of a ``parallel`` construct answered ``loop
  seq`` or only ``worker``/``vector`` gets ``gang`` (:func:`_shared_among_gangs`);
* a compute construct outside a compute region gets the data clauses its loop needs
  (:mod:`server.safety_data`): every array it dereferences through a pointer mapped with a
  section, in the direction the loop uses it, and no shared array in ``private``.

It never raises: on any internal failure the pragma is returned unchanged with a note.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from accellium.dataset.analysis import (
    LEVELS,
    ExitKind,
    LoopFacts,
    Note,
    NoteKind,
    compute_construct,
    enclosing_context,
    enclosing_level,
    gang_redundant,
)
from accellium.dataset.pragma import (
    COMPUTE_DIRECTIVES,
    DIRECTIVES,
    LOOP_DIRECTIVES,
    Clause,
    Pragma,
    PragmaError,
    parse,
)
from accellium.server.engines.base import LoopQuery
from accellium.server.safety_directive import in_compute_region, not_for_a_loop, orphaned_loop
from accellium.server.safety_scalars import scalar_clauses

_log = logging.getLogger(__name__)

__all__ = ["guard", "check", "safe_form", "inner_levels", "contained_levels", "asserts_parallel", "missing_private",
           "missing_reductions"]

_PARALLEL_LEVELS = ("gang", "worker", "vector", "independent")
# A sequential loop needs no reduction clause: one thread accumulates in order.
_KEEP_ON_SEQ = ("private", "firstprivate")
_ASYNC = ("async", "wait")
# Directives that own the loop as a structured block: an exit out of it is a branch out.
_OWNING = frozenset({"parallel", "kernels", "serial", "loop", "parallel loop", "kernels loop",
                     "serial loop", "data", "host_data"})
_COMPUTE = COMPUTE_DIRECTIVES
# `break` only leaves the loop: a data region or a compute construct that is not a loop
# directive may contain it (gcc accepts it), but a compute construct runs it on the device.
_BREAK_OK = frozenset({"data", "host_data"})


def asserts_parallel(pragma, compute: str = "none") -> bool:
    """True when the pragma claims the loop's iterations may run concurrently.

    ``compute`` is the innermost enclosing compute construct
    (:func:`accellium.dataset.analysis.compute_construct`): in a ``kernels`` construct — and
    on ``kernels loop`` — a loop without ``independent`` or ``seq`` is treated as ``auto``
    (OpenACC 3.3, 2.9.7): the compiler parallelises it only if it proves it independent.
    ``auto`` elsewhere asserts nothing the loop can rely on: the compiler may treat it as
    ``independent``, so it is judged as a parallel pragma."""
    d = pragma.directive
    if pragma.has("seq"):
        return False
    if pragma.has("independent"):
        return True
    if d == "kernels loop" or (d == "loop" and compute == "kernels"):
        return False
    if any(pragma.has(x) for x in _PARALLEL_LEVELS):
        return True
    # `auto` outside `kernels` too: in a `parallel` construct the compiler may run the
    # iterations concurrently (gcc partitions such a loop), or else every gang runs all of them
    return d in ("parallel loop", "loop")


def _named(pragma) -> set[str]:
    return {v for c in pragma.clauses
            if c.name.lower() in ("private", "firstprivate", "reduction")
            for v in c.variables()}


def missing_private(pragma, facts, compute: str = "none") -> list[str]:
    """The loop's scratch arrays and scratch scalars (``facts``: its LoopFacts) a parallel
    ``pragma`` shares between iterations (not named in ``private``/``firstprivate``/
    ``reduction``).

    A scratch scalar is one declared before the loop that every iteration assigns before it
    reads it (``facts.private``; one declared in the body is private by C's scoping).  In a
    compute construct such a scalar is firstprivate to each gang (OpenACC 3.3, 2.5.1) and so
    shared by the workers and vector lanes of that gang, and in ``kernels`` it is copied
    (shared by all): only ``private`` on the loop gives each iteration its own."""
    if not facts.private or not asserts_parallel(pragma, compute):
        return []
    named = _named(pragma)
    return [a for a in facts.private if a not in named]


def missing_reductions(pragma, facts, compute: str = "none"
                       ) -> list[tuple[str, str]]:
    """The reductions (op, variable) of scalars the code after the loop reads
    (``facts.live_out``) that a parallel ``pragma`` does not name in any clause: without the
    clause the host never sees their value (a scalar is firstprivate in the construct).
    Without the code after the loop (no scope: a snippet) every reduction counts as read
    there: an accumulation exists for its result, and a reduction clause the code does not
    need costs one combine, while a missing one loses the value."""
    if not facts.reductions or not asserts_parallel(pragma, compute):
        return []
    named = _named(pragma)
    live = set(facts.live_out)
    return [(o, v) for o, v in facts.reductions
            if (v in live or not facts.scoped) and v not in named]


def guard(query: LoopQuery, pragma_text: str | None) -> tuple[str | None, list[Note]]:
    """Check ``pragma_text`` against the loop's facts; return the (possibly rewritten) pragma
    and notes saying why. (The text form of :func:`check`, for tools and tests: the pipeline,
    :func:`server.suggest.suggest`, calls :func:`check` on the parsed pragma.)"""
    if pragma_text is None:
        return None, []
    if not isinstance(pragma_text, str):
        return None, [Note("the answer is not text", NoteKind.GUARD)]
    try:
        p = parse(pragma_text)
    except PragmaError:
        return pragma_text, []
    out, notes = check(query, p)
    return (None if out is None else out.render()), notes


def check(query: LoopQuery, p: Pragma) -> tuple[Pragma | None, list[Note]]:
    """Check the parsed pragma ``p`` against the loop's facts (:meth:`LoopQuery.facts`, the
    analysis the engine saw); return the (possibly rewritten) pragma and notes saying why.
    Never raises, and fails closed: on an internal failure the loop gets no pragma (an
    unchecked one may race or fault on a GPU; the host runs the loop right) and a note says
    so; the error is logged."""
    try:
        out, notes = _check(query, p)
        if out is not None and out.directive in _COMPUTE:
            stay = _undeclared_in_routines(query)
            if stay is not None:
                return None, notes + [stay]
        return out, notes
    except Exception as e:
        _log.exception("safety check failed on `%s`", p.render())
        return None, [Note(f"safety check failed ({type(e).__name__}): `{p.render()}` could "
                           "not be checked, so no pragma (the host runs the loop as written)",
                           NoteKind.GUARD)]


def _level(c: Clause) -> int | None:
    """The partitioning level a clause names (its index in ``LEVELS``); None for any other
    clause and for ``gang(dim:...)`` (nested gang dimensions, left to the user)."""
    name = c.name.lower()
    if name not in LEVELS or (name == "gang" and "dim" in (c.args or "")):
        return None
    return LEVELS.index(name)


def _without_levels(p: Pragma, dropped: Callable[[int], bool]) -> tuple[Pragma, str]:
    """``p`` without its level clauses whose level ``dropped`` accepts, and those clauses as
    the note shows them (empty: none)."""
    drop = [c for c in p.clauses if (k := _level(c)) is not None and dropped(k)]
    if not drop:
        return p, ""
    return Pragma(p.directive, tuple(c for c in p.clauses if c not in drop)), \
        ", ".join(f"`{c.render()}`" for c in drop)


def inner_levels(p: Pragma, enclosing) -> tuple[Pragma, Note | None]:
    """``p`` without the ``gang``/``worker``/``vector`` clauses an enclosing loop directive
    already uses or uses inside of (:func:`accellium.dataset.analysis.enclosing_level`), on
    a ``loop`` directive; a ``gang(dim:...)`` (nested gang dimensions) is kept.  The note
    names what was left out (None when nothing was)."""
    if p.directive != "loop":
        return p, None
    outer = enclosing_level(enclosing or ())
    if outer < 0:
        return p, None
    out, left = _without_levels(p, lambda k: k <= outer)
    if not left:
        return p, None
    return out, Note(
        f"{left} left out: an enclosing loop already uses `{LEVELS[outer]}`, and a nested "
        "loop may only use the levels inside it (OpenACC 3.3, 2.9.2-2.9.4)", NoteKind.GUARD)


def contained_levels(p: Pragma, code: str) -> tuple[Pragma, Note | None]:
    """``p`` without the ``gang``/``worker``/``vector`` clauses that a ``loop`` directive of an
    inner loop of ``code`` (the loop's text) uses or uses outside of: a loop may use only the
    levels outside those of the loops it contains (OpenACC 3.3, 2.9.2-2.9.4; gcc: "inner loop
    uses same OpenACC parallelism as containing loop", "incorrectly nested OpenACC loop
    parallelism").  ``gang(dim:...)`` on either side is left to the user.  The note names what
    was left out (None when nothing was)."""
    from accellium.server.safety_data import inner_loop_directives

    inner = len(LEVELS)
    for line in inner_loop_directives(code):
        try:
            q = parse("#pragma acc " + line.rstrip(" \\"))
        except PragmaError:
            continue
        inner = min([inner, *(k for c in q.clauses if (k := _level(c)) is not None)])
    out, left = _without_levels(p, lambda k: k >= inner)
    if not left:
        return p, None
    return out, Note(
        f"{left} left out: a loop inside it already uses `{LEVELS[inner]}`, and a loop may only "
        "use the levels outside those of the loops it contains (OpenACC 3.3, 2.9.2-2.9.4)",
        NoteKind.GUARD)


def _levels(p: Pragma, enclosing: tuple[str, ...], code: str) -> tuple[Pragma, list[Note]]:
    """:func:`inner_levels`, :func:`contained_levels` then :func:`level_arguments`, and their
    notes."""
    p, outer = inner_levels(p, enclosing)
    p, inner = contained_levels(p, code)
    p, args = level_arguments(p, compute_construct(enclosing))
    p, dims = gang_dimensions(p, enclosing)
    return p, [n for n in (outer, inner, args, dims) if n is not None]


def gang_dimensions(p: Pragma, enclosing: Sequence[str]) -> tuple[Pragma, Note | None]:
    """``p`` with its ``gang(dim:d)`` read as ``gang`` where no enclosing directive names a
    gang dimension: the ``dim`` argument (OpenACC 3.3, 2.9.2) numbers the levels of a nest
    whose loops each name theirs, while the loops below a suggestion name none; gcc does not
    implement it ("'dim' undeclared"), and at the top of a nest ``gang`` partitions the loop
    across the gangs as ``gang(dim:1)`` does.  Inside the programmer's own nest of
    dimensions the argument is theirs and stays.  The note says what was left out (None when
    nothing was)."""
    if any(re.search(r"\bgang\s*\([^)]*\bdim\s*:", e) for e in enclosing):
        return p, None
    out: list[Clause] = []
    dropped: list[str] = []
    for c in p.clauses:
        parts = [a.strip() for a in (c.args or "").split(",")]
        if c.name.lower() != "gang" or not any(re.match(r"dim\s*:", a) for a in parts):
            out.append(c)
            continue
        keep = [a for a in parts if not re.match(r"dim\s*:", a)]
        dropped.append(c.render())
        out.append(Clause(c.name, ", ".join(keep) if keep else None))
    if not dropped:
        return p, None
    shown = ", ".join(f"`{d}`" for d in dropped)
    return Pragma(p.directive, tuple(out)), Note(
        f"{shown}: the `dim` argument is left out — it numbers the gang dimensions of a nest "
        "whose loops each name theirs (OpenACC 3.3, 2.9.2), no loop here names one, and gcc "
        "does not implement it; `gang` partitions the loop across the gangs", NoteKind.GUARD)


def level_arguments(p: Pragma, compute: str) -> tuple[Pragma, Note | None]:
    """``p`` without the count arguments of its ``gang``/``worker``/``vector`` clauses
    (``gang(32)``, ``num:``, ``vector(length:128)``) where the loop's compute construct is a
    ``parallel`` or ``serial`` one (combined, or enclosing a ``loop``), or where a ``loop``
    has none: OpenACC allows them only in a ``kernels`` construct — in the others the
    construct's ``num_gangs``/``num_workers``/``vector_length`` say how many (OpenACC 3.3,
    2.9.2-2.9.4; gcc: "argument not permitted on 'gang' clause").  ``static:`` and ``dim:``
    stay; the note names what was left out (None when nothing was)."""
    head = p.directive.split()[0]
    if p.directive in ("parallel loop", "serial loop"):
        parent = head
    elif p.directive == "loop":
        parent = compute
    else:
        return p, None
    if parent == "kernels":
        return p, None
    out: list[Clause] = []
    dropped: list[str] = []
    for c in p.clauses:
        if (_level(c) is None and c.name.lower() != "gang") or not c.args:
            out.append(c)
            continue
        parts = [a.strip() for a in c.args.split(",")]
        keep = [a for a in parts if re.match(r"(static|dim)\s*:", a)]
        if len(keep) < len(parts):
            dropped.append(c.render())
        out.append(Clause(c.name, ", ".join(keep) if keep else None))
    if not dropped:
        return p, None
    where = f"a `{parent}` construct" if parent in ("parallel", "serial") else \
        "a `loop` outside any compute construct"
    shown = ", ".join(f"`{d}`" for d in dropped)
    return Pragma(p.directive, tuple(out)), Note(
        f"{shown}: the count is left out — in {where} `gang`, `worker` and `vector` take no "
        "count (only in `kernels`; the construct's `num_gangs`, `num_workers` and "
        "`vector_length` set them), and gcc rejects it (OpenACC 3.3, 2.9.2-2.9.4)",
        NoteKind.GUARD)


def _without_async(p: Pragma, code: str, first_line: int) -> tuple[Pragma, list[Note]]:
    """``p`` without ``async``/``wait`` clauses, and the note on where the ``wait`` goes."""
    dropped = [c for c in p.clauses if c.name.lower() in _ASYNC and c.name != p.directive]
    if not dropped:
        return p, []
    queue = next((c.args for c in dropped if c.name.lower() == "async" and c.args), None)
    wait = f"#pragma acc wait({queue})" if queue else "#pragma acc wait"
    last = first_line + max(1, len(code.rstrip().splitlines())) - 1
    shown = " ".join(c.render() for c in dropped)
    return Pragma(p.directive, tuple(c for c in p.clauses if c not in dropped)), [Note(
        f"`{shown}` left out: a suggestion for one loop cannot carry the matching wait; to run "
        f"it asynchronously add `{shown}` and put `{wait}` after the loop (line {last}), "
        "before the host reads what the loop computes", NoteKind.GUARD, None, last)]


def _with_clauses(p: Pragma, private: list[str], reductions: list[tuple[str, str]]) -> Pragma:
    """``p`` with the scratch arrays added to ``private`` and the reductions added."""
    out, done = [], False
    for c in p.clauses:
        if c.name.lower() == "private" and not done and private:
            c = Clause(c.name, ", ".join(([c.args] if c.args else []) + private))
            done = True
        out.append(c)
    if private and not done:
        out.append(Clause("private", ", ".join(private)))
    by_op: dict[str, list[str]] = {}
    for o, v in reductions:
        by_op.setdefault(o, []).append(v)
    out.extend(Clause("reduction", f"{o}:{','.join(vs)}") for o, vs in by_op.items())
    return Pragma(p.directive, tuple(out))


def _completed(p: Pragma, facts: LoopFacts, compute: str) -> tuple[Pragma, list[Note]]:
    """Add the private scratch arrays and the reductions a parallel pragma lacks."""
    allowed = DIRECTIVES.get(p.directive, frozenset())
    private = missing_private(p, facts, compute) if "private" in allowed else []
    reductions = missing_reductions(p, facts, compute) if "reduction" in allowed else []
    notes = []
    if private:
        names = ", ".join(f"`{a}`" for a in private)
        many = len(private) > 1
        arrays = [a for a in private if a in facts.private_arrays]
        kind = ("scalar", "array")[bool(arrays)] if not many else \
            "arrays" if len(arrays) == len(private) else "scalars" if not arrays else "data"
        notes.append(Note(f"{names}: scratch {kind} of each iteration; `private` added so "
                          f"that iterations do not share {'them' if many else 'it'}",
                          NoteKind.GUARD, private[0]))
    if reductions:
        after = ("the code after the loop reads it" if facts.scoped else
                 "the code after the loop (not given) is assumed to read it")
        notes.append(Note("reduction added for "
                          + ", ".join(f"`{v}` ({o})" for o, v in reductions)
                          + f": {after}, and without the clause the host never sees the "
                          "loop's value", NoteKind.GUARD, reductions[0][1]))
    if not private and not reductions:
        return p, notes
    return _with_clauses(p, private, reductions), notes


def _exits(p: Pragma, facts: LoopFacts) -> list[Note] | None:
    """None when the pragma may stay; else the notes on why the loop gets none."""
    if not facts.exits or p.directive not in _OWNING:
        return None
    if all(e.kind is ExitKind.BREAK for e in facts.exits) and p.directive in _BREAK_OK:
        return None
    e = facts.exits[0]
    if e.kind is ExitKind.ENTRY:
        return [Note(f"{e.describe()}: `{p.render()}` would be entered past its start, its "
                     "data clauses skipped (OpenACC 3.3, 1.6: no branch into a structured "
                     "block); no pragma", NoteKind.EXIT, None, e.line)]
    return [Note(f"early exit: {e.describe()} leaves the loop: `{p.render()}` would contain a "
                 "branch out of its block (gcc rejects it) or leave the program from the "
                 "device; no pragma", NoteKind.EXIT, e.call or None, e.line)]


def _rewrite(p: Pragma, facts: LoopFacts, in_region: bool, why: Note
             ) -> tuple[Pragma | None, list[Note]]:
    """The sequential form of an unsafe parallel pragma, and the note (about the dependence
    or exit ``why`` names)."""
    def note(text: str) -> Note:
        return Note(f"{why}: {text}", NoteKind.GUARD, why.variable, why.line)

    if p.directive == "loop" or in_region:
        kept = tuple(c for c in p.clauses if c.name.lower() in _KEEP_ON_SEQ)
        safe = Pragma("loop", (Clause("seq"),) + kept)
        return safe, [note(f"`{p.render()}` would run it in parallel; using `loop seq`")]
    if facts.device_unsafe_calls:
        return None, [note(f"`{p.render()}` would run it in parallel on the device; no "
                           "pragma (the calls keep the loop on the host)")]
    allowed = DIRECTIVES["kernels"]
    kept = tuple(Clause(c.name, c.args) for c in p.clauses
                 if c.name.lower() in allowed and c.name.lower() not in ("num_gangs",
                                                                         "num_workers",
                                                                         "vector_length"))
    return Pragma("kernels", kept), [note(
        f"`{p.render()}` would run it in parallel; using `kernels`, which leaves the loop "
        "sequential unless the compiler proves otherwise")]


def _compiler_decides(pragma: Pragma, compute: str = "none") -> bool:
    """In a ``kernels`` construct the compiler runs a loop in parallel only where it proves
    the iterations independent (OpenACC 3.3, 2.9.7); in a ``parallel`` construct an ``auto``
    loop it does not partition runs in every gang (gang-redundant, 2.5.1), repeating its
    writes and accumulations, so ``auto`` leaves nothing to the compiler there."""
    return (pragma.directive in ("kernels", "kernels loop")
            or (pragma.directive == "loop" and compute == "kernels"))


def _without_auto(p: Pragma, compute: str) -> tuple[Pragma, list[Note]]:
    """A loop the analysis proves independent, in a ``parallel`` construct: ``auto`` left out
    (:func:`_compiler_decides`: a compiler that runs it sequentially runs it in every gang)."""
    if not p.has("auto") or _compiler_decides(p, compute) or not asserts_parallel(p, compute):
        return p, []
    return Pragma(p.directive, tuple(c for c in p.clauses if c.name.lower() != "auto")), [
        Note("`auto` left out: the iterations are independent, and in a `parallel` construct "
             "a compiler that kept the loop sequential would run it in every gang "
             "(gang-redundant, OpenACC 3.3, 2.5.1, 2.9.7)", NoteKind.GUARD)]


def _shared_among_gangs(p: Pragma, facts: LoopFacts, enclosing: tuple[str, ...], code: str
                        ) -> tuple[Pragma, list[Note]]:
    """An independent loop in the gang-redundant part of a ``parallel`` construct
    (:func:`~accellium.dataset.analysis.gang_redundant`) with a ``loop`` directive that does
    not share it out among the gangs — ``seq``, or only ``worker``/``vector`` — runs every
    iteration in every gang, repeating its updates (``a[i] *= 2`` is applied once per gang;
    OpenACC 3.3, 2.5.1, 2.9.2): ``gang`` added (``seq`` left out).  Not for a reduction: its
    value would be combined per gang, and the construct's own ``reduction`` clause is the
    user's.  Nor inside a loop that uses ``worker`` or ``vector``: no ``gang`` loop may be
    nested there (2.9.2; gcc: "incorrectly nested OpenACC loop parallelism"); nor over a loop
    with a ``loop`` directive of its own, which shares the work out (``loop seq`` over an inner
    ``loop gang`` is the usual form, and ``gang`` on both does not compile)."""
    from accellium.server.safety_data import holds_loop_directive

    if p.directive != "loop" or p.has("gang") or facts.reductions or \
            not (p.has("seq") or p.has("worker") or p.has("vector")) or \
            enclosing_level(enclosing) >= 0 or holds_loop_directive(code) or \
            not gang_redundant(enclosing):
        return p, []
    kept = tuple(c for c in p.clauses if c.name.lower() != "seq")
    was = "`seq`" if p.has("seq") else "only `worker`/`vector`"
    return Pragma("loop", (Clause("gang"),) + kept), [Note(
        f"`gang` added{' (`seq` left out)' if p.has('seq') else ''}: the iterations are "
        f"independent, and with {was} the enclosing `parallel` construct, which no loop shares "
        "out among its gangs above this one, runs every iteration in every gang (OpenACC 3.3, "
        "2.5.1, 2.9.2)", NoteKind.GUARD)]


def _run_by_every_gang(p: Pragma, enclosing: tuple[str, ...]) -> list[Note]:
    """The note on a sequential ``loop`` (a loop with a dependence) in the gang-redundant part
    of a ``parallel`` construct: no pragma of its own makes it run once there."""
    if p.directive != "loop" or not p.has("seq") or not gang_redundant(enclosing):
        return []
    return [Note("the enclosing `parallel` construct runs this loop in every gang (no loop "
                 "above it shares the work among the gangs, OpenACC 3.3, 2.5.1): its writes "
                 "are repeated once per gang; for a loop that must run once, make that "
                 "construct `serial` or give it `num_gangs(1)`", NoteKind.GUARD)]


def safe_form(query: LoopQuery, p: Pragma) -> Pragma | None:
    """What the guard makes of ``p`` (the same rules as :func:`check`), without its notes: the
    ``auto`` engine ranks its candidates in this form, so that the answer the pipeline's guard
    sees already passes it. Not a guard run: the notes and the decision on the answer are
    :func:`check`'s, in :func:`server.suggest.suggest`."""
    try:
        return _check(query, p)[0]
    except Exception:
        return p


def _why(facts: LoopFacts) -> Note:
    """The dependences (two at most) and the exit that make the loop unsafe, as one note."""
    first = facts.carried[0] if facts.carried else None
    text = "; ".join([d.message for d in facts.carried[:2]]
                     + [f"early exit: {e}" for e in facts.early_exits[:1]])
    if first is not None:
        return Note(text, NoteKind.DEPENDENCE, first.var, first.line)
    e = facts.exits[0]
    return Note(text, NoteKind.EXIT, e.call or None, e.line)


def _check(query: LoopQuery, p: Pragma) -> tuple[Pragma | None, list[Note]]:
    code = query.code if isinstance(query.code, str) else ""
    facts = query.facts()
    p, notes = _without_async(p, code, facts.first_line)
    enclosing = tuple(e for e in (query.enclosing or ()) if isinstance(e, str))
    compute = compute_construct(enclosing)
    p, moved = in_compute_region(p, compute)
    p, bound = orphaned_loop(p, facts, compute)
    notes = notes + [Note(m, NoteKind.GUARD, None, facts.first_line) for m in moved + bound]
    problem = not_for_a_loop(p, facts, code)  # whatever the code: a directive's own rule
    if problem is not None:
        return None, notes + [Note(problem, NoteKind.GUARD, None, facts.first_line)]
    if not facts.parsed:
        return p, notes
    p, more = scalar_clauses(p, facts)
    notes = notes + more
    stop = _exits(p, facts)
    if stop is not None:
        return None, notes + stop
    if facts.loop_form and not facts.header_form:
        # the body changes what the header counts: no loop directive (its iterations would
        # run apart), and no other pragma either — the analysis reads the header's iterations,
        # so its sections and which elements the loop writes do not hold for this loop
        return None, notes + [Note(
            f"the loop is not in the canonical form a loop directive needs: "
            f"{facts.loop_form}; no pragma (gcc takes `{p.directive}` there; the iterations "
            "and the data the loop touches are not the ones its header shows)",
            NoteKind.GUARD, None, facts.first_line)]
    if p.directive in LOOP_DIRECTIVES and facts.loop_form:
        return None, notes + [Note(
            f"the loop's header is not in the canonical form a loop directive needs: "
            f"{facts.loop_form} (OpenACC 3.3, 2.9; gcc rejects `{p.directive}` on it); "
            "no pragma", NoteKind.GUARD, None, facts.first_line)]
    if facts.in_routine and p.directive in _COMPUTE:
        kept = tuple(c for c in p.clauses if c.name.lower() in _KEEP_ON_SEQ)
        return Pragma("loop", (Clause("seq"),) + kept), notes + [Note(
            f"`{p.directive}`: the loop is in an `acc routine` function, which runs inside its "
            "callers' compute constructs, where none may start (OpenACC 3.3, 2.15.1); using "
            "`loop seq`", NoteKind.GUARD)]
    stay = _host_bound(query, p, facts, code)
    if stay is not None:
        return None, notes + [stay]
    p, level_notes = _levels(p, enclosing, code)
    notes = notes + level_notes
    if p.directive == "data" and not p.clauses:
        return None, notes + [Note("`#pragma acc data` without clauses puts nothing on the "
                                   "device (OpenACC 3.3, 2.6.5): no pragma", NoteKind.GUARD)]
    if facts.safe:
        p, unauto = _without_auto(p, compute)
        p, ganged = _shared_among_gangs(p, facts, enclosing, code)
        unauto = unauto + ganged
        p, more = _completed(p, facts, compute)
        return _with_data(p, facts, notes + unauto + more, query)
    why = _why(facts)
    if not asserts_parallel(p, compute):
        if _compiler_decides(p, compute):
            if facts.device_unsafe_calls and not facts.in_region:
                return None, notes + [Note(f"{why}; no pragma (the calls keep the loop on the "
                                           "host)", NoteKind.GUARD, why.variable, why.line)]
            return _with_data(p, facts, notes + [
                Note(f"{why}; `{p.directive}` leaves it to the compiler, which should keep the "
                     "loop sequential", NoteKind.GUARD, why.variable, why.line)], query)
        return _with_data(p, facts, notes + _run_by_every_gang(p, enclosing), query)
    in_region, _, _ = enclosing_context(enclosing)
    out, more = _rewrite(p, facts, in_region, why)
    if out is not None:
        return _with_data(out, facts, notes + more + _run_by_every_gang(out, enclosing), query)
    return out, notes + more


def _host_bound(query: LoopQuery, p: Pragma, facts: LoopFacts, code: str) -> Note | None:
    """Why no compute construct can run the loop, outside a compute region, because of what it
    calls or of its variable (None: nothing keeps it on the host).  The loop's variable is
    private in a compute construct (OpenACC 3.3, 2.6.1), so one the code after the loop reads
    keeps the host's old value; and a pointer variable reaches memory no data clause here
    maps (its extent is not derived)."""
    if facts.in_region or p.directive not in _COMPUTE:
        return None
    var = facts.index_vars[0] if facts.index_vars else ""
    if var and var in facts.live_out:
        return Note(f"`{var}`, the loop's variable, is read after the loop: it is private in "
                    f"`{p.directive}` (OpenACC 3.3, 2.6.1), so the host would keep its old "
                    f"value; no pragma (assign `{var}` its final value after the loop, or read "
                    "another variable there, and the loop can take one)", NoteKind.GUARD, var,
                    facts.first_line)
    if facts.index_pointer and not any(n in facts.present or n in facts.mapped_in_file
                                       for n in facts.index_origin):
        return Note(f"the loop's variable `{var}` is a pointer: the memory it walks has no "
                    f"section here and no data directive of this file names where it starts, "
                    f"so `{p.directive}` would dereference host addresses on a GPU; no pragma "
                    "(index the array with an integer variable, or map it in a data region "
                    "around the loop, and the loop can take one)", NoteKind.GUARD, var,
                    facts.first_line)
    if facts.inline_definition:
        return Note(
            "the loop's function is an inline definition (`inline` without `static` or "
            "`extern`, C11 6.7.4p7): this file provides no external definition of it, and a "
            "compute construct in its body makes the compiler outline the body and call the "
            "external definition, which then does not link; no pragma, the loop stays on the "
            "host (declare the function `static inline`, or give it an external definition, "
            "and the loop can take one)", NoteKind.GUARD, None, facts.first_line)
    host = facts.host_only_call
    if host is not None:
        return Note(
            f"`{host.var}(...)` (line {host.line}) needs what only the host has (a file or "
            "stream other than the standard output, the host's random state, clock or heap): "
            "no compute construct can run the loop; no pragma, the loop stays on the host",
            NoteKind.GUARD, host.var, host.line)
    extended = getattr(facts, "extended_floats", None)
    if extended:
        name, line = extended[0]
        return Note(
            f"`{name}` (line {line}) is a `long double`, an 80-bit format on the host that a "
            "GPU has no arithmetic for: gcc's nvptx offload compiler stops on it (\"80-bit-"
            "precision floating-point numbers unsupported\"), so the program would not build "
            "for a GPU; no pragma, the loop stays on the host (compute in `double` on the "
            "device)", NoteKind.GUARD, name, line)
    if facts.variable_arrays:
        name, line = facts.variable_arrays[0]
        before = line < facts.first_line  # declared before the loop: privatised by it
        return Note(
            f"`{name}` (line {line}) is a variable length array (its size is no integer "
            "constant expression, C11 6.7.6.2p4): under a compute construct "
            + ("each gang's or lane's private copy of it" if before else "each iteration")
            + " would be allocated on the device's stack at run time, which gcc's nvptx "
            "offload compiler rejects (\"target cannot support alloca\"), so the program "
            "would not build for a GPU; no pragma, the loop stays on the host ("
            + ("give the array a constant size, or one row per iteration in an array the "
               "loop indexes" if before else "give the array a constant size, or declare it "
               "before the loop and offload the loops inside") + ")",
            NoteKind.GUARD, name, line)
    if facts.address_stores:
        where, line = facts.address_stores[0]
        return Note(
            f"`{where}` (line {line}) stores an address the loop computes: in a compute "
            "construct it is a device address (OpenACC 3.3, 2.6.8, 2.7), which the host "
            "cannot use once the memory it is stored in comes back; no pragma, the loop stays "
            "on the host", NoteKind.GUARD, where, line)
    alone = _without_device_version(query, code) if facts.scoped else []
    if alone:
        return _no_device_version(alone, code, facts.first_line)
    own = _with_compute_construct(query, code) if facts.scoped else []
    if own:
        shown = ", ".join(f"`{n}`" for n in own[:3]) + (" and more" if len(own) > 3 else "")
        return Note(
            f"the loop calls {shown} (directly or through the file's functions), which holds "
            "a compute construct of its own: on the device it would have to be an `acc "
            "routine`, inside which no compute construct may start (OpenACC 3.3, 2.5, "
            "2.15.1; gcc rejects it); no pragma, the loop stays on the host",
            NoteKind.GUARD, own[0])
    return None


def _undeclared_in_routines(query: LoopQuery) -> Note | None:
    """Why a compute construct on the query's loop cannot be built: a function it calls, which
    would need ``#pragma acc routine seq``, names a file-scope variable no ``declare`` puts on
    the device (:func:`undeclared_in_routines`; None: none does, or the file is not known)."""
    from accellium.dataset.offload.routines import undeclared_in_routines

    code = query.code if isinstance(query.code, str) else ""
    if query.scope is None:
        return None
    got = _called_in_file(query, code, undeclared_in_routines)
    return Note(f"the loop {got[0]}; no pragma, the loop stays on the host",
                NoteKind.GUARD) if got else None


def _with_compute_construct(query: LoopQuery, code: str) -> list[str]:
    """The functions of the file a compute construct on the query's loop would call that hold
    a compute construct (:func:`accellium.dataset.offload.routines.with_compute_construct`)."""
    from accellium.dataset.offload.routines import with_compute_construct

    return _called_in_file(query, code, with_compute_construct)


def _without_device_version(query: LoopQuery, code: str) -> list[str]:
    """The functions a compute construct on the query's loop would call that no ``acc routine``
    line of its file can compile for the device (:func:`accellium.dataset.offload.routines.
    without_device_version`, with the macros of the headers the loop uses)."""
    from accellium.dataset.offload.routines import without_device_version

    routines = query.scope.routines if query.scope is not None else frozenset()
    # a function a header declares a device routine has one (OpenACC 3.3, 2.15.1)
    return [n for n in _called_in_file(query, code, without_device_version)
            if n not in routines]


def _called_in_file(query: LoopQuery, code: str,
                    find: Callable[[str, str, int, int], list[str]]) -> list[str]:
    """``find`` over the loop's bytes in its file, with the macros of the headers the loop
    uses ([] without the file, or for a loop that calls nothing)."""
    from accellium.dataset.analysis.casts import header_types
    from accellium.dataset.analysis.macros import header_macros
    from accellium.dataset.offload.routines import may_call

    scope = query.scope
    if scope is None or not may_call(code, scope.lang):
        return []
    end = scope.offset + len(code.encode("utf-8", "surrogateescape"))
    with header_macros(lambda _at: scope.defines), header_types(scope.types):
        return find(scope.source, scope.lang, scope.offset, end)


def _no_device_version(names: list[str], code: str, first_line: int) -> Note:
    """The note on a loop that calls ``names`` (none with a device version): each with the
    line of its call in the loop, or as reached through the file's functions."""
    shown = []
    for n in names[:3]:
        m = re.search(rf"\b{re.escape(n)}\s*\(", code)
        where = f"line {first_line + code.count(chr(10), 0, m.start())}" if m else \
            "called by an operator, a definition or the end of life of an object of its " \
            "class" if "::" in n else \
            "called by a function of this file the loop calls"
        shown.append(f"`{n}` ({where})")
    one = len(names) == 1
    # every one a member of an object (`routines.member_callees`): no routine line can go
    fix = ("Take what the member gives (`n = v.size()`, `p = v.data()`) in a variable before "
           "the loop and use that, and the loop can take one"
           if all("." in n or "->" in n for n in names) else
           # a class's member: gcc takes the line at file or namespace scope only
           f"Give {'it' if one else 'them'} a definition at file or namespace scope, outside "
           "any class, with `#pragma acc routine seq` above it, and the loop can take one"
           if all("::" in n for n in names) else
           f"Put `#pragma acc routine seq` above {'its' if one else 'their'} declaration and "
           "definition, and the loop can take one")
    return Note(f"the loop calls {', '.join(shown)}{' and more' if len(names) > 3 else ''}, "
                f"which {'has' if one else 'have'} no device version here (defined in another "
                "file and named by no `#pragma acc routine` of this one, a member of an object, "
                f"or defined where no such line can go): a compute construct calling "
                f"{'it' if one else 'them'} does not link for a GPU (OpenACC 3.3, 2.15.1); no "
                f"pragma. {fix}", NoteKind.GUARD, names[0])


def _with_data(p: Pragma, facts: LoopFacts, notes: list[Note], query: LoopQuery
               ) -> tuple[Pragma | None, list[Note]]:
    """The pragma with the data clauses its loop needs (:mod:`server.safety_data`);
    ``query.mapped_by_caller``: see :class:`LoopQuery`."""
    from accellium.server.safety_data import (
        complete_data,
        default_none,
        device_addresses,
        fit_nest,
        gang_level,
        held_members,
        in_every_build,
        inherited_items,
        justified_device_data,
        one_gang,
        passed_alike,
        pointed_pairs,
        pointers_with_sections,
        reassigned_pointers,
        visible_names,
    )

    code = query.code if isinstance(query.code, str) else ""
    more: list[str] = []
    p = visible_names(p, facts, more)
    if p is not None:
        p = fit_nest(p, facts, more, code, query.scope, query.lang)
        p = one_gang(gang_level(p, facts, more), facts, more, code)
        p = pointers_with_sections(p, facts, more)
        p = device_addresses(justified_device_data(p, facts, more), facts, more)
    if p is not None:
        p = complete_data(p, facts, more)
    p = pointed_pairs(passed_alike(p, facts, more), facts, more)
    p = reassigned_pointers(p, facts, more)
    if p is not None and not query.mapped_by_caller:
        p = held_members(p, facts, more)
    if p is not None:
        p = inherited_items(in_every_build(default_none(p, facts, more), facts, more),
                            facts, more)
    used = set(facts.arrays) | set(facts.sections)
    dev = [v for v in facts.device_addresses if v in used]
    if p is None and dev:  # OpenACC 3.3, 3.2.24: acc_malloc's memory has no host copy
        more.append(", ".join(f"`{v}`" for v in dev) + (" holds" if len(dev) == 1 else " hold")
                    + " a device address (acc_malloc): on the host this loop dereferences device memory (a fault on a GPU "
                    "build); it needs a compute construct with `deviceptr` once the reason "
                    "above is resolved")
    return p, notes + [Note.of(m, NoteKind.GUARD) for m in more]
