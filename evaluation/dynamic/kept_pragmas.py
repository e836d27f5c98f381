"""The ``#pragma acc`` lines of a C file that its build compiles.

C11 6.10.1p6: of an ``#if``/``#ifdef`` ... ``#elif`` ... ``#else`` ... ``#endif`` chain only
the kept group is processed; a directive in a skipped group — ``#pragma acc`` included — is
not.  Programs choose among pragmas that way (``#ifdef __GNUC__`` one form ``#else`` another,
both above one loop; ``#ifdef _OPENACC`` ... ``#endif`` around a pragma): the translator must
give the loop the pragma the compiler sees, and only that one.

The preprocessor itself decides (the program's own ``-I``/``-D`` flags, the headers, the
compiler's predefined macros, and ``_OPENACC`` as the emulated build defines it): ``gcc -E``
keeps every ``#pragma`` line it processes and marks source lines (``# N "file"``), so the
lines of the file that still start a ``#pragma acc`` are the compiled ones.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

__all__ = ["compiled_acc_lines"]

_MARKER = re.compile(rb'^# (\d+) "((?:[^"\\]|\\.)*)"')
_ACC = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+acc\b")


def compiled_acc_lines(path: Path, flags: list[str], cwd: Path, timeout: float = 60
                       ) -> frozenset[int] | None:
    """The 1-based lines of ``path`` whose ``#pragma acc`` the preprocessor keeps (None when
    the preprocessor fails: the caller then cannot tell and reads every pragma)."""
    cmd = ["gcc", "-D_OPENACC=201711", "-fopenmp", *flags, "-I", str(path.parent), "-E",
           str(path)]
    try:
        pp = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if pp.returncode != 0:
        return None
    return frozenset(_pragma_lines(pp.stdout, str(path).encode()))


def _pragma_lines(out: bytes, name: bytes) -> set[int]:
    """Lines of the file ``name`` (as the command named it) that start a ``#pragma acc`` in
    the preprocessed text ``out``."""
    lines: set[int] = set()
    line, ours = 0, False
    for text in out.split(b"\n"):
        m = _MARKER.match(text)
        if m is not None:
            line, ours = int(m.group(1)), m.group(2) == name
            continue
        if ours and _ACC.match(text):
            lines.add(line)
        line += 1
    return lines
