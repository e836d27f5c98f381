"""``mine(sources, out_dir, options) -> MineReport``: sourcing, extraction, filtering,
deduplication, splitting, leakage check, data card."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from accellium.dataset.mine.dedup import NearDupIndex, exact_dedup, loop_key
from accellium.dataset.mine.extract import RawPair, extract_file
from accellium.dataset.mine.license import detect_license
from accellium.dataset.mine.sources import (
    DEFAULT_MAX_BYTES,
    SourceSpec,
    SourceStats,
    open_source,
    resolve_specs,
)
from accellium.dataset.mine.split import (
    DEFAULT_GROUP_RATIOS,
    DEFAULT_RANDOM_RATIOS,
    DEFAULT_SEED,
    Leakage,
    check_leakage,
    group_split,
    random_split,
)
from accellium.dataset.pragma import PragmaSyntaxError, parse, validate
from accellium.dataset.records import Record, dedup_key, record_id
from pydantic import BaseModel, Field, field_validator, model_validator

__all__ = ["MineOptions", "MineReport", "RepoResult", "mine", "mine_repo", "iter_repo_results"]


class MineOptions(BaseModel):
    split: Literal["group", "random"] = "group"
    ratios: dict[str, float] | None = None  # split name -> share; default by split mode
    seed: int = DEFAULT_SEED
    near_dup: bool = True
    near_dup_threshold: float = Field(0.9, gt=0.0, le=1.0)
    num_perm: int = Field(128, ge=16, le=1024)
    max_bytes: int = Field(DEFAULT_MAX_BYTES, gt=0)
    big_group_share: float = Field(0.20, gt=0.0, le=1.0)
    workers: int = Field(0, ge=0)  # 0: min(2, CPUs)
    progress: bool = True
    write: bool = True  # False: compute everything, write nothing (benchmarks)

    @field_validator("ratios")
    @classmethod
    def _ratios(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        if not v or any(x <= 0 for x in v.values()):
            raise ValueError("ratios must be positive")
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"ratios must sum to 1 (got {total:g})")
        return v

    @model_validator(mode="after")
    def _default_ratios(self) -> MineOptions:
        if self.ratios is None:
            self.ratios = dict(DEFAULT_GROUP_RATIOS if self.split == "group"
                               else DEFAULT_RANDOM_RATIOS)
        return self


class RepoSummary(BaseModel):
    repo: str
    commit: str = ""
    requested_commit: str | None = None
    license: str = "none"
    files: int = 0
    bytes: int = 0
    pairs: int = 0
    error: str | None = None


class MineReport(BaseModel):
    out_dir: str
    options: MineOptions
    repos: list[RepoSummary] = Field(default_factory=list)
    repos_failed: list[str] = Field(default_factory=list)  # one line each
    commits_differ: list[str] = Field(default_factory=list)  # requested commit not in snapshot
    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)  # files/sources skipped, by reason
    file_events: dict[str, int] = Field(default_factory=dict)  # binary, bad_utf8, ...
    directives: dict[str, int] = Field(default_factory=dict)  # acc directives by outcome
    underscore_pragma: dict[str, int] = Field(default_factory=dict)
    stages: dict[str, int] = Field(default_factory=dict)  # counts at each stage
    invalid_directive: int = 0  # kept, flagged (directive_valid false)
    invalid_pragma: int = 0  # kept, flagged (pragma_valid false)
    near_dup_groups: int = 0
    near_dup_pairs: int = 0  # records whose loop is in a near-duplicate group
    splits: dict[str, int] = Field(default_factory=dict)
    leakage: Leakage = Field(default_factory=Leakage)
    files_written: list[str] = Field(default_factory=list)
    timings_s: dict[str, float] = Field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def mb_per_s(self) -> float:
        t = self.timings_s.get("extract", self.elapsed_s) or 1e-9
        return self.bytes_scanned / 1e6 / t

    @property
    def pairs_per_s(self) -> float:
        t = self.timings_s.get("extract", self.elapsed_s) or 1e-9
        return self.stages.get("raw_pairs", 0) / t


@dataclass
class RepoResult:
    spec: SourceSpec
    summary: RepoSummary
    pairs: list[RawPair] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    directives: Counter[str] = field(default_factory=Counter)
    underscore: Counter[str] = field(default_factory=Counter)


def mine_repo(spec: SourceSpec, max_bytes: int = DEFAULT_MAX_BYTES) -> RepoResult:
    """Extract every pair of one source. Never raises: a failure is in ``summary.error``."""
    stats = SourceStats()
    summary = RepoSummary(repo=spec.repo_name(), requested_commit=spec.commit)
    res = RepoResult(spec, summary)
    try:
        snap = open_source(spec, stats, max_bytes)
    except (OSError, ValueError) as e:
        summary.error = str(e).splitlines()[0] if str(e) else type(e).__name__
        res.skipped.update(stats.skipped)
        res.skipped["source_failed"] += 1
        return res
    try:
        summary.commit = snap.commit
        summary.license = detect_license(snap.license_files)
        for sf in snap.files():
            summary.files += 1
            summary.bytes += len(sf.data)
            try:
                fr = extract_file(sf.path, sf.data)
            except Exception:  # noqa: BLE001 - a parser bug must not end the run
                res.events["extract_error"] += 1
                continue
            res.pairs.extend(fr.pairs)
            res.events.update(fr.events)
            res.directives.update(fr.directives)
            res.underscore.update(fr.underscore_pragmas)
    except (OSError, ValueError) as e:
        summary.error = f"read failed: {e}"
    finally:
        snap.close()
    res.skipped.update(stats.skipped)
    summary.pairs = len(res.pairs)
    return res


def _mine_repo_args(args: tuple[SourceSpec, int]) -> RepoResult:
    return mine_repo(*args)


def iter_repo_results(specs: Sequence[SourceSpec], max_bytes: int = DEFAULT_MAX_BYTES,
                      workers: int = 0) -> Iterator[RepoResult]:
    """Results in source order, computed by ``workers`` processes (0: min(2, CPUs))."""
    workers = workers or min(2, os.cpu_count() or 1)
    if workers <= 1 or len(specs) <= 1:
        for spec in specs:
            yield mine_repo(spec, max_bytes)
        return
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ctx.Pool(workers) as pool:
        yield from pool.imap(_mine_repo_args, [(s, max_bytes) for s in specs], chunksize=1)


def _record(repo: str, commit: str, license: str, p: RawPair) -> Record:
    try:
        pragma_ok = not [x for x in validate(parse(p.pragma)) if x.severity == "error"]
    except PragmaSyntaxError:
        pragma_ok = False
    return Record(
        id=record_id(repo, commit, p.path, p.line),
        repo=repo,
        commit=commit,
        path=p.path,
        line=p.line,
        pragma=p.pragma,
        directive=p.directive,
        directive_valid=p.directive_valid,
        clauses=p.clauses,
        loop=p.loop,
        loop_stripped=p.loop_stripped,
        loop_depth=p.loop_depth,
        lang=p.lang,
        function=p.function,
        enclosing=p.enclosing,
        license=license,
        dedup_key=dedup_key(p.pragma, p.loop),
        also_in=[],
        split=None,
        pragma_valid=pragma_ok,
        pragma_form=p.pragma_form,
        near_dup_group=None,
    )


def mine(sources: Sequence[str | SourceSpec], out_dir: str | Path,
         options: MineOptions | None = None,
         on_repo: Callable[[RepoResult], None] | None = None) -> MineReport:
    """Mine ``sources`` (folders, git directories, URLs or :class:`SourceSpec`) into
    ``out_dir``: one JSONL file per split, ``stats.json``, ``near_duplicates.json`` and a data
    card ``README.md``. Bad sources and files are counted in the report, never raised."""
    from accellium.dataset.mine.card import (
        write_outputs,  # local: card imports this module's models
    )

    options = options or MineOptions()
    t0 = time.perf_counter()
    specs = [s if isinstance(s, SourceSpec) else resolve_specs([s])[0] for s in sources]
    report = MineReport(out_dir=str(out_dir), options=options)
    skipped: Counter[str] = Counter()
    events: Counter[str] = Counter()
    directives: Counter[str] = Counter()
    underscore: Counter[str] = Counter()
    records: list[Record] = []
    raw_pairs = empty_bodies = 0

    bar = None
    if options.progress:
        from tqdm import tqdm

        bar = tqdm(total=len(specs), unit="repo", desc="mine", dynamic_ncols=True)
    try:
        for res in iter_repo_results(specs, options.max_bytes, options.workers):
            s = res.summary
            report.repos.append(s)
            if s.error:
                report.repos_failed.append(f"{s.repo}: {s.error}")
            if s.requested_commit and s.commit and not s.commit.startswith(s.requested_commit):
                report.commits_differ.append(f"{s.repo}: asked {s.requested_commit}, "
                                             f"mined {s.commit}")
            report.files_scanned += s.files
            report.bytes_scanned += s.bytes
            skipped.update(res.skipped)
            events.update(res.events)
            directives.update(res.directives)
            underscore.update(res.underscore)
            raw_pairs += len(res.pairs)
            for p in res.pairs:
                if p.empty_body:  # filter: loops with an empty body are dropped
                    empty_bodies += 1
                else:
                    records.append(_record(s.repo, s.commit, s.license, p))
            if on_repo is not None:
                on_repo(res)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(pairs=raw_pairs, MB=f"{report.bytes_scanned / 1e6:.0f}")
    finally:
        if bar is not None:
            bar.close()
    t_extract = time.perf_counter()

    report.skipped = dict(skipped)
    report.file_events = dict(events)
    report.directives = dict(directives)
    report.underscore_pragma = dict(underscore)
    # Filters: empty bodies were dropped; invalid directives and pragmas are kept, flagged.
    stages = {"directives": sum(directives.values()), "raw_pairs": raw_pairs,
              "empty_body": empty_bodies, "after_empty_body": len(records)}
    records, dstats = exact_dedup(records)
    stages["after_exact_dedup"] = len(records)
    stages["duplicates_same_repo"] = dstats.duplicates_same_repo
    stages["duplicates_other_repo"] = dstats.duplicates_other_repo
    stages["kept_with_copies_elsewhere"] = dstats.kept_with_copies_elsewhere
    report.invalid_directive = sum(1 for r in records if not r.directive_valid)
    report.invalid_pragma = sum(1 for r in records if not getattr(r, "pragma_valid", True))
    t_dedup = time.perf_counter()

    near: NearDupIndex | None = None
    if options.near_dup and records:
        loops = {}
        for r in records:
            loops.setdefault(loop_key(r.loop_stripped), r.loop_stripped)
        near = NearDupIndex(threshold=options.near_dup_threshold,
                            num_perm=options.num_perm).build(loops)
        for r in records:
            r.near_dup_group = near.group_of.get(loop_key(r.loop_stripped))
        report.near_dup_groups = len(near.groups)
        report.near_dup_pairs = sum(1 for r in records if r.near_dup_group is not None)
    t_near = time.perf_counter()

    ratios = options.ratios or {}
    if options.split == "group":
        split = group_split(records, ratios, options.seed, near, options.big_group_share)
    else:
        split = random_split(records, ratios, options.seed, near)
    for r in records:
        r.split = split.assignment[r.id]
    report.leakage = check_leakage(records, split.assignment, near,
                                   by_repo=options.split == "group")
    report.splits = {name: sum(1 for r in records if r.split == name) for name in ratios}
    report.stages = stages
    t_split = time.perf_counter()

    if options.write:
        report.files_written = write_outputs(Path(out_dir), records, report, split, near)
    t_end = time.perf_counter()
    report.timings_s = {
        "extract": round(t_extract - t0, 3),
        "dedup": round(t_dedup - t_extract, 3),
        "near_dup": round(t_near - t_dedup, 3),
        "split_and_check": round(t_split - t_near, 3),
        "write": round(t_end - t_split, 3),
    }
    report.elapsed_s = round(t_end - t0, 3)
    return report


def resolve(sources: Sequence[str], repos_file: str | None = None,
            url_template: str | None = None) -> list[SourceSpec]:
    """Command-line sources to specs (``ValueError`` for input that names nothing)."""
    kw = {"url_template": url_template} if url_template else {}
    return resolve_specs(list(sources), repos_file, **kw)
