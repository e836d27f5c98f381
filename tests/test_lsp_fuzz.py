"""Random LSP edit scripts (hypothesis) against the real language server over stdio.

Each example opens a document built from C-like lines (loops, ``#pragma acc`` lines with a
made-up clause, declarations, comments) joined by every LSP line break (``\\n``, ``\\r\\n``,
``\\r``) and holding characters that are *not* line breaks (U+2028, U+2029, U+0085, form feed,
vertical tab, U+001C) and non-ASCII text (é, ß, 😀: two UTF-16 units), then sends a script of
``didChange`` notifications: incremental changes with random ranges (past the end of a line,
past the last line), several changes in one notification, whole-text changes.  The client keeps
its own copy under the LSP 3.17 line model (``lsp.testing.apply_text_edits``).  Then:

* the server's view equals the client's: the server's diagnostics on the made-up clauses
  (``unknown clause `bogusK```) are exactly those of the ``#pragma acc`` lines of the client's
  copy (by the project's pragma parser), each range covering exactly ``bogusK`` in the
  client's copy (rows and UTF-16 columns);
* every code action at a line that starts with ``for`` edits whole lines: an insertion at the
  start of a ``for`` line of one line (the loop's indentation, ``#pragma acc ...``, that line's
  own break), or the replacement of ``#pragma acc`` lines by one such line.

One server serves all examples (a background event loop); 60 examples, each script at most 8
notifications: the test stops by itself in well under a minute (a couple on a loaded machine).
"""

from __future__ import annotations

import asyncio
import re
import threading

import pytest
import pytest_lsp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from accellium.dataset.pragma import PragmaError, parse, validate
from accellium.lsp.testing import apply_text_edits, client_capabilities, spec_lines, utf16_len
from tests._lsp_client import ENV, SERVER, shut_down

BREAKS = ["\n", "\r\n", "\r"]
INLINE = ["\u2028", "\u2029", "\x85", "\f", "\v", "\x1c", "é", "ß", "😀", " ", "\t", "x"]
PRAGMA_LINE = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+acc\b")  # not \s: \f and U+2028 are not
TIMEOUT_S = 30


def _unit(kind: int, k: int, inline: str) -> str:
    return [
        f"for (int i{k} = 0; i{k} < n; i{k}++) a[i{k}] = {k};",
        f"#pragma acc parallel loop bogus{k}(x)",
        f"int x{k} = {k}; /* {inline} */",
        f"void f{k}(int n, float *a) {{",
        "}",
        f"for (int j{k} = 1; j{k} < n; j{k}++) {{ a[j{k}] += a[j{k} - 1]; }}",
        f"// {inline}{inline}",
        f'const char *s{k} = "{inline}";',
    ][kind]


KINDS = st.sampled_from([1, 0, 1, 2, 1, 3, 4, 5, 1, 6, 7])  # pragma lines 4 in 11


@st.composite
def documents(draw, min_lines: int = 4, max_lines: int = 16) -> str:
    n = draw(st.integers(min_lines, max_lines))
    out = []
    for _ in range(n):
        indent = draw(st.sampled_from(["", "  ", "    ", "\t"]))
        unit = _unit(draw(KINDS), draw(st.integers(0, 99)), draw(st.sampled_from(INLINE)))
        out.append(indent + unit + draw(st.sampled_from(BREAKS)))
    return "".join(out)


def inserts() -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(BREAKS), st.sampled_from(INLINE),
                      st.builds(_unit, KINDS, st.integers(0, 99), st.sampled_from(INLINE)))
    return st.lists(piece, max_size=4).map("".join)


# A change: ("range", line, char, line, char, text) with indices reduced against the client's
# copy when applied (so ranges may reach past a line or past the document), or ("full", text).
_range_change = st.tuples(st.just("range"), st.integers(0, 40), st.integers(0, 90),
                          st.integers(0, 3), st.integers(0, 90), inserts())
changes = st.one_of(_range_change, _range_change, _range_change, _range_change,
                    st.tuples(st.just("full"), documents(2, 10)))  # 1 in 5 a whole text
scripts = st.lists(st.lists(changes, min_size=1, max_size=3), min_size=1, max_size=8)


def _position(lines: list[str], line: int, char: int) -> tuple[int, int]:
    """An LSP position (UTF-16) from indices: a row up to one past the last line, a character
    index up to two past the end of the line's content (never inside a character)."""
    row = line % (len(lines) + 1)
    if row == len(lines):
        return row, char % 3
    content = re.sub(r"(\r\n|\r|\n)$", "", lines[row])
    idx = char % (len(content) + 3)
    if idx > len(content):
        return row, utf16_len(content) + (idx - len(content))
    return row, utf16_len(content[:idx])


def _to_change(text: str, ch) -> tuple[types.TextDocumentContentChangeEvent, str]:
    if ch[0] == "full":
        return types.TextDocumentContentChangeWholeDocument(text=ch[1]), ch[1]
    _, l1, c1, dl, c2, new = ch
    lines = spec_lines(text)
    start = _position(lines, l1, c1)
    end = _position(lines, start[0] + dl, c2)
    if end < start:
        start, end = end, start
    rng = types.Range(types.Position(*start), types.Position(*end))
    return (types.TextDocumentContentChangePartial(range=rng, text=new),
            apply_text_edits(text, [types.TextEdit(range=rng, new_text=new)]))


