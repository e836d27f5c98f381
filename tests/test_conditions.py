"""Conditional groups (C11 6.10.1): the group of an ``#if``/``#ifdef``/``#ifndef`` chain the
preprocessor keeps, decided from the command line's ``-D``/``-U`` and the definitions read so
far; an undecidable condition keeps the old reading (the name is ambiguous, left out)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from accellium.dataset.analysis.conditions import Defines, command_line, evaluate, given_define
from accellium.dataset.analysis.macros import Macro, table_of
from accellium.dataset.includes import read_includes
from accellium.dataset.loops import parse_tree


def _state(*words: str, complete: bool = False) -> Defines:
    return command_line(words, complete=complete)[0]


@pytest.mark.parametrize(("expr", "want"), [
    ("defined(A)", 1), ("defined A", 1), ("!defined(A)", 0), ("defined(B)", 0),
    ("defined(A) && !defined B", 1), ("defined(B) || defined(A)", 1),
    ("0", 0), ("1", 1), ("N > 3", 1), ("N == 5 && N != 4", 1), ("(N * 2 - 10) ? 7 : 0", 0),
    ("0x10 == 16 && 010 == 8 && 10L == 10", 1), ("-1 < 0", 1), ("7 / 2 == 3 && -7 / 2 == -3", 1),
    ("M + 1 == 6", 1),  # M's body names N: replaced again
    # unknown: an unread name without a complete command line, a function-like macro, an
    # unsigned constant, a division by zero, a malformed expression, an implementation name
    ("defined(C)", None), ("C > 1", None), ("F(1)", None), ("1u", None), ("N / 0", None),
    ("(1", None), ("defined", None), ("defined(__GNUC__)", None), ("'a' == 97", None),
    # ... which does not matter when the rest decides
    ("defined(C) && 0", 0), ("defined(C) || defined(A)", 1), ("defined(C) ? 2 : 2", 2),
])
def test_evaluate_each_form(expr: str, want: int | None):
    d = _state("-DA", "-DN=5", "-DM=N", "-UB", "-DF(x)=x")
    assert evaluate(expr, d) == want


def test_complete_command_line_makes_unread_names_undefined_but_not_reserved_ones():
    d = _state("-DA", complete=True)
    assert evaluate("defined(C)", d) == 0 and evaluate("C == 0", d) == 1
    assert evaluate("defined(_OPENACC)", d) is None and evaluate("__GNUC__ > 4", d) is None
    d.define(Macro("C", None, "2"), certain=False)  # defined under an undecided group
    assert evaluate("defined(C)", d) is None
    d.undef("C")
    assert evaluate("defined(C)", d) == 0


def test_command_line_order_and_forms():
    d, macros = command_line(["gcc", "-DX", "-D", "Y=3", "-DZ(a)=a[1]", "-UX", "-O2"])
    assert [m.directive() for m in macros] == ["#define Y 3", "#define Z(a) a[1]"]
    assert d.defined("X") is False and d.defined("Y") and d.defined("W") is None
    assert given_define("bad name") is None
    # a file read before the first line or an options file may define anything
    for more in (["-include", "cfg.h"], ["-imacros", "cfg.h"], ["@opts"]):
        assert command_line(["gcc", "-DX", *more], complete=True)[0].defined("W") is None
    assert command_line(["gcc", "-DX"], complete=True)[0].defined("W") is False


def _visible(tmp: Path, header: str, main: str = '#include "h.h"\nint x;\n',
             predefined: Defines | None = None) -> dict[str, str]:
    (tmp / "h.h").write_text(header)
    (tmp / "main.c").write_text(main)
    inc = read_includes(main.encode(), tmp / "main.c", "c", predefined=predefined)
    return {k: m.body for k, m in inc.visible(len(main)).items()}


BOTH = """#ifndef H_H
#define H_H
#ifndef WIDE
#define ROW(v, n, m) v[n][m]
#else
#define ROW(v, n, m) v[n][(m) + 16]
#endif
#endif
"""


def test_include_guard_and_ifndef_else_follow_the_command_line(tmp_path: Path):
    # open world (nothing said about WIDE): undecided, both definitions, left out as before
    assert "ROW" not in _visible(tmp_path, BOTH)
    # the whole command line known, without -D WIDE: the first group
    assert _visible(tmp_path, BOTH, predefined=_state(complete=True))["ROW"] == "v[n][m]"
    # -D WIDE decides even when the rest of the command line is not known
    assert _visible(tmp_path, BOTH, predefined=_state("-DWIDE"))["ROW"] == "v[n][(m) + 16]"
    assert _visible(tmp_path, BOTH, predefined=_state("-UWIDE"))["ROW"] == "v[n][m]"
    # the guard is decided too: the header's own redefinition is no longer ambiguous
    redefined = "#ifndef G\n#define G\n#define T(i) (i)\n#undef T\n#define T(i) ((i) + 1)\n#endif\n"
    assert _visible(tmp_path, redefined)["T"] == "((i) + 1)"


def test_definitions_read_so_far_decide_and_elif_chains_and_nesting(tmp_path: Path):
    header = """#define LEVEL 2
