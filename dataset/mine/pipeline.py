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

from pydantic import BaseModel, Field, field_validator, model_validator

from accellium.dataset.mine.dedup import NearDupIndex, exact_dedup, loop_key
from accellium.dataset.mine.extract import FileResult, RawPair, extract_file
from accellium.dataset.mine.license import detect_license, license_allowed
from accellium.dataset.mine.sources import (
    DEFAULT_MAX_BYTES,
    SourceFile,
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

__all__ = ["MineOptions", "MineReport", "RepoResult", "RepoSummary", "Extracted", "mine",
           "mine_repo", "iter_repo_results", "iter_source_files", "safe_extract", "to_record",
           "add_repo_summary", "finish", "resolve"]


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
    #: keep only pairs whose licence label is in this list (None: keep all); see
    #: :func:`dataset.mine.license.license_allowed`
    licenses: list[str] | None = None
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


@dataclass
class RepoResult:
    spec: SourceSpec
    summary: RepoSummary
    pairs: list[RawPair] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    directives: Counter[str] = field(default_factory=Counter)
    underscore: Counter[str] = field(default_factory=Counter)


def iter_source_files(spec: SourceSpec, summary: RepoSummary, stats: SourceStats,
                      max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceFile]:
    """The C/C++ files of one source, in path order. Fills ``summary`` (commit, licence, files,
    bytes, error) and ``stats`` (skips) as it goes. Never raises: a failure is in
    ``summary.error`` (and ``stats.skipped["source_failed"]`` when the source cannot be opened).
    """
    try:
        snap = open_source(spec, stats, max_bytes)
    except (OSError, ValueError) as e:
        summary.error = str(e).splitlines()[0] if str(e) else type(e).__name__
        stats.skip("source_failed")
        return
    try:
        summary.commit = snap.commit
        summary.license = detect_license(snap.license_files)
        for sf in snap.files():
            summary.files += 1
            summary.bytes += len(sf.data)
            yield sf
    except (OSError, ValueError) as e:
        summary.error = f"read failed: {e}"
    finally:
        snap.close()


def safe_extract(path: str, data: bytes, events: Counter[str]) -> FileResult | None:
    """:func:`extract_file`, with a parser bug counted as ``extract_error`` (``None``) instead
    of ending the run."""
    try:
        return extract_file(path, data)
    except Exception:
        events["extract_error"] += 1
        return None


def mine_repo(spec: SourceSpec, max_bytes: int = DEFAULT_MAX_BYTES) -> RepoResult:
    """Extract every pair of one source. Never raises: a failure is in ``summary.error``."""
    stats = SourceStats()
    summary = RepoSummary(repo=spec.repo_name(), requested_commit=spec.commit)
    res = RepoResult(spec, summary)
    for sf in iter_source_files(spec, summary, stats, max_bytes):
        fr = safe_extract(sf.path, sf.data, res.events)
        if fr is None:
            continue
        res.pairs.extend(fr.pairs)
        res.events.update(fr.events)
        res.directives.update(fr.directives)
        res.underscore.update(fr.underscore_pragmas)
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


def to_record(repo: str, commit: str, license: str, p: RawPair) -> Record:
    """The dataset record of one extracted pair (``split`` and ``near_dup_group`` unset)."""
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


@dataclass
class Extracted:
    """What extraction hands to the global stages (exact dedup, near-duplicates, split, leakage
    check, outputs): the records that passed the filters, in source order, and the counters."""

    records: list[Record] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    directives: Counter[str] = field(default_factory=Counter)
    underscore: Counter[str] = field(default_factory=Counter)
    raw_pairs: int = 0
    empty_body: int = 0
    license_filtered: int = 0

    def keep(self, repo: str, commit: str, license: str, pairs: Sequence[RawPair],
             allow: Sequence[str] | None) -> None:
        """The filters, in order: loops with an empty body are dropped, then pairs whose
        licence is not allowed; the rest become records."""
        self.raw_pairs += len(pairs)
        allowed = license_allowed(license, allow)
        for p in pairs:
            if p.empty_body:
                self.empty_body += 1
            elif not allowed:
                self.license_filtered += 1
            else:
                self.records.append(to_record(repo, commit, license, p))


def add_repo_summary(report: MineReport, s: RepoSummary) -> None:
    """Count one source in the report (failures and commits that differ noted)."""
    report.repos.append(s)
    if s.error:
        report.repos_failed.append(f"{s.repo}: {s.error}")
    if s.requested_commit and s.commit and not s.commit.startswith(s.requested_commit):
        report.commits_differ.append(f"{s.repo}: asked {s.requested_commit}, mined {s.commit}")
    report.files_scanned += s.files
    report.bytes_scanned += s.bytes


def mine(sources: Sequence[str | SourceSpec], out_dir: str | Path,
         options: MineOptions | None = None,
         on_repo: Callable[[RepoResult], None] | None = None) -> MineReport:
    """Mine ``sources`` (folders, git directories, URLs or :class:`SourceSpec`) into
    ``out_dir``: one JSONL file per split, ``stats.json``, ``near_duplicates.json`` and a data
    card ``README.md``. Bad sources and files are counted in the report, never raised."""
    options = options or MineOptions()
    t0 = time.perf_counter()
    specs = [s if isinstance(s, SourceSpec) else resolve_specs([s])[0] for s in sources]
    report = MineReport(out_dir=str(out_dir), options=options)
    ext = Extracted()

    bar = None
    if options.progress:
        from tqdm import tqdm

        bar = tqdm(total=len(specs), unit="repo", desc="mine", dynamic_ncols=True)
    try:
        for res in iter_repo_results(specs, options.max_bytes, options.workers):
            s = res.summary
            add_repo_summary(report, s)
            ext.skipped.update(res.skipped)
            ext.events.update(res.events)
            ext.directives.update(res.directives)
            ext.underscore.update(res.underscore)
            ext.keep(s.repo, s.commit, s.license, res.pairs, options.licenses)
            if on_repo is not None:
                on_repo(res)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(pairs=ext.raw_pairs, MB=f"{report.bytes_scanned / 1e6:.0f}")
    finally:
        if bar is not None:
            bar.close()
    return finish(report, ext, out_dir, t0, time.perf_counter())


def finish(report: MineReport, ext: Extracted, out_dir: str | Path, t0: float,
           t_extract: float) -> MineReport:
    """The global stages after extraction, whichever engine extracted: exact dedup (first
    occurrence in source order kept), near-duplicate groups, split, leakage check, outputs.
    ``ext.records`` must be in source order."""
    from accellium.dataset.mine.card import (
        write_outputs,  # local: card imports this module's models
    )

    options = report.options
    records = ext.records
    report.skipped = dict(ext.skipped)
    report.file_events = dict(ext.events)
    report.directives = dict(ext.directives)
    report.underscore_pragma = dict(ext.underscore)
    # Filters: empty bodies (and disallowed licences) were dropped; invalid directives and
    # pragmas are kept, flagged.
    stages = {"directives": sum(ext.directives.values()), "raw_pairs": ext.raw_pairs,
              "empty_body": ext.empty_body, "after_empty_body": ext.raw_pairs - ext.empty_body}
    if options.licenses is not None:
        stages["license_filtered"] = ext.license_filtered
        stages["after_license"] = len(records)
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
        loops: dict[str, str] = {}
        for r in records:
            loops.setdefault(loop_key(r.loop_stripped), r.loop_stripped)
        near = NearDupIndex(threshold=options.near_dup_threshold,
                            num_perm=options.num_perm).build(loops)
        for r in records:
            # a miner field outside the Record schema: kept among the model's extra fields
            extra = r.model_extra
            if extra is not None:
                extra["near_dup_group"] = near.group_of.get(loop_key(r.loop_stripped))
        report.near_dup_groups = len(near.groups)
        report.near_dup_pairs = sum(
            1 for r in records if getattr(r, "near_dup_group", None) is not None)
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
