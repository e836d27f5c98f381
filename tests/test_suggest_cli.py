"""`accellium suggest` end to end through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = [sys.executable, "-m", "accellium"]

SRC = (
    "#include <stdio.h>\r\n"
    "void f(int n, float *a, float *b, float s) {\r\n"
    "\tfor (int i = 0; i < n; i++)\r\n"
    "\t\ts += a[i];\r\n"
    "  #pragma acc kernels\r\n"
    "  for (int j = 0; j < n; j++) b[j] = 2 * a[j];\r\n"
    "}\r\n"
)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    return subprocess.run([*EXE, *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=120)


def test_json_lists_every_loop_in_file_order(tmp_path):
    f = tmp_path / "a.c"
    f.write_bytes(SRC.encode())
    r = run("suggest", str(f), "--engine", "const", "--json")
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)
    assert [i["line"] for i in items] == [3, 6]
    assert set(items[0]) >= {"path", "line", "end_line", "depth", "pragma", "directive",
                             "clauses", "notes", "existing"}
    # the file is the loop's scope: nothing else puts `a` on the device, so the construct
    # maps it (the const engine's `parallel loop`, completed by the guard)
    assert items[0]["pragma"] == "#pragma acc parallel loop copyin(a[0:n])"
    assert items[0]["existing"] is None
    assert items[1]["existing"] == "#pragma acc kernels"
    assert items[0]["end_line"] == 4


def test_apply_inserts_with_indentation_keeps_crlf_and_skips_annotated(tmp_path):
    f = tmp_path / "a.c"
    f.write_bytes(SRC.encode())
    r = run("suggest", str(f), "--engine", "const", "--apply")
    assert r.returncode == 0, r.stderr
    out = f.read_bytes().decode()
    assert out == SRC.replace("\tfor (int i",
                              "\t#pragma acc parallel loop copyin(a[0:n])\r\n\tfor (int i")
    r = run("suggest", str(f), "--engine", "const", "--apply", "--replace")
    assert r.returncode == 0
    assert "  #pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])\r\n  for (int j" in \
        f.read_bytes().decode()
    assert "#pragma acc kernels" not in f.read_bytes().decode()
    assert f.read_bytes().count(b"#pragma acc") == 2


def test_line_selects_the_loops_at_that_line(tmp_path):
    f = tmp_path / "n.c"
    f.write_text("void g(){\nfor(i=0;i<n;i++)\n  for(j=0;j<m;j++)\n    x[i][j]=0;\n}\n")
    r = run("suggest", str(f), "--engine", "const", "--line", "4", "--json")
    assert [i["line"] for i in json.loads(r.stdout)] == [2, 3]
    r = run("suggest", str(f), "--engine", "const", "--line", "1", "--json")
    assert json.loads(r.stdout) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.c", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "bin.c").write_bytes(b"\x7fELF\x00\x01") and d / "bin.c", "binary file"),
        (lambda d: (d / "e.c").write_text("  \n") and d / "e.c", "file is empty"),
    ],
)
def test_bad_input_gives_one_line_error_and_nonzero_exit(tmp_path, make, message):
    path = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    r = run("suggest", str(path), "--apply")
    assert r.returncode == 2
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_huge_file_and_unknown_engine_are_refused(tmp_path):
    big = tmp_path / "big.c"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    r = run("suggest", str(big))
    assert r.returncode == 2 and "52,428,800 bytes, over the limit of 20,971,520" in r.stderr
    f = tmp_path / "a.c"
    f.write_bytes(SRC.encode())
    r = run("suggest", str(f), "--engine", "nope", "--apply")
    assert r.returncode == 2 and "unknown engine 'nope'" in r.stderr
    assert f.read_bytes() == SRC.encode()


def test_analysis_engine_finds_reduction_collapse_and_dependence(tmp_path):
    f = tmp_path / "k.c"
    f.write_text(
        "void k(int n, int m, float *a, float *x, float **c) {\n"
        "  float s = 0;\n"
        "  for (int i = 0; i < n; i++) s += a[i];\n"
        "  for (int i = 0; i < n; i++)\n"
        "    for (int j = 0; j < m; j++) c[i][j] = 0;\n"
        "  for (int i = 1; i < n; i++) x[i] = x[i-1] + a[i];\n"
        "}\n")
    r = run("suggest", str(f), "--engine", "analysis", "--json")
    assert r.returncode == 0, r.stderr
    items = {i["line"]: i for i in json.loads(r.stdout)}
    assert "reduction(+:s)" in items[3]["pragma"]
    assert items[3]["directive"] == "parallel loop"
    assert "collapse(2)" in items[4]["pragma"]
    dep = items[6]
    assert dep["pragma"] is None or "seq" in dep["pragma"]
    assert any("x" in n and "depend" in n for n in dep["notes"])
