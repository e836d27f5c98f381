"""A program file that another file ``#include`` s is a header, whatever its suffix: the
directive puts its text in the including translation unit (C11 6.10.2p3), so it is no unit of
its own.  The dynamic evaluation plans a program's files with the program known whole only
when every other file is a unit of the planned file's language or a header; a header named
``glob.incl`` (as a benchmark's ``applu.incl``) read as a unit of another language made the
program unknown, so each file was planned alone — and two plans made alone do not compose:
``step``'s region held ``g`` and ``h`` across ``relax()``, taken for host code with
``update self``/``update device`` around it, while ``relax``'s own plan offloads its loop with
"present or copy" clauses (OpenACC 3.3, 2.7.1) that found the region's copies, so the
``update device(h)`` after the call overwrote what its loop wrote (a stale read: ``data``).

A program of tests/test_offload_extern_chain.py's shape (``step`` calls ``relax()`` between two
loops over the arrays it reaches) with its header listed among the program's files, once as
``glob.h`` and once as ``glob.incl``: both verify, with the same plans and the same bytes
(``dataset/offload/program.py`` ``header_files``).  Whole programs, built with
real gcc and run in the data-environment emulator."""

from __future__ import annotations

import json

from test_offload_extern_chain import HEADER, KERNEL, STEPS

from accellium.dataset.offload.program import header_files
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

# `relax()` between two loops over the arrays it reaches
SOLVER = """#include "glob.h"

void step(int s)
{
    for (int i = 0; i < NN; i++)
        g[i] = g[i] + s;
    relax();
    for (int i = 0; i < NN; i++)
        g[i] = 0.25 * h[i] + 0.5 * g[i];
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include "glob.h"
double g[NN], h[NN];
static double rg[NN], rh[NN];
static void reference(void)
{{
  for (int s = 0; s < {STEPS}; s++) {{
    for (int i = 0; i < NN; i++) rg[i] = rg[i] + s;
    for (int i = 1; i < NN - 1; i++) rh[i] = 0.5 * (rg[i - 1] + rg[i + 1]);
    for (int i = 0; i < NN; i++) rg[i] = 0.25 * rh[i] + 0.5 * rg[i];
  }}
}}
int main(void) {{
  int bad = 0;
  for (int i = 0; i < NN; i++) {{ g[i] = rg[i] = (double)(i % 13); h[i] = rh[i] = -1.0; }}
  for (int s = 0; s < {STEPS}; s++)
    step(s);
  reference();
  for (int i = 0; i < NN; i++) bad += fabs(g[i] - rg[i]) > 1e-9 || fabs(h[i] - rh[i]) > 1e-9;
  puts(bad ? "BAD" : "OK");
  return 0;
}}
"""


def _suite(tmp, headers: dict[str, str]):
    entries = []
    for name, header in headers.items():
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        texts = {header: HEADER}
        texts.update({f: t.replace('"glob.h"', f'"{header}"') for f, t in
                      {"kernel.c": KERNEL, "solver.c": SOLVER, "main.c": MAIN}.items()})
        for f, text in texts.items():
            (d / f).write_text(text)
        files = "kernel.c solver.c main.c"
        entries.append({"name": name, "sources": [header, "kernel.c", "solver.c", "main.c"],
                        "annotate": ["solver.c", "kernel.c"],
                        "compile": f"gcc -O1 -fopenacc -I. {files} -o {{out}} -lm",
                        "compile_serial": f"gcc -O1 -I. {files} -o {{out}} -lm",
                        "run": [], "timeout_s": 20,
                        "verify": {"kind": "stdout_regex", "pattern": "^OK$"}})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def test_an_included_file_is_a_header_whatever_its_suffix(tmp_path):
    res = evaluate_dynamic(_suite(tmp_path, {"h": "glob.h", "incl": "glob.incl"}), "analysis",
                           runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, row in rows.items():
        assert row["status"] == "verified", (name, row["reason"])
    assert rows["h"]["bytes_h2d"] == rows["incl"]["bytes_h2d"], rows
    assert rows["h"]["bytes_d2h"] == rows["incl"]["bytes_d2h"], rows
    assert [p["edits"] for p in rows["h"]["plans"]] == [p["edits"] for p in rows["incl"]["plans"]]


def test_header_files():
    files = {"a.c": b'#include "inc/glob.incl"\n#include <stdio.h>\n', "inc/glob.incl": b"",
             "b.h": b"", "c.c": b"int c;\n", "d.cpp": b'  #  include "e.def"\n', "e.def": b""}
    assert header_files(files) == {"inc/glob.incl", "b.h", "e.def"}
