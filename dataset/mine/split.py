"""Splits without leakage, and the check that proves it.

``group_split`` (the data card's rule): union-find over repositories; all pairs of a repository
form one group; two repositories are joined when they share an identical loop (comment-free,
whitespace-collapsed ``loop_stripped``), a near-duplicate loop, or when one lists the other in
``also_in``.  Groups are shuffled with the seed, sorted by size (largest first, stable), groups
over ``big_share`` of the corpus go to the first split (train), every other group goes to the
split furthest below its target.

``random_split`` (paper-style): identical and near-duplicate loops form groups that stay on
one side; groups are shuffled with the seed and dealt to the split furthest below its target.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, Field

from accellium.dataset.mine.dedup import NearDupIndex, UnionFind, loop_key
from accellium.dataset.records import Record

__all__ = ["SplitResult", "Leakage", "group_split", "random_split", "check_leakage",
           "DEFAULT_GROUP_RATIOS", "DEFAULT_RANDOM_RATIOS", "DEFAULT_SEED"]

DEFAULT_SEED = 20260126
DEFAULT_GROUP_RATIOS = {"train": 0.70, "test": 0.15, "hidden": 0.15}
DEFAULT_RANDOM_RATIOS = {"train": 0.80, "test": 0.20}


class SplitResult(BaseModel):
    assignment: dict[str, str] = Field(default_factory=dict)  # record id -> split
    groups: list[list[str]] = Field(default_factory=list)  # members (repos or loop keys)
    group_sizes: list[int] = Field(default_factory=list)  # pairs per group, same order


class Leakage(BaseModel):
    """What crosses splits. ``ok`` is true when no loop (exact or near) is in two splits
    (and, for the group split, no repository)."""

    ok: bool = True
    exact_loops: int = 0  # distinct loops found in more than one split
    near_duplicates: int = 0  # near-duplicate loop pairs across splits
    repos: int = 0  # repositories in more than one split
    examples: list[str] = Field(default_factory=list)


def _deal(groups: list[tuple[list[str], int]], ratios: dict[str, float], seed: int,
          big_share: float | None) -> tuple[dict[int, str], list[int]]:
    """Shuffle, sort by size, assign each group to a split. Returns (group index -> split,
    processing order)."""
    total = sum(n for _, n in groups) or 1
    order = list(range(len(groups)))
    # Sort by name first so the shuffle does not depend on dict order.
    order.sort(key=lambda i: sorted(groups[i][0])[0] if groups[i][0] else "")
    random.Random(seed).shuffle(order)
    order.sort(key=lambda i: -groups[i][1])
    names = list(ratios)
    counts = Counter({s: 0 for s in names})
    out: dict[int, str] = {}
    for i in order:
        n = groups[i][1]
        if big_share is not None and n > big_share * total:
            split = names[0]
        else:
            split = max(names, key=lambda s: (ratios[s] * total - counts[s], -names.index(s)))
        out[i] = split
        counts[split] += n
    return out, order


def group_split(records: Sequence[Record], ratios: dict[str, float] | None = None,
                seed: int = DEFAULT_SEED, near: NearDupIndex | None = None,
                big_share: float = 0.20) -> SplitResult:
    ratios = ratios or DEFAULT_GROUP_RATIOS
    uf = UnionFind()
    by_loop: dict[str, str] = {}
    by_near: dict[int, str] = {}
    repos = {r.repo for r in records}
    for r in records:
        uf.find(r.repo)
        k = loop_key(r.loop_stripped)
        uf.union(r.repo, by_loop.setdefault(k, r.repo))
        if near is not None and k in near.group_of:
            uf.union(r.repo, by_near.setdefault(near.group_of[k], r.repo))
        for other in r.also_in:
            if other in repos:
                uf.union(r.repo, other)
    members = uf.groups()
    per_repo = Counter(r.repo for r in records)
    groups = [(sorted(m), sum(per_repo[x] for x in m)) for m in members.values()]
    split_of_group, order = _deal(groups, ratios, seed, big_share)
    split_of_repo = {repo: split_of_group[i] for i, (m, _) in enumerate(groups) for repo in m}
    return SplitResult(
        assignment={r.id: split_of_repo[r.repo] for r in records},
        groups=[groups[i][0] for i in order],
        group_sizes=[groups[i][1] for i in order],
    )


def random_split(records: Sequence[Record], ratios: dict[str, float] | None = None,
                 seed: int = DEFAULT_SEED, near: NearDupIndex | None = None) -> SplitResult:
    ratios = ratios or DEFAULT_RANDOM_RATIOS
    uf = UnionFind()
    for r in records:
        k = loop_key(r.loop_stripped)
        uf.find(k)
        if near is not None and k in near.group_of:
            uf.union(k, f"near:{near.group_of[k]}")
    members = uf.groups()
    size = Counter(uf.find(loop_key(r.loop_stripped)) for r in records)
    roots = sorted(members)
    groups = [(sorted(x for x in members[root] if not x.startswith("near:")), size[root])
              for root in roots]
    split_of_group, order = _deal(groups, ratios, seed, None)
    split_of_root = {roots[i]: s for i, s in split_of_group.items()}
    return SplitResult(
        assignment={r.id: split_of_root[uf.find(loop_key(r.loop_stripped))] for r in records},
        groups=[groups[i][0] for i in order if groups[i][1] > 1],
        group_sizes=[groups[i][1] for i in order if groups[i][1] > 1],
    )


def check_leakage(records: Sequence[Record], assignment: dict[str, str],
                  near: NearDupIndex | None = None, by_repo: bool = False) -> Leakage:
    """Independent check of a split: identical loops, near-duplicate loops (LSH queries with
    verified similarity) and, when ``by_repo``, repositories found in two splits."""
    splits_of_loop: dict[str, set[str]] = defaultdict(set)
    splits_of_repo: dict[str, set[str]] = defaultdict(set)
    for r in records:
        s = assignment[r.id]
        splits_of_loop[loop_key(r.loop_stripped)].add(s)
        splits_of_repo[r.repo].add(s)
    leak = Leakage()
    for k, ss in splits_of_loop.items():
        if len(ss) > 1:
            leak.exact_loops += 1
            if len(leak.examples) < 10:
                leak.examples.append(f"loop {k[:12]} in {sorted(ss)}")
    if near is not None and near.lsh is not None:
        seen: set[tuple[str, str]] = set()
        for k, ss in splits_of_loop.items():
            if k not in near.sigs:
                continue
            for other in near.similar(k):
                if other in splits_of_loop and splits_of_loop[other] != ss and (
                        other, k) not in seen:
                    seen.add((k, other))
                    leak.near_duplicates += 1
                    if len(leak.examples) < 10:
                        leak.examples.append(f"near-duplicate loops {k[:12]} {other[:12]} in "
                                             f"{sorted(ss | splits_of_loop[other])}")
    if by_repo:
        leak.repos = sum(1 for ss in splits_of_repo.values() if len(ss) > 1)
        for repo, ss in splits_of_repo.items():
            if len(ss) > 1 and len(leak.examples) < 10:
                leak.examples.append(f"repository {repo} in {sorted(ss)}")
    leak.ok = not (leak.exact_loops or leak.near_duplicates or leak.repos)
    return leak