class Session:
    """One language server for the whole module, driven from a background event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = None
        self.n = 0
        self.edits_checked = 0
        self.clauses_checked = 0

    def run(self, coro, timeout: float = TIMEOUT_S * 2):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def start(self) -> None:
        self.client = pytest_lsp.make_test_lsp_client()
        # Keep the version each diagnostics notification was computed for.
        self.versions: dict[str, int | None] = {}
        features = self.client.protocol.fm.features
        keep = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def publish(params: types.PublishDiagnosticsParams):  # registered handlers take params
            self.versions[params.uri] = params.version
            return keep(params)

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
        await self.client.start_io(*SERVER, env=ENV)
        await self.client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities(),
            initialization_options={"indexWorkspace": False}))

    async def stop(self) -> None:
        await shut_down(self.client)


@pytest.fixture(scope="module")
def session():
    s = Session()
    s.run(s.start())
    yield s
    try:
        s.run(s.stop(), 30)
    finally:
        s.loop.call_soon_threadsafe(s.loop.stop)
        s.thread.join(10)


def _content(line: str) -> str:
    return re.sub(r"(\r\n|\r|\n)$", "", line)


def _expected_bogus(text: str) -> set[tuple[int, str]]:
    """(row, clause) of every made-up clause the client's copy has on an ``#pragma acc`` line
    that parses (judged with the project's pragma parser, as the server does)."""
    out = set()
    for row, line in enumerate(spec_lines(text)):
        content = _content(line)
        if not PRAGMA_LINE.match(content):
            continue
        try:
            problems = validate(parse(content))
        except PragmaError:
            continue
        out.update((row, p.clause) for p in problems
                   if p.clause and re.fullmatch(r"bogus\d+", p.clause))
    return out


def _served_bogus(client, uri: str, text: str) -> set[tuple[int, str]] | None:
    """(row, clause) of the server's "unknown clause" diagnostics; each range must cover
    exactly that clause's name in the client's copy (UTF-16 columns)."""
    diags = client.diagnostics.get(uri)
    if diags is None:
        return None
    lines = spec_lines(text)
    out = set()
    for d in diags:
        m = re.search(r"unknown clause `(bogus\d+)`", d.message)
        if not m:
            continue
        r = d.range
        covered = None
        if r.start.line == r.end.line < len(lines):
            units = _content(lines[r.start.line]).encode("utf-16-le", "surrogatepass")
            covered = units[2 * r.start.character:2 * r.end.character].decode(
                "utf-16-le", "surrogatepass")
        out.add((r.start.line, m.group(1) if covered == m.group(1) else f"{covered!r}?"))
    return out


def _check_edit(text: str, e: types.TextEdit) -> None:
    lines = spec_lines(text)
    body = re.sub(r"(\r\n|\r|\n)$", "", e.new_text)
    brk = e.new_text[len(body):]
    assert brk in BREAKS and not re.search(r"[\r\n]", body), repr(e.new_text)
    assert body.lstrip().startswith("#pragma acc "), repr(e.new_text)
    assert e.range.start.character == 0, e
    row = e.range.start.line
    if e.range.start == e.range.end:  # insertion above a `for` line
        line = lines[row]
        content = re.sub(r"(\r\n|\r|\n)$", "", line)
        assert content.lstrip().startswith("for"), (repr(content), e)
        assert body[:len(body) - len(body.lstrip())] == content[:len(content) - len(
            content.lstrip())]
        own = line[len(content):]
        assert brk == (own or LINE_BREAK_OF(text)), (repr(own), repr(brk))
    else:  # replacement of the loop's pragma lines by one line
        assert e.range.end.character == 0 or e.range.end.line == len(lines) - 1, e
        assert lines[row].lstrip().startswith("#pragma acc"), (repr(lines[row]), e)


def LINE_BREAK_OF(text: str) -> str:
    m = re.search(r"\r\n|\r|\n", text)
    return m.group(0) if m else "\n"


async def _example(s: Session, doc: str, script: list) -> None:
    client = s.client
    s.n += 1
    uri = f"file:///fuzz/ex{s.n}.c"
    text = doc
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="c", version=1, text=doc)))
    version = 1
    for notification in script:
        events = []
        for ch in notification:
            ev, text = _to_change(text, ch)
            events.append(ev)
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=events))
    # 1. the server's text is the client's: the made-up clauses are where the client has them
    expected = _expected_bogus(text)
    s.clauses_checked += len(expected)
    t0 = asyncio.get_running_loop().time()
    while s.versions.get(uri) != version or _served_bogus(client, uri, text) != expected:
        if asyncio.get_running_loop().time() - t0 > TIMEOUT_S:
            raise AssertionError(f"diagnostics of version {s.versions.get(uri)} (last: "
                                 f"{version}): {_served_bogus(client, uri, text)} != {expected} "
                                 f"for "
                                 f"{text!r}")
        await asyncio.sleep(0.05)
    # 2. code actions edit whole lines above `for` lines
    lines = spec_lines(text)
    rows = [r for r, ln in enumerate(lines) if ln.lstrip().startswith("for")]
    for row in rows[:6]:
        res = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(row, 0), types.Position(row, 0)),
            context=types.CodeActionContext(diagnostics=[])))
        for a in res or []:
            if a.disabled is not None:  # no pragma for the loop, and why: never an edit
                assert a.edit is None and a.command is None, a
                continue
            dc = a.edit.document_changes if a.edit else None
            assert dc and dc[0].text_document.version == version, a
            for e in dc[0].edits:
                _check_edit(text, e)
                s.edits_checked += 1
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))


@settings(max_examples=60, deadline=None, derandomize=True,  # the same examples on every run
          phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure reports at once
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(doc=documents(), script=scripts)
def test_random_edit_scripts_keep_server_and_client_in_step(session, doc, script):
    session.run(_example(session, doc, script))


def test_the_scripts_checked_edits_and_clauses(session):
    """The examples above did exercise both checks (run after them, same module session)."""
    assert session.n >= 60
    assert session.edits_checked >= 20 and session.clauses_checked >= 20, (
        session.edits_checked, session.clauses_checked)
