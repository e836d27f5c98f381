"""``accellium suggest`` reads the build's ``compile_commands.json`` as the editor does
(:mod:`accellium.dataset.build_flags`), through the real command line (``python -m
accellium``) run from the project's folder:

* a project laid out as CMake does (``src/kernel.c``, its header in ``include/``, the database
  in ``build/``): the entry's ``-DPADDED`` decides the header's ``#ifdef`` group (16 more
  columns a row: the padded sections) and its ``-I ../include`` finds the header; an entry
  without the ``-D`` is a whole command line (the plain sections); with no database (twin)
  nothing is known of ``PADDED``: no parallel pragma;
* ``-U`` on the command line comes after the entry's words and wins over its ``-D``;
* ``--no-compile-commands`` reads none; ``--compile-commands`` names one (a file or its folder)
  that is not found by itself; ``--workspace`` (default: the current directory) bounds the
  search; a database's ``-I`` outside the workspace is not read;
* a malformed database is one line on stderr naming it, exit 2, the file untouched by
  ``--apply``;
* ``--offload`` (and ``--program``) plan with the same flags; the plans applied verify in the
  builds their flags describe (gcc -fopenacc, with and without -DPADDED, the data-environment
  emulator)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from _offload_util import PADDED_IDX_H as IDX_H
from _offload_util import PADDED_IDX_KERNEL as KERNEL
from _offload_util import PADDED_IDX_M as M
from _offload_util import PADDED_IDX_MAIN as MAIN
from _offload_util import PADDED_IDX_N as N
from _offload_util import PADDED_IDX_PADDED_NEST as PADDED
from _offload_util import PADDED_IDX_PLAIN_NEST as PLAIN
from _offload_util import acc_lines, run_as_written

ROOT = Path(__file__).resolve().parent.parent
LOOP_LINE = 5  # the outer loop of KERNEL


def _project(tmp: Path, command: str | None = "gcc -O2 -DPADDED -I ../include -c "
             "../src/kernel.c") -> Path:
    """A project: src/kernel.c, include/idx.h and, when ``command`` is given, its entry in
    build/compile_commands.json."""
    ws = tmp / "proj"
    for d in ("src", "include", "build"):
        (ws / d).mkdir(parents=True)
    (ws / "src" / "kernel.c").write_text(KERNEL)
    (ws / "include" / "idx.h").write_text(IDX_H)
    if command is not None:
        _database(ws / "build", command)
    return ws


def _database(folder: Path, command: str) -> None:
    entry = {"directory": str(folder), "file": "../src/kernel.c", "command": command}
    (folder / "compile_commands.json").write_text(json.dumps([entry]))


def _run(ws: Path, *args: str, file: str = "src/kernel.c") -> subprocess.CompletedProcess[str]:
    """``accellium suggest FILE --engine analysis ARGS`` run in the folder ``ws``."""
    return subprocess.run([sys.executable, "-m", "accellium", "suggest", file,
                           "--engine", "analysis", *args], cwd=ws, capture_output=True,
                          text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": "",
                               "PATH": "/usr/bin:/bin"})


def _pragma(ws: Path, *args: str, file: str = "src/kernel.c") -> str | None:
    """The pragma ``accellium suggest --json`` gives the outer loop."""
    got = _run(ws, "--json", *args, file=file)
    assert got.returncode == 0, got.stderr
    (item,) = [x for x in json.loads(got.stdout) if x["line"] == LOOP_LINE]
    return item["pragma"]


def _offload(ws: Path, *args: str) -> list[str]:
    """The OpenACC lines ``accellium suggest --offload --json`` plans for the kernel."""
    got = _run(ws, "--offload", "--json", *args)
    assert got.returncode == 0, got.stderr
    return [t.strip() for p in json.loads(got.stdout) for e in p["edits"] for t in e["lines"]]


def test_the_entry_decides_the_header_group_and_finds_the_header(tmp_path):
    ws = _project(tmp_path)
    assert _pragma(ws) == PADDED
    _database(ws / "build", "cc -I../include -c ../src/kernel.c")  # whole: PADDED undefined
    assert _pragma(ws) == PLAIN
    # twin: no database; the header given by hand, nothing known of PADDED: IDX is unknown
    (ws / "build" / "compile_commands.json").unlink()
    assert "parallel" not in (_pragma(ws, "-I", "include") or "")
    assert _pragma(ws, "-I", "include", "-D", "PADDED") == PADDED  # by hand, as before


def test_command_line_flags_come_after_the_entrys(tmp_path):
    ws = _project(tmp_path)
    assert _pragma(ws, "-U", "PADDED") == PLAIN  # -U after the entry's -DPADDED
    assert _pragma(ws, "-UPADDED", "-DPADDED") == PADDED  # the last word counts
    # --defines-complete adds nothing to an entry (its command line is whole already)
    assert _pragma(ws, "--defines-complete") == PADDED


def test_no_compile_commands_and_a_named_one(tmp_path):
    ws = _project(tmp_path)
    assert "parallel" not in (_pragma(ws, "--no-compile-commands") or "")  # header not found
    assert "parallel" not in (_pragma(ws, "--no-compile-commands", "-I", "include") or "")
    # a database where it is not looked for (out/): found only when named, file or folder
    (ws / "build" / "compile_commands.json").rename(ws / "build" / "elsewhere.json")
    (ws / "out").mkdir()
    _database(ws / "out", "gcc -DPADDED -I../include -c ../src/kernel.c")
    assert "parallel" not in (_pragma(ws) or "")
    assert _pragma(ws, "--compile-commands", "out") == PADDED
    assert _pragma(ws, "--compile-commands", "out/compile_commands.json") == PADDED
    (ws / "build" / "elsewhere.json").write_text(json.dumps([
        {"directory": str(ws / "build"), "file": "../src/other.c", "command": "cc -DPADDED"}]))
    got = _run(ws, "--compile-commands", "build/elsewhere.json")  # no entry for the file
    assert got.returncode == 0 and "no entry in build/elsewhere.json" in got.stderr, got.stderr
    for args, why in ((["--compile-commands", "src"], "no compile_commands.json there"),
                      (["--compile-commands", "nowhere.json"], "not a file"),
                      (["--compile-commands", "out", "--no-compile-commands"],
                       "exclude each other")):
        got = _run(ws, *args)
        assert got.returncode == 2 and why in got.stderr, got.stderr
        assert got.stderr.count("\n") == 1 and got.stdout == "", got.stderr


def test_the_workspace_folder_bounds_the_search(tmp_path):
    """Run from the build folder, the source is outside the current directory: the search
    stays in the source's folder unless ``--workspace`` names the project's top folder."""
    ws = _project(tmp_path)
    build, src = ws / "build", "../src/kernel.c"
    assert "parallel" not in (_pragma(build, file=src) or "")
    assert _pragma(build, "--workspace", "..", file=src) == PADDED
    assert _pragma(build, "--workspace", str(ws), file=src) == PADDED
    # a named database from there: its -I ../include is outside the workspace (src/): not read
    assert "parallel" not in (_pragma(build, "--compile-commands", ".", file=src) or "")
    got = _run(build, "--workspace", "nowhere", file=src)
    assert got.returncode == 2 and "--workspace nowhere: not a folder" in got.stderr, got.stderr


def test_an_entrys_include_folder_outside_the_project_is_not_read(tmp_path):
    ws = _project(tmp_path, "gcc -DPADDED -I ../../sdk -c ../src/kernel.c")
    (tmp_path / "sdk").mkdir()
    (ws / "include" / "idx.h").rename(tmp_path / "sdk" / "idx.h")
    assert "parallel" not in (_pragma(ws) or "")  # the header is not found
    assert _pragma(ws, "-I", str(tmp_path / "sdk")) == PADDED  # named by the user: read


def test_a_malformed_database_is_a_one_line_error(tmp_path):
    ws = _project(tmp_path)
    db = ws / "build" / "compile_commands.json"
    for text in ('[{"file": "../src/kernel.c",', '{"file": "kernel.c"}'):
        db.write_text(text)
        for args in ([], ["--apply"], ["--offload", "--apply"]):
            got = _run(ws, *args)
            assert got.returncode == 2, got.stderr
            assert got.stderr.count("\n") == 1 and "Traceback" not in got.stderr, got.stderr
            assert str(db) in got.stderr and "--no-compile-commands" in got.stderr, got.stderr
            assert (ws / "src" / "kernel.c").read_text() == KERNEL  # nothing written
    assert "parallel" not in (_pragma(ws, "--no-compile-commands") or "")  # a way past it


def test_offload_plans_with_the_entrys_flags_and_they_verify(tmp_path):
    ws = _project(tmp_path)
    assert _offload(ws) == [PADDED]
    assert _offload(ws, "-U", "PADDED") == [PLAIN]
    (ws / "src" / "main.c").write_text(MAIN)
    assert _offload(ws, "--program", "src/main.c") == [PADDED]
    # the plans written by --apply, each built as its command line says
    written = {}
    for name, args in (("padded", []), ("plain", ["-UPADDED"])):
        (ws / "src" / "kernel.c").write_text(KERNEL)
        got = _run(ws, "--offload", "--apply", *args)
        assert got.returncode == 0, got.stderr
        written[name] = (ws / "src" / "kernel.c").read_text()
        assert acc_lines(written[name]) == [PADDED if name == "padded" else PLAIN]
    moved = run_as_written(tmp_path / "run", {
        k: {"kernel.c": v, "main.c": MAIN, "idx.h": IDX_H} for k, v in written.items()},
        flags={"padded": "-DPADDED"})
    # the padded plan copies `a` both ways: its padding is not written
    assert moved == {"plain": 2 * N * M * 8, "padded": 3 * (M * N + 16 * N - 16) * 8}, moved
