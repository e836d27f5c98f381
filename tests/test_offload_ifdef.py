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

import json
from pathlib import Path

import pytest

from accellium.dataset.analysis.conditions import command_line
from accellium.dataset.includes import read_includes
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine
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
KERNEL = """#include <arr.h>
#define NR 64
#define NC 48

void smooth(int n, int m, double ARR_2D(a, NR, NC), double ARR_2D(b, NR, NC),
            double ARR_1D(s, NR))
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
    for (int i = 1; i < n - 1; i++) {
        double t = 0.0;
        for (int j = 0; j < m; j++)
            t += b[i][j];
        s[i] = t;
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include "arr.h"
void smooth(int n, int m, double ARR_2D(a, 64, 48), double ARR_2D(b, 64, 48), double s[64]);
static double ARR_2D(a, 64, 48), ARR_2D(b, 64, 48), s[64], rb[64][48], rs[64];
int main(void) {
  int n = 64, m = 40, bad = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < 48; j++) a[i][j] = (i * 7 + j * 3) % 11, b[i][j] = rb[i][j] = -1.0;
  for (int i = 0; i < n; i++) s[i] = rs[i] = -2.0;
  smooth(n, m, a, b, s);
  for (int i = 1; i < n - 1; i++) {
    rs[i] = 0.0;
    for (int j = 0; j < m; j++) {
      rb[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
      rs[i] += rb[i][j];
    }
  }
  for (int i = 0; i < n; i++) {
    bad += fabs(s[i] - rs[i]) > 1e-12;
    for (int j = 0; j < 48; j++) bad += fabs(b[i][j] - rb[i][j]) > 1e-12;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


@pytest.fixture(scope="module")
def engine():
    return get_engine("analysis")


def _suite(tmp: Path) -> Path:
    entries = []
    for name, flag in (("rows", ""), ("padded_rows", " -DPADDED")):
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        (d / "kernel.c").write_text(KERNEL)
        (d / "main.c").write_text(MAIN)
        (d / "arr.h").write_text(ARR_H)
        entries.append({
            "name": name, "sources": ["kernel.c", "main.c"], "annotate": ["kernel.c"],
            "compile": f"gcc -O1 -fopenacc -I.{flag} kernel.c main.c -o {{out}} -lm",
            "compile_serial": f"gcc -O1 -I.{flag} kernel.c main.c -o {{out}} -lm", "run": [],
            "timeout_s": 20, "verify": {"kind": "stdout_regex", "pattern": "^OK$"}})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


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
    assert padded == {"a": "a[0:n][0:(NC)+16]", "b": "b[1:n-2][0:(NC)+16]",
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
