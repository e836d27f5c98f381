"""The record schema of the pragma–loop dataset (DESIGN §2, ``../shared/data/README.md``)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accellium.dataset.loops import strip_comments

__all__ = ["Record", "read_jsonl", "write_jsonl", "dedup_key", "record_id", "norm_code"]


class Record(BaseModel):
    """One pragma–loop pair. Extra fields written by newer miners are kept."""

    model_config = ConfigDict(extra="allow")

    id: str
    repo: str
    commit: str
    path: str
    line: int = Field(ge=1)
    pragma: str
    directive: str
    directive_valid: bool = True
    clauses: list[str] = Field(default_factory=list)
    loop: str
    loop_stripped: str
    loop_depth: int = Field(ge=1)
    lang: str
    function: str | None = None
    enclosing: list[str] = Field(default_factory=list)
    license: str = "none"
    dedup_key: str = ""
    also_in: list[str] = Field(default_factory=list)
    split: str | None = None


def read_jsonl(path: str | Path) -> list[Record]:
    """Read a JSONL file of records; a bad line raises ``ValueError`` naming the line."""
    out: list[Record] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(Record.model_validate_json(line))
            except ValidationError as e:
                raise ValueError(f"{path}:{n}: not a valid record ({_problem(e)})") from None
    return out


def _problem(e: ValidationError) -> str:
    """The first problem of a validation error, without the input (a file given by mistake,
    say ``/etc/passwd``, must never be echoed)."""
    errs = e.errors(include_url=False, include_input=False, include_context=False)
    if not errs:
        return "invalid"
    where = ".".join(str(x) for x in errs[0].get("loc", ()))
    more = f"; {len(errs) - 1} more" if len(errs) > 1 else ""
    return f"{where + ': ' if where else ''}{errs[0].get('msg', 'invalid')}{more}"


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_jsonl(path: str | Path, records: Iterable[Record | dict]) -> int:
    """Write records atomically (temp file, then rename). Returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in records:
            d = r.model_dump(mode="json") if isinstance(r, BaseModel) else r
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n


_NORM_PUNCT = re.compile(r" ?([^\w\s]) ?")


def norm_code(s: str) -> str:
    """The data card's ``norm``: collapse whitespace, drop spaces around punctuation."""
    return _NORM_PUNCT.sub(r"\1", re.sub(r"\s+", " ", s).strip())


def dedup_key(pragma: str, loop: str) -> str:
    """``sha1(norm(pragma) + "\\n" + norm(loop without comments))`` as the data card defines."""
    body = strip_comments(loop)
    return hashlib.sha1((norm_code(pragma) + "\n" + norm_code(body)).encode("utf-8")).hexdigest()


def record_id(repo: str, commit: str, path: str, line: int) -> str:
    return hashlib.sha1(f"{repo}|{commit}|{path}|{line}".encode()).hexdigest()[:16]
