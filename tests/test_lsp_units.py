"""Unit tests of the language server's pieces: the incremental loop index against a full
rebuild, settings parsing, the backend answer check, code-action kinds."""

from __future__ import annotations

import random
from types import SimpleNamespace as NS

import pytest
from lsprotocol import types

from accellium.lsp.actions import kind_for, wants_source_action
from accellium.lsp.document import DocIndex, language_for, prepare
from accellium.lsp.settings import Settings, parse_settings
from accellium.lsp.suggestions import BackendError, suggestion_from_json
from accellium.lsp.testing import apply_text_edits, generate_c, spec_lines, utf16_len
from accellium.lsp.text import line_starts


def _pos(text: str, off: int) -> tuple[int, int]:
    """LSP position (LSP line model, UTF-16) of a character offset."""
    lines = spec_lines(text[:off])
    return len(lines) - 1, utf16_len(lines[-1])


def test_incremental_index_matches_full_rebuild():
    rng = random.Random(7)
    src = "// héllo wörld 😀\n" + generate_c(200)
    doc = DocIndex("file:///x.c", "c", src, 1)
    pieces = ["#pragma acc parallel loop \\\n", "\\\n", "for (int k=0;k<n;k++) x[k]=0;\n",
              "}", "{", "\n", "é😀", "#pragma acc loop\n", "  ", "x", "\r\n", "\r", "\u2028",
              "#pragma acc kernels\r", "\f"]
    for it in range(150):
        a = rng.randrange(len(src) + 1)
        b = min(len(src), a + rng.choice([0, 0, 1, 3, 10, 40]))
        # no LSP position lies between the CR and the LF of a CRLF
        a -= src[a - 1:a + 1] == "\r\n"
        b -= src[b - 1:b + 1] == "\r\n"
        t = rng.choice(pieces) if rng.random() < 0.7 else ""
        (l1, c1), (l2, c2) = _pos(src, a), _pos(src, b)
        ch = NS(range=NS(start=NS(line=l1, character=c1), end=NS(line=l2, character=c2)),
                text=t)
        src = src[:a] + t + src[b:]
        doc.apply_changes([ch], it + 2)
        data = src.encode("utf-8", "surrogatepass")
        assert doc.source == data
        assert doc.masked == prepare(data)
        assert doc.text.starts == [0, *line_starts(data)]
        if it % 10 == 0:
            doc.view()  # incremental re-parses from earlier views along the way
    view = doc.view()
    full = DocIndex("file:///y.c", "c", src).view()
    for row in range(0, full.line_count(), 7):
        assert [lp.text for lp in view.loops_at(row)] == [lp.text for lp in full.loops_at(row)]


def test_full_change_and_out_of_range_positions_are_clamped():
    doc = DocIndex("file:///x.c", "c", "int a;\n", 1)
    doc.apply_changes([NS(text="something else entirely\n")], 2)
    assert doc.source == b"something else entirely\n"
    # past the end of a line: its end; past the last line: the end of the document; a
    # reversed range is read the right way round
    far = NS(range=NS(start=NS(line=0, character=999), end=NS(line=0, character=999)), text="!")
    past = NS(range=NS(start=NS(line=99, character=3), end=NS(line=99, character=3)), text="?")
    back = NS(range=NS(start=NS(line=0, character=4), end=NS(line=0, character=0)), text="")
    doc.apply_changes([far, past, back], 3)
    assert doc.source == b"thing else entirely!\n?"
    assert doc.view().line_count() == 2


def test_loops_at_pragma_line_and_utf16():
    src = ('void f(int n, float *a) {\n  const char *s = "😀"; float t = 0;\n'
           "  #pragma acc parallel loop\n  for (int i = 0; i < n; i++)\n    t += a[i];\n}\n")
    doc = DocIndex("file:///x.c", "c", src).view()
    assert [lp.start_line for lp in doc.loops_at(2)] == [3]
    assert [lp.start_line for lp in doc.loops_at(4)] == [3]
    assert doc.loops_at(0) == [] and doc.loops_at(99) == []
    assert doc.col_out(1, len('  const char *s = "😀'.encode())) == utf16_len('  const char *s = "😀')
    assert [a.pragma for a in doc.annotated_loops()] == ["#pragma acc parallel loop"]
    doc = DocIndex("file:///y.c", "c", "void g(int n, float *a) {\n#pragma acc data copy(a[0:n])\n"
                   "{\n#pragma acc parallel loop\nfor (int i = 0; i < n; i++) a[i] = 0;\n}\n}\n").view()
    (a,) = doc.annotated_loops()
    assert a.enclosing == ("#pragma acc data copy(a[0:n])",)  # sent with the example


