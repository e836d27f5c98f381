"""The language server says why a loop gets no pragma, never edits it (lsp/loop_notes.py).

A real client (pytest-lsp) drives ``python -m accellium.lsp`` over stdio.  The document has a
loop over a struct variable's pointer member (``s.x[i]``, the struct declared in the file:
tests/test_held_member.py proves on a whole program that the bare ``parallel loop`` faults and
the note's two lines verify), a loop reading a pointer at subscripts whose extent nothing
tells (a gather), and a plain loop.  The first two get a disabled code action whose reason is the pipeline's note and an
Information diagnostic on their ``for`` line; the plain one keeps its quick fix.  Through a
real backend (code actions resolved lazily), picking the action for such a loop shows the
note with ``window/showMessage`` and makes no edit; the backend's notes name the document's
lines (the request carries ``first_line``)."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.loop_notes import NO_PRAGMA_CODE, NO_PRAGMA_TITLE
from accellium.lsp.testing import edits_for, record_statuses
from tests._lsp_client import backend_state, client_fixture
from tests.test_lsp_server import actions, change, open_doc, start, uri_of, wait_for

SRC = """\
struct vec { int n; double *x; };

void scale(struct vec s, int n, double a)
{
    for (int i = 0; i < n; i++)
        s.x[i] = a * s.x[i];
}

void fill(double *p, const double *q, const int *m, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = q[m[i]];
}

