"""The ranker's features of the project's own examples (``rank.features``): the share of all
the examples that write a candidate's directive, and the same among the examples written under
the very same enclosing directives as the query (one region, one function) — computed from
the examples the query carries, real analysis and candidates, no model."""

from __future__ import annotations

from accellium.dataset.prompt import Example
from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank.candidates import context, generate
from accellium.server.engines.rank.features import NAMES, matrix, query_stats
from accellium.server.engines.retrieval import RetrievalEngine, same_enclosing
from accellium.server.engines.style import features

LOOP = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"
DATA = "#pragma acc data copy(y[0:n]) copyin(x[0:n])"
OTHER = "#pragma acc data copy(z[0:n])"


def _rows(examples: tuple[Example, ...], enclosing: tuple[str, ...] = (DATA,)):
    q = LoopQuery(LOOP, "c", enclosing, examples)
    qf = q.facts()
    retrieval = RetrievalEngine([])
    ctx = context(q, qf, features(enclosing, qf), retrieval.neighbours(q, k=6))
    cands = generate(ctx, retrieval.facts, None)
    x = matrix(cands, ctx, query_stats(ctx, None), None)
    return {c.pragma.directive: x[i] for i, c in enumerate(cands)}, x


def _col(name: str) -> int:
    return NAMES.index(name)


def test_same_enclosing_needs_the_same_directives_and_some():
    assert same_enclosing((DATA,), ("#pragma  acc data copy(y[0:n])  copyin(x[0:n])",))
    assert not same_enclosing((OTHER,), (DATA,))
    assert not same_enclosing((), ())  # no directive around: nothing says where it is


def test_shares_of_all_examples_and_of_those_in_the_same_region():
    exs = (
        Example("#pragma acc kernels", "for (int j = 0; j < n; j++) z[j] = 0;", (DATA,), True),
        Example("#pragma acc parallel loop", "for (int j = 0; j < n; j++) z[j] = 1;",
                (OTHER,), True),
        Example("#pragma acc parallel loop", "for (int j = 0; j < m; j++) w[j] *= 2;",
                (), False),
        Example("#pragma acc kernels", "for (int j = 0; j < m; j++) w[j] += 1;", None, False),
    )
    by_dir, x = _rows(exs)
    assert {"kernels", "parallel loop"} <= set(by_dir)
    k, p = by_dir["kernels"], by_dir["parallel loop"]
    assert k[_col("a_ex_dir")] == 0.5 and p[_col("a_ex_dir")] == 0.5  # 2 of 4 each
    # one example under the query's own data region (an unknown enclosing never counts)
    assert k[_col("a_enc_dir")] == 1.0 and p[_col("a_enc_dir")] == 0.0
    assert (x[:, _col("q_examples_same_enc")] == 1).all()


def test_no_examples_no_shares():
    _, x = _rows(())
    for name in ("a_ex_dir", "a_enc_dir", "q_examples_same_enc"):
        assert (x[:, _col(name)] == 0).all()
    # a loop with nothing around it has no region to share with its examples
    exs = (Example("#pragma acc kernels", "for (int j = 0; j < n; j++) z[j] = 0;", (), True),)
    by_dir, x = _rows(exs, enclosing=())
    assert by_dir["kernels"][_col("a_ex_dir")] == 1.0
    assert (x[:, _col("a_enc_dir")] == 0).all() and (x[:, _col("q_examples_same_enc")] == 0).all()
