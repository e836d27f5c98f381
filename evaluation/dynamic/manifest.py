"""The runnable-program manifest (DESIGN §8): loading, validation and output verification."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["Verify", "Program", "load_manifest", "check_output", "ManifestError"]


class ManifestError(ValueError):
    """A manifest that cannot be used; the message is one line."""


class Verify(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Literal["stdout_regex", "checksum"]
    pattern: str | None = None
    extract: str | None = None
    reference: list[float] = Field(default_factory=list)
    rtol: float = 0.0
    atol: float = 0.0

    @model_validator(mode="after")
    def _fields(self) -> Verify:
        if self.kind == "stdout_regex" and not self.pattern:
            raise ValueError("stdout_regex needs 'pattern'")
        if self.kind == "checksum" and (not self.extract or not self.reference):
            raise ValueError("checksum needs 'extract' and 'reference'")
        return self


class Program(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    sources: list[str]
    annotate: list[str]
    compile: str
    compile_serial: str
    run: list[str] = Field(default_factory=list)
    timeout_s: float = 60.0
    verify: Verify
    original_pragmas_ok: bool = True
    original_pragma_issue: str | None = None
    acc_pragmas: int | None = None
    serial_s: float | None = None
    notes: str | None = None
    split: str | None = None
    repo: str | None = None
    license: str | None = None

    @model_validator(mode="after")
    def _annotate_in_sources(self) -> Program:
        missing = [a for a in self.annotate if a not in self.sources]
        if missing:
            raise ValueError(f"annotate files not in sources: {missing}")
        if "{out}" not in self.compile or "{out}" not in self.compile_serial:
            raise ValueError("compile and compile_serial must name the binary as {out}")
        return self


def load_manifest(path: str | Path) -> tuple[Path, list[Program]]:
    """The suite folder and its programs; raises :class:`ManifestError` with a one-line reason."""
    p = Path(path)
    if p.is_dir():
        p = p / "manifest.json"
    if not p.is_file():
        raise ManifestError(f"no such manifest: {path}")
    try:
        raw = json.loads(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ManifestError(f"{p}: not valid JSON: {e}") from None
    if isinstance(raw, dict) and isinstance(raw.get("programs"), list):
        raw = raw["programs"]
    if not isinstance(raw, list) or not raw:
        raise ManifestError(f"{p}: expected a non-empty JSON list of programs")
    out = []
    for i, entry in enumerate(raw):
        try:
            prog = Program.model_validate(entry)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            name = entry.get("name", f"#{i}") if isinstance(entry, dict) else f"#{i}"
            raise ManifestError(f"{p}: program {name}: {where}: {first.get('msg')}") from None
        folder = p.parent / "programs" / prog.name
        for s in prog.sources:
            if not (folder / s).is_file():
                raise ManifestError(f"{p}: program {prog.name}: missing source {folder / s}")
        out.append(prog)
    names = [x.name for x in out]
    if len(set(names)) != len(names):
        raise ManifestError(f"{p}: duplicate program names")
    return p.parent, out


def check_output(v: Verify, returncode: int, stdout: str) -> tuple[bool, str]:
    """(verified, reason) of one run's exit status and output."""
    if returncode != 0:
        return False, f"exit status {returncode}"
    if v.kind == "stdout_regex":
        ok = re.search(v.pattern or "", stdout) is not None
        return ok, "" if ok else "output does not match the verification pattern"
    found = re.findall(v.extract or "", stdout)
    nums: list[float] = []
    for f in found:
        for x in f if isinstance(f, tuple) else (f,):
            try:
                nums.append(float(x))
            except ValueError:
                return False, f"not a number: {x!r}"
    if len(nums) != len(v.reference):
        return False, f"{len(nums)} numbers found, {len(v.reference)} expected"
    for x, ref in zip(nums, v.reference, strict=True):
        if not abs(x - ref) <= v.rtol * abs(ref) + v.atol:
            return False, f"{x} differs from the reference {ref}"
    return True, ""
