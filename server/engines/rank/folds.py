"""Groups of repositories that must stay on one side of any split, and group K-fold; random
K-fold with identical loops on one side.

Two repositories are one group when they share a loop (identical ``loop_stripped`` once
comments are removed and whitespace collapsed: the data card's ``norm``) or when one lists the
other in ``also_in`` — copies of one code base.  Putting them in different folds would let a
model see the very loop it is asked about.

:func:`random_folds` mirrors the paper-comparable random split of the data card (projects on
both sides, identical loops kept on one side): the unit dealt to the folds is the set of records
with one loop (:func:`loop_key`) instead of a repository group.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import lru_cache

from accellium.dataset.loops import strip_comments
from accellium.dataset.records import norm_code

__all__ = ["loop_key", "repo_groups", "group_folds", "random_folds"]


@lru_cache(maxsize=16384)
def loop_key(code: str) -> str:
    """The key of one loop across records: its text without comments, the data card's ``norm``."""
    return norm_code(strip_comments(code))


def repo_groups(records: Sequence) -> dict[str, str]:
    """repository -> the name of its group (its smallest member), by union-find."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[str, str] = {}
    for r in records:
        find(r.repo)
        key = loop_key(r.loop_stripped)
        if key in first:
            union(first[key], r.repo)
        else:
            first[key] = r.repo
        for other in getattr(r, "also_in", None) or ():
            union(r.repo, other)
    return {repo: find(repo) for repo in {r.repo for r in records}}


def group_folds(records: Sequence, k: int, seed: int = 0) -> list[int]:
    """The fold (0..k-1) of each record: groups shuffled with ``seed``, then, largest first,
    each to the fold with the fewest records so far."""
    if k < 2:
        raise ValueError(f"--cv needs at least 2 folds, got {k}")
    groups = repo_groups(records)
    keys = [groups[r.repo] for r in records]
    if len(set(keys)) < k:
        raise ValueError(f"only {len(set(keys))} repository groups: cannot make {k} folds")
    return _deal(keys, k, seed)


def random_folds(records: Sequence, k: int, seed: int = 0) -> list[int]:
    """The fold (0..k-1) of each record, at random over loops: records with identical loops
    (:func:`loop_key`) are one unit, units dealt as in :func:`group_folds`.  A project's loops land
    in several folds, as in the data card's random split."""
    if k < 2:
        raise ValueError(f"--cv needs at least 2 folds, got {k}")
    keys = [loop_key(r.loop_stripped) for r in records]
    if len(set(keys)) < k:
        raise ValueError(f"only {len(set(keys))} distinct loops: cannot make {k} folds")
    return _deal(keys, k, seed)


def _deal(keys: Sequence[str], k: int, seed: int) -> list[int]:
    """Units (records with one key) shuffled with ``seed``, then, largest first, each to the
    fold with the fewest records so far; the fold of each record."""
    sizes: dict[str, int] = {}
    for g in keys:
        sizes[g] = sizes.get(g, 0) + 1
    order = sorted(sizes)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda g: -sizes[g])  # stable: ties keep the shuffled order
    load = [0] * k
    fold_of: dict[str, int] = {}
    for g in order:
        f = min(range(k), key=lambda i: (load[i], i))
        fold_of[g] = f
        load[f] += sizes[g]
    return [fold_of[g] for g in keys]
