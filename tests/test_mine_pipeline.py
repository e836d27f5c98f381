"""End to end: ``mine()`` and the ``accellium mine`` / ``accellium bench mine`` commands on git
repositories made by the test."""

from __future__ import annotations

import json

import pytest
from _mine_util import MIT, SAXPY, c_file, make_repo

from accellium.dataset.mine.cli import bench_mine
from accellium.dataset.mine.pipeline import MineOptions, mine
from accellium.dataset.records import read_jsonl


def project(k: int) -> dict[str, str]:
    """A repository with a few distinct loops (k makes them unique across repositories)."""
    body = "\n".join(
        f"#pragma acc parallel loop copy(a[0:n])\n  for (int i = 0; i < n; i++) "
        f"a[i] = a[i] * {k * 10 + j} + b[i] / {j + 2} - c[i % {k + j + 3}];"
        for j in range(4))
    return {f"src/p{k}.c": c_file(body, f"proj{k}")}


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    root = tmp_path_factory.mktemp("repos")
    out = []
    for k in range(6):
        files = project(k)
        if k == 0:
            files |= {"saxpy.c": SAXPY, "LICENSE": MIT}
        if k == 3:  # a fork with upstream's saxpy: exact duplicate across repositories
            files |= {"vendor/saxpy.c": SAXPY}
        if k == 4:
            files |= {"empty.c": c_file("#pragma acc kernels\n  for (int i = 0; i < n; i++);")}
        path, commit = make_repo(root / f"o+p{k}.git", files, bare=(k % 2 == 0))
        out.append((path, commit))
    return out


def test_mine_end_to_end(repos, tmp_path):
    sources = [str(p) for p, _ in repos] + [f"file://{tmp_path}/missing-repo"]
    out = tmp_path / "out"
    rep = mine(sources, out, MineOptions(progress=False, workers=2))
    assert len(rep.repos) == 7 and len(rep.repos_failed) == 1
    st = rep.stages
    assert st["raw_pairs"] == 6 * 4 + 2 + 1
    assert st["empty_body"] == 1 and st["after_exact_dedup"] == 6 * 4 + 1
    assert rep.leakage.ok
    names = ["train", "test", "hidden"]
    recs = [r for n in names for r in read_jsonl(out / f"{n}.jsonl")]
    assert len(recs) == 25 and {r.split for r in recs} <= set(names)
    saxpy = next(r for r in recs if r.function == "saxpy")
    assert saxpy.repo == "o/p0" and saxpy.also_in == ["o/p3"] and saxpy.license == "MIT"
    assert saxpy.commit == repos[0][1] and saxpy.path == "saxpy.c" and saxpy.line == 3
    for r in recs:
        extra = r.model_extra or {}
        assert {"pragma_form", "pragma_valid", "near_dup_group"} <= set(extra)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["_corpus"]["stages"]["raw_pairs"] == 27 and stats["_leakage"]["ok"]
    card = (out / "README.md").read_text()
    assert card.startswith("---\nconfigs:") and "## Licences" in card and "MIT" in card
    assert json.loads((out / "near_duplicates.json").read_text()) is not None


def test_random_split_and_datasets_loading(repos, tmp_path):
    out = tmp_path / "rnd"
    rep = mine([str(p) for p, _ in repos], out,
               MineOptions(split="random", progress=False, workers=1, near_dup=False))
    assert set(rep.splits) == {"train", "test"} and rep.leakage.ok
    import datasets

    ds = datasets.load_dataset("json", data_files={n: str(out / f"{n}.jsonl")
                                                   for n in ("train", "test")})
    assert ds["train"].num_rows + ds["test"].num_rows == 25
    assert "loop_stripped" in ds["train"].column_names


def test_cli_mine_and_bench(repos, tmp_path, capsys):
    from accellium.cli import main

    listing = tmp_path / "repos.txt"
    listing.write_text("".join(f"o/p{k} {c}\n" for k, (_, c) in enumerate(repos)))
    template = str(repos[0][0].parent / "{owner}+{name}.git")
    out = tmp_path / "cli"
    rc = main(["mine", "--repos", str(listing), "--url-template", template, "--out", str(out),
               "--no-progress", "--json", "--workers", "1", "--near-dup-threshold", "0.8"])
    assert rc == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["stages"]["after_exact_dedup"] == 25 and rep["leakage"]["ok"]
    assert (out / "train.jsonl").is_file()

    figures = bench_mine([str(p) for p, _ in repos], workers=1)
    assert figures["files"] == 9 and figures["raw_pairs"] == 27 and figures["pairs_per_s"] > 0
    rc = main(["bench", "mine", str(repos[1][0]), "--json", "--no-progress", "--workers", "1"])
    assert rc == 0 and json.loads(capsys.readouterr().out)["raw_pairs"] == 4


@pytest.mark.parametrize("argv", [
    ["mine", "--out", "X"],
    ["mine", "./no-such-folder", "--out", "X"],
    ["mine", ".", "--out", "X", "--near-dup-threshold", "1.5"],
    ["mine", ".", "--out", "X", "--ratios", "train=0.5,test=0.2"],
    ["mine", "--repos", "/no/such/file", "--out", "X"],
    ["bench", "mine"],
])
def test_cli_bad_input_one_line_error(argv, capsys):
    from accellium.cli import main

    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc != 0 and len(err.splitlines()) == 1 and "error" in err
