"""``accellium eval --dynamic MANIFEST --offload``: each pragma-stripped program with the offload
plan applied to every function of its ``annotate`` files (the code path of ``accellium
suggest --offload --apply``) and the data regions the program's other sources get around their
calls of those functions (``--program``: docs/offload.md, item 10), and the figures that compare it with the authors' pragmas and
the per-loop suggestions: verification and the bytes the emulated data environment moved."""

from __future__ import annotations

import shlex
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accellium.dataset.analysis.conditions import Defines, command_line
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.includes import Included, read_includes
from accellium.dataset.loops import detect_lang, parse_tree
from accellium.dataset.offload.calls import Summary
from accellium.dataset.offload.plan import functions_in
from accellium.dataset.offload.program import (
    Exports,
    code_files,
    exports,
    header_files,
    plan_callers,
    uncalling_units,
)
from accellium.dataset.offload.routines import callees
from accellium.evaluation.dynamic.accpragmas import strip_acc_keep_lines
from accellium.evaluation.dynamic.variants import CAUSES

__all__ = ["annotate_with_plan", "offload_metrics", "offload_coverage", "program_headers",
           "compile_include_dirs", "compile_defines"]


def annotate_with_plan(files: dict[str, bytes], engine, per_loop: bool = False,
                       program: dict[str, bytes] | None = None, folder: Path | None = None,
                       include_dirs: Sequence[Path] = (), predefined: Defines | None = None
                       ) -> tuple[dict[str, bytes], list[dict], list[str]]:
    """Strip the authors' pragmas and apply the offload plan of every function (``per_loop``:
    the same loops, each with its own data clauses and no region — the baseline).
    ``program``: every source file the manifest links into the program (path -> text; its
    data files are left out, :func:`.program.code_files`): the
    plan of one file then sees every call of its functions (a function with external linkage
    can only be called from them); ``folder``: the program's, where the files' local headers
    are read (:func:`program_headers`, with the ``include_dirs`` and the ``predefined``
    macros of its compile command)."""
    from accellium.server.offload import apply_plans, offload_source

    program = code_files(program) if program is not None else None
    out: dict[str, bytes] = {}
    rows: list[dict] = []
    errors: list[str] = []
    ex = Exports()
    stripped_files: dict[str, bytes] = {}
    own_plans: dict[str, list] = {}
    offloading = {} if per_loop else _offloading(files, engine, program, folder,
                                                  include_dirs, predefined)
    for rel in _callee_files_first(files) if program is not None and not per_loop else files:
        src = files[rel]
        stripped = stripped_files[rel] = strip_acc_keep_lines(src)
        try:
            others = _other_units(rel, program)
            foreign = {n: s for n, s in ex.summaries.items() if isinstance(s, Summary)} \
                if others is not None and not per_loop else None
            plans = offload_source(stripped, engine, path=rel, per_loop=per_loop,
                                   program=others,
                                   includes=program_headers(folder, rel, stripped,
                                                            include_dirs, predefined),
                                   offloading=offloading.get(rel, ()) if others else (),
                                   foreign=foreign,
                                   program_headers=_other_headers(rel, program, folder,
                                                                  include_dirs, predefined)
                                   if others is not None else None)
            out[rel] = apply_plans(stripped, plans)
            if others is not None and not per_loop:
                ex.merge(exports(stripped, plans, detect_lang(rel, stripped)))
                own_plans[rel] = plans
        except Exception as e:  # an engine or planner failure is a result, not a crash
            errors.append(_failure(rel, e))
            out[rel] = stripped
            continue
        rows += [_row(rel, p) for p in plans]
    callers = _callers(files, program, ex)
    for rel, src in callers.items():
        try:  # the callers in the program's other files: a region around repeated calls
            rest = list(stripped_files.values()) + [t for r, t in callers.items() if r != rel]
            plans = plan_callers(src, ex, detect_lang(rel, src), rest)
            if any(p.edits for p in plans):
                out[rel] = apply_plans(src, plans)
        except Exception as e:
            errors.append(_failure(rel, e))
            continue
        rows += [_row(rel, p) for p in plans if p.edits]
    for rel, own in own_plans.items():
        # a planned file that also calls the other planned files' functions: the functions
        # its own plan leaves without edits get the callers' region, as in a driver file
        busy = {p.function for p in own if p.edits}
        src = stripped_files[rel]
        try:
            rest = [t for r, t in stripped_files.items() if r != rel] + list(callers.values())
            extra = [p for p in plan_callers(src, ex, detect_lang(rel, src), rest)
                     if p.edits and p.function not in busy]
            if extra:
                out[rel] = apply_plans(src, own + extra)
        except Exception as e:
            errors.append(_failure(rel, e))
            continue
        rows += [_row(rel, p) for p in extra]
    return out, rows, errors


