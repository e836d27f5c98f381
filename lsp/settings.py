"""The server's settings: one typed field per option, a default for each, camelCase on the wire.

They arrive as ``initializationOptions`` and with ``workspace/didChangeConfiguration`` (either the
flat object or nested under ``accellium``, as VS Code and Neovim send it).  A bad value falls back
to the field's default and is reported once (:attr:`Settings.problems`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

__all__ = ["Settings", "parse_settings", "SECTION", "WIRE_NAMES"]

SECTION = "accellium"
MAX_EXAMPLES_LIMIT = 8  # DESIGN §4: at most 8 workspace examples per request
MAX_INCLUDE_PATHS = 32  # extra include folders (includePaths)
MAX_PROGRAM_PATTERNS = 64  # globs naming the program's files (offloadProgram)
MAX_PATH_CHARS = 1024  # one folder or pattern
MAX_DEFINES = 256  # entries of defines / undefines
MAX_DEFINE_CHARS = 4096  # one entry


@dataclass(frozen=True)
class Settings:
    backend_url: str | None = None  # accellium serve URL; None = embedded engine in-process
    engine: str = "auto"  # embedded engine (used offline and as the fallback)
    adapter: str | None = None  # LoRA adapter name on the backend; None = its default
    timeout_ms: int = 2000  # backend request timeout
    max_examples: int = 8  # workspace examples sent per request (0..8)
    index_workspace: bool = True  # scan the files under the root for style examples
    log_file: str | None = None  # also log to this file
    backend_token: str | None = field(default=None, repr=False)  # bearer token for backendUrl
    log_document_text: bool = False  # let the log file hold document text (debugging only)
    # more folders for quoted includes (absolute, or relative to the workspace folder)
    include_paths: tuple[str, ...] = ()
    # the program's source files for the offload action (globs relative to the workspace
    # folder); empty: the action plans the document alone
    offload_program: tuple[str, ...] = ()
    # the build's macros (`NAME` or `NAME=VALUE`, as gcc -D) and names it leaves undefined
    # (gcc -U); they decide the #if groups of the documents' headers (lsp/build.py)
    defines: tuple[str, ...] = ()
    undefines: tuple[str, ...] = ()
    # the defines and undefines are all the build's: a name they leave out is undefined
    defines_complete: bool = False
    problems: tuple[str, ...] = field(default=(), compare=False)


_WIRE = {
    "backendUrl": "backend_url",
    "engine": "engine",
    "adapter": "adapter",
    "timeoutMs": "timeout_ms",
    "maxExamples": "max_examples",
    "indexWorkspace": "index_workspace",
    "logFile": "log_file",
    "backendToken": "backend_token",
    "logDocumentText": "log_document_text",
    "includePaths": "include_paths",
    "offloadProgram": "offload_program",
    "defines": "defines",
    "undefines": "undefines",
    "definesComplete": "defines_complete",
}


WIRE_NAMES = tuple(_WIRE)  # the settings the editors send, camelCase


def _optional_str(v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError("expected a string")
    v = v.strip()
    return v or None


def _url(v: Any) -> str | None:
    v = _optional_str(v)
    if v is None:
        return None
    u = urlparse(v)
    if u.scheme not in {"http", "https"} or not u.netloc:
        raise ValueError("expected an http(s) URL such as http://127.0.0.1:8000")
    return v.rstrip("/")


def _token(v: Any) -> str | None:
    v = _optional_str(v)
    if v is None:
        return None
    if len(v) > 4096 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in v):
        raise ValueError("expected a token of printable characters (at most 4096)")
    return v


def _engine(v: Any) -> str:
    from accellium.server.engines import engine_names

    if not isinstance(v, str) or not v.strip():
        raise ValueError("expected an engine name")
    v = v.strip()
    names = engine_names()
    if v not in names:
        raise ValueError(f"unknown engine (choose from {', '.join(names)})")
    return v


def _int_range(lo: int, hi: int):
    def check(v: Any) -> int:
        if isinstance(v, bool):
            raise ValueError("expected an integer")
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, str) and v.strip().isdigit():
            v = int(v.strip())
        if not isinstance(v, int):
            raise ValueError("expected an integer")
        if not lo <= v <= hi:
            raise ValueError(f"expected {lo}..{hi}")
        return v

    return check


def _strings(v: Any, limit: int) -> list[str]:
    """A setting that is a list of at most ``limit`` strings (a single string is a list of
    one; an empty Lua table may arrive as ``{}``), stripped, empty ones dropped."""
    if v is None or v == {}:
        return []
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError("expected a list of strings")
    items = [x.strip() for x in v if x.strip()]
    if len(items) > limit:
        raise ValueError(f"expected at most {limit} entries")
    return items


def _path_list(limit: int, relative: bool):
    """A list of at most ``limit`` paths (or globs), each a non-empty string of printable
    characters; ``relative``: each relative, without a ``..`` segment (inside the folder).
    A single string is a list of one; empty strings are dropped."""

    def check(v: Any) -> tuple[str, ...]:
        items = _strings(v, limit)
        for x in items:
            if len(x) > MAX_PATH_CHARS or any(ord(c) < 0x20 or ord(c) == 0x7F for c in x):
                raise ValueError(f"an entry is longer than {MAX_PATH_CHARS} chars or has a "
                                 "control character")
            if relative and (x.startswith(("/", "\\", "~")) or (len(x) > 1 and x[1] == ":")
                             or ".." in x.replace("\\", "/").split("/")):
                raise ValueError(f"{x[:80]!r} is not relative to the workspace folder (no "
                                 "absolute path, no `..`)")
        return tuple(items)

    return check


def _macro_list(undefine: bool):
    """A list of at most :data:`MAX_DEFINES` ``-D`` arguments (``NAME``, ``NAME=VALUE``,
    ``NAME(params)=VALUE``) or, ``undefine``, ``-U`` names; a single string is a list of one,
    empty strings are dropped."""

    def check(v: Any) -> tuple[str, ...]:
        from accellium.dataset.analysis.conditions import given_define
        from accellium.dataset.pragma import IDENT

        items = _strings(v, MAX_DEFINES)
        for x in items:
            if len(x) > MAX_DEFINE_CHARS or any(ord(c) < 0x20 and c != "\t" for c in x):
                raise ValueError(f"an entry is longer than {MAX_DEFINE_CHARS} chars or has a "
                                 "control character")
            ok = re.fullmatch(IDENT, x) if undefine else given_define(x) is not None
            if not ok:
                raise ValueError(f"{x[:80]!r} is not " + (
                    "a macro name" if undefine else "NAME, NAME=VALUE or NAME(params)=VALUE"))
        return tuple(items)

    return check


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    raise ValueError("expected true or false")


_CHECKS = {
    "backend_url": _url,
    "engine": _engine,
    "adapter": _optional_str,
    "timeout_ms": _int_range(50, 600_000),
    "max_examples": _int_range(0, MAX_EXAMPLES_LIMIT),
    "index_workspace": _bool,
    "log_file": _optional_str,
    "backend_token": _token,
    "log_document_text": _bool,
    "include_paths": _path_list(MAX_INCLUDE_PATHS, relative=False),
    "offload_program": _path_list(MAX_PROGRAM_PATTERNS, relative=True),
    "defines": _macro_list(undefine=False),
    "undefines": _macro_list(undefine=True),
    "defines_complete": _bool,
}


def _section(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    inner = raw.get(SECTION)
    if isinstance(inner, dict):
        return inner
    return raw


def parse_settings(raw: Any, base: Settings | None = None) -> Settings:
    """Settings from a wire object. Keys not given keep ``base``'s values (defaults when None);
    a key given with a bad value gets the default and a line in ``problems``."""
    base = base or Settings()
    obj = _section(raw)
    values: dict[str, Any] = {}
    problems: list[str] = []
    if raw is not None and not isinstance(raw, dict):
        problems.append(f"settings must be an object, got {type(raw).__name__}; using defaults")
    defaults = Settings()
    for wire, attr in _WIRE.items():
        if wire not in obj:
            continue
        v = obj[wire]
        try:
            values[attr] = _CHECKS[attr](v)
        except ValueError as e:
            default = getattr(defaults, attr)
            values[attr] = default
            shown = "<hidden>" if attr == "backend_token" else repr(v)[:120]
            problems.append(f"{SECTION}.{wire} = {shown} is invalid ({e}); using {default!r}")
    return dataclasses.replace(base, **values, problems=tuple(problems))