void axpy(double *y, const double *x, double a, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

void scatter(double *y, const double *x, const int *idx, int n)
{
    for (int i = 0; i < n; i++)
        y[idx[i]] = x[i];
}
"""
HELD_FOR, FILL_FOR, AXPY_FOR, SCATTER_FOR = 4, 10, 16, 22  # the loops' `for` lines (0-based)
# the note's fix for the member loop: the data construct directly above the compute construct
# (whose clauses after `parallel loop`, e.g. `gang vector`, are the engine's style choice)
HELD_FIX = ("`#pragma acc data copyin(s) copy(s.x[0:n])` directly above "
            "`#pragma acc parallel loop")

client = client_fixture(record_statuses)


def _notes(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.code == NO_PRAGMA_CODE]


def _disabled(acts: list[types.CodeAction]) -> types.CodeAction:
    got = [a for a in acts if a.disabled is not None]
    assert len(got) == 1, acts
    return got[0]


async def test_loops_without_a_pragma_get_the_reason_not_an_edit(client: LanguageClient,
                                                                 tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)

    acts = await actions(client, uri, HELD_FOR + 1, 8)
    assert all(a.edit is None and a.command is None for a in acts), acts
    held = _disabled(acts)
    assert held.title == NO_PRAGMA_TITLE and held.kind == types.CodeActionKind.QuickFix
    assert held.disabled is not None
    assert "pointer member of `s`" in held.disabled.reason, held.disabled.reason
    assert HELD_FIX in held.disabled.reason and "Offload this function" in held.disabled.reason

    acts = await actions(client, uri, FILL_FOR + 1, 8)
    assert all(a.edit is None for a in acts), acts
    fill = _disabled(acts)
    assert fill.disabled is not None
    assert "`q` is not on the device" in fill.disabled.reason, fill.disabled.reason
    assert "extent is unknown" in fill.disabled.reason, fill.disabled.reason

    acts = await actions(client, uri, SCATTER_FOR + 1, 8)
    scatter = _disabled(acts)  # the reason, and the access that makes it (its line)
    assert scatter.disabled is not None
    assert scatter.disabled.reason.startswith("the iterations depend on each other; "), \
        scatter.disabled.reason
    assert f"`y[idx[i]]` (line {SCATTER_FOR + 2})" in scatter.disabled.reason

    acts = await actions(client, uri, AXPY_FOR + 1, 8)  # a plain loop: its quick fix, as before
    assert acts and not any(a.disabled for a in acts), acts
    assert acts[0].title.startswith("Insert `#pragma acc parallel loop")
    edits, version = edits_for(acts[0].edit, uri)
    assert version == 1 and edits[0].new_text == "    " + acts[0].title[8:-1] + "\n"

    # each note is an Information diagnostic on its loop's `for` line, none on the plain loop
    diags = await wait_for(lambda: len(_notes(client, uri)) == 3 and _notes(client, uri))
    by_line = {d.range.start.line: d for d in diags}
    assert set(by_line) == {HELD_FOR, FILL_FOR, SCATTER_FOR}, diags
    for row, d in by_line.items():
        assert d.severity == types.DiagnosticSeverity.Information and d.source == "accellium"
        assert d.range.start.character == 4 and d.range.end.line == row
        assert d.message.startswith(f"{NO_PRAGMA_TITLE}: ")
    assert HELD_FIX in by_line[HELD_FOR].message
    assert "extent is unknown" in by_line[FILL_FOR].message


async def test_the_note_follows_its_loop_and_goes_once_it_has_a_pragma(client: LanguageClient,
                                                                       tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    await actions(client, uri, HELD_FOR + 1, 8)
    await wait_for(lambda: [d for d in _notes(client, uri) if d.range.start.line == HELD_FOR])

    change(client, uri, 2, (0, 0), (0, 0), "#include <stddef.h>\n")  # one line above
    await wait_for(lambda: [d.range.start.line for d in _notes(client, uri)] == [HELD_FOR + 1])

    # the user puts the two lines of the note above the loop: the loop has its pragma now
    fix = ("    #pragma acc data copyin(s) copy(s.x[0:n])\n"
           "    #pragma acc parallel loop\n")
    change(client, uri, 3, (HELD_FOR + 1, 0), (HELD_FOR + 1, 0), fix)
    await wait_for(lambda: uri in client.diagnostics and not _notes(client, uri))
    acts = await actions(client, uri, HELD_FOR + 4, 8)
    assert not any(a.disabled for a in acts), acts


async def test_a_client_without_disabled_actions_gets_the_diagnostic(client: LanguageClient,
                                                                     tmp_path):
    await start(client, disabled=False)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    assert await actions(client, uri, HELD_FOR + 1, 8) == []
    diags = await wait_for(lambda: _notes(client, uri))
    assert [d.range.start.line for d in diags] == [HELD_FOR]
    assert HELD_FIX in diags[0].message


async def test_resolving_an_action_for_such_a_loop_shows_why(client: LanguageClient, tmp_path):
    """A backend defers the answer to ``codeAction/resolve``: the action the user picked turns
    out to have no pragma; the server says why (``window/showMessage``) and edits nothing."""
    from _server_util import running_server

    from accellium.server.app import Settings

    with running_server(Settings(engine="analysis", access_log=False)) as url:
        await start(client, options={"backendUrl": url})
        await wait_for(lambda: backend_state(client) == "connected")
        uri = uri_of(tmp_path)
        open_doc(client, uri, SRC)
        acts = await actions(client, uri, HELD_FOR + 1, 8)
        assert len(acts) == 1 and acts[0].edit is None and acts[0].data, acts
        a = await client.code_action_resolve_async(acts[0])
        assert a.edit is None and a.command is None, a
        msgs = await wait_for(lambda: [m for m in client.messages
                                       if "no OpenACC pragma for the loop at line 5" in m.message])
        assert msgs[0].type == types.MessageType.Info
        assert HELD_FIX in msgs[0].message and "Offload this function" in msgs[0].message
        diags = await wait_for(lambda: _notes(client, uri))
        assert [d.range.start.line for d in diags] == [HELD_FOR]
        # now the answer is known: the lightbulb says why at once, no resolve
        acts = await actions(client, uri, HELD_FOR + 1, 8)
        assert [a.title for a in acts] == [NO_PRAGMA_TITLE] and acts[0].disabled is not None

        # the backend's notes name lines of the document, as the embedded engine's do (the
        # request carries the loop's line): the access that makes the dependence is on the
        # document's line SCATTER_FOR + 2, the loop's line 3
        acts = await actions(client, uri, SCATTER_FOR + 1, 8)
        a = await client.code_action_resolve_async(acts[0])
        assert a.edit is None, a
        msgs = await wait_for(lambda: [m for m in client.messages if "`y[idx[i]]`" in m.message])
        assert f"`y[idx[i]]` (line {SCATTER_FOR + 2})" in msgs[0].message, msgs[0].message
        diags = await wait_for(lambda: [d for d in _notes(client, uri)
                                        if d.range.start.line == SCATTER_FOR])
        assert f"`y[idx[i]]` (line {SCATTER_FOR + 2})" in diags[0].message

        acts = await actions(client, uri, AXPY_FOR + 1, 8)  # a plain loop: resolved to its edit
        a = await client.code_action_resolve_async(acts[0])
        edits, _ = edits_for(a.edit, uri)
        assert edits[0].new_text.strip().startswith("#pragma acc parallel loop")
