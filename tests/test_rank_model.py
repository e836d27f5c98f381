"""The style ranker's numpy tree predictor reads LightGBM's model text and predicts exactly
what LightGBM predicts (so serving needs no LightGBM import); the retrieval pool and the
similarity index round-trip through the engine cache's plain-array form."""

from __future__ import annotations

import numpy as np
import pytest

from accellium.dataset.similarity import Index
from accellium.server.engines.rank import store
from accellium.server.engines.rank.model import PARAMS, Ranker, Trees, fit_booster
from accellium.server.engines.style import DIGEST_FILES, code_digest


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(600, 6))
    x[rng.random(x.shape) < 0.1] = 0.0
    x[:, 5] = rng.integers(0, 3, size=600)  # a small-integer feature
    y = (x[:, 0] + (x[:, 5] == 1) + rng.normal(scale=0.3, size=600) > 0.5).astype(np.float32)
    y = y * 2 + (x[:, 1] > 0)
    return x, y, [6] * 100


@pytest.mark.parametrize("objective", ["lambdarank", "binary"])
def test_trees_predict_what_lightgbm_predicts(objective):
    x, y, groups = _data()
    booster = fit_booster(x, y, groups, {**PARAMS, "objective": objective, "rounds": 30,
                                         "min_data_in_leaf": 5})
    trees = Trees(booster.model_to_string(), x.shape[1])
    probe = np.vstack([x, np.zeros((3, 6)), np.full((2, 6), np.nan), -x[:50]])
    want = booster.predict(probe, raw_score=True)
    assert np.allclose(trees.raw(probe), want, rtol=1e-9, atol=1e-9)
    assert trees.raw(np.zeros((0, 6))).shape == (0,)


def test_ranker_text_round_trip_without_lightgbm():
    x, y, groups = _data(1)
    booster = fit_booster(x, y, groups, {**PARAMS, "rounds": 20, "min_data_in_leaf": 5})
    names = tuple(f"f{i}" for i in range(6))
    r = Ranker.from_booster(booster, 6, params=dict(PARAMS))
    back = Ranker.from_text(r.to_text(names), names)
    assert np.array_equal(back.scores(x), r.scores(x))
    with pytest.raises(ValueError):
        Ranker.from_text(r.to_text(names), names[:-1])  # another feature list
    head, _, body = r.to_text(names).partition("\n")
    for bad in (body.replace("split_feature=", "split_feature=9 "),
                body.replace("left_child=", "left_child=99 "), "tree\nmax_feature_idx=5\n"):
        with pytest.raises(ValueError):
            Ranker.from_text(head + "\n" + bad, names)


def test_index_round_trips_through_arrays_and_json():
    pool = ["for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];",
            "for (int i = 0; i < n; i++) { s += a[i] * b[i]; }",
            "for (i = 0; i < n; i++) for (j = 0; j < m; j++) c[i][j] = a[i][j];"]
    idx = Index(pool, key=lambda s: s)
    arrays, vocab = idx.arrays()
    back = Index.from_arrays(pool, {k: store.array_from_json(store.array_to_json(v))
                                    for k, v in arrays.items()}, vocab, key=lambda s: s)
    q = "for (int k = 0; k < n; k++) z[k] = b * w[k] + z[k];"
    assert np.array_equal(back.scores(q), idx.scores(q))
    s = idx.scores(q)
    s[:] = 0  # the caller's own array: the index's memo of the last query is not touched
    assert idx.scores(q).max() > 0
    with pytest.raises(ValueError):
        Index.from_arrays(pool[:1], arrays, vocab)  # does not fit these items
    with pytest.raises((ValueError, KeyError)):
        store.array_from_json({"dtype": "|O", "shape": [1], "data": ""})  # no objects


def test_code_digest_names_existing_files_only():
    from pathlib import Path

    import accellium.server.engines.style as style

    root = Path(style.__file__).resolve().parents[2]
    for pattern in DIGEST_FILES:
        assert list(root.glob(pattern)), pattern
    assert not any("hf" in p or "vllm" in p or "lsp" in p for p in DIGEST_FILES)
    assert len(code_digest()) == 12


def test_build_workers_are_not_forked_from_a_threaded_process() -> None:
    """A fork from a process with other threads copies the locks they hold and can hang the
    child forever: the language server and the HTTP server build in a worker thread, so the
    build must run in-process there."""
    import threading

    from accellium.training.style import can_fork

    release = threading.Event()
    t = threading.Thread(target=release.wait)
    t.start()
    try:
        assert can_fork() is False
    finally:
        release.set()
        t.join()


