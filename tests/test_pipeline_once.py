"""One suggestion parses the loop once and analyses it once, the safety guard runs once on the
answer (in :func:`server.suggest.suggest` only) and once on each ranked alternative, on that
one analysis, and the notes are structured (kind, variable, line) with file lines when the
query says where the loop is.

The counts are taken on the real pipeline: the tree-sitter parser that every loop parse goes
through (``accellium.dataset.loops.Parser``) and the analysis's one entry point
(``pipeline._analyze_cached``, behind :func:`accellium.dataset.analysis.analyze`) are wrapped,
nothing is replaced.
"""

from __future__ import annotations

from collections import Counter

import pytest

from accellium.dataset import loops
from accellium.dataset.analysis import NoteKind, analyze, pipeline
from accellium.server import safety
from accellium.server.annotate import annotate_source
from accellium.server.engines import LoopQuery, get_engine
from accellium.server.suggest import suggest
from tests.test_retrieval import TRAIN

# (names no training loop uses: the counts below tell the query's loop from the known ones)
LOOP = ("for (int i = 1; i < n; i++) {\n"
        "  s += qa[i];\n"
        "  qb[i] = qb[i-1] + qc[i];\n"
        "}")
SAFE = "for (int i = 0; i < n; i++) {\n  s += qa[i];\n  qb[i] = 2 * qc[i];\n}"


@pytest.fixture
def counts(monkeypatch):
    """Counter of loop parses ("parse"), analyses ("analyze") and guard runs ("guard")."""
    seen: Counter[str] = Counter()
    real_parser = loops.Parser

    def parser(*a, **kw):
        seen["parse"] += 1
        return real_parser(*a, **kw)

    real_analyze = pipeline._analyze_cached

    def analyze_once(*a):
        # the loops the engine already knows (training pairs, workspace examples: analysed when
        # it was built) are looked up, not the query's loop: counted apart
        seen["analyze" if "qb[i]" in a[0] else "known loop"] += 1
        return real_analyze(*a)

    real_check = safety.check

    def check(*a, **kw):
        seen["guard"] += 1
        return real_check(*a, **kw)

    real_analyze.cache_clear()  # a cached answer would hide a parse
    monkeypatch.setattr(loops, "Parser", parser)
    monkeypatch.setattr(pipeline, "_analyze_cached", analyze_once)
    monkeypatch.setattr(safety, "check", check)
    yield seen
    real_analyze.cache_clear()


@pytest.mark.parametrize("engine", ["auto", "analysis"])
def test_one_suggestion_parses_and_analyses_once(engine, counts):
    eng = get_engine(engine, train=TRAIN)  # built (and its training loops analysed) first
    counts.clear()
    s = suggest(LoopQuery(SAFE), eng)
    assert s.pragma is not None and "reduction(+:s)" in s.pragma
    counts.pop("known loop", None)
    seen = dict(counts)
    offered = len(eng.suggest(LoopQuery(SAFE)).alternatives)  # the engine's own, unguarded
    # the answer's guard, and one per alternative (an editor offers each as a quick fix)
    assert seen == {"parse": 1, "analyze": 1, "guard": 1 + offered}, (seen, offered)
    assert engine == "analysis" or offered > 0  # the ranker offers some: not a vacuous count


def test_a_model_answer_is_guarded_once_on_one_analysis(counts):
    """A model engine's raw text: parsed as a pragma, the loop analysed once by the guard."""

    class Model:
        name = "model"

        def suggest(self, query):
            from accellium.server.engines import EngineAnswer

            return EngineAnswer(None, raw="sure:\n#pragma acc parallel loop\n")

    counts.clear()
    s = suggest(LoopQuery(LOOP), Model(), fallback=None)
    assert s.pragma == "#pragma acc kernels"  # the guard's rewrite of the unsafe answer
    assert s.unguarded == "#pragma acc parallel loop"
    assert counts == {"parse": 1, "analyze": 1, "guard": 1}, counts


