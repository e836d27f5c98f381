"""The runnable-program manifest (DESIGN §8): loading, validation and output verification."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["Verify", "Program", "load_manifest", "check_output", "ManifestError", "NUMBER",
           "serial_reference", "NO_REFERENCE"]

# Why a ``differential`` check the serial build gave no reference verifies nothing.
NO_REFERENCE = "no reference: the serial build gave none to compare with"
# A finite decimal number as C's printf writes it (%d, %f, %e, %g); nan and inf are not numbers
# a reference can be compared with, so they are not captured.
NUMBER = r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)"


class ManifestError(ValueError):
    """A manifest that cannot be used; the message is one line."""


class Verify(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Literal["stdout_regex", "checksum", "differential"]
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
        if self.kind == "differential" and self.reference:
            raise ValueError("differential takes its reference from the serial build's output; "
                             "drop 'reference' (or use kind checksum)")
        if self.extract is not None:
            try:
                re.compile(self.extract)
            except re.error as e:
                raise ValueError(f"'extract' is not a regular expression: {e}") from None
        if self.rtol < 0 or self.atol < 0:
            raise ValueError("'rtol' and 'atol' must be >= 0")
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


def _numbers(extract: str, stdout: str) -> list[float] | str:
    """The numbers ``re.findall(extract, stdout)`` captures, flattened in order, or why not."""
    nums: list[float] = []
    for f in re.findall(extract, stdout):
        for x in f if isinstance(f, tuple) else (f,):
            try:
                nums.append(float(x))
            except ValueError:
                return f"not a number: {x!r}"
    return nums


def serial_reference(v: Verify, outputs: list[tuple[int, str]]) -> tuple[Verify, str]:
    """A ``differential`` verification made concrete by the serial build's runs: a
    ``checksum`` with the numbers the first run printed as its reference, and "" — or ``v``
    unchanged and why not (a failed run, no number printed, or runs that disagree: output that
    changes from run to run, such as timings, cannot be a reference).  Other kinds are
    returned as they are."""
    if v.kind != "differential":
        return v, ""
    extract = v.extract or NUMBER
    ref: list[float] = []
    for i, (rc, out) in enumerate(outputs):
        if rc != 0:
            return v, f"the serial build exited with status {rc}"
        nums = _numbers(extract, out)
        if isinstance(nums, str):
            return v, f"the serial build's output: {nums}"
        if not nums:
            return v, "the serial build printed no number for 'extract' to capture"
        if i == 0:
            ref = nums
            continue
        probe = v.model_copy(update={"kind": "checksum", "extract": extract, "reference": ref})
        ok, why = check_output(probe, rc, out)
        if not ok:
            return v, f"the serial build's output changes from run to run ({why}): exclude " \
                      "timings and addresses with 'extract'"
    return Verify(kind="checksum", extract=extract, reference=ref, rtol=v.rtol, atol=v.atol), ""


def check_output(v: Verify, returncode: int, stdout: str) -> tuple[bool, str]:
    """(verified, reason) of one run's exit status and output.  A ``differential`` check
    compares with the serial build's output: pass the result of :func:`serial_reference`; one
    still ``differential`` has no reference and verifies nothing."""
    if returncode != 0:
        return False, f"exit status {returncode}"
    if v.kind == "stdout_regex":
        ok = re.search(v.pattern or "", stdout) is not None
        return ok, "" if ok else "output does not match the verification pattern"
    if v.kind == "differential":
        return False, NO_REFERENCE
    nums = _numbers(v.extract or "", stdout)
    if isinstance(nums, str):
        return False, nums
    if len(nums) != len(v.reference):
        return False, f"{len(nums)} numbers found, {len(v.reference)} expected"
    for x, ref in zip(nums, v.reference, strict=True):
        if not abs(x - ref) <= v.rtol * abs(ref) + v.atol:
            return False, f"{x} differs from the reference {ref}"
    return True, ""
