"""`accellium suggest FILE --offload --program SOURCE...` through the real console script: with
the program's other files every call of FILE's functions is seen — a parameter whose memory no
caller reads after the call gets ``create``, and a caller that repeats a call in a host loop
gets the data region (``--apply`` writes it there too, once); bad ``--program`` input is a
one-line error with exit status 2 and no file changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = [sys.executable, "-m", "accellium"]

KERNEL = """void relax(int n, const double *src, double *u)
{
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * (u[i] + src[i]);
}

void blur(int n, const double *in, double *tmp, double *out)
{
    for (int i = 0; i < n; i++)
        tmp[i] = 0.5 * in[i];
    for (int i = 0; i < n; i++)
        out[i] = tmp[i] + tmp[n - 1 - i];
}
"""
MAIN = """#include <stdlib.h>
void relax(int n, const double *src, double *u);
void blur(int n, const double *in, double *tmp, double *out);
int main(void)
{
    int n = 1000;
    double *src = calloc(n, sizeof *src), *u = calloc(n, sizeof *u);
    double *tmp = malloc(n * sizeof *tmp), *out = malloc(n * sizeof *out);
    for (int t = 0; t < 10; t++)
        relax(n, src, u);
    blur(n, u, tmp, out);
    free(tmp);
    return out[0] > 0.0;
}
"""


# out: `blur` writes all of main's allocation before anything reads it: copied out, never in
REGION = "    #pragma acc data copyin(src[0:n], u[0:n]) copyout(out[0:n]) create(tmp[0:n])"


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    return subprocess.run([*EXE, *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.fixture
def prog(tmp_path) -> tuple[Path, Path]:
    k, m = tmp_path / "kernel.c", tmp_path / "main.c"
    k.write_text(KERNEL)
    m.write_text(MAIN)
    return k, m


def _clauses(plans: list[dict], function: str) -> dict[str, str]:
    p = next(p for p in plans if p["function"] == function)
    return {a["name"]: a["clause"] for a in p["arrays"]}


def test_every_call_seen_with_the_programs_files(prog):
    k, m = prog
    alone = json.loads(run("suggest", str(k), "--offload", "--engine", "analysis",
                           "--json").stdout)
    assert _clauses(alone, "blur")["tmp"] == "copyout"  # another file may read it
    r = run("suggest", str(k), "--offload", "--engine", "analysis", "--json",
            "--program", str(m))
    assert r.returncode == 0, r.stderr
    plans = json.loads(r.stdout)
    assert _clauses(plans, "blur")["tmp"] == "create"  # main frees it unread
    caller = [p for p in plans if p["path"] == str(m)]
    assert [p["function"] for p in caller] == ["main"]
    # the loop and the call after it share u: one region (main reads only out after it)
    assert caller[0]["edits"][0]["lines"] == [REGION]


def test_apply_writes_the_callers_file_once(prog):
    k, m = prog
    r = run("suggest", str(k), "--offload", "--engine", "analysis", "--apply",
            "--program", str(m))
    assert r.returncode == 0, r.stderr
    text = m.read_text()
    assert f"{REGION}\n    {{\n    for (int t = 0;" in text
    again = run("suggest", str(k), "--offload", "--engine", "analysis", "--apply",
                "--program", str(m))
    assert again.returncode == 0 and m.read_text() == text
    assert f"{k}: nothing to write" in again.stderr and str(m) not in again.stderr


@pytest.mark.parametrize("make, message", [
    (lambda d: str(d / "missing.c"), "no such file"),
    (lambda d: (d / "notes.txt").write_text("x") and str(d / "notes.txt"),
     "not a C/C++ source file"),
    (lambda d: (d / "x.cpp").write_text("int f() { return 0; }\n") and str(d / "x.cpp"),
     "not in the language of"),
    (lambda d: str(d), "is a directory"),
])
def test_bad_program_input_is_one_line_exit_2(prog, tmp_path, make, message):
    k, m = prog
    r = run("suggest", str(k), "--offload", "--engine", "analysis", "--apply",
            "--program", str(m), make(tmp_path))
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert k.read_text() == KERNEL and m.read_text() == MAIN


def test_program_needs_offload(prog):
    k, m = prog
    r = run("suggest", str(k), "--engine", "analysis", "--program", str(m))
    assert r.returncode == 2 and "--program needs --offload" in r.stderr
