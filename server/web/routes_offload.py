"""``POST /v1/offload``: the code of a function in, the offload plan out (issue #15).

The same input limits as ``/v1/suggest`` (``code`` at most 64 KiB of UTF-8, valid Unicode,
brackets nested at most 64 deep) and the same error rules: bad input is a ``422`` with the
reason, never a ``500``; the planning runs in a worker thread under the request's timeout
(``504``); an engine that is not loaded is ``503``.  The edits are line edits of the code sent
(``line`` 1-based: the new ``lines`` go above it, or ``delete_lines`` lines from it are
removed); ``code`` in the answer is the code with all of them applied.

Optional, as for ``/v1/suggest``: ``defines``, the macros of the code's local headers (the
model and the 422 rules of ``context.scope.defines``: one ``#define`` line each, a bad entry
named by its index), and ``program``, the program's other source files as text
(``{path, code}``; with them every call of the code's functions is known, as with the CLI's
``--program``): the callers there get their data regions, in ``files`` of the answer (the
path each edit belongs to, its plans and its text with them applied).  A request without
them is answered as before (``files`` is then empty).
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from accellium.dataset.includes import Included, read_includes
from accellium.dataset.loops import normalize_lang
from accellium.dataset.offload import PlanInputError
from accellium.server.api_models import (
    MAX_CODE_BYTES,
    MAX_DEFINE_CHARS,
    MAX_DEFINES,
    MAX_DEFINES_CHARS,
    MAX_PROGRAM_BYTES,
    MAX_PROGRAM_FILES,
    CommandLineModel,
    CText,
    Text,
    check_defines,
)
from accellium.server.web.answer import as_http
from accellium.server.web.errors import ERROR_RESPONSES
from accellium.server.web.inputs import CodeError, command_macros, parse_defines
from accellium.server.web.state import ServerState
from accellium.server.web.work import bounded

__all__ = ["offload_router", "OffloadRequest", "OffloadResponse", "ProgramFile",
           "MAX_PROGRAM_FILES", "MAX_PROGRAM_BYTES", "MAX_PATH_CHARS"]

log = logging.getLogger(__name__)

#: a ``program`` file's path: at most this many chars
MAX_PATH_CHARS = 512

OFFLOAD_EXAMPLE: dict[str, Any] = {
    "code": "void scale(int n, double *a, double *b)\n{\n    for (int i = 0; i < n; i++)\n"
            "        a[i] = 2 * a[i];\n    for (int i = 0; i < n; i++)\n"
            "        b[i] = a[i] + 1;\n}\n",
    "language": "c", "function": "scale"}


def _path_problem(p: str) -> str | None:
    """Why ``p`` is not a relative path of a C/C++ file (``/``-separated, no ``..``)."""
    from accellium.server.offload import PROGRAM_SUFFIXES

    if "\\" in p or any(ord(c) < 0x20 or ord(c) == 0x7F for c in p):
        return "a backslash or a control character"
    if p.startswith("/") or (len(p) > 1 and p[1] == ":"):
        return "an absolute path (send a path relative to the program's folder)"
    if any(part in ("", ".", "..") for part in p.split("/")):
        return "an empty, `.` or `..` segment"
    if not p.lower().endswith(PROGRAM_SUFFIXES):
        return "not a C/C++ source file (expected .c, .cc, .cpp, .cxx or a header)"
    return None


class ProgramFile(BaseModel):
    """One of the program's other source files (a translation unit or a header)."""

    model_config = ConfigDict(extra="forbid")

    path: Text = Field(min_length=1, max_length=MAX_PATH_CHARS,
                       description="Its path relative to the program's folder (`/`-separated, "
                                   "no `..`), with a C/C++ suffix; it names the file in the "
                                   "answer's `files`.")
    code: CText = Field(max_length=MAX_PROGRAM_BYTES,
                        description="Its text (UTF-8).")

    @field_validator("path")
    @classmethod
    def _relative(cls, v: str) -> str:
        problem = _path_problem(v)
        if problem:
            raise ValueError(f"path {v[:80]!r}: {problem}")
        return v


