"""The language server against a backend older than itself (version skew): the older backend's
strict request models refuse the optional fields added since (``first_line`` of
``/v1/suggest``, ``command_line``/``path`` of ``/v1/offload``) with a 422 whose errors are all
``extra_forbidden``; that is not "the backend refused this input".

A real uvicorn serves the older backend (:mod:`tests._older_backend`: it answers one fixed
pragma the embedded engine does not write) and a real pytest-lsp client drives
``python -m accellium.lsp`` over stdio, with the padded-IDX header whose shape ``-D PADDED``
decides (:data:`tests._offload_util.PADDED_IDX_H`)."""

from __future__ import annotations

import asyncio
import json

from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.backend_skew import carried, refused_fields, without
from accellium.lsp.testing import edits_for, read_code_actions_with_commands, record_statuses
from tests._lsp_client import backend_state, client_fixture, offload_pragma_lines
from tests._offload_util import (
    PADDED_IDX_H,
    PADDED_IDX_KERNEL,
    PADDED_IDX_PADDED,
    PADDED_IDX_PADDED_NEST,
)
from tests._older_backend import MAX_OLDER_CODE, OLDER_PRAGMA, older_backend
from tests.test_lsp_server import actions, open_doc, start, wait_for

LOOP_ROW = 4
HEADER_ROW = 2
BACKEND_TITLE = "Insert an OpenACC pragma (suggested by backend)"
OLDER = "older than this editor"
# a loop longer than the older backend takes: a 422 about a value, not about a field
LONG_ROW = 2
LONG = ("void mix(int n, double *a, const double *b, const double *c, const double *d)\n{\n"
        "    for (int i = 0; i < n; i++)\n"
        "        a[i] = 0.25 * b[i] + 0.5 * c[i] + 0.125 * d[i] + 0.0625 * b[i] * c[i]\n"
        "               + 0.03125 * c[i] * d[i] + 0.015625 * b[i] * d[i] + 0.5 * b[i] * b[i]\n"
        "               + 0.25 * c[i] * c[i] + 0.125 * d[i] * d[i];\n}\n")

client = client_fixture(record_statuses, read_code_actions_with_commands)


def _body_422(*errors: tuple[str, list]) -> bytes:
    return json.dumps({"detail": [{"type": t, "loc": loc, "msg": "x"} for t, loc in errors]}
                      ).encode()


def test_only_unknown_newer_fields_make_an_older_backend():
    older = refused_fields("/v1/offload", _body_422(("extra_forbidden", ["body", "command_line"]),
                                                    ("extra_forbidden", ["body", "path"])))
    assert older == {"command_line", "path"}
    assert refused_fields("/v1/suggest", _body_422(("extra_forbidden", ["body", "first_line"]))
                          ) == {"first_line"}
    # any other error in the list, a field this server did not add, another endpoint's field,
    # a string detail, not JSON: the 422 keeps its meaning
    for endpoint, body in [
            ("/v1/suggest", _body_422(("extra_forbidden", ["body", "first_line"]),
                                      ("string_too_long", ["body", "code"]))),
            ("/v1/suggest", _body_422(("extra_forbidden", ["body", "colour"]))),
            ("/v1/suggest", _body_422(("extra_forbidden", ["body", "command_line"]))),
            ("/v1/suggest", _body_422(("extra_forbidden", ["query", "first_line"]))),
            ("/v1/suggest", _body_422()),
            ("/v1/offload", b'{"detail": "no function named `nope`"}'),
            ("/v1/offload", b"<html>"), ("/v1/offload", b"[1]")]:
        assert refused_fields(endpoint, body) is None, body


