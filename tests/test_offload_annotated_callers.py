"""A planned file's calls of another planned file's functions get the callers' region
(issue #15, item 10).

The dynamic evaluation plans every ``annotate`` file, then gives the program's other files (the
drivers) a data region around their calls of the planned functions.  A program whose authors
put their data region in ``main`` (``main.c`` annotated too: its pragmas are stripped and it is
planned) got none: the plan of ``main.c`` does not know what the other file's functions do
("not defined in this file"), and ``main.c`` was not a driver.  Now a planned file's functions
that its own plan leaves without edits get the callers' plan as a driver's do: ``main``'s time
loop is held in one region, and each call's own clauses find the arrays present.

Twin: the same program with ``main.c`` a driver (not annotated) gets the same region and moves
the same bytes.  Not merged: a function of a planned file whose own plan has edits (it
offloads a loop of its own) keeps its own plan alone.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import json

from _offload_util import verified_offload_bytes

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void relax(int n, double *restrict a, double *restrict b)
{
    for (int i = 1; i < n - 1; i++)
        b[i] = 0.5 * (a[i - 1] + a[i + 1]);
    for (int i = 1; i < n - 1; i++)
        a[i] = b[i];
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void relax(int n, double *restrict a, double *restrict b);
void setup(int n, double *a, double *b);
int wrong(int n, const double *a, int steps);
int main(void) {
  int n = 200;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  setup(n, a, b);
  for (int t = 0; t < 20; t++)
    relax(n, a, b);
  puts(wrong(n, a, 20) ? "BAD" : "OK");
  free(a); free(b);
  return 0;
}
"""
# the driver: what the program starts from and its check (not annotated)
CHECK = """#include <stdlib.h>
void setup(int n, double *a, double *b)
{
  for (int i = 0; i < n; i++) { a[i] = i % 7; b[i] = 0.0; }
}
int wrong(int n, const double *a, int steps)
{
  double *r = malloc(n * sizeof *r), *s = malloc(n * sizeof *s);
  int bad = 0;
  setup(n, r, s);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) s[i] = 0.5 * (r[i - 1] + r[i + 1]);
    for (int i = 1; i < n - 1; i++) r[i] = s[i];
  }
  for (int i = 0; i < n; i++) bad += a[i] != r[i];
  free(r); free(s);
  return bad;
}
"""


def test_a_planned_caller_gets_the_region_around_its_calls(tmp_path):
    entries = []
    for name, annotate in (("planned", ["kernel.c", "main.c"]), ("driver", ["kernel.c"])):
        d = tmp_path / "programs" / name
        d.mkdir(parents=True)
        for f, text in (("kernel.c", KERNEL), ("main.c", MAIN), ("check.c", CHECK)):
            (d / f).write_text(text)
        entries.append({"name": name, "sources": ["kernel.c", "main.c", "check.c"],
                        "annotate": annotate,
                        "compile": "gcc -O1 -fopenacc kernel.c main.c check.c -o {out} -lm",
                        "compile_serial": "gcc -O1 kernel.c main.c check.c -o {out} -lm",
                        "run": [], "timeout_s": 20,
                        "verify": {"kind": "stdout_regex", "pattern": "^OK$"}})
    (tmp_path / "manifest.json").write_text(json.dumps(entries))
    res = evaluate_dynamic(tmp_path / "manifest.json", "analysis", runs=3,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    rows = {r["name"]: r for r in res["programs"]}
    plans = rows["planned"]["offload"]["plans"]
    held = [p for p in plans if p["file"] == "main.c" and p["function"] == "main"
            and p["regions"]]
    assert held and held[0]["calls"], plans
    # a and b each go in and come out once, not once per call (20 calls), as for the driver
    assert moved["planned"] == moved["driver"], moved
    assert moved["planned"] <= 4 * 200 * 8, moved