def test_style_index_examples_say_where_they_come_from():
    from accellium.lsp.style import StyleIndex

    src = ("void g(int n, float *a, float *b) {\n#pragma acc data copy(a[0:n])\n{\n"
           "#pragma acc parallel loop present(a)\nfor (int i = 0; i < n; i++) a[i] = 0;\n}\n"
           "#pragma acc kernels\nfor (int i = 0; i < n; i++) b[i] = 1;\n}\n")
    idx = StyleIndex()
    idx.set_open("file:///a.c", DocIndex("file:///a.c", "c", src).view().annotated_loops())
    idx.set_file("file:///b.c", DocIndex("file:///b.c", "c", src.replace("g(", "h("))
                 .view().annotated_loops())
    exs = idx.nearest("for (int j = 0; j < m; j++) c[j] = 0;", 8, uri="file:///a.c")
    assert len(exs) == 2  # identical pairs of the two files are one example
    by = {e.pragma: e for e in exs}
    assert by["#pragma acc parallel loop present(a)"].enclosing == ("#pragma acc data copy(a[0:n])",)
    assert by["#pragma acc kernels"].enclosing == ()
    query = "for (int j = 0; j < m; j++) c[j] = 0;"
    assert all(e.same_file is False for e in idx.nearest(query, 8, uri="file:///other.c"))
    only_a = StyleIndex()
    only_a.set_open("file:///a.c", DocIndex("file:///a.c", "c", src).view().annotated_loops())
    assert [e.same_file for e in only_a.nearest(query, 8, uri="file:///a.c")] == [True, True]
    assert [e.same_file for e in only_a.nearest(query, 8, uri="file:///b.c")] == [False, False]
    assert all(e.same_file is None for e in idx.nearest("for (;;) x = 1;", 8))


def test_language_for():
    assert language_for("c") == "c"
    assert language_for("cpp") == "cpp" and language_for("cuda-cpp") == "cpp"
    assert language_for("python") is None
    assert language_for("", "file:///a/b.cu") == "cpp"


def test_settings_defaults_wire_names_and_bad_values():
    s = parse_settings(None)
    assert s == Settings() and s.problems == ()
    s = parse_settings({"accellium": {"backendUrl": "http://127.0.0.1:8000/", "timeoutMs": 500,
                                      "maxExamples": 3, "indexWorkspace": False,
                                      "adapter": "", "engine": "analysis"}})
    assert s.backend_url == "http://127.0.0.1:8000" and s.timeout_ms == 500
    assert s.max_examples == 3 and s.index_workspace is False and s.adapter is None
    assert s.engine == "analysis" and s.problems == ()
    s = parse_settings({"timeoutMs": -5, "maxExamples": 99, "backendUrl": "ftp://x",
                        "engine": "nope", "indexWorkspace": "yes"}, base=s)
    assert (s.timeout_ms, s.max_examples, s.backend_url, s.engine, s.index_workspace) == (
        2000, 8, None, "auto", True)
    assert len(s.problems) == 5 and all("using" in p for p in s.problems)
    # keys not given keep the previous values
    s2 = parse_settings({"adapter": "team"}, base=s)
    assert s2.adapter == "team" and s2.timeout_ms == s.timeout_ms


def test_backend_answer_check():
    ok = suggestion_from_json({"pragma": "#pragma  acc parallel loop  reduction(+:s)",
                               "notes": ["n"], "engine": "hf"})
    assert ok.pragma == "#pragma acc parallel loop reduction(+:s)" and ok.engine == "hf"
    assert suggestion_from_json({"pragma": None, "notes": ["carried"]}).pragma is None
    for bad in ([], {"x": 1}, {"pragma": 3}, {"pragma": "rm -rf /"},
                {"pragma": "#pragma acc parallel loop presnt(a)"}):
        with pytest.raises(BackendError):
            suggestion_from_json(bad)


def test_kinds():
    K = types.CodeActionKind
    assert kind_for(None) == K.QuickFix and kind_for([]) == K.QuickFix
    assert kind_for([K.Refactor]) == K.RefactorRewrite
    assert kind_for([K.QuickFix, K.Refactor]) == K.QuickFix
    assert kind_for([K.RefactorExtract]) is None and kind_for([K.Source]) is None
    assert wants_source_action([K.Source]) and not wants_source_action(None)


def test_apply_text_edits_utf16():
    text = "a😀b\nc\n"
    e = types.TextEdit(range=types.Range(types.Position(0, 3), types.Position(0, 4)),
                       new_text="X")
    assert apply_text_edits(text, [e]) == "a😀X\nc\n"
