"""``accellium eval --dynamic ... --annotate-drivers``: every source of a program is annotated,
its driver too, so ``main`` with its set-up and check loops is suggested for and planned (as
when a benchmark keeps everything in one file).  Through the CLI, with real gcc and the
data-environment emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from _offload_util import write_suite

ROOT = Path(__file__).resolve().parents[1]
KERNEL = """void axpy(int n, double a, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void axpy(int n, double a, const double *x, double *y);
int main(void)
{
    int n = 4000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (int i = 0; i < n; i++) { x[i] = i; y[i] = 1.0; }
    for (int t = 0; t < 5; t++)
        axpy(n, 0.5, x, y);
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += y[i] != 1.0 + 2.5 * i;
    puts(bad ? "BAD" : "OK");
    free(x); free(y);
    return 0;
}
"""


def _eval(manifest: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "accellium", "eval", "--dynamic", str(manifest),
                           "--no-mutations", "--runs", "1", "--json", *extra],
                          capture_output=True, text=True, env=env, timeout=600)


def test_the_driver_is_annotated_and_planned_too(tmp_path):
    manifest = write_suite(tmp_path, {"axpy": (KERNEL, MAIN)})
    r = _eval(manifest, "--engine", "analysis", "--offload", "--annotate-drivers")
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["programs"][0]
    assert row["engine"]["status"] == "verified" and row["offload"]["status"] == "verified"
    assert {p["file"] for p in row["engine"]["pragmas"]} == {"kernel.c", "main.c"}
    planned = {(p["file"], p["function"]) for p in row["offload"]["plans"]}
    assert ("main.c", "main") in planned, planned


def test_the_flag_needs_an_engine(tmp_path):
    manifest = write_suite(tmp_path, {"axpy": (KERNEL, MAIN)})
    r = _eval(manifest, "--engine", "none", "--annotate-drivers")
    assert r.returncode == 2
    assert "--annotate-drivers needs an engine" in r.stderr and r.stderr.count("\n") == 1