def test_statistics_leave_identical_loops_out_one_by_one():
    """An own-project training query leaves out only the pairs of its own loop: the template
    shares, group counts and data-clause shares are those of the statistics without them."""
    from accellium.dataset.analysis import analyze
    from accellium.dataset.pragma import parse
    from accellium.server.engines.style import (
        Identical,
        TemplateStats,
        build_stats,
        features,
        template,
    )

    loop = "for (i = 0; i < n; i++) a[i] = b[i];"
    f = features((), analyze(loop, "c", ()))
    pragmas = [("g0", "#pragma acc parallel loop copyin(b[0:n])"),
               ("g0", "#pragma acc parallel loop gang"),
               ("g1", "#pragma acc parallel loop gang"),
               ("g2", "#pragma acc kernels loop independent present(a, b)")]
    rows = [(g, f, template(parse(p))) for g, p in pragmas]
    stats = build_stats(rows)
    for out in ([0], [3], [1, 2]):  # the pairs of one loop (identical loops: any groups)
        kept = TemplateStats()
        for i, (g, f2, t) in enumerate(rows):
            if i not in out:
                kept.add(f2, t, g, 1.0)  # every pair counts once
        held = Identical(tuple((rows[i][1], rows[i][2], rows[i][0], 1.0) for i in out))
        for (d, tot, n), (d2, tot2, n2) in zip(stats.levels(f, held), kept.levels(f),
                                               strict=True):
            assert d == pytest.approx(d2) and tot == pytest.approx(tot2) and n == n2
        for directive in ("parallel loop", "kernels loop"):
            assert stats.data_share(directive, False, held) == \
                pytest.approx(kept.data_share(directive, False))
    # the only pair of g2: its group is gone from the counts, its template from the shares
    held = Identical(((f, rows[3][2], "g2", 1.0),))
    assert stats.levels(f, held)[-1][2] == 2 and stats.levels(f)[-1][2] == 3
    assert stats.data_share("kernels loop", False, held) == {}


def test_own_project_rows_see_the_project_but_not_the_identical_loop():
    """Training rows of the third kind (own): the known pool holds the query's own project
    (a near-identical loop of the same repository proposes its form), never the query's
    identical loops (a copy in another repository is left out too); cold rows leave the
    whole repository group out."""
    from accellium.dataset.records import Record
    from accellium.server.engines.auto import NEIGHBOURS, AutoEngine
    from accellium.server.engines.rank.folds import loop_key, repo_groups
    from accellium.server.engines.retrieval import RetrievalEngine
    from accellium.server.engines.style import build_stats, record_row
    from accellium.training.style import analyse_all, collect_rows, identical_pairs
    from tests.test_eval_runner import _rec

    odd = "#pragma acc parallel loop gang vector_length(32)"
    uniq = "#pragma acc kernels loop independent"
    x = "for (i = 0; i < n; i++) y[i] = 3 * x[i] + y[i];"
    x2 = "for (i = 0; i < n; i++) y[i] = 3 * x[i] - y[i];"
    z = "for (k = 0; k < m; k++) u[k] = v[k] * v[k];"
    raw = [(0, "o/a", odd, x), (1, "o/a", odd, x2), (2, "o/a", uniq, z), (3, "o/b", uniq, z)]
    # other projects' renamed copies, one fewer than the neighbours asked for: the project's
    # own near-identical loop keeps a place among them
    for r in range(NEIGHBOURS - 1):
        raw += [(10 + r, f"o/c{r}", "#pragma acc parallel loop", x.replace("x[", f"x{r}[")),
                (20 + r, f"o/c{r}", "#pragma acc parallel loop", z.replace("v[", f"v{r}["))]
    recs = [Record(**_rec(i, repo, p, loop)) for i, repo, p, loop in raw]
    groups = repo_groups(recs)
    assert groups["o/a"] == groups["o/b"]  # they share loop z
    known = analyse_all(recs, workers=1)
    stat_rows, keys = [], []
    for r in recs:
        row = record_row(r, known[(r.loop_stripped, r.lang, tuple(r.enclosing))])
        stat_rows.append((groups[r.repo], *row))
        keys.append(loop_key(r.loop_stripped))
    engine = AutoEngine(None, templates=build_stats(stat_rows),
                        retrieval=RetrievalEngine(recs, known=known), cache=False)
    rows = collect_rows(engine, recs, groups, modes=("cold", "own"), workers=1,
                        identical=identical_pairs(stat_rows, keys))
    # the best candidate's score (cold answers add copy clauses: no exact match here)
    best = {(rows.rec[q], rows.mode[q]): rows.score[q].max() for q in range(len(rows.y))}
    assert best[(1, "own")] > best[(1, "cold")]  # x (same project) proposes x2's form
    assert best[(0, "own")] > best[(0, "cold")]
    # z's identical copy in o/b is left out: no other loop proposes `kernels loop`
    assert best[(2, "own")] == best[(2, "cold")] == best[(3, "own")] < 0.5
    again = collect_rows(engine, recs, groups, modes=("cold", "own"), workers=1,
                         identical=identical_pairs(stat_rows, keys))
    assert all(np.array_equal(a, b) for a, b in zip(rows.x, again.x, strict=True))
