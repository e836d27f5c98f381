"""The offload edit when the program's other files were read from the disk (``offloadProgram``,
:mod:`.program`): applied through the ``accellium.applyOffload`` command, after the server has
checked that every file the plan read still holds the text it read.

A ``WorkspaceEdit`` entry for a file that is not open in the editor has no version: a client
applies it to whatever the file holds when the user picks the action.  A file changed on the
disk between planning and applying (a ``git checkout``, a build step, another editor) would get
the plan's edits at offsets of text that is gone — and the plan itself may be wrong for it (a
caller that now reads an array after the call needs it copied back).  So when the plan read any
file from the disk, the action carries no ``edit`` but a ``command``; the server keeps the
edits, with the SHA-256 of each program file's text as the plan read it (:class:`FileCheck`),
under a one-use token (the last :data:`MAX_PENDING` actions).

VS Code resolves only a code action's ``edit`` lazily, never its ``command`` (the client's
``resolveSupport`` names ``edit``): so while ``offloadProgram`` is set the action is OFFERED
with the command and a fresh token, and ``codeAction/resolve`` settles the token — the
pending edit when the plan read files from the disk (the resolved action then has no
``edit``), else nothing (the edit goes with the resolved action as before, and the command
that runs after it does nothing).  Executing the command:

* the document's version must still be the one the action was planned for;
* each program file's text now — its open buffer if the editor has it open, else the disk,
  read with :mod:`.program`'s rules — must hash to what the plan read (an open document's
  current version goes with its edit);
* then the edit goes to the client as ``workspace/applyEdit``.  With change-annotation support
  every text edit is annotated ``needsConfirmation``: the editor shows all the edits for review
  before applying them, as it does for a code action's edit.

Anything else (a changed or unreadable file, an unknown or used token) is a
``window/showMessage`` warning and no edit.  When every program file came from an open buffer
the action keeps its versioned ``edit`` (the client checks the versions itself).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from accellium.server.api_models import MAX_PROGRAM_BYTES

from .headers import fs_path
from .program import ProgramFile
from .scan import read_regular

if TYPE_CHECKING:
    from .offload import FileEdits
    from .server import AccelliumServer

__all__ = ["APPLY_OFFLOAD", "MAX_PENDING", "FileCheck", "Pending", "PendingOffloads", "NOTHING",
           "file_checks", "from_disk", "apply_offload", "annotated"]

APPLY_OFFLOAD = "accellium.applyOffload"
MAX_PENDING = 32
ANNOTATION = "accellium.offload"
GONE = ("accellium: this offload edit is no longer available (already applied, or asked "
        "for long ago); no edit was made. Ask for code actions again.")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileCheck:
    """A program file as the plan read it: where it is and the SHA-256 of its text."""

    rel: str
    uri: str
    real: str  # its real path
    root: str  # the workspace folder it was read in
    sha256: str


@dataclass(frozen=True)
class Pending:
    """An offload edit waiting for its command: the document's edits (for its ``version``),
    those of the program's other files, and the files to check."""

    uri: str
    version: int | None
    edits: list[types.TextEdit]
    others: list[FileEdits]
    checks: list[FileCheck]


#: A token given out with an offered action, not settled by a resolve yet.
UNSETTLED = "unsettled"
#: A settled token with nothing for the command to apply.
NOTHING = "nothing"


class PendingOffloads:
    """The tokens of the last :data:`MAX_PENDING` offload actions, one use each: unsettled,
    nothing to apply, or the pending edit (an action the user never picks is forgotten with
    the oldest)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Pending | str] = OrderedDict()

    def new(self) -> str:
        token = uuid.uuid4().hex
        self._items[token] = UNSETTLED
        while len(self._items) > MAX_PENDING:
            self._items.popitem(last=False)
        return token

    def settle(self, token: Any, pending: Pending | None) -> str:
        """Settle ``token`` (a new one when it is unknown); returns the token."""
        if not isinstance(token, str) or token not in self._items:
            token = self.new()
        self._items[token] = pending if pending is not None else NOTHING
        self._items.move_to_end(token)
        return token

    def take(self, token: Any) -> Pending | str | None:
        """The token's state, forgotten (None: unknown or used)."""
        return self._items.pop(token, None) if isinstance(token, str) else None