class OffloadRequest(BaseModel):
    """C/C++ code with the function to offload (and any functions it calls)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [OFFLOAD_EXAMPLE]})

    code: CText = Field(min_length=1, max_length=MAX_CODE_BYTES,
                        description="C/C++ source holding the function definition (at most "
                                    f"{MAX_CODE_BYTES} bytes UTF-8); functions it calls may "
                                    "be included (they get `#pragma acc routine seq`, or, "
                                    "called outside loops, their own plans with the "
                                    "caller's data region around the calls).")
    language: Text = Field("c", max_length=16, description="`c` or `cpp`.")
    function: Text | None = Field(None, max_length=256,
                                  description="The function to offload (default: every "
                                              "function of the code that has for loops).")
    replace: bool = Field(False, strict=True,
                          description="Re-plan a function that already has OpenACC lines "
                                      "(they are removed and replaced).")
    engine: Text | None = Field(None, max_length=32,
                                description="Per-loop engine (default: the server's).")
    defines: list[CText] = Field(
        default_factory=list, max_length=MAX_DEFINES,
        description="Optional: the macros the code's local headers define, one `#define` "
                    "line each, read as defined before the first line of `code` (as "
                    "`context.scope.defines` of /v1/suggest); at most "
                    f"{MAX_DEFINES} lines of {MAX_DEFINE_CHARS} chars, {MAX_DEFINES_CHARS} "
                    "chars in all.")
    command_line: CommandLineModel | None = Field(
        None,
        description="Optional: the compile command's -D/-U for `code` (the model of "
                    "`context.scope.command_line` of /v1/suggest): its `defines` are macros "
                    "defined before the first line (the header macros of `defines` after "
                    "them), and with the headers of `program` they decide those headers' "
                    "`#if`/`#ifdef` groups (`complete`: a name they leave out is undefined "
                    "there).  null = not known: such a group is undecided and a macro it "
                    "defines differently from another group stays unknown.")
    path: Text | None = Field(
        None, max_length=MAX_PATH_CHARS,
        description="Optional: where `code` is in the program's folder (the rules of a "
                    "`program` path; not one of them): its quoted includes are looked for "
                    "next to it among the `program` headers (default: at the folder's root).")
    program: list[ProgramFile] | None = Field(
        None, max_length=MAX_PROGRAM_FILES,
        description="Optional: ALL the program's other source files (headers allowed), "
                    "as text; with them every call of the code's functions is known (a "
                    "parameter no caller reads after the call gets `create`) and the callers "
                    "get data regions around their calls (the answer's `files`).  Only send "
                    "it complete: a missing file could call the code's functions.  At most "
                    f"{MAX_PROGRAM_FILES} files, {MAX_PROGRAM_BYTES} bytes UTF-8 together; "
                    "null (the default) = not known.")

    @field_validator("code")
    @classmethod
    def _code_bytes(cls, v: str) -> str:
        if len(v.encode("utf-8")) > MAX_CODE_BYTES:
            raise ValueError(f"code is larger than {MAX_CODE_BYTES} bytes")
        return v

    @field_validator("defines")
    @classmethod
    def _defines_short(cls, v: list[str]) -> list[str]:
        return check_defines(v, "defines")

    @field_validator("path")
    @classmethod
    def _relative(cls, v: str | None) -> str | None:
        if v is not None and (problem := _path_problem(v)):
            raise ValueError(f"path {v[:80]!r}: {problem}")
        return v

    @field_validator("program")
    @classmethod
    def _program_bounded(cls, v: list[ProgramFile] | None) -> list[ProgramFile] | None:
        seen: set[str] = set()
        total = 0
        for k, f in enumerate(v or ()):
            if f.path in seen:
                raise ValueError(f"program[{k}].path {f.path[:80]!r} is given twice")
            seen.add(f.path)
            total += len(f.code.encode("utf-8"))
        if total > MAX_PROGRAM_BYTES:
            raise ValueError(f"program's files are larger than {MAX_PROGRAM_BYTES} bytes "
                             "together")
        return v


class EditModel(BaseModel):
    line: int = Field(description="1-based line of the code sent: the new lines go above it "
                                  "(or the removed lines start there).")
    kind: str = Field(description="data, brace, loop, update, enter, exit, routine or delete")
    lines: list[str]
    delete_lines: int = 0


class PlanModel(BaseModel):
    function: str
    line: int
    end_line: int
    loops: list[dict[str, Any]]
    host_loops: list[dict[str, Any]]
    arrays: list[dict[str, Any]]
    routines: list[str]
    regions: list[dict[str, Any]] = Field(
        default_factory=list, description="The data regions: start_line, end_line, loops, calls "
                                          "(statements calling offloaded functions), repeated.")
    calls: list[dict[str, Any]] = Field(
        default_factory=list, description="Calls the region holds (line, functions): the "
                                          "callees' plans come with this one, their data "
                                          "clauses find the region's arrays present.")
    edits: list[EditModel]
    notes: list[str]


class FileModel(BaseModel):
    path: str = Field(description="The program file (`path` of the request's `program`).")
    plans: list[PlanModel] = Field(description="Its callers' plans: line edits of its text.")
    code: str = Field(description="Its text with every edit applied.")


class OffloadResponse(BaseModel):
    plans: list[PlanModel]
    code: str = Field(description="The code with every edit applied.")
    files: list[FileModel] = Field(
        default_factory=list,
        description="The program's other files that get edits (only with `program`): the "
                    "data regions of the callers of the code's functions, each plan's edits "
                    "line edits of that file's text.")
    program_notes: list[str] = Field(
        default_factory=list,
        description="The program's files that play no part in the plan, each with why (a C "
                    "unit calls no function of C++ code that gives none C linkage).")
    engine: str
    elapsed_ms: float


def _program(req: OffloadRequest, lang: str) -> tuple[dict[str, bytes] | None, list[str]]:
    """The request's program files (path -> text), those that play no part left out
    (:func:`accellium.dataset.offload.program.uncalling_units`), and a note on each of those; 422 for
    one the planner cannot read."""
    from accellium.server.offload import program_problem, uncalling_units

    if req.program is None:
        return None, []
    if req.path is not None and any(f.path == req.path for f in req.program):
        raise HTTPException(422, f"path {req.path[:80]!r} is also in program (send the "
                                 "program's OTHER files)")
    out = {f.path: f.code.encode("utf-8") for f in req.program}
    unused = uncalling_units(out, req.code.encode("utf-8"), lang)
    for k, f in enumerate(req.program):
        if f.path in unused:
            continue
        problem = program_problem(f.path, out[f.path], lang, "code")
        if problem:
            raise HTTPException(422, f"program[{k}] ({f.path[:80]}): {problem}")
    return {r: t for r, t in out.items() if r not in unused}, \
        [f"{r}: {why}" for r, why in unused.items()]


def _program_headers(req: OffloadRequest, src: bytes, lang: str,
                     others: dict[str, bytes] | None, engine: Any
                     ) -> tuple[Included | None, list[tuple[bytes, ...]] | None, frozenset[str]]:
    """The macros of the code's quoted includes found among the program's files (the code read
    as a file at the program folder's root; the rules of ``accellium suggest``'s header
    reading, :func:`accellium.dataset.includes.read_includes`, the request's command line
    deciding the headers' groups; None without includes), and the texts of the headers each
    of the program's other translation units includes, found the same way (in the order of
    :func:`accellium.server.offload.program_units`: their file-scope declarations are that
    unit's, C11 6.10.2p3); (None, None) without program headers.  Third: the functions of
    those units the engine offloads (:func:`accellium.server.offload.program_offloading`,
    with their headers where they are read)."""
    from accellium.dataset.analysis.conditions import command_line
    from accellium.dataset.offload.program import header_files
    from accellium.server.offload import program_offloading, program_unit_headers

    if not others or not header_files(others):
        return None, None, program_offloading(others or {}, engine, lang)
    cl = req.command_line
    state = command_line(cl.words(), cl.complete, lang)[0] if cl is not None else None
    with tempfile.TemporaryDirectory(prefix="accellium-program-") as tmp:
        name = req.path or next(
            n for k in range(len(others) + 1)
            if (n := f"code{k or ''}.{'cpp' if lang == 'cpp' else 'c'}") not in others)
        try:
            for rel, data in [*others.items(), (name, src)]:
                path = os.path.join(tmp, *rel.split("/"))
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "xb") as f:
                    f.write(data)
        except OSError as e:  # `x.h` and `x.h/y.h`: not one folder's files; planned without
            log.info("program files not written (%s): headers not read", type(e).__name__)
            return None, None, program_offloading(others, engine, lang)
        own = read_includes(src, os.path.join(tmp, *name.split("/")), lang, predefined=state,
                            project=tmp) if b"#" in src else None

        @cache  # each unit's headers read once, for its declarations and the engine's answers
        def includes_of(rel: str, data: bytes) -> Included:
            return read_includes(data, os.path.join(tmp, *rel.split("/")), lang,
                                 predefined=state, project=tmp)

        return own, program_unit_headers(others, lambda rel, data: tuple(
            t for _, t in includes_of(rel, data).texts)), \
            program_offloading(others, engine, lang, includes_of)


def _plan(req: OffloadRequest, engine: Any, fallback: Any) -> dict:
    from accellium.dataset.includes import given_macros
    from accellium.server.offload import apply_plans, caller_plans, offload_source, program_units

    try:
        lang = normalize_lang(req.language)
        macros = parse_defines(req.defines, lang, "defines")
    except (ValueError, CodeError) as e:
        raise HTTPException(422, str(e)) from None
    others, program_notes = _program(req, lang)
    src = req.code.encode("utf-8")
    t0 = time.perf_counter()
    # the other files may be planned in turn: their offloadable functions are no host code
    read, unit_headers, offloading = _program_headers(req, src, lang, others, engine)
    if read is None and req.command_line is not None:
        macros = command_macros(req.command_line, lang) + macros
    try:
        plans = offload_source(src, engine, lang=lang, function=req.function,
                               replace=req.replace, fallback=fallback,
                               program=None if others is None else program_units(others),
                               includes=given_macros(macros, src, lang, read)
                               if macros or read is not None else None,
                               program_headers=unit_headers, offloading=offloading)
    except PlanInputError as e:
        raise HTTPException(422, str(e)) from None
    if not plans:
        raise HTTPException(422, "no function definition with for loops in code (send the "
                                 "whole function, header and body)")
    new = apply_plans(src, plans)
    callers = caller_plans(src, plans, lang, others) if others else {}
    files = [{"path": rel, "plans": [p.to_json() for p in ps],
              "code": apply_plans(others[rel], ps).decode("utf-8", "replace")}
             for rel, ps in callers.items() if others is not None]
    return {"plans": [p.to_json() for p in plans], "code": new.decode("utf-8", "replace"),
            "files": files, "program_notes": program_notes,
            "engine": getattr(engine, "name", "?"),
            "elapsed_ms": round((time.perf_counter() - t0) * 1000, 3)}


def offload_router(state: ServerState, auth: Callable) -> APIRouter:
    router = APIRouter(dependencies=[Depends(auth)], responses=ERROR_RESPONSES)
    timeout = state.settings.timeout_s

    @router.post("/v1/offload", response_model=OffloadResponse,
                 summary="Offload a whole function: one data region, the loops' pragmas "
                         "inside, updates between them")
    async def offload(request: Request, req: OffloadRequest) -> dict:
        loop = asyncio.get_running_loop()
        t_end = loop.time() + timeout
        engine = await state.engine_for(req.engine, timeout)
        fallback = await state.fallback(max(0.0, t_end - loop.time()))
        work = state.workers.run(as_http, _plan, req, engine, fallback)
        return await bounded(request, work, max(0.0, t_end - loop.time()), timeout)

    return router
