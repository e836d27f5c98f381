"""The language server offers no pragma where gcc would reject it (found by probing the quick
fixes): below a ``#pragma GCC ivdep`` or ``#pragma omp ...`` line (an OpenACC loop directive
must be followed by its loop, and the other pragma binds to the loop too: "for, while or do
statement expected" — the CLI's writer already refused these loops,
:func:`accellium.dataset.loops.insertion_problem`), on a loop whose inner loop carries an
OpenACC label (a compute construct inside another, or a ``collapse`` over a labelled loop:
"not enough perfectly nested loops"), and on a loop an enclosing ``collapse(k)`` already binds
(:func:`accellium.dataset.loops.nest_problem`).  A twin keeps its quick fix: the inner loop of
a ``parallel loop gang`` without ``collapse`` (``loop vector`` there is valid).

Each offered edit is applied to the text and built with gcc -fopenacc.  A real client
(pytest-lsp) drives ``python -m accellium.lsp`` over stdio."""

from __future__ import annotations

import subprocess

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests._lsp_client import client_fixture
from tests.test_lsp_server import actions, apply, open_doc, resolved, start, uri_of

SRC = """void ivdep(double *a, const double *b, int n)
{
    #pragma GCC ivdep
    for (int i = 0; i < n; i++)
        a[i] = b[i] + 1.0;
}

void inner_labelled(double *a, const double *b, int n, int m)
{
    for (int i = 0; i < n; i++) {
        #pragma acc parallel loop copy(a[0:n*m]) copyin(b[0:n*m])
        for (int j = 0; j < m; j++)
            a[i*m+j] += b[i*m+j];
    }
}

void collapsed(double *a, const double *b, int n, int m)
{
    #pragma acc parallel loop collapse(2) copy(a[0:n*m]) copyin(b[0:n*m])
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i*m+j] += b[i*m+j];
}

void ganged(double *a, const double *b, int n, int m)
{
    #pragma acc parallel loop gang copy(a[0:n*m]) copyin(b[0:n*m])
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i*m+j] += b[i*m+j];
}
"""
IVDEP_FOR, OUTER_FOR, COLLAPSED_INNER_FOR, GANGED_INNER_FOR = 3, 9, 20, 28

client = client_fixture()


def _edits(acts: list[types.CodeAction]) -> list[types.CodeAction]:
    return [a for a in acts if a.edit is not None or a.data is not None]


async def test_no_quick_fix_where_gcc_would_reject_the_pragma(client: LanguageClient, tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, IVDEP_FOR, 8)
    assert not _edits(acts), acts
    # the outer loop of a labelled inner loop, the inner loop of a collapsed nest: whatever is
    # offered (replacing the enclosing label is) builds; before, the quick fixes stacked a
    # compute construct on one and a `loop` directive between collapsed loops on the other
    for line in (OUTER_FOR, COLLAPSED_INNER_FOR):
        for a in _edits(await actions(client, uri, line, 8)):
            text = apply(SRC, await resolved(client, a), uri)
            got = _builds(tmp_path, text)
            assert got.returncode == 0, (a.title, got.stderr, text)


def _builds(tmp_path, text: str) -> subprocess.CompletedProcess:
    f = tmp_path / "k.c"
    f.write_text(text)
    return subprocess.run(["gcc", "-fopenacc", "-fsyntax-only", str(f)], capture_output=True,
                          text=True, timeout=60)


async def test_the_inner_loop_of_a_plain_gang_loop_keeps_its_quick_fix(client: LanguageClient,
                                                                        tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = _edits(await actions(client, uri, GANGED_INNER_FOR, 8))
    assert acts, acts
    text = apply(SRC, await resolved(client, acts[0]), uri)
    assert "        #pragma acc loop" in text, text
    got = _builds(tmp_path, text)
    assert got.returncode == 0, got.stderr + text