def _callee_files_first(files: dict[str, bytes]) -> list[str]:
    """The planned files, each after the planned files whose functions it calls (in the given
    order where calls go both ways): a file's plan may then hold in its regions the calls of
    the functions the earlier files' plans export (:func:`.program.exports`)."""
    roots = {rel: parse_tree(strip_acc_keep_lines(src), detect_lang(rel, src)).root_node
             for rel, src in files.items()}
    defined = {rel: {function_name(f)[0] for f in functions_in(root)} - {None}
               for rel, root in roots.items()}
    needs = {rel: [r for r in files if r != rel and defined[r] & set(callees(root))]
             for rel, root in roots.items()}
    out: list[str] = []
    seen: set[str] = set()

    def visit(rel: str) -> None:
        if rel in seen:
            return
        seen.add(rel)
        for r in needs[rel]:
            visit(r)
        out.append(rel)

    for rel in files:
        visit(rel)
    return out


def _offloading(files: dict[str, bytes], engine, program: dict[str, bytes] | None,
                folder: Path | None, include_dirs: Sequence[Path], predefined: Defines | None
                ) -> dict[str, set[str]]:
    """For each planned file that calls a function another planned file defines: the other
    planned files' functions whose plans offload (a first plan of each of those files).  A
    call of such a function is no host code for the caller's plan (docs/offload.md, item
    10)."""
    from accellium.server.offload import offload_source

    if program is None or len(files) < 2:
        return {}
    stripped = {rel: strip_acc_keep_lines(src) for rel, src in files.items()}
    roots = {rel: parse_tree(src, detect_lang(rel, src)).root_node
             for rel, src in stripped.items()}
    defined = {rel: {function_name(f)[0] for f in functions_in(root)} - {None}
               for rel, root in roots.items()}
    out: dict[str, set[str]] = {}
    offloads: dict[str, set[str]] = {}
    for rel, root in roots.items():
        called = set(callees(root))
        for r in sorted(r for r, names in defined.items() if r != rel and names & called):
            if r not in offloads:
                try:
                    others = _other_units(r, program)
                    plans = offload_source(stripped[r], engine, path=r, program=others,
                                           includes=program_headers(folder, r, stripped[r],
                                                                    include_dirs, predefined),
                                           program_headers=_other_headers(
                                               r, program, folder, include_dirs, predefined)
                                           if others is not None else None)
                except Exception:  # the planning pass below reports it
                    plans = []
                offloads[r] = {p.function for p in plans if p.offloads}
            out.setdefault(rel, set()).update(offloads[r])
    return out


def _failure(rel: str, e: Exception) -> str:
    """One line for an engine's or the planner's failure on file ``rel`` (a result)."""
    return f"{rel}: {type(e).__name__}: {' '.join(str(e).split())[:200]}"


