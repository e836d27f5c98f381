"""A declarator macro defined in both groups of ``#ifndef OPT`` / ``#else`` (issue #15).

Shared headers define their array-passing macros once per build option: ``ARR_2D(v, d1, d2)``
is ``v[d1][d2]`` by default and pads each row with ``-D PADDED``.  C11 6.10.1: the
preprocessor keeps one group, decided by the macros defined there — the command line's
``-D``/``-U`` and the definitions read before.

* The dynamic evaluation knows each program's whole compile command: without ``-D PADDED`` the
  planner reads rows of ``NC`` (before: the name was ambiguous, the loops stayed on the host
  with a note), with it rows of ``NC + 16``; both programs verify in the emulator and move
  exactly their rows' bytes.
* Without the command line (``read_includes`` with nothing said about ``PADDED``) the group is
  undecided: the loops stay on the host with the note, as before — a build may pass the ``-D``.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from pathlib import Path

from _offload_util import MACRO_ROWS_KERNEL, MACRO_ROWS_MAIN_BODY, write_suite

from accellium.dataset.analysis.conditions import command_line
from accellium.dataset.includes import read_includes
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import offload_source

ARR_H = """#ifndef ARR_H
#define ARR_H
#ifndef PADDED
#define ARR_2D(v, d1, d2) v[d1][d2]
#else
#define ARR_2D(v, d1, d2) v[d1][(d2) + 16]
#endif
#define ARR_1D(v, d1) v[d1]
#endif
"""
KERNEL = MACRO_ROWS_KERNEL
MAIN = """#include <math.h>
#include <stdio.h>
#include "arr.h"
void smooth(int n, int m, double ARR_2D(a, 64, 48), double ARR_2D(b, 64, 48), double s[64]);
static double ARR_2D(a, 64, 48), ARR_2D(b, 64, 48), s[64], rb[64][48], rs[64];
""" + MACRO_ROWS_MAIN_BODY


def _suite(tmp: Path) -> Path:
    names = ("rows", "padded_rows")
    return write_suite(tmp, {name: (KERNEL, MAIN) for name in names},
                       headers={name: {"arr.h": ARR_H} for name in names},
                       flags={"padded_rows": "-DPADDED"})


def _sections(d: Path, engine, words: list[str] | None) -> tuple[dict[str, str], str]:
    pre = command_line(words, complete=True)[0] if words is not None else None
    inc = read_includes(KERNEL.encode(), d / "kernel.c", "c", [d], predefined=pre)
    (plan,) = offload_source(KERNEL.encode(), engine, path="kernel.c", includes=inc)
    return ({a["name"]: a["section"] for a in plan.arrays} if plan.loops else {},
            " ".join(h["why"] for h in plan.host_loops))


def test_the_kept_group_decides_the_sections_and_both_builds_verify(tmp_path, engine):
    manifest = _suite(tmp_path)
    d = tmp_path / "programs" / "rows"
    # nothing known of PADDED: undecided, ambiguous, the loops stay on the host (as before)
    got, why = _sections(d, engine, None)
    assert not got and "cannot tell the type of `b`" in why, why
    # the whole command line known: without -D PADDED rows of NC, with it rows of NC + 16
    got, _ = _sections(d, engine, ["gcc", "-I."])
    assert got == {"a": "a[0:n][0:NC]", "b": "b[1:n-2][0:NC]", "s": "s[1:n-2]"}, got
    padded, _ = _sections(d, engine, ["gcc", "-I.", "-DPADDED"])
    # (the expansion `(NC)+16` is read as `NC +16`: `(NC)` names no type, test_paren_names)
    assert padded == {"a": "a[0:n][0:NC +16]", "b": "b[1:n-2][0:NC +16]",
                      "s": "s[1:n-2]"}, padded
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name, width in (("rows", 48), ("padded_rows", 64)):
        row = rows[name]
        assert row["offload"]["status"] == "verified", (name, row["offload"]["reason"])
        assert row["offload_loops"] == 2, (name, row["offload"]["plans"])
        # a whole and the 62 interior rows of b in, those rows of b and of s out: each row
        # as long as the group the build keeps makes it
        assert row["offload"]["bytes_h2d"] == (64 + 62) * width * 8, (name, row["offload"])
        assert row["offload"]["bytes_d2h"] == 62 * width * 8 + 62 * 8, (name, row["offload"])
