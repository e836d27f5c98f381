"""Issue 12 D14: the ``auto`` engine's cache stores no pickles, is checked before use and is
rebuilt on any damage.  A file planted at the cache path is never executed."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank import store
from tests.test_retrieval import TRAIN

LOOP = "for (int i = 0; i < n; i++) y[i] = 2 * x[i];"


class _Boom:
    """Unpickling this runs ``touch <marker>``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture()
def cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ACCELLIUM_CACHE", str(d))
    return d


def _engine():
    from accellium.server.engines.auto import AutoEngine

    return AutoEngine(TRAIN)


def test_cache_files_are_json_and_text_private_to_the_user(cache):
    first = _engine().suggest(LoopQuery(LOOP)).pragma
    state, model = store.state_paths(list(TRAIN))
    assert state.is_file() and model.is_file()
    assert state.read_text().startswith("{")  # JSON
    assert model.read_text().split("\n", 1)[1].startswith("tree")  # LightGBM's text format
    assert (cache.stat().st_mode & 0o777) == 0o700
    assert (state.stat().st_mode & 0o077) == 0 and (model.stat().st_mode & 0o077) == 0
    assert not list(cache.glob("*.pickle"))
    assert _engine().suggest(LoopQuery(LOOP)).pragma == first  # loaded back, same answer


@pytest.mark.parametrize("which", ["state", "model"])
def test_a_planted_pickle_is_never_executed(cache, tmp_path, which):
    _engine()
    marker = tmp_path / "pwned"
    state, model = store.state_paths(list(TRAIN))
    target = state if which == "state" else model
    target.write_bytes(pickle.dumps(_Boom(marker)))
    os.chmod(target, 0o600)
    legacy = cache / target.name.replace(".json", ".pickle").replace(".txt", ".pickle")
    legacy.write_bytes(pickle.dumps(_Boom(marker)))
    assert _engine().suggest(LoopQuery(LOOP)).pragma is not None
    assert not marker.exists()
    assert target.read_bytes()[:1] in (b"{",) if which == "state" else \
        target.read_text().startswith("{")  # rebuilt in the safe format


@pytest.mark.parametrize("damage", ["truncate", "garble", "wrong_shape", "empty", "bad_model",
                                    "bad_pool", "object_array"])
def test_damaged_cache_is_rebuilt(cache, damage):
    first = _engine().suggest(LoopQuery(LOOP)).pragma
    state, model = store.state_paths(list(TRAIN))
    if damage == "truncate":
        state.write_bytes(state.read_bytes()[: len(state.read_bytes()) // 2])
    elif damage == "garble":
        data = bytearray(state.read_bytes())
        for k in range(10, len(data), 97):
            data[k] = 0xFF
        state.write_bytes(bytes(data))
    elif damage == "wrong_shape":
        state.write_text('{"facts": [[1, 2, 3, {"parsed": "x"}]], "stats": {"tables": 5}}')
    elif damage == "empty":
        state.write_text("")
    elif damage in ("bad_pool", "object_array"):
        d = json.loads(state.read_text())
        if damage == "bad_pool":
            d["pool"]["usable"] = [10**9]
        else:
            d["pool"]["arrays"]["depth"]["dtype"] = "|O"
        state.write_text(json.dumps(d))
    else:
        model.write_text('{"version": "accellium-style-ranker-v1"}\nnot a model')
    assert _engine().suggest(LoopQuery(LOOP)).pragma == first
    assert store.load_cached(list(TRAIN)) is not None  # written again, readable


def test_cache_of_another_user_or_writable_by_others_is_not_used(cache, caplog):
    _engine()
    state, _ = store.state_paths(list(TRAIN))
    os.chmod(state, 0o666)  # anyone could have written it
    assert store.load_cached(list(TRAIN)) is None
    os.chmod(state, 0o600)
    assert store.load_cached(list(TRAIN)) is not None
    os.chmod(cache, 0o777)  # a folder others can write to: nothing in it is trusted
    assert store.load_cached(list(TRAIN)) is None
    os.chmod(cache, 0o700)
    link = state.with_name("link.json")
    link.symlink_to(state)
    assert store.read_checked(link) is None  # never through a symlink


def test_facts_round_trip_through_json():
    from accellium.dataset.analysis import analyze

    for code in ("for (int i = 1; i < n; i++) x[i] = x[i-1] + a[i];",
                 "for (i = 0; i < n; i++) { t = a[i]; s += t * b[i]; }",
                 # early exits (a training pair may have one: the cache must still be written)
                 "for (i = 0; i < n; i++) { if (a[i] < 0) exit(1); if (a[i] == 0) break; }"):
        f = analyze(code)
        back = store.facts_from_json(json.loads(json.dumps(store.facts_to_json(f))))
        assert back == f
        assert [type(x).__name__ for x in back.exits + back.carried] == \
            [type(x).__name__ for x in f.exits + f.carried]
    assert {e.kind for e in analyze("for (i = 0; i < n; i++) { if (a[i] < 0) exit(1); "
                                    "if (a[i] == 0) break; }").exits} == {"exit", "break"}


def test_a_cache_folder_not_yet_made_is_no_warning(cache, caplog):
    """The first start on a machine finds no cache folder: it builds, says nothing about the
    folder's owner, and writes the folder private to the user."""
    assert not cache.exists()
    _engine()
    assert "not private" not in caplog.text, caplog.text
    assert (cache.stat().st_mode & 0o777) == 0o700
    assert store.load_cached(list(TRAIN)) is not None
