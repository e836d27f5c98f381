"""Why a loop gets no pragma: the answer's ``no pragma: ...`` note, shown to the user.

When the pipeline answers a loop with no pragma (``pragma: null``; the safety guard says why
in a note: an array whose extent it cannot tell, a struct variable's pointer member, a
dependence between iterations), the editor must not stay silent:

* the code action for the loop at the cursor is a *disabled* action (LSP 3.16
  ``CodeAction.disabled``, for clients that declare ``disabledSupport``) whose ``reason`` is
  the note: never an edit;
* the loop's ``for`` line gets an Information diagnostic carrying the note, published with the
  document's pragma diagnostics and kept on the loop (found again by its identity, as a
  resolve finds it) until the buffer no longer has it or an answer for it has a pragma;
* a lazily resolved action that turns out to have no pragma answers with a
  ``window/showMessage`` (and the diagnostic) instead of doing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from accellium.dataset.loops import Loop
from accellium.server.suggest import Suggestion

from .diagnostics import SOURCE
from .document import DocView, loop_id

__all__ = ["no_pragma_reason", "no_pragma_action", "note_diagnostic", "LoopNotes", "Note",
           "locate", "NO_PRAGMA_TITLE", "NO_PRAGMA_CODE", "SOURCE"]

NO_PRAGMA_CODE = "no-pragma"
NO_PRAGMA_TITLE = "No OpenACC pragma for this loop"
_PREFIX = "no pragma: "
_CITES_LINE = re.compile(r"\(lines? \d+")
MAX_NOTES_PER_DOC = 64  # loops of one document whose note is shown at a time


def no_pragma_reason(sug: Suggestion | None) -> str | None:
    """Why ``sug`` has no pragma (None when it has one, or when there is no answer at all):
    its ``no pragma: ...`` notes without that prefix, then the notes that cite a line of the
    file (the evidence: "`y[idx[i]]` (line 4) writes an element chosen by data ..."; the
    others describe the pragma that is not given); else its last note, else a plain
    sentence."""
    if sug is None or sug.pragma is not None:
        return None
    notes = [str(n) for n in sug.notes]
    why = [n[len(_PREFIX):] for n in notes if n.startswith(_PREFIX)]
    if why:
        return "; ".join(why + [n for n in notes
                                if not n.startswith(_PREFIX) and _CITES_LINE.search(n)])
    return notes[-1] if notes else f"the {sug.engine} engine gives none"


def no_pragma_action(reason: str, kind: str) -> types.CodeAction:
    """The disabled action that says why the loop at the cursor gets no pragma (preferred, as
    its quick fix would be: a client's "auto fix" then shows the reason; no edit, no
    command)."""
    return types.CodeAction(title=NO_PRAGMA_TITLE, kind=kind, is_preferred=True,
                            disabled=types.CodeActionDisabled(reason=reason))


RUNNING_TITLE = "OpenACC pragma: still analysing this loop"


def running_action(budget_s: float, kind: str) -> types.CodeAction:
    """The disabled action for the loop at the cursor whose analysis ran past the request's
    budget: the run goes on and caches its answer, so the quick fix is there when the client
    asks again (a cursor move, the light bulb); without it the user would see no action and
    no reason."""
    return types.CodeAction(title=RUNNING_TITLE, kind=kind, disabled=types.CodeActionDisabled(
        reason=f"the analysis takes longer than a code action waits ({budget_s:g} s); it "
               "goes on, and the pragma is offered when you ask again in a moment"))


def note_diagnostic(view: DocView, lp: Loop, reason: str) -> types.Diagnostic:
    """An Information diagnostic from the loop's ``for`` to the end of that line."""
    row = lp.start_line
    end = len(view.lines.line_bytes(row).rstrip(b"\r\n"))
    return types.Diagnostic(
        range=types.Range(types.Position(row, view.col_out(row, lp.start_col)),
                          types.Position(row, view.col_out(row, end))),
        message=f"{NO_PRAGMA_TITLE}: {reason}",
        severity=types.DiagnosticSeverity.Information, source=SOURCE, code=NO_PRAGMA_CODE)


@dataclass(frozen=True)
class Note:
    line: int  # the loop's first line in the version it was found in
    reason: str
    generation: int  # that version (:attr:`DocView.generation`)
    diagnostic: types.Diagnostic


class LoopNotes:
    """The no-pragma notes of one document: loop identity -> :class:`Note`.  Touched on the
    event loop only; :func:`locate` runs in the document's worker lane on a copy."""

    def __init__(self) -> None:
        self.entries: dict[str, Note] = {}

    def add(self, view: DocView, lp: Loop, reason: str) -> bool:
        """Record the note of ``lp`` in ``view``; whether anything changed."""
        lid = loop_id(lp)
        old = self.entries.get(lid)
        if old is not None and (old.line, old.reason, old.generation) == (
                lp.start_line, reason, view.generation):
            return False
        self.entries.pop(lid, None)
        self.entries[lid] = Note(lp.start_line, reason, view.generation,
                                 note_diagnostic(view, lp, reason))
        while len(self.entries) > MAX_NOTES_PER_DOC:
            self.entries.pop(next(iter(self.entries)))
        return True

    def drop(self, lp: Loop) -> bool:
        """Forget the note of ``lp`` (an answer for it has a pragma); whether it had one."""
        return self.entries.pop(loop_id(lp), None) is not None

    def diagnostics(self, generation: int) -> list[types.Diagnostic]:
        """The diagnostics of the notes placed in version ``generation``."""
        return [n.diagnostic for n in self.entries.values() if n.generation == generation]

    def merge(self, before: dict[str, Note], after: dict[str, Note]) -> None:
        """Take :func:`locate`'s answer for the entries ``before``: moved, or gone (entries
        added meanwhile stay)."""
        for lid, note in before.items():
            if self.entries.get(lid) is note:
                if lid in after:
                    self.entries[lid] = after[lid]
                else:
                    del self.entries[lid]


def locate(view: DocView, entries: dict[str, Note],
           check: Callable[[], None] | None = None) -> dict[str, Note]:
    """The entries whose loop ``view`` still has without a pragma, placed in ``view``."""
    kept: dict[str, Note] = {}
    for lid, note in entries.items():
        if check is not None:
            check()
        if note.generation == view.generation:
            kept[lid] = note
            continue
        lp = view.find_loop(min(note.line, max(view.line_count() - 1, 0)), lid)
        if lp is None or lp.pragma is not None:
            continue
        kept[lid] = Note(lp.start_line, note.reason, view.generation,
                         note_diagnostic(view, lp, note.reason))
    return kept