def test_code_action_path_parses_document_once_and_loop_once(counts):
    """The LSP's path from the cursor to the edit: the document index, the loop under the
    cursor, its query, the embedded engine through the pipeline, the edit."""
    from accellium.lsp.actions import loop_query, pragma_edit
    from accellium.lsp.document import DocIndex
    from accellium.lsp.suggestions import SuggestService

    text = "void f(int n, float *qa, float *qb, float *qc) {\n  float s = 0;\n  " \
           + LOOP.replace("\n", "\n  ") + "\n}\n"
    service = SuggestService()
    service._engines["auto"] = get_engine("auto", train=TRAIN)
    service._engines["analysis"] = get_engine("analysis")
    counts.clear()
    view = DocIndex("file:///t.c", "c", text).view()
    lp = view.loops_at(3)[0]
    q = loop_query(view, lp, [], None)
    sug = service.run_embedded(q)
    assert sug is not None and sug.pragma is not None
    assert pragma_edit(view, lp, sug.pragma) is not None
    # the document is parsed by the LSP's own incremental parser (not counted); the loop once,
    # by the analysis; and the document once more as the loop's scope (context.scope: the
    # enclosing function's data regions and what is live after the loop)
    counts.pop("known loop", None)
    assert counts == {"parse": 2, "analyze": 1, "guard": 1}, counts


def test_notes_are_structured_with_file_lines(tmp_path):
    src = ("void f(int n, float *qa, float *qb, float *qc, float *s) {\n"
           "  float t = 0;\n"
           "  " + LOOP.replace("\n", "\n  ").replace("s +=", "t +=") + "\n"
           "  *s = t;\n}\n").encode()
    [got] = annotate_source(src, get_engine("analysis"))
    assert got.line == 3
    dep = [n for n in got.notes if getattr(n, "kind", None) is NoteKind.DEPENDENCE]
    assert dep and dep[0].variable == "qb" and dep[0].line == 5  # the file's line of qb[i-1]
    assert "(line 5)" in dep[0]  # the text names the same line
    red = [n for n in got.notes if getattr(n, "kind", None) is NoteKind.REDUCTION]
    assert red and red[0].variable == "t"


def test_line_convention_without_position():
    """Without a position the lines are those of the code as given (line 1 = its first)."""
    f = analyze(LOOP)
    assert [(d.var, d.line) for d in f.carried] == [("qb", 3)]
    g = analyze(LOOP, first_line=40)
    assert [(d.var, d.line) for d in g.carried] == [("qb", 42)]
    assert g.notes[-1].line == 42 and "(line 42)" in g.notes[-1]
    assert analyze(LOOP, first_line=-3).first_line == 1  # nonsense position: the code's lines


def test_guard_notes_follow_kinds_not_wording():
    """The guard's notes join when it changes the answer, and only then when the engine has
    already explained the dependence (a note of kind dependence)."""

    class Says:
        name = "says"

        def __init__(self, notes):
            self.notes = notes

        def suggest(self, query):
            from accellium.server.engines import EngineAnswer

            return EngineAnswer("#pragma acc kernels", list(self.notes))

    q = LoopQuery(LOOP)
    dep = q.facts().notes  # the analysis's notes, one of kind dependence
    plain = suggest(q, Says(["some explanation"]), fallback=None)
    assert any(n.kind is NoteKind.GUARD for n in plain.notes)  # nobody said why: the guard does
    told = suggest(q, Says(dep), fallback=None)
    assert told.pragma == "#pragma acc kernels"
    assert not any(n.kind is NoteKind.GUARD for n in told.notes)


def test_lsp_dependence_diagnostic_names_file_lines():
    """The LSP's warning on a parallel pragma over a dependent loop names the file's line
    (from the structured line, no rewriting of the message)."""
    from accellium.lsp.diagnostics import refresh_view
    from accellium.lsp.document import DocIndex

    text = ("void f(int n, float *qb, float *qc) {\n"
            "  #pragma acc parallel loop\n"
            "  for (int i = 1; i < n; i++)\n"
            "    qb[i] = qb[i-1] + qc[i];\n"
            "}\n")
    view = DocIndex("file:///d.c", "c", text).view()
    diags, _ = refresh_view(view, lambda: None)
    msgs = [d.message for d in diags if d.code == "carried-dependence"]
    assert len(msgs) == 1 and "(line 4)" in msgs[0], msgs
