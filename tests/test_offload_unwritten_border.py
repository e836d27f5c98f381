"""Fresh memory is created on the device only where no uninitialised byte comes back
(issue #15, :mod:`accellium.dataset.offload.unwritten`).

``main`` allocates two grids with ``malloc``, fills the first (``init``, offloaded: the
stencil reads what it writes on the device) and runs a stencil that writes the second's
interior; then it prints a sample of the second grid, border included.  Nothing wrote the
second grid before ``main``'s region, so its values there are indeterminate (C11 7.22.3.4p2)
and the region need not copy them in — but the region copies the grid back, and its border is
written by no device code: ``copyout`` would put the device's uninitialised bytes over the
host's border.  Those are indeterminate too, yet they are what the host build prints (memory
this large comes fresh from the system, zero), and the emulator, whose device memory holds a
poison pattern, prints something else: the planner used to write ``copyout`` here, and the
program's output changed (the failure seen on PolyBench-ACC's convolutions once the benchmark's
allocation macro was read).  Now the grid keeps its ``copy``; a twin whose stencil also writes
the border (every element, by a loop that always runs) still gets ``copyout``.

Whole programs, built with real gcc and run in the data-environment emulator, each checked
against the output of its serial build (``differential``)."""

from __future__ import annotations

import json

from _offload_util import acc_lines, clauses_of, plan_text

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N = 512

KERNEL = """#include <stdio.h>
#include <stdlib.h>
#define N NSIZE

static void init(int n, double *a)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[i * n + j] = (double)((i * j) % 11) / 11.0;
}

static void smooth(int n, const double *a, double *b)
{
    for (int i = LO; i < n - LO; i++)
        for (int j = LO; j < n - LO; j++)
            b[i * n + j] = 0.25 * (a[AT(i - 1) * n + j] + a[AT(i + 1) * n + j]
                                   + a[i * n + AT(j - 1)] + a[i * n + AT(j + 1)]);
}

int main(void)
{
    int n = N;
    double *a = malloc(n * n * sizeof *a);
    double *b = malloc(n * n * sizeof *b);
    init(n, a);
    smooth(n, a, b);
    for (int i = 0; i < n; i += 37)
        for (int j = 0; j < n; j += 41)
            printf("%.6g\\n", b[i * n + j]);
    free(a);
    free(b);
    return 0;
}
"""
# the interior only, or every element (the neighbours wrap around at the edges)
INTERIOR = "#define AT(k) (k)\n"
WRAPPED = "#define AT(k) (((k) + N) % N)\n"
PROGRAMS = {
    "border_unwritten": INTERIOR + KERNEL.replace("LO", "1"),
    "border_written": WRAPPED + KERNEL.replace("LO", "0"),
}


def _text(name: str) -> str:
    return PROGRAMS[name].replace("NSIZE", str(N))


def _clause_of_b(name: str) -> str:
    text, _ = plan_text(_text(name), get_engine("analysis"))
    line = next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))
    return clauses_of(line)["b"]


def test_a_copy_back_of_elements_no_device_code_writes_keeps_the_copy_in():
    assert _clause_of_b("border_unwritten") == "copy"
    assert _clause_of_b("border_written") == "copyout"


def test_the_programs_print_what_their_serial_builds_print(tmp_path):
    entries = []
    for name in PROGRAMS:
        d = tmp_path / "programs" / name
        d.mkdir(parents=True)
        (d / "kernel.c").write_text(_text(name))
        entries.append({"name": name, "sources": ["kernel.c"], "annotate": ["kernel.c"],
                        "compile": "gcc -O1 -fopenacc kernel.c -o {out} -lm",
                        "compile_serial": "gcc -O1 kernel.c -o {out} -lm",
                        "run": [], "timeout_s": 30,
                        "verify": {"kind": "differential", "rtol": 1e-9, "atol": 1e-12}})
    (tmp_path / "manifest.json").write_text(json.dumps(entries))
    res = evaluate_dynamic(tmp_path / "manifest.json", "analysis", runs=1,
                           with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    moved = {}
    for name, r in rows.items():
        assert r["offload"]["status"] == "verified", (name, r["offload"]["reason"])
        moved[name] = (r["offload"]["bytes_h2d"] or 0) + (r["offload"]["bytes_d2h"] or 0)
    # b in and out when its border is not written; out only when it is (a made on the device)
    assert moved == {"border_unwritten": 2 * N * N * 8, "border_written": N * N * 8}, moved
