"""Dedup (exact + near), group and random splits, and the leakage check."""

from __future__ import annotations

from collections import Counter

from accellium.dataset.mine.dedup import NearDupIndex, exact_dedup, loop_key
from accellium.dataset.mine.split import check_leakage, group_split, random_split
from accellium.dataset.records import Record, dedup_key, record_id


def rec(repo: str, loop: str, pragma: str = "#pragma acc parallel loop", line: int = 1,
        also_in: list[str] | None = None) -> Record:
    return Record(id=record_id(repo, "c", "a.c", line), repo=repo, commit="c", path="a.c",
                  line=line, pragma=pragma, directive="parallel loop", loop=loop,
                  loop_stripped=loop, loop_depth=1, lang="c", dedup_key=dedup_key(pragma, loop),
                  also_in=also_in or [])


def loop(k: int, extra: str = "") -> str:
    # Distinct loops: different statement sequences, not near-duplicates of each other.
    body = " ".join(f"v{k}_{j} = w{j * k} * {j + k};" for j in range(6))
    return f"for (int i{k} = 0; i{k} < n{k}; i{k}++) {{ {body} {extra}}}"


def test_exact_dedup_keeps_first_and_records_also_in():
    a = rec("up/stream", "for (i=0;i<n;i++) a[i]=0; // one")
    b = rec("fork/one", "for (i = 0; i < n; i++)\n  a[i] = 0;", line=2)
    c = rec("up/stream", "for (i=0; i<n; i++) a[i]=0;", line=3)
    d = rec("fork/one", "for (i=0;i<n;i++) a[i]=1;", line=4)
    kept, st = exact_dedup([a, b, c, d])
    assert [r.line for r in kept] == [1, 4]
    assert kept[0].also_in == ["fork/one"]
    assert (st.duplicates_same_repo, st.duplicates_other_repo, st.kept_with_copies_elsewhere) == (
        1, 1, 1)


def test_near_duplicates_grouped_and_threshold_configurable():
    base = loop(1)
    near = base.replace("v1_5 = w5 * 6;", "v1_5 = w5 * 7;")
    other = loop(2)
    loops = {loop_key(x): x for x in (base, near, other)}
    idx = NearDupIndex(threshold=0.7).build(loops)
    assert len(idx.groups) == 1 and set(idx.groups[0]) == {loop_key(base), loop_key(near)}
    strict = NearDupIndex(threshold=1.0).build(loops)
    assert strict.groups == []


def corpus() -> list[Record]:
    out = []
    # 10 repositories with distinct loops; big/one is 30% of the corpus.
    sizes = {"big/one": 30, **{f"r/{k}": 7 for k in range(10)}}
    n = 0
    for repo, size in sizes.items():
        for _ in range(size):
            n += 1
            out.append(rec(repo, loop(n), line=n))
    # r/0 and r/1 share an identical loop; r/2 lists r/3 in also_in; r/4 and r/5 share a
    # near-duplicate loop.
    out.append(rec("r/1", out[30].loop, pragma="#pragma acc kernels", line=1000))
    out.append(rec("r/2", loop(500), line=1001, also_in=["r/3"]))
    nd = out[30 + 7 * 4].loop.replace("* 5;", "* 9;")
    out.append(rec("r/5", nd, line=1002))
    return out


def test_group_split_properties():
    recs = corpus()
    near = NearDupIndex(threshold=0.7).build({loop_key(r.loop_stripped): r.loop_stripped
                                              for r in recs})
    res = group_split(recs, {"train": 0.7, "test": 0.15, "hidden": 0.15}, seed=7, near=near)
    split_of_repo = {}
    for r in recs:
        split_of_repo.setdefault(r.repo, set()).add(res.assignment[r.id])
    assert all(len(s) == 1 for s in split_of_repo.values())  # no repository in two splits
    assert split_of_repo["big/one"] == {"train"}  # over 20% -> train
    assert split_of_repo["r/0"] == split_of_repo["r/1"]  # identical loop
    assert split_of_repo["r/2"] == split_of_repo["r/3"]  # also_in
    assert split_of_repo["r/4"] == split_of_repo["r/5"]  # near-duplicate loop
    counts = Counter(res.assignment.values())
    assert set(counts) == {"train", "test", "hidden"}
    assert check_leakage(recs, res.assignment, near, by_repo=True).ok
    # Deterministic for a seed, different for another.
    assert group_split(recs, seed=7, near=near).assignment == group_split(
        recs, seed=7, near=near).assignment


def test_random_split_keeps_identical_loops_together_and_hits_ratio():
    recs = [rec(f"r/{k % 5}", loop(k), line=k + 1) for k in range(200)]
    recs += [rec("r/9", recs[k].loop, pragma="#pragma acc kernels", line=1000 + k)
             for k in range(20)]
    res = random_split(recs, {"train": 0.8, "test": 0.2}, seed=1)
    by_loop: dict[str, set[str]] = {}
    for r in recs:
        by_loop.setdefault(loop_key(r.loop_stripped), set()).add(res.assignment[r.id])
    assert all(len(s) == 1 for s in by_loop.values())
    share = Counter(res.assignment.values())["test"] / len(recs)
    assert 0.18 <= share <= 0.22
    assert check_leakage(recs, res.assignment).ok


def test_leakage_check_finds_exact_near_and_repo_leaks():
    a = rec("r/a", loop(1), line=1)
    b = rec("r/b", loop(1), pragma="#pragma acc kernels", line=2)
    c = rec("r/c", loop(3), line=3)
    d = rec("r/a", loop(3).replace("* 5;", "* 8;"), line=4)
    recs = [a, b, c, d]
    near = NearDupIndex(threshold=0.7).build({loop_key(r.loop): r.loop for r in recs})
    split = {a.id: "train", b.id: "test", c.id: "train", d.id: "test"}
    leak = check_leakage(recs, split, near, by_repo=True)
    assert not leak.ok
    assert (leak.exact_loops, leak.near_duplicates, leak.repos) == (1, 1, 1)
    assert leak.examples
