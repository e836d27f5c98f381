"""With a C file known, an expression argument of a clause (``gang(...)``, ``num_gangs(...)``,
``vector_length(...)``) may name only what is declared where the pragma goes
(:func:`accellium.server.safety_data.visible_names`).  A form retrieved from another loop can
carry that loop's names (``gang((end+127)/128)`` in a function with no ``end``): gcc rejects
the pragma ("'end' undeclared").  The guard keeps the level (``gang``) without the argument
and drops the other clauses; a declared name and a macro constant stay.  Checked with real
gcc on the whole file."""

from __future__ import annotations

import re
import subprocess

from _fixed_engine import FixedAnswer

from accellium.dataset.analysis import scope_of
from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest

SRC = """#define NB 128
void axpy(int n, double beta, double *p, const double *r)
{
    int chunk = 64;
    for (int i = 0; i < n; i++)
        p[i] = r[i] + beta * p[i];
}
"""
LOOP = "for (int i = 0; i < n; i++)\n        p[i] = r[i] + beta * p[i];"


def _guarded(answer: str) -> str | None:
    at = SRC.index(LOOP)
    q = LoopQuery(code=LOOP, lang="c", scope=scope_of(SRC, len(SRC[:at].encode())))
    return suggest(q, FixedAnswer(answer), fallback=None).pragma


def _compiles(tmp_path, pragma: str) -> subprocess.CompletedProcess:
    src = tmp_path / "k.c"
    src.write_text(SRC.replace(LOOP, pragma + "\n    " + LOOP))
    return subprocess.run(["gcc", "-fopenacc", "-Werror=unknown-pragmas", "-c", str(src), "-o",
                           str(tmp_path / "k.o")], capture_output=True, text=True, timeout=120)


def test_undeclared_names_leave_the_clause_arguments(tmp_path):
    given = ("#pragma acc kernels loop gang((end+127)/128) vector(128) num_workers(nw) "
             "independent copyin(r[0:n]) copy(p[0:n])")
    assert _compiles(tmp_path, given).returncode != 0  # gcc: 'end' undeclared
    got = _guarded(given)
    assert got is not None and not re.search(r"\b(end|nw)\b", got), got
    assert "gang" in got and "vector(128)" in got, got
    res = _compiles(tmp_path, got)
    assert res.returncode == 0, res.stderr


def test_declared_names_and_macro_constants_stay(tmp_path):
    given = ("#pragma acc parallel loop gang num_gangs((n+NB-1)/NB) "
             "vector_length(chunk * (int) sizeof(double)) copyin(r[0:n]) copy(p[0:n])")
    got = _guarded(given)
    assert got is not None and "num_gangs((n+NB-1)/NB)" in got and \
        "vector_length(chunk*(int)sizeof(double))" in got.replace(" ", ""), got
    res = _compiles(tmp_path, got)
    assert res.returncode == 0, res.stderr
