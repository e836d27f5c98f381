"""The pipeline steps of ``accellium mine --engine datatrove`` (datatrove ``PipelineStep``\\ s).

One task (a datatrove rank) runs::

    RepoReader                                   repositories on disk (today's input)
  | ParquetReader / JsonlReader + CodeFileFilter  shards of a code corpus (content, path, repo, ...)
    -> ExtractPairs -> EmptyBodyFilter [-> LicenseFilter] -> RecordWriter

and, once every task is complete, one task runs the global stages over all of them::

    JsonlReader(records) -> MergeStep      exact dedup, near-duplicates, split, leakage, data card

The work is the reference miner's: files come from :func:`pipeline.iter_source_files`, pairs
from :func:`pipeline.safe_extract` (``extract.py``), records from :func:`pipeline.to_record`,
the licence rule from :func:`license.license_allowed`, and the global stages are
:func:`pipeline.finish` (``dedup.py``, ``split.py``, ``card.py``). Each record carries its place
in source order (``order``), so the merge reproduces the reference's first-occurrence dedup
whatever the number of tasks.

Every counting step writes its counters for its rank to ``<work>/tasks/<rank>.<step>.json`` when
its input is exhausted; datatrove marks the rank complete only after the whole task, so a
killed task leaves no completion marker and is re-run (overwriting its files) on restart.
"""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolder, DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseReader
from datatrove.pipeline.writers.jsonl import JsonlWriter

from accellium.dataset.mine.license import license_allowed, license_label
from accellium.dataset.mine.pipeline import (
    Extracted,
    MineOptions,
    MineReport,
    RepoSummary,
    add_repo_summary,
    finish,
    iter_source_files,
    safe_extract,
    to_record,
)
from accellium.dataset.mine.sources import DEFAULT_MAX_BYTES, SourceSpec, SourceStats, is_c_path
from accellium.dataset.records import Record

__all__ = ["RepoReader", "ShardAdapter", "CodeFileFilter", "ExtractPairs", "EmptyBodyFilter",
           "LicenseFilter", "RecordWriter", "MergeStep", "DEFAULT_COLUMNS", "RECORDS_FILE"]

#: corpus column names (The Stack v2 calls them content, path, repo_name, license_type /
#: detected_licenses, revision_id)
DEFAULT_COLUMNS = {"content": "content", "path": "path", "repo": "repo", "license": "license",
                   "commit": "commit"}
RECORDS_FILE = "${rank}.jsonl.gz"


def text_of(data: bytes) -> str:
    """File bytes as a document's text, losslessly (undecodable bytes as surrogates)."""
    return data.decode("utf-8", "surrogateescape")


