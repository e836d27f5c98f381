"""The code action "Offload this function (OpenACC data region)" (issue #15) through a real LSP
client (pytest-lsp) over stdio: where it is offered and where not, the one WorkspaceEdit it
resolves to (byte-exact: the text `accellium suggest --offload --apply` writes), selections,
CRLF buffers, clients without resolve support, and a document that changed after the action was
offered (no edit, a message).  The `analysis` engine answers per loop (deterministic, no
training state to build); the plan itself is the planner's whatever the engine."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.testing import apply_text_edits, edits_for, record_statuses
from tests._lsp_client import backend_state, client_fixture
from tests.test_lsp_backend import OFFLOAD_EDITS, backend, fake  # noqa: F401
from tests.test_lsp_server import change, open_doc, start, uri_of, wait_for

TITLE = "Offload this function (OpenACC data region)"
OPTIONS = {"engine": "analysis"}

SRC = """\
#include <stdlib.h>

static double sq(double x) { return x * x; }

double step(int n, double *u, double *v, const double *w)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        v[i] = u[i] + w[i];
    s = v[0];
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * v[i];
    return s;
}

double energy(int n, double *u, const double *w)
{
    double e = 0.0;
    for (int i = 0; i < n; i++)
        u[i] = sq(u[i]) + w[i];
    double *t = malloc(n * sizeof *t);
    u[0] = 1.0;
    for (int i = 0; i < n; i++)
        t[i] = 2.0 * u[i];
    for (int i = 0; i < n; i++)
        e += t[i];
    free(t);
    return e;
}

int count(int n) { return n + 1; }
"""
STEP_HEADER, STEP_BRACE, STEP_LOOP = 4, 5, 7
ENERGY_HEADER = 15

# A structured data region, present inside, an update between the loops.
STEP_EXPECTED = SRC.replace("""\
    double s = 0.0;
    for (int i = 0; i < n; i++)
        v[i] = u[i] + w[i];
    s = v[0];
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * v[i];
    return s;
""", """\
    double s = 0.0;
    #pragma acc data copyin(w[0:n]) copy(u[0:n]) copyout(v[0:n])
    {
    #pragma acc parallel loop present(v[0:n], u[0:n], w[0:n])
    for (int i = 0; i < n; i++)
        v[i] = u[i] + w[i];
    #pragma acc update self(v[0:1])
    s = v[0];
    #pragma acc parallel loop present(v[0:n], u[0:n])
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * v[i];
    }
    return s;
