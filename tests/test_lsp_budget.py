"""A loop whose analysis runs past the code action's budget gets a disabled "still analysing"
action, then its quick fix once the run (which goes on) has answered (issue #12, D1).

The server runs with ``ACCELLIUM_ACTION_BUDGET_S=0.05`` so that a deep nest's analysis (several
seconds) is always past it; end to end over stdio (pytest-lsp)."""

from __future__ import annotations

import asyncio

from accellium.lsp.loop_notes import RUNNING_TITLE
from accellium.lsp.testing import apply_text_edits, edits_for
from tests._lsp_client import client_fixture
from tests.test_lsp_robust import _deep
from tests.test_lsp_server import actions, open_doc, start, uri_of

client = client_fixture(env={"ACCELLIUM_ACTION_BUDGET_S": "0.05"})


async def test_past_the_budget_the_loop_says_it_is_still_analysed_then_gets_its_pragma(
        client, tmp_path):
    await start(client)
    n = 1200
    uri = uri_of(tmp_path, "deep.c")
    deep = _deep(n)
    open_doc(client, uri, deep)
    first = await asyncio.wait_for(actions(client, uri, n + 1, 2), 120)
    assert [a.title for a in first] == [RUNNING_TITLE], [a.title for a in first]
    assert first[0].edit is None and first[0].command is None
    assert first[0].disabled is not None and "ask again" in first[0].disabled.reason
    for _ in range(120):  # the run goes on: asked again, the loop gets its quick fix
        await asyncio.sleep(0.5)
        acts = [a for a in await asyncio.wait_for(actions(client, uri, n + 1, 2), 120)
                if a.edit]
        if acts:
            break
    assert acts, "the loop never got its quick fix"
    edits, _ = edits_for(acts[0].edit, uri)
    lines = apply_text_edits(deep, edits).splitlines()
    assert lines[n].startswith("#pragma acc") and lines[n + 1].startswith("for (int i")


async def test_a_client_without_disabled_actions_gets_no_placeholder(client, tmp_path):
    await start(client, disabled=False)
    n = 1201
    uri = uri_of(tmp_path, "deep.c")
    open_doc(client, uri, _deep(n))
    assert await asyncio.wait_for(actions(client, uri, n + 1, 2), 120) == []
