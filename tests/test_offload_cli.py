"""`accellium suggest FILE --offload [FUNCTION]` end to end through the real console script:
the plan as text and JSON, ``--apply`` in place (once: the second run writes nothing),
``--replace`` re-plans to the same bytes, bad input is a one-line error with exit status 2."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = [sys.executable, "-m", "accellium"]

SRC = (
    "#include <math.h>\r\n"
    "double steps(int n, int nt, double *u, double *w)\r\n"
    "{\r\n"
    "\tdouble edge = 0.0;\r\n"
    "\tfor (int t = 0; t < nt; t++) {\r\n"
    "\t\tfor (int i = 1; i < n; i++)\r\n"
    "\t\t\tw[i] = 0.5 * (u[i] + u[i - 1]);\r\n"
    "\t\tfor (int i = 1; i < n; i++)\r\n"
    "\t\t\tu[i] = w[i];\r\n"
    "\t\tedge += u[n - 1];\r\n"
    "\t}\r\n"
    "\treturn edge;\r\n"
    "}\r\n"
    "\r\n"
    "void scale(int n, double *a)\r\n"
    "{\r\n"
    "\tfor (int i = 0; i < n; i++)\r\n"
    "\t\ta[i] *= 2.0;\r\n"
    "}\r\n"
)


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    return subprocess.run([*EXE, *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.fixture
def src(tmp_path) -> Path:
    f = tmp_path / "k.c"
    f.write_bytes(SRC.encode())
    return f


def test_json_plans_of_every_function(src):
    r = run("suggest", str(src), "--offload", "--engine", "analysis", "--json")
    assert r.returncode == 0, r.stderr
    plans = json.loads(r.stdout)
    assert [p["function"] for p in plans] == ["steps", "scale"]
    steps = plans[0]
    assert steps["path"] == str(src) and [lp["line"] for lp in steps["loops"]] == [6, 8]
    kinds = [e["kind"] for e in steps["edits"]]
    assert kinds.count("data") == 1 and kinds.count("loop") == 2 and "update" in kinds
    assert steps["edits"][0] == {"line": 5, "kind": "data", "delete_lines": 0,
                                 "lines": ["\t#pragma acc data copy(w[1:n-1], u[0:n])"]}
    assert {a["name"]: a["clause"] for a in steps["arrays"]} == {"w": "copy", "u": "copy"}


def test_text_one_function_and_apply_once(src):
    r = run("suggest", str(src), "--offload", "steps", "--engine", "analysis")
    assert r.returncode == 0, r.stderr
    assert "function `steps`: 2 loop(s) offloaded" in r.stdout and "scale" not in r.stdout
    assert "+ 10: #pragma acc update self(u[n-1:1])" in r.stdout
    assert src.read_bytes() == SRC.encode()  # no --apply: nothing written
    r = run("suggest", str(src), "--offload", "steps", "--engine", "analysis", "--apply")
    assert r.returncode == 0 and "line(s) written" in r.stderr
    once = src.read_bytes()
    text = once.decode()
    assert text.count("#pragma acc") == 4 and "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert text.startswith(SRC[:60]) and "void scale" in text  # the rest kept byte for byte
    r = run("suggest", str(src), "--offload", "steps", "--engine", "analysis", "--apply")
    assert r.returncode == 0 and "nothing to write" in r.stderr and src.read_bytes() == once
    r = run("suggest", str(src), "--offload", "steps", "--engine", "analysis", "--apply",
            "--replace")
    assert r.returncode == 0 and src.read_bytes() == once


def test_line_selects_the_function_there(src):
    r = run("suggest", str(src), "--offload", "--line", "17", "--engine", "analysis", "--json")
    assert r.returncode == 0, r.stderr
    plans = json.loads(r.stdout)
    assert [p["function"] for p in plans] == ["scale"]
    assert plans[0]["edits"][0]["lines"] == ["\t#pragma acc parallel loop copy(a[0:n])"]


@pytest.mark.parametrize("args, message", [
    (["--offload", "nope"], "no function named `nope`"),
    (["--offload", "2x"], "--offload takes a function name"),
    (["--offload", "--line", "1"], "not inside a function definition"),
])
def test_bad_input_is_one_line_exit_2(src, args, message):
    r = run("suggest", str(src), "--engine", "analysis", *args)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and src.read_bytes() == SRC.encode()


def test_read_only_file_is_refused_and_kept(src):
    src.chmod(stat.S_IRUSR)  # the mode decides (root too): --apply never writes it
    try:
        r = run("suggest", str(src), "--offload", "--engine", "analysis", "--apply")
        assert r.returncode == 2 and "read-only" in r.stderr.lower()
        assert src.read_bytes() == SRC.encode()
    finally:
        src.chmod(stat.S_IRUSR | stat.S_IWUSR)
