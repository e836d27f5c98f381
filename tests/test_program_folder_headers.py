"""A program file in a subfolder reads the program's header one folder up (found by
Rodinia's lavaMD, whose ``kernel/kernel_acc.c`` includes ``"./../main.h"`` for its ``DOT``
macro and box sizes).

The dynamic evaluation and ``POST /v1/offload`` read a file's headers as the CLI does: its
own folder and the include folders — a ``../`` out of them was "not read: outside the
include folders", so the macros the kernel's loops use were unknown and the plan offloaded
nothing ("calls `DOT` ... needs `#pragma acc routine seq`").  The program's own folder —
the manifest's program folder, the files posted together — is now readable as the editor's
workspace folders are (it is not looked in: ``#include "defs.h"`` from ``kernel/`` still
is not found there, as gcc would not find it).  Whole program, built with real gcc and run
in the data-environment emulator; the plan now offloads the kernel's loop and verifies."""

from __future__ import annotations

import json
from pathlib import Path

DEFS = """#ifndef DEFS_H
#define DEFS_H
#define NB 16
#define DOT(A, B) ((A).x * (B).x + (A).y * (B).y)
typedef struct { double x, y; } vec2;
#endif
"""

KERNEL = """#include "../defs.h"

void energies(int nboxes, const vec2 *p, double *e)
{
    for (int b = 0; b < nboxes; b++)
        for (int i = 0; i < NB; i++)
            e[b * NB + i] = DOT(p[b * NB + i], p[b * NB + i]);
}
"""

MAIN = """#include <stdio.h>
#include <stdlib.h>
#include "defs.h"
void energies(int nboxes, const vec2 *p, double *e);
int main(void)
{
    int nboxes = 40, bad = 0;
    vec2 *p = malloc(nboxes * NB * sizeof *p);
    double *e = malloc(nboxes * NB * sizeof *e);
    for (int k = 0; k < nboxes * NB; k++) { p[k].x = k % 3; p[k].y = k % 5; }
    energies(nboxes, p, e);
    for (int k = 0; k < nboxes * NB; k++)
        bad += e[k] != (double)(k % 3) * (k % 3) + (double)(k % 5) * (k % 5);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

ENTRY = {"name": "subfolder", "sources": ["kernel/k.c", "main.c", "defs.h"],
         "annotate": ["kernel/k.c"],
         "compile": "gcc -O1 -fopenacc kernel/k.c main.c -o {out}",
         "compile_serial": "gcc -O1 kernel/k.c main.c -o {out}",
         "run": [], "timeout_s": 30, "verify": {"kind": "stdout_regex", "pattern": "^OK$"}}


def _program(tmp: Path) -> Path:
    d = tmp / "programs" / "subfolder"
    (d / "kernel").mkdir(parents=True)
    (d / "kernel" / "k.c").write_text(KERNEL)
    (d / "main.c").write_text(MAIN)
    (d / "defs.h").write_text(DEFS)
    (tmp / "manifest.json").write_text(json.dumps([ENTRY]))
    return d


def test_plan_reads_the_header_one_folder_up(engine, tmp_path):
    from accellium.evaluation.dynamic.offload import annotate_with_plan

    d = _program(tmp_path)
    prog = {f: (d / f).read_bytes() for f in ENTRY["sources"]}
    out, rows, errors = annotate_with_plan({"kernel/k.c": prog["kernel/k.c"]}, engine,
                                           program=prog, folder=d)
    assert not errors, errors
    text = out["kernel/k.c"].decode()
    assert "#pragma acc parallel loop" in text, (text, rows)
    assert "copyin(p[0:NB*nboxes])" in text, text


def test_subfolder_program_verifies_planned(tmp_path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    _program(tmp_path)
    res = evaluate_dynamic(tmp_path / "manifest.json", "analysis", runs=1,
                           with_mutations=False, offload=True)
    row = res["programs"][0]
    for variant in ("engine", "offload"):
        assert row[variant]["status"] == "verified", (variant, row[variant]["reason"])
    assert res["metrics"]["programs_offloaded"] == 1.0, res["metrics"]