""")

# enter/exit data (the function allocates and frees `t` in the region), update device after
# host code writes `u[0]`, a reduction, `routine seq` above the called function.
ENERGY_EXPECTED = SRC.replace("""\
static double sq(""", """\
#pragma acc routine seq
static double sq(""").replace("""\
    double e = 0.0;
    for (int i = 0; i < n; i++)
        u[i] = sq(u[i]) + w[i];
    double *t = malloc(n * sizeof *t);
    u[0] = 1.0;
    for (int i = 0; i < n; i++)
        t[i] = 2.0 * u[i];
    for (int i = 0; i < n; i++)
        e += t[i];
    free(t);
""", """\
    double e = 0.0;
    #pragma acc enter data copyin(u[0:n], w[0:n])
    #pragma acc parallel loop present(u[0:n], w[0:n])
    for (int i = 0; i < n; i++)
        u[i] = sq(u[i]) + w[i];
    double *t = malloc(n * sizeof *t);
    #pragma acc enter data create(t[0:n])
    u[0] = 1.0;
    #pragma acc update device(u[0:1])
    #pragma acc parallel loop present(u[0:n], t[0:n])
    for (int i = 0; i < n; i++)
        t[i] = 2.0 * u[i];
    #pragma acc parallel loop reduction(+:e) present(t[0:n])
    for (int i = 0; i < n; i++)
        e += t[i];
    #pragma acc exit data copyout(u[0:n]) delete(t[0:n], w[0:n])
    free(t);
""")


client = client_fixture(record_statuses)


async def ask(client: LanguageClient, uri: str, start: tuple[int, int],
              end: tuple[int, int] | None = None,
              only: list[str] | None = None) -> list[types.CodeAction]:
    end = end or start
    res = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(*start), types.Position(*end)),
        context=types.CodeActionContext(diagnostics=[], only=only)))
    return list(res or [])


def offload(acts: list[types.CodeAction]) -> list[types.CodeAction]:
    return [a for a in acts if a.title == TITLE]


def cli_text(src: str, rows: tuple[int, int]) -> str:
    """What `accellium suggest --offload --apply` writes (same planner, same engine)."""
    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine
    from accellium.server.offload import apply_plans, offload_source

    eng = get_engine("analysis", **engine_options("analysis"))
    raw = src.encode()
    return apply_plans(raw, offload_source(raw, eng, lang="c", rows=rows,
                                           fallback=eng)).decode()


async def resolve_one(client: LanguageClient, uri: str, line: int, src: str,
                      version: int = 1) -> str:
    acts = offload(await ask(client, uri, (line, 0)))
    assert len(acts) == 1, acts
    a = acts[0]
    assert a.kind == types.CodeActionKind.RefactorRewrite and a.edit is None and a.data
    a = await client.code_action_resolve_async(a)
    edits, v = edits_for(a.edit, uri)
    assert v == version and edits  # ONE WorkspaceEdit, for the version it was offered for
    assert len(a.edit.document_changes) == 1
    return apply_text_edits(src, edits)


async def test_offload_on_function_header_applies_the_whole_plan(client: LanguageClient,
                                                                 tmp_path):
    await start(client, options=OPTIONS)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    assert await resolve_one(client, uri, STEP_HEADER, SRC) == STEP_EXPECTED
    assert STEP_EXPECTED == cli_text(SRC, (STEP_HEADER, STEP_HEADER))
    # the line of the body's `{` is part of the header; every kind of edit in one action
    assert await resolve_one(client, uri, STEP_BRACE, SRC) == STEP_EXPECTED
    assert await resolve_one(client, uri, ENERGY_HEADER, SRC) == ENERGY_EXPECTED
    assert ENERGY_EXPECTED == cli_text(SRC, (ENERGY_HEADER, ENERGY_HEADER))


async def test_offload_offered_only_where_it_applies(client: LanguageClient, tmp_path):
    await start(client, options=OPTIONS)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    # a cursor in a loop: the per-loop quick fixes, not the offload
    acts = await ask(client, uri, (STEP_LOOP + 1, 8))
    assert acts and not offload(acts)
    # outside any function, a function without loops, a body line outside any loop
    for line in (0, 2, SRC.splitlines().index("int count(int n) { return n + 1; }"),
                 STEP_LOOP - 1):
        assert not offload(await ask(client, uri, (line, 0))), line
    # context.only: refactor requests get it, quickfix and source requests do not
    assert offload(await ask(client, uri, (STEP_HEADER, 0),
                             only=[types.CodeActionKind.Refactor]))
    assert not offload(await ask(client, uri, (STEP_HEADER, 0),
                                 only=[types.CodeActionKind.QuickFix]))
    assert not offload(await ask(client, uri, (STEP_HEADER, 0),
                                 only=[types.CodeActionKind.Source]))
    # a function that already has OpenACC lines is left alone
    ported = STEP_EXPECTED
    change(client, uri, 2, (0, 0), (len(SRC.splitlines()) + 1, 0), ported)
    assert not offload(await ask(client, uri, (STEP_HEADER, 0)))
    assert offload(await ask(client, uri, (ported.splitlines().index(
        "double energy(int n, double *u, const double *w)"), 0)))


async def test_offload_selection_plans_the_selected_loops(client: LanguageClient, tmp_path):
    await start(client, options=OPTIONS)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    lines = SRC.splitlines()
    first = lines.index("    double *t = malloc(n * sizeof *t);") + 1  # `u[0] = 1.0;`
    last = lines.index("    free(t);")
    # a selection from the start of `u[0] = 1.0;` to column 0 of `free(t);`: its last line is
    # the one above
    acts = offload(await ask(client, uri, (first, 0), (last, 0)))
    assert len(acts) == 1
    a = await client.code_action_resolve_async(acts[0])
    edits, v = edits_for(a.edit, uri)
    assert v == 1
    new = apply_text_edits(SRC, edits)
    assert new == cli_text(SRC, (first, last - 1))
    # only the selected loops: the first loop of `energy` and `sq` are untouched
    assert "#pragma acc routine" not in new
    assert new.count("#pragma acc parallel loop") == 2
    assert new.replace("\n", "").count("u[i] = sq(u[i]) + w[i];") == 1
    # a selection that leaves the function is not offered the action
    assert not offload(await ask(client, uri, (first, 0), (len(lines) - 1, 0)))


async def test_offload_keeps_crlf_line_breaks(client: LanguageClient, tmp_path):
    await start(client, options=OPTIONS)
    uri = uri_of(tmp_path)
    crlf = SRC.replace("\n", "\r\n")
    open_doc(client, uri, crlf)
    new = await resolve_one(client, uri, STEP_HEADER, crlf)
    assert new == STEP_EXPECTED.replace("\n", "\r\n")


async def test_offload_without_resolve_support(client: LanguageClient, tmp_path):
    await start(client, options=OPTIONS, resolve=False, document_changes=False)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = offload(await ask(client, uri, (STEP_HEADER, 0)))
    assert len(acts) == 1 and acts[0].edit is not None
    edits, _ = edits_for(acts[0].edit, uri)
    assert apply_text_edits(SRC, edits) == STEP_EXPECTED


async def test_offload_stale_version_gets_no_edit_and_a_message(client: LanguageClient,
                                                                tmp_path):
    await start(client, options=OPTIONS)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = offload(await ask(client, uri, (STEP_HEADER, 0)))
    assert len(acts) == 1
    # the user types above the function before picking the action
    change(client, uri, 2, (1, 0), (1, 0), "/* edited */\n")
    a = await client.code_action_resolve_async(acts[0])
    assert a.edit is None
    msg = await wait_for(lambda: [m.message for m in client.messages
                                  if "document changed" in m.message])
    assert "no edit was made" in msg[0]
    # asked again, it plans the current text
    text2 = SRC.replace("\n", "\n/* edited */\n", 1)
    new = await resolve_one(client, uri, STEP_HEADER + 1, text2, version=2)
    assert new == STEP_EXPECTED.replace("\n", "\n/* edited */\n", 1)


async def test_offload_through_the_backend(client: LanguageClient, fake,  # noqa: F811
                                           tmp_path):
    """With `backendUrl`, a whole function is planned by `POST /v1/offload` (the document and
    the function's name); a backend that fails or answers garbage costs nothing (planned
    in-process); a 422 is shown; a selection is planned in-process."""
    await start(client, options={**OPTIONS, "backendUrl": fake.url})
    await wait_for(lambda: backend_state(client) == "connected")
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    new = await resolve_one(client, uri, STEP_HEADER, SRC)
    assert fake.offloads == [{"code": SRC, "language": "c", "function": "step"}]
    lines = SRC.splitlines(keepends=True)
    want = "".join(lines[:7] + [e["lines"][0] + "\n" for e in OFFLOAD_EDITS] + lines[7:])
    assert new == want
    for mode in ("error", "garbage"):
        fake.mode = mode
        new = await resolve_one(client, uri, STEP_HEADER, SRC)
        assert new == STEP_EXPECTED and "injected" not in new, mode
    fake.mode = "refuse"
    acts = offload(await ask(client, uri, (STEP_HEADER, 0)))
    a = await client.code_action_resolve_async(acts[0])
    assert a.edit is None
    msg = await wait_for(lambda: [m.message for m in client.messages
                                  if "backend refused" in m.message])
    assert "no function named" in msg[0]
    fake.mode = "ok"
    n = len(fake.offloads)
    first, last = SRC.splitlines().index("    s = v[0];"), STEP_HEADER + 9
    acts = offload(await ask(client, uri, (first, 0), (last, 0)))
    a = await client.code_action_resolve_async(acts[0])
    assert a.edit is not None and len(fake.offloads) == n
