"""The offload plan from the backend (``POST {backendUrl}/v1/offload``, docs/offload.md) when
``backendUrl`` is set: the backend's engine answers every loop (a model engine there gives its
pragmas), the planner is the same.

The document goes whole as ``code`` with the function's name (a selection is planned in-process:
the endpoint plans whole functions); with the ``offloadProgram`` setting the program's other
files go as ``program`` (``{path, code}``) and the answer's ``files`` give their callers' edits
(a backend that refuses them, an older one without the field included, costs nothing: the plan
is made in-process).  The answer's line edits are checked like any plan's
(:func:`accellium.server.offload.edit_bytes`: every new line a one-line ``#pragma acc`` or a
brace) and applied to the text that was sent.  A backend that is down, has no such endpoint or
answers garbage costs nothing: the plan is made in-process (:mod:`.offload`); a ``422`` (the
backend refuses the code) is final and its reason shown — unless it names only fields of this
server that the backend does not know (``command_line``, ``path``: a backend older than this
server, :mod:`.backend_skew`): the plan is then made in-process, which reads the build's -D/-U
and the program's headers itself, and later requests carrying those fields to that backend are
planned in-process at once (the others still go to it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from accellium.dataset.offload import PlanEdit, Rank
from accellium.server.api_models import MAX_CODE_BYTES

from .backend import BackendError, detail, parse_json
from .backend_skew import carried, refused_fields

if TYPE_CHECKING:
    from accellium.dataset.analysis.macros import Macro

    from .document import DocView
    from .program import ProgramFile
    from .suggestions import SuggestService

#: (byte edits of the document, notes, the program file's path -> byte edits of its text)
Planned = tuple[list[tuple[int, int, bytes]], list[str], dict[str, list[tuple[int, int, bytes]]]]

log = logging.getLogger("accellium.lsp")

__all__ = ["BackendRefused", "backend_plan"]

MAX_EDITS = 10_000
OFFLOAD = "/v1/offload"


class BackendRefused(RuntimeError):
    """The backend answered 422: it will not plan this code (the message says why)."""


def _edits(obj: Any) -> tuple[list[PlanEdit], list[str]]:
    """The answer's edits in the order given (stable: within a row the backend's order), and
    its notes; ``BackendError('garbage')`` for anything that is not a plan."""
    if not isinstance(obj, dict) or not isinstance(obj.get("plans"), list):
        raise BackendError("garbage", "the backend's answer is not an offload plan")
    edits: list[PlanEdit] = []
    notes: list[str] = []
    for plan in obj["plans"]:
        if not isinstance(plan, dict) or not isinstance(plan.get("edits"), list):
            raise BackendError("garbage", "the backend's answer is not an offload plan")
        notes += [str(n) for n in plan.get("notes") or [] if isinstance(n, str)][:20]
        for e in plan["edits"]:
            line, lines, delete = (e.get("line"), e.get("lines"), e.get("delete_lines", 0)) \
                if isinstance(e, dict) else (None, None, None)
            if not (isinstance(line, int) and line >= 1 and isinstance(lines, list) and
                    all(isinstance(t, str) for t in lines) and isinstance(delete, int) and
                    delete >= 0) or isinstance(line, bool) or len(edits) >= MAX_EDITS:
                raise BackendError("garbage", "an edit of the backend's plan is malformed")
            rank = Rank.DELETE if e.get("kind") == "delete" else Rank.LOOP
            edits.append(PlanEdit(line - 1, tuple(lines), rank, delete))
    return edits, notes


def _files(obj: dict, program: tuple[ProgramFile, ...]) -> dict[str, list[tuple[int, int, bytes]]]:
    """The answer's ``files``: the edits of each program file sent, checked like the
    document's (a path not sent, or edits past its end: garbage)."""
    from accellium.dataset.loops import LineIndex
    from accellium.server.offload import edit_bytes

    sent = {f.rel: f.data for f in program}
    files = obj.get("files") or []
    if not isinstance(files, list):
        raise BackendError("garbage", "the backend's files are not a list")
    out: dict[str, list[tuple[int, int, bytes]]] = {}
    for f in files:
        path = f.get("path") if isinstance(f, dict) else None
        if not isinstance(path, str) or path not in sent or path in out:
            raise BackendError("garbage", "the backend's plan names a file it was not sent")
        edits, _ = _edits(f)
        data = sent[path]
        if edits and max(e.row for e in edits) > len(LineIndex(data)):
            raise BackendError("garbage", "the backend's plan edits lines past the end")
        out[path] = edit_bytes(data, edits)
    return out


def _program_body(program: tuple[ProgramFile, ...] | None) -> list[dict] | None:
    """The program's files as the request's ``program`` (None: one cannot be sent as text)."""
    try:
        return [{"path": f.rel, "code": f.data.decode("utf-8")} for f in program or ()]
    except UnicodeDecodeError:
        return None


async def backend_plan(service: SuggestService, view: DocView, function: str,
                       timeout_s: float, program: tuple[ProgramFile, ...] | None = None,
                       defines: tuple[Macro, ...] = (),
                       fields: dict[str, Any] | None = None) -> Planned | None:
    """(byte edits of ``view.source``, notes, the program files' byte edits by path) from the
    backend; None when the backend cannot be used for this document (too large, not UTF-8) or
    failed or is older than this server (then the caller plans in-process); raises
    :class:`BackendRefused` on a 422 for the document alone.  ``program``: the program's other files (:mod:`.program`);
    ``defines``: the macros of the document's headers it uses (:mod:`.headers`: decided by the
    build's -D/-U), sent as the request's ``defines``; ``fields``: more of the request
    (``command_line``, ``path``: :func:`.offload.backend_fields`)."""
    from accellium.server.offload import edit_bytes

    s = service.settings
    if len(view.source) > MAX_CODE_BYTES:
        return None
    try:
        code = view.source.decode("utf-8")
    except UnicodeDecodeError:
        return None
    body: dict[str, Any] = {"code": code, "language": view.lang, "function": function}
    if defines:
        body["defines"] = [m.directive() for m in defines]
    body.update(fields or {})
    if program is not None:
        files = _program_body(program)
        if files is None:
            return None
        body["program"] = files
    skew = carried(body, service.older.refused(s.backend_url or "", OFFLOAD))
    if skew:  # an older backend: its plan would miss what these fields tell
        log.info("offload: %s does not take %s; planning in-process", s.backend_url,
                 ", ".join(sorted(skew)))
        return None
    try:
        status, raw = await service.http.request("POST", f"{s.backend_url}{OFFLOAD}",
                                                 timeout_s, s.backend_token, body)
        if status == 422 and (older := refused_fields(OFFLOAD, raw)):
            service.backend_older(OFFLOAD, older)
            return None
        if status == 422 and program is None:
            raise BackendRefused(detail(raw))
        if status != 200:
            raise BackendError("error", f"HTTP {status}: {detail(raw)}")
        obj = parse_json(raw)
        edits, notes = _edits(obj)
        if edits and max(e.row for e in edits) > len(view.lines):
            raise BackendError("garbage", "the backend's plan edits lines past the end")
        others = _files(obj, program) if program is not None else {}
        return edit_bytes(view.source, edits), notes, others
    except (BackendError, ValueError) as e:
        log.info("offload from %s failed (%s); planning in-process", s.backend_url, e)
        return None