def from_disk(program: Sequence[ProgramFile] | None) -> bool:
    """Did the plan read any of the program's files from the disk (no version to check)?"""
    return any(f.version is None for f in program or ())


def file_checks(program: Sequence[ProgramFile]) -> list[FileCheck]:
    return [FileCheck(f.rel, f.uri, f.real, f.root, _digest(f.data)) for f in program]


def _now(checks: list[FileCheck], buffers: Mapping[str, tuple[int | None, bytes]]
         ) -> dict[str, int | None] | str:
    """Each checked file's URI -> its open document's version now (None: not open), or the
    message saying which file no longer holds the text the plan read.  Reads files: a
    worker."""
    open_docs = {os.path.realpath(p): (v, d) for u, (v, d) in buffers.items()
                 if (p := fs_path(u)) is not None}
    out: dict[str, int | None] = {}
    for c in checks:
        version, data = open_docs.get(c.real) or (None, None)
        where = "in its editor" if data is not None else "on the disk"
        if data is None:
            data = read_regular(c.real, c.root, MAX_PROGRAM_BYTES) if c.real else None
        if data is None or _digest(data) != c.sha256:
            return (f"accellium: {c.rel} changed {where} after the offload was planned; no "
                    "edit was made. Ask for code actions again.")
        out[c.uri] = version
    return out


def annotated(edit: types.WorkspaceEdit) -> types.WorkspaceEdit:
    """The edit with every text edit annotated ``needsConfirmation`` (the editor shows them
    all for review before applying)."""
    if not edit.document_changes:
        return edit
    changes: list[Any] = []
    for dc in edit.document_changes:
        if isinstance(dc, types.TextDocumentEdit):
            dc = types.TextDocumentEdit(text_document=dc.text_document, edits=[
                types.AnnotatedTextEdit(range=e.range, new_text=e.new_text,
                                        annotation_id=ANNOTATION)
                if isinstance(e, types.TextEdit) else e for e in dc.edits])
        changes.append(dc)
    return types.WorkspaceEdit(document_changes=changes, change_annotations={
        ANNOTATION: types.ChangeAnnotation(
            label="Offload this function (OpenACC data region)", needs_confirmation=True,
            description="the data region and pragmas of the offload plan, in every file "
                        "it changes")})


def _annotations_supported(ls: AccelliumServer) -> bool:
    caps = ls.client_capabilities
    we = caps.workspace.workspace_edit if caps and caps.workspace else None
    return bool(we and we.document_changes and we.change_annotation_support is not None)


async def apply_offload(ls: AccelliumServer, args: tuple) -> dict:
    """The ``accellium.applyOffload`` command: the pending edit of the token ``args[0]``,
    applied when nothing it was planned on changed (the module's rules)."""
    from .offload import STALE, FileEdits, offload_edit

    pending = ls.pending_offloads.take(args[0] if args else None)
    if pending == NOTHING:  # the edit went with the action, or a message said why none
        return {"applied": False, "reason": "nothing to apply"}
    if not isinstance(pending, Pending):
        ls.show("warning", GONE)
        return {"applied": False, "reason": "unknown or used token"}
    doc = ls.docs.get(pending.uri)
    if doc is None or doc.version != pending.version:
        ls.show("warning", STALE)
        return {"applied": False, "reason": "the document changed"}
    buffers = {u: (d.version, d.source) for u, d in list(ls.docs.items())}
    now = await asyncio.to_thread(_now, pending.checks, buffers)
    if isinstance(now, str):
        ls.show("warning", now)
        return {"applied": False, "reason": now}
    others = [FileEdits(f.uri, now.get(f.uri, f.version), f.edits) for f in pending.others]
    edit = offload_edit(pending.uri, pending.version, pending.edits, others,
                        ls.document_changes())
    if _annotations_supported(ls):
        edit = annotated(edit)
    res = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
        edit=edit, label="Offload this function (OpenACC data region)"))
    return {"applied": bool(res and res.applied)}
