"""The ranker's clause-order features (``rank.features``): where a candidate writes
``independent`` and ``collapse`` against its level clauses, how many of the nearest loops write
``independent`` in the same place, and how many of the context's pragmas do."""

from __future__ import annotations

from accellium.dataset.pragma import parse
from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank.candidates import Candidate, context
from accellium.server.engines.rank.features import NAMES, matrix, order, query_stats
from accellium.server.engines.retrieval import Neighbour
from accellium.server.engines.style import TemplateStats, features, template

SAXPY = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"
KERNELS = ("#pragma acc kernels",)
FIRST = "#pragma acc loop independent gang vector"
AFTER = "#pragma acc loop gang vector independent"
PLAIN = "#pragma acc loop gang vector"


def _order(text: str) -> tuple[int, int]:
    return order(template(parse(text)))


def test_order_reads_the_place_of_independent_and_collapse_against_the_levels():
    assert _order(FIRST) == (-1, 0)
    assert _order(AFTER) == (1, 0)
    assert _order("#pragma acc loop gang independent private(t) collapse(2)") == (1, 1)
    assert _order("#pragma acc parallel loop collapse(2) independent vector") == (-1, -1)
    # between two levels, or without a level clause, or without the clause: no place
    assert _order("#pragma acc loop gang independent vector") == (0, 0)
    assert _order("#pragma acc loop independent collapse(2)") == (0, 0)
    assert _order(PLAIN) == (0, 0)


def _rows(texts: list[str], neighbours: list[str], written: list[str],
          enclosing: tuple[str, ...] = KERNELS) -> dict[str, dict]:
    q = LoopQuery(SAXPY, "c", enclosing, ())
    qf = q.facts()
    feats = features(enclosing, qf)
    nbs = [Neighbour(p, SAXPY, "c", enclosing, 1.0, False) for p in neighbours]
    ctx = context(q, qf, feats, nbs)
    stats = TemplateStats()
    for i, p in enumerate(written):
        stats.add(feats, template(parse(p)), f"g{i}", 1.0)
    cands = [Candidate(parse(t), parse(t).render()) for t in texts]
    x = matrix(cands, ctx, query_stats(ctx, stats), None)
    return {t: dict(zip(NAMES, row.tolist(), strict=True)) for t, row in zip(texts, x, strict=True)}


def test_candidates_that_differ_only_in_order_get_different_features():
    # one nearest loop writes `independent` first, two after the levels; three pragmas of the
    # context write it after the levels, one first, one not at all (not counted)
    rows = _rows([FIRST, AFTER, PLAIN], [FIRST, AFTER, "#pragma acc loop worker independent"],
                 [AFTER, AFTER, "#pragma acc loop vector independent", FIRST, PLAIN])
    first, after, plain = rows[FIRST], rows[AFTER], rows[PLAIN]
    assert (first["c_independent_place"], after["c_independent_place"]) == (-1.0, 1.0)
    assert abs(first["a_nb_independent_place"] - 1 / 3) < 1e-6
    assert abs(after["a_nb_independent_place"] - 2 / 3) < 1e-6
    assert abs(first["t_independent_place"] - 0.25) < 1e-6
    assert abs(after["t_independent_place"] - 0.75) < 1e-6
    # a candidate without `independent`, and no workspace loops near: no agreement (-1)
    assert plain["c_independent_place"] == 0.0 and plain["a_nb_independent_place"] == -1.0
    assert plain["t_independent_place"] == -1.0 and first["a_ws_independent_place"] == -1.0
    # the order-blind clause features are the same for the two placements
    for name in NAMES:
        if name.startswith("c_") and "place" not in name:
            assert first[name] == after[name], name


def test_no_placed_pragma_in_the_context_gives_no_share():
    rows = _rows([FIRST], [PLAIN], [PLAIN, "#pragma acc loop independent"])
    assert rows[FIRST]["t_independent_place"] == -1.0
    assert rows[FIRST]["a_nb_independent_place"] == -1.0


def test_the_enclosing_loops_place_of_independent_is_read():
    # the query's own enclosing loop writes `independent` after its level: the candidate that
    # does too agrees, the one that writes it first does not
    rows = _rows([FIRST, AFTER, PLAIN], [], [],
                 ("#pragma acc kernels", "#pragma acc loop gang independent"))
    assert rows[AFTER]["a_enc_independent_place"] == 1.0
    assert rows[FIRST]["a_enc_independent_place"] == 0.0
    assert rows[PLAIN]["a_enc_independent_place"] == -1.0
    # an enclosing `independent` without a level clause places nothing: no agreement either way
    rows = _rows([FIRST, AFTER], [], [], ("#pragma acc kernels", "#pragma acc loop independent"))
    assert rows[FIRST]["a_enc_independent_place"] == rows[AFTER]["a_enc_independent_place"] == -1