def bytes_of(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate from a JSON shard: not a file's bytes
        return text.encode("utf-8", "replace")


def side_path(rank: int, step: str) -> str:
    return f"tasks/{rank:05d}.{step}.json"


class _Counting(PipelineStep):
    """A step that saves its counters for its rank under ``<work>/tasks``."""

    side: str = ""

    def __init__(self, work: DataFolderLike):
        super().__init__()
        self.work = get_datafolder(work)

    def save_side(self, rank: int, payload: dict[str, Any]) -> None:
        with self.work.open(side_path(rank, self.side), "w") as fh:
            json.dump(payload, fh)


# ----------------------------------------------------------------------------------------------
# Readers
# ----------------------------------------------------------------------------------------------


class RepoReader(BaseReader):
    """Repositories on disk (folders, git directories, URLs): task ``rank`` reads sources
    ``rank, rank + world_size, ...`` and yields one document per C/C++ file (text = the file,
    losslessly; metadata repo, commit, licence, path, order)."""

    name = "C/C++ repositories"

    def __init__(self, specs: list[SourceSpec], work: DataFolderLike,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        super().__init__()
        self.specs = list(specs)
        self.max_bytes = max_bytes
        self.work = get_datafolder(work)

    def run(self, data: DocumentsPipeline = None, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        repos: list[dict[str, Any]] = []
        skipped: Counter[str] = Counter()
        for idx in range(rank, len(self.specs), world_size):
            spec = self.specs[idx]
            summary = RepoSummary(repo=spec.repo_name(), requested_commit=spec.commit)
            stats = SourceStats()
            for k, sf in enumerate(iter_source_files(spec, summary, stats, self.max_bytes)):
                self.stat_update("files")
                self.stat_update("bytes", value=len(sf.data))
                yield Document(text=text_of(sf.data), id=f"{summary.repo}/{sf.path}", metadata={
                    "repo": summary.repo, "commit": summary.commit, "license": summary.license,
                    "path": sf.path, "order": [f"{idx:09d}", k], "source": str(idx),
                    "data": sf.data})
            skipped.update(stats.skipped)
            repos.append({"index": idx, **summary.model_dump()})
        with self.work.open(side_path(rank, "read"), "w") as fh:
            json.dump({"repos": repos, "skipped": skipped}, fh)


class ShardAdapter:
    """datatrove reader adapter for corpus shards: maps the configured columns to a document
    (text = content; metadata repo, path, licence label, commit, order = shard path + row)."""

    def __init__(self, columns: dict[str, str] | None = None):
        self.columns = {**DEFAULT_COLUMNS, **(columns or {})}

    def __call__(self, _reader: BaseReader, data: dict, path: str, id_in_file: int | str
                 ) -> dict[str, Any]:
        c = self.columns
        content = data.get(c["content"])
        if isinstance(content, bytes):
            content = text_of(content)
        commit = data.get(c["commit"])
        return {
            "text": content or "",
            "id": f"{path}/{id_in_file}",
            "metadata": {
                "repo": str(data.get(c["repo"]) or ""),
                "path": str(data.get(c["path"]) or ""),
                "license": license_label(data.get(c["license"])),
                "commit": str(commit) if commit else "unknown",
                "order": [path, int(id_in_file)],
            },
        }


class CodeFileFilter(_Counting):
    """Shards only: keep C/C++ files (by path suffix, as the repository reader) up to the size
    cap; count the rest; sum files and bytes per repository."""

    name = "C/C++ files"
    type = "🔻 - FILTER"
    side = "read"

    def __init__(self, work: DataFolderLike, max_bytes: int = DEFAULT_MAX_BYTES):
        super().__init__(work)
        self.max_bytes = max_bytes

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        repos: dict[str, dict[str, Any]] = {}
        skipped: Counter[str] = Counter()
        for doc in data or ():
            md = doc.metadata
            if not md["repo"] or not md["path"]:
                skipped["missing_repo_or_path"] += 1
                continue
            if not is_c_path(md["path"]):
                skipped["not_c_file"] += 1
                continue
            blob = bytes_of(doc.text)
            if len(blob) > self.max_bytes:
                skipped["too_large"] += 1
                continue
            md["data"] = blob
            r = repos.setdefault(md["repo"], {"files": 0, "bytes": 0, "licenses": [],
                                              "commits": []})
            r["files"] += 1
            r["bytes"] += len(blob)
            for key, value in (("licenses", md["license"]), ("commits", md["commit"])):
                if value not in r[key]:
                    r[key].append(value)
            self.stat_update("files")
            self.stat_update("bytes", value=len(blob))
            yield doc
        self.save_side(rank, {"shard_repos": repos, "skipped": skipped})


# ----------------------------------------------------------------------------------------------
# Extraction and filters
# ----------------------------------------------------------------------------------------------


class ExtractPairs(_Counting):
    """One document per pragma–loop pair of each file (``extract.py``), as a dataset record
    (metadata ``record``) with its place in source order (``order``)."""

    name = "OpenACC pragma-loop pairs"
    type = "⛏ - EXTRACT"
    side = "extract"

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        t0, c0 = time.perf_counter(), time.process_time()
        events: Counter[str] = Counter()
        directives: Counter[str] = Counter()
        underscore: Counter[str] = Counter()
        pairs_of: Counter[str] = Counter()  # raw pairs per source index / repository
        for doc in data or ():
            md = doc.metadata
            blob = md.pop("data", None) or bytes_of(doc.text)
            fr = safe_extract(md["path"], blob, events)
            if fr is None:
                continue
            events.update(fr.events)
            directives.update(fr.directives)
            underscore.update(fr.underscore_pragmas)
            pairs_of[md.get("source", md["repo"])] += len(fr.pairs)
            for j, p in enumerate(fr.pairs):
                rec = to_record(md["repo"], md["commit"], md["license"], p)
                self.stat_update("pairs")
                yield Document(text=rec.loop, id=rec.id, metadata={
                    "order": [*md["order"], j], "empty_body": p.empty_body,
                    "record": rec.model_dump(mode="json")})
        self.save_side(rank, {"events": events, "directives": directives,
                              "underscore": underscore, "pairs_of": pairs_of,
                              "raw_pairs": sum(pairs_of.values()),
                              "seconds": round(time.perf_counter() - t0, 4),
                              "cpu_seconds": round(time.process_time() - c0, 4)})


class _DropCounter(_Counting):
    type = "🔻 - FILTER"

    def keep(self, doc: Document) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        dropped = 0
        for doc in data or ():
            if self.keep(doc):
                self.stat_update("forwarded")
                yield doc
            else:
                dropped += 1
                self.stat_update("dropped")
        self.save_side(rank, {"dropped": dropped})


class EmptyBodyFilter(_DropCounter):
    """Loops with an empty body are dropped (the data card's filter)."""

    name = "empty loop bodies"
    side = "empty_body"

    def keep(self, doc: Document) -> bool:
        return not doc.metadata["empty_body"]


class LicenseFilter(_DropCounter):
    """Pairs whose licence is not in the allow-list are dropped."""

    name = "licence allow-list"
    side = "license"

    def __init__(self, work: DataFolderLike, allow: list[str]):
        super().__init__(work)
        self.allow = list(allow)

    def keep(self, doc: Document) -> bool:
        return license_allowed(doc.metadata["record"]["license"], self.allow)


class RecordWriter(JsonlWriter):
    """The records of a task, ``<work>/records/<rank>.jsonl.gz`` (a stale file of an earlier,
    killed attempt of the same rank is removed first)."""

    name = "records"

    def __init__(self, output_folder: DataFolderLike):
        super().__init__(output_folder, output_filename=RECORDS_FILE, compression="gzip")

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        name = self.output_filename.substitute(rank=f"{rank:05d}")
        if self.output_folder.exists(name):
            self.output_folder.rm(name)
        yield from super().run(data, rank, world_size)
        if not self.output_folder.exists(name):  # no records: an empty file marks the task
            with self.output_folder.open(name, "wb") as fh:
                fh.write(gzip.compress(b""))


# ----------------------------------------------------------------------------------------------
# The global step
# ----------------------------------------------------------------------------------------------


def _read_side(work: DataFolder, rank: int, step: str) -> dict[str, Any]:
    path = side_path(rank, step)
    if not work.exists(path):
        return {}
    with work.open(path, "r") as fh:
        return json.load(fh)


def _joined(values: list[str]) -> str:
    return ", ".join(sorted(set(values)))


class MergeStep(PipelineStep):
    """Runs once (one task) after every extraction task: the reference miner's global stages
    (:func:`pipeline.finish`) over the records of all tasks, in source order. Writes the
    dataset to ``out_dir`` and the report to ``<work>/report.json``."""

    name = "global dedup, split, data card"
    type = "🔀 - MERGE"

    def __init__(self, work: DataFolderLike, out_dir: str, options: dict[str, Any],
                 tasks: int, mode: str):
        super().__init__()
        self.work = get_datafolder(work)
        self.out_dir = out_dir
        self.options = options
        self.tasks = tasks
        self.mode = mode  # "repos" or "shards"

    def run(self, data: DocumentsPipeline, rank: int = 0,
            world_size: int = 1) -> DocumentsPipeline:
        if world_size != 1:
            raise ValueError("the merge is one task")
        missing = [r for r in range(self.tasks)
                   if not self.work.isfile(f"extract/completions/{r:05d}")]
        if missing:
            raise RuntimeError(f"extraction tasks not complete: {missing[:20]}")
        t0 = time.perf_counter()
        keyed: list[tuple[tuple, Record]] = []
        for doc in data or ():
            keyed.append((tuple(doc.metadata["order"]),
                          Record.model_validate(doc.metadata["record"])))
            self.stat_update("records")
        keyed.sort(key=lambda x: x[0])
        report = MineReport(out_dir=self.out_dir, options=MineOptions(**self.options))
        ext = Extracted(records=[r for _, r in keyed])
        task_seconds, task_cpu = self._counters(report, ext)
        report = finish(report, ext, self.out_dir, t0, t0)
        report.timings_s["extract_tasks_total"] = task_seconds
        report.timings_s["extract_tasks_cpu"] = task_cpu
        with self.work.open("report.json", "w") as fh:
            fh.write(report.model_dump_json(indent=1))
        return
        yield  # a generator that yields nothing

    def _counters(self, report: MineReport, ext: Extracted) -> tuple[float, float]:
        """Sum the counters of every task into the report; the seconds the tasks took (wall,
        and CPU of the task's process)."""
        repos: list[dict[str, Any]] = []
        shard_repos: dict[str, dict[str, Any]] = {}
        pairs_of: Counter[str] = Counter()
        seconds = cpu = 0.0
        for r in range(self.tasks):
            read = _read_side(self.work, r, "read")
            ex = _read_side(self.work, r, "extract")
            repos += read.get("repos", [])
            for name, v in read.get("shard_repos", {}).items():
                acc = shard_repos.setdefault(name, {"files": 0, "bytes": 0, "licenses": [],
                                                    "commits": []})
                for key in ("files", "bytes", "licenses", "commits"):
                    acc[key] += v[key]
            ext.skipped.update(read.get("skipped", {}))
            ext.events.update(ex.get("events", {}))
            ext.directives.update(ex.get("directives", {}))
            ext.underscore.update(ex.get("underscore", {}))
            pairs_of.update(ex.get("pairs_of", {}))
            ext.raw_pairs += ex.get("raw_pairs", 0)
            seconds += ex.get("seconds", 0.0)
            cpu += ex.get("cpu_seconds", 0.0)
            ext.empty_body += _read_side(self.work, r, "empty_body").get("dropped", 0)
            ext.license_filtered += _read_side(self.work, r, "license").get("dropped", 0)
        if self.mode == "repos":
            for d in sorted(repos, key=lambda d: d["index"]):
                idx = d.pop("index")
                d["pairs"] = pairs_of.get(str(idx), 0)
                add_repo_summary(report, RepoSummary(**d))
        else:
            for name in sorted(shard_repos):
                v = shard_repos[name]
                add_repo_summary(report, RepoSummary(
                    repo=name, commit=_joined(v["commits"]), license=_joined(v["licenses"]),
                    files=v["files"], bytes=v["bytes"], pairs=pairs_of.get(name, 0)))
        return round(seconds, 3), round(cpu, 3)
