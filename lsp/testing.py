"""Helpers shared by the language-server tests and ``accellium bench lsp``: client capabilities,
applying LSP text edits the way an editor does (UTF-16 columns), recording the server's status
notifications, and a generated C file."""

from __future__ import annotations

import re

from lsprotocol import types

__all__ = ["client_capabilities", "record_applied_edits", "read_code_actions_with_commands", "apply_text_edits", "edits_for", "generate_c", "utf16_len",
           "spec_lines", "record_statuses"]

STATUS_FIELDS = ("engine", "backend", "url", "message")


def record_statuses(client) -> list[dict]:
    """Collect the server's ``accellium/status`` notifications on ``client.statuses`` (each
    as a dict of :data:`STATUS_FIELDS`) and return that list."""
    client.statuses = []

    @client.feature("accellium/status")
    def on_status(params):
        client.statuses.append(params if isinstance(params, dict) else {
            k: getattr(params, k, None) for k in STATUS_FIELDS})

    return client.statuses


def record_applied_edits(client) -> list:
    """Accept every ``workspace/applyEdit`` the server sends ``client`` and return the list
    the requests' params are collected in."""
    applied: list = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply(params):
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    return applied


def read_code_actions_with_commands(client) -> None:
    """Make ``client`` read a code action that carries a ``command`` as a code action, as
    editors do (a ``Command`` literal is the object whose ``command`` is a string; lsprotocol's
    own hook takes any object with a ``command`` key for a ``Command``)."""
    from typing import Union

    conv = client.protocol._converter

    def hook(obj, _type):
        if isinstance(obj, dict) and isinstance(obj.get("command"), str):
            return conv.structure(obj, types.Command)
        return conv.structure(obj, types.CodeAction)

    conv.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


def client_capabilities(*, resolve: bool = True, document_changes: bool = True,
                        progress: bool = True, configuration: bool = False,
                        change_annotations: bool = False,
                        disabled: bool = True) -> types.ClientCapabilities:
    """A VS Code-like client: versioned edits, code-action resolve, work-done progress
    (``change_annotations``: edits annotated for review, as VS Code supports; ``disabled``:
    it shows a disabled code action's reason)."""
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf16]),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            configuration=configuration,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=document_changes,
                change_annotation_support=types.ChangeAnnotationsSupportOptions(
                    groups_on_label=True) if change_annotations else None)),
        window=types.WindowClientCapabilities(work_done_progress=progress,
                                              show_message=types.ShowMessageRequestClientCapabilities()),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(dynamic_registration=False),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=[
                        types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor,
                        types.CodeActionKind.Source])),
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
                if resolve else None,
                data_support=True, disabled_support=disabled),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
        ),
    )


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


LINE_BREAK = re.compile(r"\r\n|\r|\n")  # LSP 3.17: the only line breaks


def spec_lines(text: str) -> list[str]:
    """The lines of ``text`` with their breaks, as an LSP client counts them (``\n``, ``\r\n``,
    ``\r``; not U+2028, U+0085, form feed ...)."""
    out, pos = [], 0
    for m in LINE_BREAK.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
    out.append(text[pos:])
    return out


def _offset(lines: list[str], pos: types.Position) -> int:
    """Character offset of an LSP (UTF-16) position in the joined text (clamped as the
    specification says)."""
    if pos.line >= len(lines):
        return sum(len(x) for x in lines)
    off = sum(len(x) for x in lines[: pos.line])
    line = lines[pos.line]
    brk = re.search(r"(\r\n|\r|\n)$", line)
    content = line[:brk.start()] if brk else line
    units = 0
    for k, ch in enumerate(content):
        step = 2 if ord(ch) > 0xFFFF else 1
        if units + step > pos.character:
            return off + k
        units += step
    return off + len(content)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply non-overlapping edits (positions against ``text``), as an editor does."""
    lines = spec_lines(text)
    spans = sorted(((_offset(lines, e.range.start), _offset(lines, e.range.end), e.new_text)
                    for e in edits), reverse=True)
    for s, e, new in spans:
        text = text[:s] + new + text[e:]
    return text


def edits_for(edit: types.WorkspaceEdit | None, uri: str) -> tuple[list[types.TextEdit],
                                                                  int | None]:
    """(text edits for ``uri``, the document version they were computed for)."""
    if edit is None:
        return [], None
    out: list[types.TextEdit] = []
    version = None
    for dc in edit.document_changes or []:
        if isinstance(dc, types.TextDocumentEdit) and dc.text_document.uri == uri:
            version = dc.text_document.version
            out.extend(e for e in dc.edits if isinstance(e, types.TextEdit))
    if edit.changes and uri in edit.changes:
        out.extend(edit.changes[uri])
    return out, version


def generate_c(lines: int = 10_000) -> str:
    """A C file of about ``lines`` lines: functions with loop nests, reductions, recurrences,
    every third one already annotated (loop texts differ from function to function)."""
    out: list[str] = ['#include <stddef.h>', '']
    k = 0
    while len(out) + 13 <= lines:
        out += [
            f"void kernel_{k}(int n, float *restrict a{k}, const float *restrict b{k}, "
            f"float *restrict c{k}) {{",
            f"    float s{k} = 0.0f;",
            f"#pragma acc parallel loop reduction(+:s{k})" if k % 3 == 0 else "    /* hot */",
            "    for (int i = 0; i < n; i++) {",
            "        for (int j = 0; j < n; j++) {",
            f"            c{k}[i * n + j] = a{k}[i * n + j] * b{k}[j] + {k % 7}.0f;",
            "        }",
            f"        s{k} += a{k}[i];",
            "    }",
            f"    for (int i = 1; i < n; i++) a{k}[i] = a{k}[i - 1] + b{k}[i];",
            f"    for (size_t i = 0; i < (size_t)n; ++i) c{k}[i] *= s{k};",
            "}",
            "",
        ]
        k += 1
    return "\n".join(out) + "\n"