def program_headers(folder: Path | None, rel: str, source: bytes,
                    include_dirs: Sequence[Path] = (), predefined: Defines | None = None
                    ) -> Included | None:
    """The macros of the local headers of the program file ``rel`` (in ``folder``), read as
    ``accellium suggest -I DIR... -D NAME... --defines-complete`` reads them, the program's
    folder readable as the editor's workspace folder is (``#include "../main.h"`` from a
    file in a subfolder; None without a folder)."""
    if folder is None:
        return None
    return read_includes(source, folder / rel, detect_lang(rel, source), include_dirs,
                         predefined=predefined, project=folder)


def compile_defines(command: str) -> Defines | None:
    """What a program's compile command defines (``-D NAME[=VAL]``, ``-U NAME``), as the whole
    command line: a name it does not define is undefined in the program's ``#if`` groups
    (None: the command cannot be split)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return command_line(words, complete=True)[0]


def compile_include_dirs(command: str, folder: Path) -> list[Path]:
    """The folders a compile command names with ``-I DIR`` / ``-IDIR`` (relative ones from
    the program's ``folder``, where the command runs): where its compiler looks for headers."""
    try:
        words = shlex.split(command)
    except ValueError:
        return []
    out = []
    for i, w in enumerate(words):
        d = w[2:] if w.startswith("-I") and len(w) > 2 else \
            (words[i + 1] if w == "-I" and i + 1 < len(words) else None)
        if d:
            out.append(folder / d)
    return out
def _row(rel: str, p) -> dict:
    return {"file": rel, "function": p.function, "line": p.line,
            "loops": [x["line"] for x in p.loops],
            "loop_spans": [[x["line"], x.get("end_line", x["line"])] for x in p.loops],
            "arrays": p.arrays, "routines": p.routines, "regions": p.regions,
            "calls": p.calls, "edits": len(p.edits), "notes": p.notes[:8]}


def _callers(files: dict[str, bytes], program: dict[str, bytes] | None,
             ex: Exports) -> dict[str, bytes]:
    """The program's other translation units that may call what the planned files export
    (each as it is: the authors put no OpenACC there, or they keep theirs)."""
    if program is None or not ex.summaries:
        return {}
    headers = header_files(program)
    return {r: t for r, t in program.items() if r not in files and r not in headers}


#: The translation units a file of each kind is linked with (headers are not units).
_SUFFIX = {"c": (".c",), "cc": (".cc", ".cpp", ".cxx"), "cpp": (".cc", ".cpp", ".cxx"),
           "cxx": (".cc", ".cpp", ".cxx")}


def _other_headers(rel: str, program: dict[str, bytes] | None, folder: Path | None,
                   include_dirs: Sequence[Path], predefined: Defines | None
                   ) -> list[tuple[bytes, ...]] | None:
    """The texts of the local headers each of :func:`_other_units` includes (in its order),
    read as the program's compile command finds them (None: no folder to read them in)."""
    units = _calling_units(rel, program)
    if units is None or folder is None:
        return None
    out = []
    for r, t in units.items():
        got = program_headers(folder, r, t, include_dirs, predefined)
        out.append(tuple(text for _, text in got.texts) if got is not None else ())
    return out


def _other_units(rel: str, program: dict[str, bytes] | None) -> list[bytes] | None:
    """The texts of :func:`_calling_units`, their pragmas stripped."""
    units = _calling_units(rel, program)
    return None if units is None else [strip_acc_keep_lines(t) for t in units.values()]


def _calling_units(rel: str, program: dict[str, bytes] | None) -> dict[str, bytes] | None:
    """The program's other translation units (path -> text) that may call the functions of
    ``rel``, when all of those are of its language (None: not all known, or one in another
    language the planner does not read).  For a header of the program: all of its units (their
    code is where the header's functions are called).  A C unit calls no function of a C++
    file that declares nothing ``extern "C"``, neither the file nor any of the program's
    headers (:func:`~accellium.dataset.offload.program.uncalling_units`)."""
    if program is None:
        return None
    kind = _SUFFIX.get(rel.rsplit(".", 1)[-1].lower())
    headers = header_files(program)
    if kind is None and rel in headers:  # a header's code is part of the units including it
        kind = _SUFFIX[detect_lang(rel, program[rel])]
    others = {r: t for r, t in program.items() if r != rel}
    unused = uncalling_units(others, program[rel], "cpp" if kind == _SUFFIX["cpp"] else "c")
    out = {}
    for r, t in others.items():
        if r in headers or r in unused:
            continue
        if kind is None or not r.lower().endswith(kind):
            return None
        out[r] = t
    return out


def offload_coverage(author: dict[str, list[tuple[int, int]]], plans: list[dict]) -> int:
    """How many of the authors' parallel loops the plan offloads (the loop or one around it)."""
    n = 0
    for rel, loops in author.items():
        spans = [s for p in plans if p["file"] == rel for s in p["loop_spans"]]
        n += sum(1 for a, _ in loops if any(s <= a <= e for s, e in spans))
    return n


def _bytes(v: dict | None) -> int | None:
    if not v or v.get("bytes_h2d") is None:
        return None
    return (v.get("bytes_h2d") or 0) + (v.get("bytes_d2h") or 0)


def shares_data(row: dict) -> bool:
    """Does a region of the plan hold several loops (or calls to offloaded functions), or one
    that a host loop repeats (the programs where one region can save transfers at all)?"""
    return any(g["loops"] + g.get("calls", 0) >= 2 or g["repeated"]
               for p in (row.get("offload") or {}).get("plans", []) for g in p.get("regions", []))


def _ratio(rows: list[dict], other: str) -> tuple[float | None, int]:
    """Median over the programs where both variants verified, the plan offloaded a loop and
    the other variant moved something, of the plan's bytes over the other's."""
    got = []
    for r in rows:
        off, oth = r.get("offload") or {}, r.get(other) or {}
        b_off, b_oth = _bytes(off), _bytes(oth)
        if not (off.get("verified") and oth.get("verified")) or not r.get("offload_loops"):
            continue
        if b_off is None or not b_oth:
            continue
        got.append(b_off / b_oth)
    return (round(statistics.median(got), 4) if got else None), len(got)


def offload_metrics(rows: list[dict]) -> dict[str, Any]:
    """The ``--offload`` figures (fractions in [0, 1], ratios, counts)."""
    n = len(rows)
    off = [r.get("offload") or {} for r in rows]
    m: dict[str, Any] = {}
    m["verified"] = round(sum(bool(o.get("verified")) for o in off) / n, 4) if n else None
    m["builds"] = round(sum(o.get("status") != "compile" for o in off) / n, 4) if n else None
    for cause in CAUSES:
        m[f"offload_failed_{cause}"] = round(sum(o.get("status") == cause for o in off) / n, 4) \
            if n else None
    m["programs_offloaded"] = round(sum(bool(r.get("offload_loops")) for r in rows) / n, 4) \
        if n else None
    au = sum(r.get("author_parallel_loops", 0) for r in rows)
    m["offload_coverage"] = round(sum(r.get("offload_covered", 0) for r in rows) / au, 4) \
        if au else None
    m["bytes_vs_original"], m["bytes_vs_original_programs"] = _ratio(rows, "original")
    m["bytes_vs_per_loop"], m["bytes_vs_per_loop_programs"] = _ratio(rows, "engine")
    m["per_loop_clauses_verified"] = round(sum(bool((r.get("per_loop_clauses") or {})
                                                    .get("verified")) for r in rows) / n, 4) \
        if n else None
    m["bytes_vs_per_loop_clauses"], m["bytes_vs_per_loop_clauses_programs"] = \
        _ratio(rows, "per_loop_clauses")
    shared = [r for r in rows if shares_data(r)]
    m["regions_sharing_data"] = len(shared)
    for other in ("original", "engine", "per_loop_clauses"):
        key = f"bytes_vs_{'per_loop' if other == 'engine' else other}_shared"
        m[key], m[f"{key}_programs"] = _ratio(shared, other)
    return m
