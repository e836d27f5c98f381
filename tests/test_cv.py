"""evaluation.cv and ``accellium eval --cv``: grouped K-fold on a small JSONL the test writes."""

import json

import pytest

from accellium.cli import main as cli_main
from accellium.dataset.records import read_jsonl, write_jsonl
from accellium.evaluation.cv import cross_validate
from accellium.server.engines.rank.folds import group_folds, repo_groups
from tests.test_eval_runner import _rec

LOOPS = [
    ("#pragma acc parallel loop", "for (i = 0; i < n; i++) a[i] = b[i];", ()),
    ("#pragma acc loop", "for (j = 0; j < m; j++) c[j] = 2 * d[j];", ("#pragma acc parallel",)),
    ("#pragma acc parallel loop reduction(+:s)", "for (i = 0; i < n; i++) s += a[i];", ()),
    ("#pragma acc kernels", "for (k = 1; k < n; k++) x[k] = x[k-1] + y[k];", ()),
]


@pytest.fixture()
def data(tmp_path):
    recs = []
    for r in range(6):  # six repositories, each with its own variant of every loop
        for i, (p, loop, enc) in enumerate(LOOPS):
            recs.append(_rec(10 * r + i, f"o/r{r}", p, loop.replace("[", f"_{r}["), enc))
    # o/r6 shares a loop with o/r0 (a copy of its code): they are one group
    recs.append(_rec(99, "o/r6", LOOPS[0][0], LOOPS[0][1].replace("[", "_0[")))
    path = tmp_path / "d.jsonl"
    write_jsonl(path, recs)
    return path


def test_repositories_that_share_a_loop_share_a_fold(data):
    recs = read_jsonl(data)
    groups = repo_groups(recs)
    assert groups["o/r6"] == groups["o/r0"] and len(set(groups.values())) == 6
    folds = group_folds(recs, 3, seed=0)
    by_repo = {}
    for r, f in zip(recs, folds, strict=True):
        by_repo.setdefault(r.repo, set()).add(f)
    assert all(len(v) == 1 for v in by_repo.values())
    assert by_repo["o/r6"] == by_repo["o/r0"]
    assert folds == group_folds(recs, 3, seed=0)  # fixed seed: the same folds
    with pytest.raises(ValueError):
        group_folds(recs, 7)  # more folds than groups


def test_cross_validate_context(data):
    res = cross_validate("context", data, 3, seed=1)
    assert res["k"] == 3 and len(res["folds"]) == 3
    assert sum(f["n"] for f in res["folds"]) == 25
    for mode in ("cold", "loo"):
        s = res["summary"][mode]["exact_match"]
        assert s["min"] <= s["mean"] <= s["max"] and s["std"] >= 0
        assert res["pooled"][mode]["n"] == 25
        # the rule's raw `parallel loop` on the carried loop and on the accumulation is counted
        # unsafe; the guard makes the first `kernels` and adds the second's reduction
        assert res["pooled"][mode]["unsafe_parallel_raw"] >= 12
        assert res["pooled"][mode]["unsafe_parallel"] == 0
        assert res["pooled"][mode]["guard_changed"] >= 12
    # the context rule ignores examples: cold and loo agree
    assert res["summary"]["cold"]["score"] == res["summary"]["loo"]["score"]


def test_cli_cv(data, capsys):
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "3",
                     "--no-compile", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d["summary"]) == {"cold", "loo"} and d["seed"] == 0
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "3",
                     "--no-compile"]) == 0
    assert "mean ± std" in capsys.readouterr().out
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "1"]) == 2
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "9",
                     "--no-compile"]) == 2
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "3",
                     "--train", str(data)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(e.startswith("accellium eval: ") for e in err)


