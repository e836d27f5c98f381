"""A C unit among a C++ file's program files (issue #15): the CLI's ``--program``, ``POST
/v1/offload``'s ``program`` and the LSP's ``offloadProgram`` read it as the dynamic evaluation
does (tests/test_offload_cxx_c_units.py).

A function with C++ language linkage has a name no C code can call (C++ [dcl.link]): when the
planned C++ file — and the headers it and the program include — declares nothing ``extern
"C"``, a C unit of the program (a harness, a timer) calls none of its functions.  It plays no
part in the plan: it is left out with a note, and the C++ file's calls are all in the units
given, so its kernel gets the whole object its callers pass (before, the C unit was refused as
"not in the language of" the file: exit 2, a 422, an unusable program).  When the file declares
a function ``extern "C"`` the C unit may call it, and it is refused as before.  The plan
``--apply`` writes is built with g++ and run in the data-environment emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _offload_util import write_programs
from _server_util import analysis_client
from test_offload_cxx_c_units import COLS, HARNESS, PROG, ROWS

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.lsp.program import read_program

ROOT = Path(__file__).resolve().parent.parent
CXX = PROG.replace("LINKAGE", "")
EXTERN_C = PROG.replace("LINKAGE", 'extern "C"')
NOTE = 'a C unit, and this C++ file gives no function C linkage (no extern "C")'


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    return subprocess.run([sys.executable, "-m", "accellium", *args], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=180)


def _files(tmp: Path, prog: str) -> tuple[Path, Path]:
    (tmp / "src").mkdir()
    p, h = tmp / "src" / "prog.cpp", tmp / "src" / "harness.c"
    p.write_text(prog)
    h.write_text(HARNESS)
    return p, h


def _smooth(plans: list[dict]) -> dict:
    return next(p for p in plans if p["function"] == "smooth")


def test_cli_leaves_the_c_unit_out_and_the_applied_plan_verifies(tmp_path):
    p, h = _files(tmp_path, CXX)
    r = _cli("suggest", str(p), "--offload", "--engine", "analysis", "--json",
             "--program", str(h))
    assert r.returncode == 0, r.stderr
    assert f"--program {h}: {NOTE}" in r.stderr
    plans = json.loads(r.stdout)
    assert {q["path"] for q in plans} == {str(p)}  # nothing planned in the C unit
    assert _smooth(plans)["loops"], _smooth(plans)
    r = _cli("suggest", str(p), "--offload", "--engine", "analysis", "--apply",
             "--program", str(h))
    assert r.returncode == 0, r.stderr
    assert h.read_text() == HARNESS
    manifest = write_programs(tmp_path / "run", {
        "applied": ({"prog.cpp": p.read_text(), "harness.c": HARNESS}, ["prog.cpp"])})
    got = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    row = got["programs"][0]["original"]  # the files as written: the plan applied
    assert row["status"] == "verified", row["reason"]
    # one region around the time loop: the grids move about once, not per call
    assert row["bytes_h2d"] + row["bytes_d2h"] <= 4 * ROWS * COLS * 8, row


def test_cli_refuses_the_c_unit_of_a_file_with_c_linkage(tmp_path):
    p, h = _files(tmp_path, EXTERN_C)
    r = _cli("suggest", str(p), "--offload", "--engine", "analysis", "--apply",
             "--program", str(h))
    assert r.returncode == 2, r.stderr
    assert f"--program {h}: not in the language of" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert p.read_text() == EXTERN_C and h.read_text() == HARNESS


@pytest.fixture(scope="module")
def srv():
    with analysis_client(timeout=120) as c:
        yield c


def test_http_notes_the_c_unit_and_refuses_it_beside_c_linkage(srv):
    body = {"code": CXX, "language": "cpp", "program": [{"path": "harness.c", "code": HARNESS}]}
    r = srv.post("/v1/offload", json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["program_notes"] == [f"harness.c: {NOTE}: it calls none of them; not read"]
    assert got["files"] == [] and _smooth(got["plans"])["loops"]
    alone = srv.post("/v1/offload", json={"code": CXX, "language": "cpp"}).json()
    assert alone["program_notes"] == []
    r = srv.post("/v1/offload", json={**body, "code": EXTERN_C})
    assert r.status_code == 422, r.text
    assert "program[0] (harness.c): not in the language of code (cpp)" in r.text


def test_lsp_program_leaves_the_c_unit_out(tmp_path):
    p, _ = _files(tmp_path, CXX)
    (tmp_path / "src" / "util.cpp").write_text("int unused() { return 0; }\n")
    got = read_program(["src/*"], p.as_uri(), "cpp", [str(tmp_path)], {}, CXX.encode())
    assert not isinstance(got, str) and [f.rel for f in got] == ["src/util.cpp"]
    why = read_program(["src/*"], p.as_uri(), "cpp", [str(tmp_path)], {}, EXTERN_C.encode())
    assert why == "src/harness.c: not in the language of this document (cpp): the plan " \
                  "cannot see the calls made there"
