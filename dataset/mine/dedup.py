"""Exact deduplication (the data card's ``dedup_key``) and near-duplicate loops (MinHash over
code tokens with ``datasketch``), reported as groups."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # datasketch pulls in scipy (~0.5 s): imported only when mining runs
    from datasketch import MinHash, MinHashLSH

from accellium.dataset.loops import strip_comments
from accellium.dataset.records import Record

__all__ = ["exact_dedup", "DedupStats", "loop_key", "code_tokens", "NearDupIndex", "UnionFind"]


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic: the smaller name becomes the root.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return out


def loop_key(loop_stripped: str) -> str:
    """Identity of a loop for splitting: comments removed, whitespace collapsed."""
    body = re.sub(r"\s+", " ", strip_comments(loop_stripped)).strip()
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


@dataclass
class DedupStats:
    input: int = 0
    kept: int = 0
    duplicates_same_repo: int = 0
    duplicates_other_repo: int = 0
    kept_with_copies_elsewhere: int = 0


def exact_dedup(records: Iterable[Record]) -> tuple[list[Record], DedupStats]:
    """Keep the first record of every ``dedup_key`` (input order = repository list order);
    the repositories of dropped copies go to the kept record's ``also_in``."""
    first: dict[str, Record] = {}
    stats = DedupStats()
    for r in records:
        stats.input += 1
        kept = first.get(r.dedup_key)
        if kept is None:
            first[r.dedup_key] = r
            continue
        if r.repo == kept.repo:
            stats.duplicates_same_repo += 1
        else:
            stats.duplicates_other_repo += 1
            if r.repo not in kept.also_in:
                kept.also_in.append(r.repo)
    out = list(first.values())
    stats.kept = len(out)
    stats.kept_with_copies_elsewhere = sum(1 for r in out if r.also_in)
    return out, stats


_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")


def code_tokens(code: str) -> list[str]:
    """Identifier, number and punctuation tokens of code, comments removed."""
    return _TOKEN.findall(strip_comments(code))


def _shingles(tokens: Sequence[str], k: int) -> set[bytes]:
    if len(tokens) <= k:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i:i + k]).encode() for i in range(len(tokens) - k + 1)}


@dataclass
class NearDupIndex:
    """MinHash signatures of distinct loops (by :func:`loop_key`), an LSH index over them, and
    the near-duplicate groups (connected components of pairs with estimated Jaccard similarity
    of token 3-gram sets at or above ``threshold``)."""

    threshold: float = 0.9
    num_perm: int = 128
    shingle: int = 3
    sigs: dict[str, MinHash] = field(default_factory=dict)
    group_of: dict[str, int] = field(default_factory=dict)  # loop key -> group (size > 1)
    groups: list[list[str]] = field(default_factory=list)  # loop keys per group
    lsh: MinHashLSH | None = None

    def build(self, loops: dict[str, str]) -> NearDupIndex:
        """``loops`` maps loop keys to loop text (each distinct loop once)."""
        keys = sorted(loops)
        shingle_sets = [_shingles(code_tokens(loops[k]), self.shingle) for k in keys]
        from datasketch import MinHash, MinHashLSH

        sigs = MinHash.bulk(shingle_sets, num_perm=self.num_perm) if keys else []
        self.sigs = dict(zip(keys, sigs, strict=True))
        # LSH bands need a threshold below 1; candidates are verified against the real one.
        self.lsh = MinHashLSH(threshold=min(self.threshold, 0.95), num_perm=self.num_perm)
        with self.lsh.insertion_session() as session:
            for k in keys:
                session.insert(k, self.sigs[k])
        uf = UnionFind()
        for k in keys:
            for other in self.similar(k):
                uf.union(k, other)
        comps = sorted((sorted(v) for v in uf.groups().values() if len(v) > 1),
                       key=lambda g: (-len(g), g[0]))
        self.groups = comps
        self.group_of = {k: gid for gid, g in enumerate(comps) for k in g}
        return self

    def similar(self, key: str) -> list[str]:
        """Other loops whose estimated similarity to ``key`` reaches the threshold."""
        assert self.lsh is not None
        sig = self.sigs[key]
        return [o for o in self.lsh.query(sig)
                if o != key and sig.jaccard(self.sigs[o]) >= self.threshold]
