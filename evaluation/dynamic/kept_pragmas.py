"""The ``#pragma acc`` lines of a C file that its build compiles, and the pragmas its macros
write.

C11 6.10.1p6: of an ``#if``/``#ifdef`` ... ``#elif`` ... ``#else`` ... ``#endif`` chain only
the kept group is processed; a directive in a skipped group — ``#pragma acc`` included — is
not.  Programs choose among pragmas that way (``#ifdef __GNUC__`` one form ``#else`` another,
both above one loop; ``#ifdef _OPENACC`` ... ``#endif`` around a pragma): the translator must
give the loop the pragma the compiler sees, and only that one.

The preprocessor itself decides (the program's own ``-I``/``-D`` flags, the headers, the
compiler's predefined macros, and ``_OPENACC`` as the emulated build defines it): ``gcc -E``
keeps every ``#pragma`` line it processes and marks source lines (``# N "file"``), so the
lines of the file that still start a ``#pragma acc`` are the compiled ones.

C11 6.10.9: ``_Pragma("acc ...")`` — usually through a macro, ``#define PRAGMA(x) _Pragma(#x)``
then ``PRAGMA( acc parallel loop deviceptr(a) )`` on a line of its own — is processed as the
``#pragma acc`` directive it spells.  The translator reads directives, so
:func:`expand_pragma_macros` writes such a line as the directive the preprocessor made of it
(the same line, the same text the compiler sees); a line that holds more than the one
invocation, or that different builds expand differently, is left alone.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from accellium.evaluation.dynamic.cnames import emulated_cpp

__all__ = ["compiled_acc_lines", "expand_pragma_macros", "compiled_text"]

_MARKER = re.compile(rb'^# (\d+) "((?:[^"\\]|\\.)*)"')
_ACC = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+acc\b")
_DIRECTIVE = re.compile(rb"^[ \t]*#")
# one macro invocation (or _Pragma) alone on its line, an optional ``;`` after it
_LONE_CALL = re.compile(rb"^[ \t]*[A-Za-z_]\w*[ \t]*\((.*)\)[ \t]*;?[ \t]*$")


def compiled_acc_lines(path: Path, flags: list[str], cwd: Path, timeout: float = 60,
                       lang: str = "c") -> frozenset[int] | None:
    """The 1-based lines of ``path`` whose ``#pragma acc`` the preprocessor keeps (None when
    the preprocessor fails: the caller then cannot tell and reads every pragma)."""
    out = _preprocessed([*emulated_cpp(flags, path, lang), "-E", str(path)], cwd, timeout)
    return None if out is None else frozenset(_pragma_lines(out, str(path).encode()))


def expand_pragma_macros(units: list[Path], flags: list[str], cwd: Path,
                         timeout: float = 60) -> dict[Path, bytes]:
    """The files (of ``cwd``) with each line that a macro or ``_Pragma`` makes a ``#pragma
    acc`` written as that directive, preprocessing each translation unit of ``units``; only
    the files that change."""
    made: dict[tuple[Path, int], set[bytes]] = {}
    for unit in units:
        pp = _preprocessed([*emulated_cpp(flags, unit), "-E", str(unit)], cwd, timeout)
        for name, line, text in _pragmas(pp or b""):
            path = (cwd / name.decode("utf-8", "surrogateescape")).resolve()
            made.setdefault((path, line), set()).add(text.strip())
    root = cwd.resolve()
    by_file: dict[Path, dict[int, bytes]] = {}
    for (path, line), texts in made.items():
        if len(texts) == 1 and path.is_relative_to(root) and path.is_file():
            by_file.setdefault(path, {})[line] = next(iter(texts))
    out: dict[Path, bytes] = {}
    for path, lines in by_file.items():
        src = path.read_bytes().split(b"\n")
        changed = False
        for line, text in lines.items():
            if not 0 < line <= len(src):
                continue
            old = src[line - 1]
            if _DIRECTIVE.match(old) or not _LONE_CALL.match(old.rstrip(b"\r")):
                continue
            indent = old[:len(old) - len(old.lstrip(b" \t"))]
            src[line - 1] = indent + text
            changed = True
        if changed:
            out[path] = b"\n".join(src)
    return out


def compiled_text(path: Path, data: bytes, flags: list[str], cwd: Path, timeout: float = 60,
                  lang: str = "c") -> bytes:
    """``data`` (the text of ``path``) as the build reads it when its syntax tree is in error:
    a conditional group that holds half a statement (``#ifdef T`` above ``for (...) {``,
    another around its ``}``) leaves the tree of the whole function in error, and the
    translator would misread every construct there.  The conditional groups decided by what is
    known where each stands — the compiler's predefined macros and the command line's (``gcc
    -dM -E`` of an empty unit with the build's flags), then the file's own ``#define`` and
    ``#undef`` lines in order; a name only a header may define stays unknown — are replaced by
    what the compiler reads (:func:`~accellium.dataset.analysis.compiled.compiled_view`: the
    same rows and offsets); ``data`` itself when the tree parses, or when the view does not
    parse either.  ``lang``: the language the file is read in (``c`` or ``cpp``)."""
    from accellium.dataset.analysis.compiled import compiled_view
    from accellium.dataset.analysis.conditions import Defines
    from accellium.dataset.analysis.macros import parse_define
    from accellium.dataset.loops import parse_tree

    if not parse_tree(data, lang).root_node.has_error:
        return data
    out = _preprocessed([*emulated_cpp(flags, lang=lang), "-dM", "-E",
                         *([] if lang == "cpp" else ["-x", "c"]), "/dev/null"], cwd, timeout)
    if out is None:
        return data
    known = Defines()
    for line in out.decode("utf-8", "replace").splitlines():
        m = parse_define(line, lang)
        if m is not None:
            known.define(m)
    view = compiled_view(data, lang, known)
    if view.changed and not parse_tree(view.text, lang).root_node.has_error:
        return view.text
    return data


def _preprocessed(cmd: list[str], cwd: Path, timeout: float) -> bytes | None:
    """The output of a preprocessor run (None when it cannot run or fails)."""
    try:
        pp = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return pp.stdout if pp.returncode == 0 else None


def _pragmas(out: bytes) -> list[tuple[bytes, int, bytes]]:
    """(file as the markers name it, line, text) of each ``#pragma acc`` line of ``out`` that
    is all its source line became (nothing else of that line is left non-blank)."""
    texts: dict[tuple[bytes, int], list[bytes]] = {}
    line, name = 0, b""
    for text in out.split(b"\n"):
        m = _MARKER.match(text)
        if m is not None:
            line, name = int(m.group(1)), m.group(2)
            continue
        if text.strip():
            texts.setdefault((name, line), []).append(text)
        line += 1
    return [(name, line, got[0]) for (name, line), got in texts.items()
            if len(got) == 1 and _ACC.match(got[0])]


def _pragma_lines(out: bytes, name: bytes) -> set[int]:
    """Lines of the file ``name`` (as the command named it) that start a ``#pragma acc`` in
    the preprocessed text ``out``."""
    return {line for file, line, _ in _pragmas(out) if file == name}
