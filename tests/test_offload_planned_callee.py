"""A call of another file's function whose own plan offloads is no host code (issue #15,
docs/offload.md item 10).

``main.c`` offloads two loops of its own around a call of ``relax`` (``kernel.c``), in a time
loop.  Both files are planned.  ``main``'s plan read the call as host code: one region over
the time loop, ``update self`` of the arrays before the call and ``update device`` after it.
But ``relax``'s own plan has "present or copy" clauses: inside ``main``'s region they find the
arrays present, its loops work on the device copy, and the ``update device`` after the call
then sends the host's older values over what they wrote (stale data in the emulator).  Now
the caller's planner is told which functions of the program's other files offload — the
planned files' functions whose plans offload (the dynamic evaluation plans them first), or
functions that already have OpenACC directives — and no region around such a call maps
what it passes: ``main`` keeps its loops on the host and the call's own clauses move the
data, as when ``main.c`` is not planned (a driver) — unless the summary ``relax``'s plan
exports reaches ``main``'s plan (the dynamic evaluation plans ``kernel.c`` first and hands it
on, docs/offload.md item 10): then ``main``'s region holds the call as a call of its own
file's function, its loops and ``relax``'s share ``a`` and ``b`` across the time loop (fewer
bytes than the driver's, verified).  The CLI path, with no summary handed on, still keeps
``main``'s loops on the host.

Twins: ``main.c`` a driver (not planned: more bytes); ``main`` calling a function of the
unplanned driver file there instead (host code: its region and updates stay).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import json

from _offload_util import acc_lines

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.evaluation.dynamic.offload import annotate_with_plan
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

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
void tweak(int n, double *restrict a, double *restrict b);
void setup(int n, double *a, double *b);
int wrong(int n, const double *a, int steps, int host);
int main(void) {
  int n = 200;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  setup(n, a, b);
  for (int t = 0; t < 20; t++) {
    for (int i = 0; i < n; i++)
      a[i] = a[i] * 0.75 + 1.0;
    CALLEE(n, a, b);
    for (int i = 0; i < n; i++)
      a[i] = a[i] + 0.5;
  }
  puts(wrong(n, a, 20, HOST) ? "BAD" : "OK");
  free(a); free(b);
  return 0;
}
"""
# the driver: the start, the check, and a host function the twin calls (never planned)
CHECK = """#include <stdlib.h>
void setup(int n, double *a, double *b)
{
  for (int i = 0; i < n; i++) { a[i] = i % 7; b[i] = 0.0; }
}
void tweak(int n, double *restrict a, double *restrict b)
{
  for (int i = 1; i < n - 1; i++) b[i] = 0.5 * (a[i - 1] + a[i + 1]);
  for (int i = 1; i < n - 1; i++) a[i] = b[i];
}
int wrong(int n, const double *a, int steps, int host)
{
  double *r = malloc(n * sizeof *r), *s = malloc(n * sizeof *s);
  int bad = 0;
  setup(n, r, s);
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++) r[i] = r[i] * 0.75 + 1.0;
    tweak(n, r, s);
    for (int i = 0; i < n; i++) r[i] = r[i] + 0.5;
  }
  for (int i = 0; i < n; i++) bad += a[i] != r[i];
  free(r); free(s);
  return bad;
}
"""


def _main(callee: str) -> str:
    return MAIN.replace("CALLEE", callee).replace("HOST", "1" if callee == "tweak" else "0")


def _entry(tmp_path, name: str, annotate: list[str], files: dict[str, str]) -> dict:
    d = tmp_path / "programs" / name
    d.mkdir(parents=True)
    for f, text in files.items():
        (d / f).write_text(text)
    return {"name": name, "sources": ["kernel.c", "main.c", "check.c"], "annotate": annotate,
            "compile": "gcc -O1 -fopenacc kernel.c main.c check.c -o {out} -lm",
            "compile_serial": "gcc -O1 kernel.c main.c check.c -o {out} -lm",
            "run": [], "timeout_s": 20, "verify": {"kind": "stdout_regex", "pattern": "^OK$"}}


def _program(callee: str) -> dict[str, str]:
    return {"kernel.c": KERNEL, "main.c": _main(callee), "check.c": CHECK}


def test_a_call_of_a_planned_files_offloading_function_is_no_host_code(tmp_path):
    engine = get_engine("analysis")
    files = _program("relax")
    out, rows, errors = annotate_with_plan(
        {r: files[r].encode() for r in ("kernel.c", "main.c")}, engine,
        program={r: t.encode() for r, t in files.items()})
    assert not errors, errors
    mains = [r for r in rows if r["file"] == "main.c" and r["function"] == "main"]
    # relax's summary handed on: main's region holds the call with its own loops
    assert len(mains) == 1 and [c["functions"] for c in mains[0]["calls"]] == [["relax"]] and \
        mains[0]["loops"] == [12, 15], mains
    # the plan before: main's own region over the time loop, the call read as host code
    old = offload_source(files["main.c"].encode(), engine, path="main.c",
                         program=[KERNEL.encode(), CHECK.encode()])
    old_text = apply_plans(files["main.c"].encode(), old).decode()
    assert "#pragma acc update device(a[0:n])" in acc_lines(old_text), old_text
    # the kernel file already planned (its directives in the program's files): the same
    planned_kernel = out["kernel.c"].decode()
    assert any(a.startswith("#pragma acc data") for a in acc_lines(planned_kernel))
    cli = offload_source(files["main.c"].encode(), engine, path="main.c",
                         program=[planned_kernel.encode(), CHECK.encode()])
    assert not [p for p in cli if p.function == "main" and p.regions], cli
    assert any("the call to `relax` at line 14 stays on the host" in n
               for p in cli for n in p.notes), [p.notes for p in cli]
    # whole programs: both files planned, main.c a driver, the host-call twin; and the old plan
    entries = [_entry(tmp_path, "planned", ["kernel.c", "main.c"], files),
               _entry(tmp_path, "driver", ["kernel.c"], files),
               _entry(tmp_path, "host_call", ["kernel.c", "main.c"], _program("tweak")),
               _entry(tmp_path, "old", [], {**files, "kernel.c": planned_kernel,
                                            "main.c": old_text})]
    (tmp_path / "manifest.json").write_text(json.dumps(entries))
    res = evaluate_dynamic(tmp_path / "manifest.json", "analysis", runs=2,
                           with_mutations=False, offload=True)
    got = {r["name"]: r for r in res["programs"]}
    for name in ("planned", "driver", "host_call"):
        assert got[name]["offload"]["status"] == "verified", (name, got[name]["offload"])
    assert got["old"]["original"]["status"] == "data", got["old"]["original"]
    moved = {k: got[k]["offload"]["bytes_h2d"] + got[k]["offload"]["bytes_d2h"]
             for k in ("planned", "driver")}
    assert moved["planned"] == 2 * 2 * 8 * 200 < moved["driver"], moved  # a, b in, out once
    # the twin: tweak is a function of the unplanned driver file, host code in main's region
    twin = [p for p in got["host_call"]["offload"]["plans"]
            if p["file"] == "main.c" and p["function"] == "main"]
    assert twin and twin[0]["regions"] and twin[0]["loops"], twin