def test_without_and_carried_leave_the_body_whole():
    body = {"code": "for (;;) ;", "first_line": 7, "context": {"scope": {"source": "s"}}}
    out = without(body, frozenset({"first_line", "context.scope.command_line"}))
    assert out == {"code": "for (;;) ;", "context": {"scope": {"source": "s"}}}
    assert body["first_line"] == 7  # the request's own body is not changed
    nested = without(body, frozenset({"context.scope.source"}))
    assert nested["context"] == {"scope": {}} and body["context"]["scope"] == {"source": "s"}
    assert carried(body, frozenset({"first_line", "path"})) == {"first_line"}
    assert carried(body, frozenset({"context.scope.source"})) == {"context.scope.source"}


def _workspace(tmp_path):
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "idx.h").write_text(PADDED_IDX_H)
    (ws / "src" / "kernel.c").write_text(PADDED_IDX_KERNEL)
    (ws / "src" / "long.c").write_text(LONG)
    return ws, (ws / "src" / "kernel.c").as_uri(), (ws / "src" / "long.c").as_uri()


def _configure(client: LanguageClient, settings: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"accellium": settings}))


def _older_messages(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if OLDER in m.message]


async def _backend_edit(client: LanguageClient, uri: str, row: int) -> str | None:
    """The line the backend's action (resolved lazily) inserts above the loop (None: none)."""
    acts = await actions(client, uri, row, 8)
    assert [a.title for a in acts] == [BACKEND_TITLE], acts
    a = await client.code_action_resolve_async(acts[0])
    if a.edit is None:
        return None
    edits, _ = edits_for(a.edit, uri)
    return edits[0].new_text.strip()


async def test_suggest_goes_without_first_line(client: LanguageClient, tmp_path):
    """The first loop's 422 names only ``first_line``: the loop is asked for once more without
    it and gets the older backend's answer (the build's choice of ``IDX`` travels in
    ``context.scope.defines``, which the older backend takes); later loops go without it at
    once; one message says so.  A 422 about a value still means no suggestion."""
    ws, uri, long_uri = _workspace(tmp_path)
    with older_backend() as old:
        await start(client, root=ws, options={"backendUrl": old.url, "defines": ["PADDED"]})
        await wait_for(lambda: backend_state(client) == "connected")
        open_doc(client, uri, PADDED_IDX_KERNEL)
        assert await _backend_edit(client, uri, LOOP_ROW) == OLDER_PRAGMA
        sent = old.of("/v1/suggest")
        assert [b.get("first_line") for b in sent] == [LOOP_ROW + 1, None], sent
        padded = sent[1]["context"]["scope"]["defines"]
        assert len(padded) == 1 and "(m + 16)" in padded[0], padded
        msgs = await wait_for(lambda: _older_messages(client))
        assert old.url in msgs[0] and "`first_line`" in msgs[0], msgs

        # another build: the next request goes without first_line at once (one request)
        _configure(client, {"backendUrl": old.url, "defines": [], "definesComplete": True})
        for _ in range(40):
            if len(old.of("/v1/suggest")) > 2:
                break
            assert await _backend_edit(client, uri, LOOP_ROW) == OLDER_PRAGMA
            await asyncio.sleep(0.05)
        sent = old.of("/v1/suggest")
        assert len(sent) == 3 and "first_line" not in sent[2], sent
        plain = sent[2]["context"]["scope"]["defines"]
        assert len(plain) == 1 and "(m + 16)" not in plain[0], plain

        # a loop the older backend refuses by value: no suggestion, as for any refusal
        open_doc(client, long_uri, LONG)
        code = LONG[LONG.index("for"):LONG.rindex("}")].rstrip()
        assert len(code) > MAX_OLDER_CODE
        assert await _backend_edit(client, long_uri, LONG_ROW) is None
        assert len(old.of("/v1/suggest")) > 3
        assert all("first_line" not in b for b in old.of("/v1/suggest")[2:])
        assert len(_older_messages(client)) == 1 and backend_state(client) == "connected"


