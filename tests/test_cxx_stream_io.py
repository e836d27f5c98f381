"""C++ stream output in a loop keeps the loop on the host (found by Rodinia's CFD, whose
``dump()`` writes its solution through ``std::ofstream``).

``file << v[i] << std::endl;`` is a call of the stream's overloaded ``operator<<`` (a
built-in shift's value, discarded, changes nothing: C++ [expr.shift], [stmt.expr]), not a
shift: every iteration writes the one stream, in order, and the stream object is no data a
compute construct can map.  The analysis read it as a shift of two numbers and answered
``parallel loop gang vector copyin(variables[0:nel])``, which ``g++ -fopenacc`` rejects
("'file' referenced in target region does not have a mappable type") — ``suggest --apply``
wrote a file that does not build.  Such a statement is now a call with I/O effect: no
pragma, with a note.  Twin: a shift whose value is used (``b[i] = a[i] << 2``) is arithmetic
and keeps its ``parallel loop``.  The whole program, annotated by ``--apply`` and by
``--offload --apply``, builds with ``g++ -fopenacc`` and writes what the serial build
writes."""

from __future__ import annotations

import json
import shutil

import pytest
from _cli_util import run_host_fallback, run_suggest

GXX = shutil.which("g++")

PROGRAM = """\
#include <cstdio>
#include <fstream>
#include <iostream>

void dump(const double *v, int n, const char *path)
{
    std::ofstream file(path);
    file << n << std::endl;
    for (int i = 0; i < n; i++)  /* file out */
        file << v[i] << std::endl;
    for (int i = 0; i < n; i++)  /* console out */
        std::cout << v[i] << " ";
    std::cout << std::endl;
}

void shift(const int *a, int *b, int n)
{
    for (int i = 0; i < n; i++)  /* twin shift */
        b[i] = a[i] << 2;
}

int main()
{
    const int n = 50;
    double v[n];
    int a[n], b[n];
    for (int i = 0; i < n; i++) { v[i] = 0.5 * i; a[i] = i; }
    shift(a, b, n);
    dump(v, n, "out.txt");
    int bad = 0;
    for (int i = 0; i < n; i++) bad += b[i] != 4 * i;
    std::ifstream in("out.txt");
    int m = 0;
    double x, sum = 0.0;
    in >> m;
    while (in >> x) sum += x;
    bad += m != n || sum != 0.5 * n * (n - 1) / 2;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _row(marker: str) -> int:
    return next(k for k, ln in enumerate(PROGRAM.splitlines(), 1) if marker in ln)


def test_stream_loops_get_no_pragma_and_a_note(tmp_path):
    src = tmp_path / "p.cpp"
    src.write_text(PROGRAM)
    r = run_suggest(src, "--json", "--engine", "auto")
    assert r.returncode == 0, r.stderr
    by_line = {s["line"]: s for s in json.loads(r.stdout)}
    for marker in ("file out", "console out"):
        got = by_line[_row(marker)]
        assert got["pragma"] is None, got
        assert any("operator<<" in n and "I/O" in n for n in got["notes"]), got["notes"]
    assert "parallel loop" in (by_line[_row("twin shift")]["pragma"] or "")


@pytest.mark.parametrize("mode", [[], ["--offload"]], ids=["apply", "offload"])
def test_program_builds_and_verifies(mode, tmp_path):
    assert GXX, "g++ is required for these tests (.ci/run installs it)"
    src = tmp_path / "p.cpp"
    src.write_text(PROGRAM)
    r = run_suggest(src, "--apply", "--engine", "auto", *mode)
    assert r.returncode == 0, r.stderr
    out = src.read_text()
    assert out.count("#pragma acc") >= 1, out
    run = run_host_fallback(GXX, [src], tmp_path, out)
    assert run.stdout.strip().endswith("OK"), run.stdout + out
