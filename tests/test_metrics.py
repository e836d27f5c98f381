"""Hand-computed metric cases (issue 3, DESIGN §6)."""

import pytest

from accellium.evaluation.metrics import (
    NO_PREDICTION,
    confusion_matrix,
    f1,
    latency_stats,
    per_directive,
    score_pair,
    summarize,
)


def test_identical_is_perfect():
    s = score_pair("#pragma acc parallel loop copy(a[0:n])", "#pragma  acc parallel loop copy( a[0:n] )")
    assert s.exact_match and s.directive_match and s.clause_set_match and s.valid
    assert s.clause_f1 == s.arg_f1 == s.score == 1.0


def test_reordered_clauses_score_one_exact_zero():
    s = score_pair("#pragma acc parallel loop private(i) copyin(a)",
                   "#pragma acc parallel loop copyin(a) private(i)")
    assert not s.exact_match
    assert s.clause_set_match and s.directive_match
    assert s.score == 1.0


def test_private_arg_f1():
    s = score_pair("#pragma acc loop private(i)", "#pragma acc loop private(i,j)")
    # clause names equal: {loop, private}; items {(private,i)} vs {(private,i),(private,j)}
    assert s.clause_f1 == 1.0
    assert s.arg_f1 == pytest.approx(2 / 3, abs=1e-3)
    assert s.score == pytest.approx(0.6 + 0.4 * 2 / 3)
    assert not s.clause_set_match and not s.exact_match


def test_directive_mismatch_clause_f1_half():
    s = score_pair("#pragma acc kernels copy(A)", "#pragma acc parallel loop copy(A)")
    assert s.clause_f1 == 0.5
    assert s.arg_f1 == 1.0
    assert not s.directive_match and not s.clause_set_match
    assert s.score == pytest.approx(0.6 * 0.5 + 0.4)


def test_reduction_variables_as_set():
    s = score_pair("#pragma acc parallel loop reduction(+:a,b)",
                   "#pragma acc parallel loop reduction(+:b,a)")
    assert s.clause_set_match and not s.exact_match and s.score == 1.0
    other_op = score_pair("#pragma acc parallel loop reduction(*:a,b)",
                          "#pragma acc parallel loop reduction(+:a,b)")
    assert not other_op.clause_set_match and other_op.arg_f1 == 0.0


def test_arguments_only_on_shared_clauses():
    s = score_pair("#pragma acc parallel loop", "#pragma acc kernels")
    assert s.arg_f1 == 0.0 and s.clause_f1 == 0.0 and s.score == 0.0  # nothing shared
    s = score_pair("#pragma acc loop", "#pragma acc loop")
    assert s.arg_f1 == 1.0
    s = score_pair("#pragma acc parallel loop present(a)", "#pragma acc parallel loop")
    assert s.arg_f1 == 1.0 and s.clause_f1 == pytest.approx(2 / 3)
    s = score_pair("#pragma acc parallel loop present(a,b)", "#pragma acc kernels present(a)")
    assert s.clause_f1 == 0.5 and s.arg_f1 == pytest.approx(2 / 3)


def test_argless_clauses_are_items():
    s = score_pair("#pragma acc loop", "#pragma acc loop gang vector")
    # names {loop} vs {loop, gang, vector}: P=1 R=1/3 -> 0.5; shared {loop}: no items -> 1
    assert s.clause_f1 == pytest.approx(0.5)
    assert s.arg_f1 == 1.0
    s = score_pair("#pragma acc loop gang", "#pragma acc loop gang vector")
    assert s.arg_f1 == 1.0  # only the shared `gang` is compared


def test_separator_commas_do_not_break_exact():
    assert score_pair("#pragma acc loop gang vector", "#pragma acc loop gang, vector").exact_match


@pytest.mark.parametrize("pred", [None, "", "for (;;)", "#pragma acc parallel loop frobnicate(a)",
                                  "#pragma acc loop copyin(a)", "#pragma acc parallel loop (("])
def test_none_or_invalid_scores_zero(pred):
    s = score_pair(pred, "#pragma acc parallel loop")
    assert not s.valid and not s.exact_match and not s.directive_match
    assert s.score == s.clause_f1 == s.arg_f1 == 0.0
    assert s.pred_directive is None and s.gold_directive == "parallel loop"


def test_f1_helper():
    from collections import Counter

    assert f1(Counter(), Counter()) == 1.0
    assert f1(Counter(), Counter(), both_empty=0.0) == 0.0
    assert f1(Counter("a"), Counter()) == 0.0
    assert f1(Counter("ab"), Counter("bc")) == 0.5


def test_aggregation():
    scores = [
        score_pair("#pragma acc loop", "#pragma acc loop"),
        score_pair("#pragma acc parallel loop", "#pragma acc loop"),
        score_pair(None, "#pragma acc kernels"),
    ]
    m = summarize(scores)
    assert m["n"] == 3
    assert m["exact_match"] == pytest.approx(1 / 3)
    assert m["directive_match"] == pytest.approx(1 / 3)
    assert m["valid"] == pytest.approx(2 / 3)
    assert "compiles" not in m
    table = per_directive(scores)
    assert list(table) == ["loop", "kernels"]
    assert table["loop"]["n"] == 2 and table["loop"]["exact_match"] == 0.5
    cm = confusion_matrix(scores)
    assert cm == {"loop": {"loop": 1, "parallel loop": 1}, "kernels": {NO_PREDICTION: 1}}


def test_compile_rates_over_measured_only():
    from dataclasses import replace

    a = replace(score_pair("#pragma acc loop", "#pragma acc loop"), compiles=True, gold_compiles=True)
    b = replace(score_pair("#pragma acc loop", "#pragma acc loop"), compiles=False)
    c = score_pair("#pragma acc loop", "#pragma acc loop")
    m = summarize([a, b, c])
    assert m["compiles"] == 0.5 and m["gold_compiles"] == 1.0


def test_latency_stats():
    st = latency_stats([1.0, 2.0, 3.0, 4.0, 100.0])
    assert st["p50_ms"] == 3.0 and st["mean_ms"] == 22.0
    assert st["p95_ms"] == pytest.approx(80.8)
    assert latency_stats([])["p50_ms"] is None


def test_unsafe_parallel_counts_parallel_pragmas_on_dependent_loops():
    from types import SimpleNamespace

    from accellium.evaluation.runner import count_unsafe_parallel

    rec = SimpleNamespace(loop_stripped="for (int i = 1; i < n; i++) x[i] = x[i-1] + 1;",
                          lang="c", enclosing=[])
    ok = SimpleNamespace(loop_stripped="for (int i = 0; i < n; i++) y[i] = x[i];",
                         lang="c", enclosing=[])
    preds = ["#pragma acc parallel loop", "#pragma acc parallel loop", "#pragma acc kernels",
             None]
    assert count_unsafe_parallel([rec, ok, rec, rec], preds) == 1