def test_cv_keeps_per_fold_figures_and_predictions(data, tmp_path, capsys):
    out = tmp_path / "preds.jsonl"
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "3",
                     "--no-compile", "--json", "--predictions-out", str(out)]) == 0
    d = json.loads(capsys.readouterr().out)
    # per-fold figures of every mode (for paired differences between engines)
    for mode in ("cold", "loo"):
        ems = [f["modes"][mode]["exact_match"] for f in d["folds"]]
        assert len(ems) == 3
        assert d["summary"][mode]["exact_match"]["mean"] == pytest.approx(sum(ems) / 3)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 * 25  # every record, once per mode
    assert {(r["cv_mode"]) for r in rows} == {"cold", "loo"}
    folds = {r["id"]: r["cv_fold"] for r in rows}
    recs = read_jsonl(data)
    assert [folds[r.id] for r in recs] == group_folds(recs, 3, seed=0)
    assert all("prediction" in r and "score" in r for r in rows)
    # per fold and mode, the rows' exact matches give that fold's figure
    for f in d["folds"]:
        for mode in ("cold", "loo"):
            hits = [r["score"]["exact_match"] for r in rows
                    if r["cv_fold"] == f["fold"] and r["cv_mode"] == mode]
            assert len(hits) == f["n"]
            assert sum(hits) / len(hits) == pytest.approx(f["modes"][mode]["exact_match"])


def test_paired_difference_of_two_cv_results(data):
    from accellium.evaluation.cv import paired

    a = cross_validate("context", data, 3, modes=("cold",))
    b = cross_validate("const", data, 3, modes=("cold",))
    d = paired(a, b)
    em = d["cold"]["exact_match"]
    diffs = [fa["modes"]["cold"]["exact_match"] - fb["modes"]["cold"]["exact_match"]
             for fa, fb in zip(a["folds"], b["folds"], strict=True)]
    assert em["folds"] == pytest.approx(diffs)
    assert em["mean"] == pytest.approx(sum(diffs) / 3)
    assert em["beats_spread"] == (abs(em["mean"]) > em["std"])
    assert paired(a, a)["cold"]["score"]["mean"] == 0.0
    with pytest.raises(ValueError):
        paired(a, cross_validate("context", data, 2, modes=("cold",)))


def test_random_folds_keep_identical_loops_together(data):
    from accellium.server.engines.rank.folds import loop_key, random_folds

    recs = read_jsonl(data)
    folds = random_folds(recs, 3, seed=0)
    assert folds == random_folds(recs, 3, seed=0)  # fixed seed: the same folds
    by_loop, by_repo = {}, {}
    for r, f in zip(recs, folds, strict=True):
        by_loop.setdefault(loop_key(r.loop_stripped), set()).add(f)
        by_repo.setdefault(r.repo, set()).add(f)
    assert all(len(v) == 1 for v in by_loop.values())  # identical loops on one side
    # o/r6's only loop is o/r0's first loop: the same fold
    assert by_repo["o/r6"] <= by_loop[loop_key(LOOPS[0][1].replace("[", "_0["))]
    assert any(len(v) > 1 for v in by_repo.values())  # projects on both sides
    sizes = [folds.count(f) for f in range(3)]
    assert max(sizes) - min(sizes) <= 2  # 24 distinct loops, one of them twice
    with pytest.raises(ValueError):
        random_folds(recs, 30)  # more folds than distinct loops


def test_cross_validate_random_split(data, capsys):
    from accellium.evaluation.cv import paired
    from accellium.server.engines.rank.folds import random_folds

    res = cross_validate("retrieval", data, 3, split="random")
    assert res["split"] == "random" and res["modes"] == ["cold"]
    assert sum(f["n"] for f in res["folds"]) == 25
    recs = read_jsonl(data)
    folds = random_folds(recs, 3, seed=0)
    assert [f["n"] for f in res["folds"]] == [folds.count(f) for f in range(3)]
    # every held-out loop's project is in the known pool: each fold holds loops of every
    # repository with loops in two folds
    assert all(f["groups"] >= 2 for f in res["folds"])
    with pytest.raises(ValueError, match="cold only"):
        cross_validate("context", data, 3, split="random", modes=("cold", "loo"))
    with pytest.raises(ValueError, match="unknown CV split"):
        cross_validate("context", data, 3, split="both")
    group = cross_validate("retrieval", data, 3, modes=("cold",))
    with pytest.raises(ValueError):
        paired(res, group)  # not the same folds
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "3",
                     "--cv-split", "random", "--no-compile", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["split"] == "random" and set(d["summary"]) == {"cold"}
    assert cli_main(["eval", "--engine", "context", "--data", str(data), "--cv", "3",
                     "--cv-split", "random", "--no-compile"]) == 0
    assert "random (identical loops on one side) CV" in capsys.readouterr().out
