"""accellium.evaluation.runner, report and the ``accellium eval`` CLI on a small JSONL the test writes."""

import json

import pytest

from accellium.cli import main as cli_main
from accellium.dataset.records import write_jsonl
from accellium.evaluation.runner import evaluate, workspace_examples


def _rec(i, repo, pragma, loop, enclosing=()):
    from accellium.dataset.pragma import parse

    p = parse(pragma)
    return {"id": f"{i:016x}", "repo": repo, "commit": "0" * 40, "path": "a.c", "line": 1 + i,
            "pragma": pragma, "directive": p.directive, "clauses": p.clause_texts, "loop": loop,
            "loop_stripped": loop, "loop_depth": 1, "lang": "c", "enclosing": list(enclosing),
            "split": "test"}


LOOPS = [
    ("#pragma acc parallel loop", "for (i = 0; i < n; i++) a[i] = b[i];", ()),
    ("#pragma acc loop", "for (j = 0; j < m; j++) c[j] = 2 * d[j];", ("#pragma acc parallel",)),
    ("#pragma acc loop gang", "for (k = 0; k < n; k++) x[k] += y[k];",
     ("#pragma acc kernels",)),
    ("#pragma acc parallel loop reduction(+:s)", "for (i = 0; i < n; i++) s += a[i];", ()),
]


@pytest.fixture()
def data(tmp_path):
    recs = [_rec(i, "o/r1" if i < 3 else "o/r2", *x) for i, x in enumerate(LOOPS)]
    recs.append(_rec(9, "o/r1", "#pragma acc kernels", LOOPS[0][1]))  # identical loop
    path = tmp_path / "d.jsonl"
    write_jsonl(path, recs)
    return path


def test_context_baseline(data, tmp_path):
    out = tmp_path / "p.jsonl"
    r = evaluate("context", data, compile=True, cache_dir=tmp_path / "cache",
                 predictions_out=out, progress=False, guard=False, jobs=2)
    m = r.metrics
    assert m["n"] == 5
    assert m["exact_match"] == pytest.approx(2 / 5)  # parallel loop (rec 0) + loop (rec 1)
    assert m["directive_match"] == pytest.approx(4 / 5)
    assert m["gold_compiles"] == 1.0 and "compiles" in m
    assert r.latency["p50_ms"] is not None
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["prediction"] for x in rows][:3] == ["#pragma acc parallel loop",
                                                   "#pragma acc loop", "#pragma acc loop"]
    assert "score" in rows[0] and rows[0]["compile_error"] is None
    assert r.confusion["loop"] == {"loop": 2}


def test_loo_examples_exclude_self_and_identical(data):
    from accellium.dataset.records import read_jsonl

    recs = read_jsonl(data)
    ex = workspace_examples(recs)
    loops0 = [e.loop for e in ex[0]]
    assert LOOPS[0][1] not in loops0  # itself and the identical loop of rec 9 excluded
    assert len(ex[0]) == 2 and len(ex[3]) == 0  # r2 has a single record
    assert evaluate("const", data, workspace="loo", compile=False, progress=False).metrics["n"] == 5


def test_refuses_train_equal_data_and_missing(data, tmp_path):
    with pytest.raises(ValueError):
        evaluate("const", data, train_path=data, compile=False, progress=False)
    with pytest.raises(FileNotFoundError):
        evaluate("const", tmp_path / "nope.jsonl", compile=False, progress=False)
    with pytest.raises(KeyError):
        evaluate("nope", data, compile=False, progress=False)


def test_cli_exit_codes_and_report(data, tmp_path, capsys):
    rep = tmp_path / "rep"
    rc = cli_main(["eval", "--engine", "context", "--data", str(data), "--report", str(rep),
                   "--json", "--cache-dir", str(tmp_path / "c"), "--jobs", "2"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) >= {"metrics", "per_directive", "confusion", "latency"}
    assert d["metrics"]["n"] == 5
    for f in ("metrics.json", "report.md", "per_directive.png", "confusion.png", "latency.png"):
        assert (rep / f).is_file()
    for f in ("per_directive.png", "confusion.png", "latency.png"):
        assert (rep / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        from matplotlib.image import imread

        assert imread(rep / f).shape[0] > 100
    assert "| metric | value |" in (rep / "report.md").read_text()

    assert cli_main(["eval", "--engine", "nope", "--data", str(data)]) == 2
    assert cli_main(["eval", "--engine", "const", "--data", str(tmp_path / "x.jsonl")]) == 2
    assert cli_main(["eval", "--engine", "const", "--data", str(data), "--train", str(data)]) == 2
    assert cli_main(["eval", "--engine", "const", "--data", str(data), "--adapter", "bad"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(e.startswith("accellium eval: ") for e in err)
    assert cli_main(["eval", "--engine", "const", "--data", str(data), "--no-compile"]) == 0
    assert "exact_match" in capsys.readouterr().out


def test_bench_suggest_small(capsys):
    assert cli_main(["bench", "suggest", "--engine", "context", "--lines", "300",
                     "--loops", "20", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["loops"] >= 20 and r["per_loop"]["loops_per_s"] > 0 and r["lines"] >= 300


def test_eval_names_the_only_adapter_or_the_chosen_one():
    import argparse

    import pytest

    from accellium.evaluation.cli import query_adapter

    one = {"adapters": {"a": "/x"}}
    two = {"adapters": {"a": "/x", "b": "/y"}}
    assert query_adapter(argparse.Namespace(use_adapter=None), one) == "a"
    assert query_adapter(argparse.Namespace(use_adapter=None), two) is None
    assert query_adapter(argparse.Namespace(use_adapter="b"), two) == "b"
    assert query_adapter(argparse.Namespace(use_adapter=None), {}) is None
    with pytest.raises(ValueError, match="not one of the --adapter names"):
        query_adapter(argparse.Namespace(use_adapter="c"), two)


def test_calibration_figures():
    from accellium.evaluation.runner import calibration

    assert calibration([None, None], [True, False]) == {}
    c = calibration([0.9, 0.1, None, 0.9], [True, False, True, False])
    assert c["confidence_n"] == 3
    assert c["confidence_brier"] == pytest.approx((0.01 + 0.01 + 0.81) / 3)
    assert c["confidence_em_rate"] == pytest.approx(1 / 3)
    assert c["confidence_ece"] == pytest.approx(1 / 3 * 0.1 + 2 / 3 * 0.4)


def test_predictions_keep_the_engine_confidence_before_the_guard(data, tmp_path):
    """``confidence`` is the engine's only where the guard kept its answer; ``raw_confidence``
    is the engine's confidence in its own answer in every row (offline threshold sweeps)."""
    train = tmp_path / "train.jsonl"
    write_jsonl(train, [_rec(20 + i, f"o/t{i % 2}", *x) for i, x in enumerate(LOOPS * 2)])
    out = tmp_path / "p.jsonl"
    evaluate("auto", data, train, compile=False, predictions_out=out, progress=False,
             engine_options={"cache": False})
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows and all("raw_confidence" in r for r in rows)
    for r in rows:
        if r["prediction"] == r["raw_prediction"]:
            assert r["confidence"] == r["raw_confidence"]
        else:
            assert r["confidence"] is None
    assert any(r["raw_confidence"] is not None for r in rows)
