"""A loop whose callee names a file-scope variable gets no compute construct (found by probing
with self-checking programs): the callee would need ``#pragma acc routine seq``, and a routine
may name a variable of file scope only when a ``declare`` directive puts it on the device
(OpenACC 3.3, 2.15.1).  gcc rejects the file otherwise ("requires a 'declare' directive") —
a ``static const`` coefficient table and a scalar the helper only reads alike.  Before,
``suggest --apply`` wrote the compute construct and the routine line, and the file did not
build; the offload planner already refused (``routines.undeclared_use``), the per-loop guard
now does too (``safety.undeclared_in_routines``).  Twin: with ``#pragma acc declare
copyin(scale)`` after the declaration the loop takes its pragma, and the written file builds.

Each written file is compiled with real gcc -fopenacc."""

from __future__ import annotations

import subprocess

import pytest
from test_suggest_apply import GCC

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

READS = """double scale = 2.0;
DECLARE
static double sc(double x) { return x * scale; }

void scl(int n, const double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++)
        b[i] = sc(a[i]);
}
"""
TABLE = """static const double W[3] = {0.25, 0.5, 0.25};

static double wsum(double l, double c, double r) { return W[0] * l + W[1] * c + W[2] * r; }

void smooth(int n, const double *restrict a, double *restrict b)
{
    for (int i = 0; i < n - 2; i++)
        b[i] = wsum(a[i], a[i + 1], a[i + 2]);
}
"""


def _build(path) -> subprocess.CompletedProcess:
    assert GCC, "gcc is required for these tests"
    return subprocess.run([GCC, "-fopenacc", "-c", "-o", "/dev/null", str(path)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("text, name", [(READS.replace("DECLARE", ""), "scale"),
                                        (TABLE, "W")])
def test_a_callee_naming_a_file_variable_keeps_the_loop_on_the_host(tmp_path, text, name):
    f = tmp_path / "k.c"
    f.write_text(text)
    got = annotate_source(f.read_bytes(), get_engine("analysis"), path=str(f))
    loop = got[-1]
    assert loop.pragma is None, loop.pragma
    assert any(f"names `{name}`, a variable of file scope" in n and "declare" in n
               for n in loop.notes), loop.notes


def test_with_a_declare_directive_the_loop_takes_its_pragma_and_builds(tmp_path):
    from test_suggest_apply import run

    f = tmp_path / "k.c"
    f.write_text(READS.replace("DECLARE", "#pragma acc declare copyin(scale)"))
    r = run("suggest", str(f), "--engine", "analysis", "--apply")
    assert r.returncode == 0, r.stderr
    out = f.read_text()
    assert "#pragma acc routine seq" in out and "#pragma acc parallel loop" in out, out
    built = _build(f)
    assert built.returncode == 0, built.stderr + out
