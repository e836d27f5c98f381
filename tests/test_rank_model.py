"""The style ranker's numpy tree predictor reads LightGBM's model text and predicts exactly
what LightGBM predicts (so serving needs no LightGBM import); the retrieval pool and the
similarity index round-trip through the engine cache's plain-array form."""

from __future__ import annotations

import numpy as np
import pytest

from accellium.dataset.similarity import Index
from accellium.server.engines.rank import store
from accellium.server.engines.rank.model import PARAMS, Ranker, Trees, fit_booster
from accellium.server.engines.style import _DIGEST_FILES, code_digest


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
    for pattern in _DIGEST_FILES:
        assert list(root.glob(pattern)), pattern
    assert not any("hf" in p or "vllm" in p or "lsp" in p for p in _DIGEST_FILES)
    assert len(code_digest()) == 12


def test_build_workers_are_not_forked_from_a_threaded_process() -> None:
    """A fork from a process with other threads copies the locks they hold and can hang the
    child forever: the language server and the HTTP server build in a worker thread, so the
    build must run in-process there."""
    import threading

    from accellium.training.style import _can_fork

    release = threading.Event()
    t = threading.Thread(target=release.wait)
    t.start()
    try:
        assert _can_fork() is False
    finally:
        release.set()
        t.join()