async def test_offload_with_the_build_is_planned_in_process(client: LanguageClient, tmp_path):
    """``command_line`` refused: the function is planned in-process (which reads the build's
    -D PADDED: the padded sections), later plans that carry it go in-process without a round
    trip, one message says so; a plan without it still comes from the older backend."""
    ws, uri, _long = _workspace(tmp_path)
    with older_backend() as old:
        await start(client, root=ws, options={"backendUrl": old.url, "defines": ["PADDED"]})
        await wait_for(lambda: backend_state(client) == "connected")
        open_doc(client, uri, PADDED_IDX_KERNEL)
        # the padded sections; `auto`'s ranker may collapse the nest or state `independent`
        # (its style, not the point)
        padded = await offload_pragma_lines(client, uri, HEADER_ROW)
        assert [p.replace(" independent", "") for p in padded] in \
            ([PADDED_IDX_PADDED], [PADDED_IDX_PADDED_NEST]), padded
        sent = old.of("/v1/offload")
        assert len(sent) == 1 and "command_line" in sent[0], sent
        msgs = await wait_for(lambda: _older_messages(client))
        assert old.url in msgs[0] and "`command_line`" in msgs[0] and "in-process" in msgs[0]

        assert await offload_pragma_lines(client, uri, HEADER_ROW) == padded
        assert len(old.of("/v1/offload")) == 1  # known: no round trip

        # no -D/-U known: nothing the older backend lacks, it plans
        _configure(client, {"backendUrl": old.url, "defines": []})
        got = None
        for _ in range(40):
            got = await offload_pragma_lines(client, uri, HEADER_ROW)
            if got == [OLDER_PRAGMA]:
                break
            await asyncio.sleep(0.05)
        assert got == [OLDER_PRAGMA]
        assert "command_line" not in old.of("/v1/offload")[-1]
        assert len(_older_messages(client)) == 1 and backend_state(client) == "connected"


AXPY = """void axpy(int n, double a, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
"""
MAIN = """void axpy(int n, double a, const double *x, double *y);
int main(void)
{
    double x[8] = {0}, y[8] = {0};
    axpy(8, 2.0, x, y);
    return (int)y[0];
}
"""


async def test_offload_of_a_program_file_is_planned_in_process(client: LanguageClient,
                                                               tmp_path):
    """With ``offloadProgram`` the request carries the document's ``path`` among the program's
    files, which the older backend refuses: planned in-process (with the caller), then without
    a round trip; without the program the backend plans."""
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "axpy.c").write_text(AXPY)
    (ws / "src" / "main.c").write_text(MAIN)
    uri, main_uri = (ws / "src" / "axpy.c").as_uri(), (ws / "src" / "main.c").as_uri()
    with older_backend() as old:
        await start(client, root=ws, options={"backendUrl": old.url,
                                              "offloadProgram": ["src/*.c"]})
        await wait_for(lambda: backend_state(client) == "connected")
        open_doc(client, uri, AXPY)
        open_doc(client, main_uri, MAIN)  # every program file open: the action has the edit
        got = await offload_pragma_lines(client, uri, 0)
        assert got and OLDER_PRAGMA not in got, got
        sent = old.of("/v1/offload")
        assert len(sent) == 1 and sent[0]["path"] == "src/axpy.c" and sent[0]["program"], sent
        msgs = await wait_for(lambda: _older_messages(client))
        assert "`path`" in msgs[0] and "`command_line`" not in msgs[0], msgs
        assert await offload_pragma_lines(client, uri, 0) == got
        assert len(old.of("/v1/offload")) == 1  # known: no round trip

        _configure(client, {"backendUrl": old.url, "offloadProgram": []})
        for _ in range(40):
            if await offload_pragma_lines(client, uri, 0) == [OLDER_PRAGMA]:
                break
            await asyncio.sleep(0.05)
        assert len(old.of("/v1/offload")) >= 2
        last = old.of("/v1/offload")[-1]
        assert "path" not in last and "program" not in last, last
        assert await offload_pragma_lines(client, uri, 0) == [OLDER_PRAGMA]
        assert len(_older_messages(client)) == 1