#if LEVEL == 1
#define P(i) (i)
#elif LEVEL == 2
# ifdef FAST
#  define P(i) ((i) << 1)
# else
#  define P(i) ((i) * 2)
# endif
#else
#define P(i) 0
#endif
#if 0
#define Q(i) (i)
#endif
#include "skipped.h"
"""
    (tmp_path / "skipped.h").write_text("#define NEVER(i) (i)\n")
    header = header.replace('#include "skipped.h"', '#if 0\n#include "skipped.h"\n#endif')
    got = _visible(tmp_path, header, predefined=_state(complete=True))
    assert got["P"] == "((i) * 2)" and "Q" not in got and "NEVER" not in got
    assert _visible(tmp_path, header, predefined=_state("-DFAST"))["P"] == "((i) << 1)"
    # FAST unknown: the inner chain is undecided, P ambiguous
    assert "P" not in _visible(tmp_path, header)
    # the including file's own definition before the #include decides the header's group
    main = '#define WIDE\n#include "h.h"\nint x;\n'
    assert _visible(tmp_path, BOTH, main)["ROW"] == "v[n][(m) + 16]"


def test_undecidable_condition_keeps_both_groups_ambiguous(tmp_path: Path):
    header = ("#if VERSION > 3 && defined(WIDE)\n#define R(i) (i)\n#else\n"
              "#define R(i) (-(i))\n#endif\n")
    assert "R" not in _visible(tmp_path, header, predefined=_state("-DWIDE"))
    assert _visible(tmp_path, header, predefined=_state("-DWIDE", "-DVERSION=4"))["R"] == "(i)"
    # a group after an undecided one is undecided too (the earlier one may have been kept)
    header = "#ifdef X\n#define S(i) (i)\n#elif 1\n#define S(i) (2 * (i))\n#endif\n"
    assert "S" not in _visible(tmp_path, header)


def test_the_files_own_groups_decided_by_its_own_text():
    src = b"""#define WIDE 1
#ifdef WIDE
#define IDX(i, j) ((i) * 2 * n + (j))
#else
#define IDX(i, j) ((i) * n + (j))
#endif
#ifdef OTHER
#define J(i) (i)
#else
#define J(i) (-(i))
#endif
int x;
"""
    root = parse_tree(src, "c").root_node
    table = table_of(root)
    assert table is not None
    got = table.visible(len(src))
    assert got["IDX"].body == "((i) * 2 * n + (j))"
    assert "J" not in got  # OTHER: only the build knows (a -D not given here)


ROOT = Path(__file__).resolve().parent.parent
CLI_KERNEL = """#include "idx.h"

void scale(int n, int m, double *a, const double *b)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[IDX(i, j)] = 2.0 * b[IDX(i, j)];
}
"""
CLI_IDX_H = """#ifndef IDX_H
#define IDX_H
#ifdef WIDE_ROWS
#define IDX(i, j) ((i) * 2 * m + (j))
#else
#define IDX(i, j) ((i) * m + (j))
#endif
#endif
"""


def _suggest(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "accellium", "suggest", str(path), "--json",
                           "--engine", "analysis", *args], capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": "",
                                            "PATH": "/usr/bin:/bin"})


def test_suggest_takes_d_u_and_defines_complete(tmp_path: Path):
    (tmp_path / "idx.h").write_text(CLI_IDX_H)
    k = tmp_path / "kernel.c"
    k.write_text(CLI_KERNEL)

    def pragma(*args: str) -> str | None:
        got = _suggest(k, *args)
        assert got.returncode == 0, got.stderr
        (item,) = [x for x in json.loads(got.stdout) if x["line"] == 5]
        return item["pragma"]

    # nothing said of WIDE_ROWS: the build may -D it; IDX stays unknown, no parallel pragma
    assert "parallel" not in (pragma() or "")
    assert pragma("-D", "WIDE_ROWS") == \
        "#pragma acc parallel loop collapse(2) copyin(b[0:2*m*n-m]) copy(a[0:2*m*n-m])"  # gaps
    narrow = "#pragma acc parallel loop collapse(2) copyin(b[0:m*n]) copyout(a[0:m*n])"
    assert pragma("--defines-complete") == narrow
    assert pragma("-DWIDE_ROWS", "-UWIDE_ROWS") == narrow  # in order, as gcc
    bad = _suggest(k, "-D", "bad name")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1, bad.stderr
