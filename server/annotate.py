"""Annotate a C/C++ file: one suggestion per ``for`` loop, optionally written back in place.

The functions behind ``accellium suggest``.  Files are handled as bytes, so line endings,
tabs and invalid UTF-8 elsewhere in the file are kept exactly; writes are atomic.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from accellium.dataset.analysis import scope_of
from accellium.dataset.loops import (
    LineIndex,
    Loop,
    detect_lang,
    loops_in_tree,
    normalize_lang,
    parse_tree,
)
from accellium.dataset.pragma import normalize_text
from accellium.server.engines import Engine, LoopQuery
from accellium.server.suggest import suggest

__all__ = ["InputError", "LoopSuggestion", "read_source", "annotate_source", "apply_edits",
           "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 20 * 1024 * 1024


class InputError(ValueError):
    """Bad input file; the message is one line naming the problem."""


@dataclass
class LoopSuggestion:
    path: str
    line: int  # 1-based line of the for keyword
    end_line: int
    depth: int
    pragma: str | None
    directive: str | None
    clauses: list[str]
    notes: list[str]
    existing: str | None
    engine: str = ""
    elapsed_ms: float = 0.0
    # Not in the JSON contract: where the edit goes.
    _loop: Loop | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("_loop", None)
        return d

    @property
    def changes_file(self) -> bool:
        if self.pragma is None:
            return False
        return self.existing is None or normalize_text(self.existing) != normalize_text(self.pragma)


def read_source(path: str | Path) -> bytes:
    """Read a source file or raise :class:`InputError` with a one-line reason."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, expected a C/C++ file")
    if not p.is_file():
        raise InputError(f"{path}: not a regular file")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: file is {size / 2**20:.1f} MiB, over the "
                         f"{MAX_FILE_BYTES // 2**20} MiB limit")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    if not data.strip():
        raise InputError(f"{path}: file is empty")
    if b"\0" in data[:65536]:
        raise InputError(f"{path}: binary file (contains NUL bytes), expected C/C++ source")
    return data


def annotate_source(
    source: bytes,
    engine: Engine,
    *,
    path: str = "<buffer>",
    lang: str | None = None,
    line: int | None = None,
) -> list[LoopSuggestion]:
    """Suggestions for every loop (or, with ``line``, the loops containing that 1-based line,
    innermost last), in document order."""
    lang = normalize_lang(lang) if lang else detect_lang(path, source)
    lines = LineIndex(source)
    loops = loops_in_tree(parse_tree(source, lang), source, lines)
    out: list[LoopSuggestion] = []
    for lp in loops:
        if line is not None and not lp.contains_line(line - 1):
            continue
        q = LoopQuery(code=lp.text, lang=lang, enclosing=tuple(lp.enclosing),
                      scope=scope_of(source, lp.start_byte, lang))
        s = suggest(q, engine)
        s.notes = [file_lines(n, lp.start_line) for n in s.notes]
        out.append(LoopSuggestion(
            path=path, line=lp.line, end_line=lp.end_line_1, depth=lp.depth, pragma=s.pragma,
            directive=s.directive, clauses=s.clauses, notes=s.notes,
            existing=lp.pragma.text if lp.pragma else None, engine=s.engine,
            elapsed_ms=s.elapsed_ms, _loop=lp,
        ))
    return out


_LINE_REF = re.compile(r"\(line (\d+)\)")


def file_lines(note: str, first_line0: int) -> str:
    """Analysis notes count lines from the loop's first line; make them file lines."""
    return _LINE_REF.sub(lambda m: f"(line {int(m.group(1)) + first_line0})", note)


def _newline(source: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in source[:65536] else b"\n"


def apply_edits(source: bytes, suggestions: list[LoopSuggestion], *, replace: bool = False
                ) -> tuple[bytes, list[LoopSuggestion]]:
    """Insert (or, with ``replace``, replace) pragmas; returns the new bytes and the applied
    suggestions.  Loops that already carry a pragma are skipped unless ``replace``; loops nested
    in a loop that receives a new pragma in this same edit are skipped (their context changes)."""
    lines = LineIndex(source)
    nl = _newline(source)
    chosen: list[LoopSuggestion] = []
    new_ranges: list[tuple[int, int]] = []  # (start_byte, end_byte) of loops given a new pragma
    for s in suggestions:
        lp = s._loop
        if lp is None or not s.changes_file:
            continue
        if s.existing is not None and not replace:
            continue
        if any(a <= lp.start_byte and lp.end_byte <= b for a, b in new_ranges):
            continue
        chosen.append(s)
        new_ranges.append((lp.start_byte, lp.end_byte))
    edits: list[tuple[int, int, bytes]] = []
    for s in chosen:
        lp = s._loop
        assert lp is not None and s.pragma is not None
        text = lp.indent.encode() + s.pragma.encode() + nl
        if lp.pragma is not None:
            start = lines.starts[lp.pragma.start_line]
            end_row = lp.pragma.end_line + 1
            end = lines.starts[end_row] if end_row < len(lines.starts) else len(source)
            pindent = lines.line_bytes(lp.pragma.start_line)
            pindent = pindent[: len(pindent) - len(pindent.lstrip())]
            text = pindent + s.pragma.encode() + nl
            edits.append((start, end, text))
        else:
            start = lines.starts[lp.start_line]
            edits.append((start, start, text))
    out = bytearray(source)
    for start, end, text in sorted(edits, key=lambda e: e[0], reverse=True):
        out[start:end] = text
    return bytes(out), chosen


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and a rename."""
    p = Path(path)
    mode = p.stat().st_mode & 0o7777 if p.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
