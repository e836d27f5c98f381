"""A loop sent alone (no file: the code after it unknown) that accumulates into a scalar gets
its ``reduction`` from the guard, whatever engine answered ``parallel loop``: in a compute
construct the scalar is firstprivate, so without the clause the host never sees the loop's
value (OpenACC 3.3, 2.5.2).  Proven on a whole program: the answers, taken from a real server
over HTTP, are written above the loops of a program that reads the results after them, built
with gcc -fopenacc and run in the data-environment emulator; the same pragmas without the
reduction clause (what the guard let through before) give wrong results there."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from _offload_util import write_suite
from _server_util import running_server

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.app import Settings

LOOPS = {
    "SUM": "for (int i = 0; i < n; i++) s += a[i];",
    "MAX": "for (int i = 0; i < n; i++) if (a[i] > m) m = a[i];",
    "PROD": "for (int i = 0; i < n; i++) p = p * (1.0 + a[i] / 1024.0);",
}

KERNEL = """
double total(int n, const double *a)
{
    double s = 0.0;
    SUM_PRAGMA
    SUM
    return s;
}

double biggest(int n, const double *a)
{
    double m = a[0];
    MAX_PRAGMA
    MAX
    return m;
}

double growth(int n, const double *a)
{
    double p = 1.0;
    PROD_PRAGMA
    PROD
    return p;
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
double total(int n, const double *a);
double biggest(int n, const double *a);
double growth(int n, const double *a);
int main(void)
{
    enum { n = 4096 };
    static double a[n];
    double s = 0.0, m, p = 1.0;
    for (int i = 0; i < n; i++) a[i] = (double)((i * 37) % 101);
    m = a[0];
    for (int i = 0; i < n; i++) { s += a[i]; if (a[i] > m) m = a[i]; p = p * (1.0 + a[i] / 1024.0); }
    int bad = fabs(total(n, a) - s) > 1e-6 * s || biggest(n, a) != m
              || fabs(growth(n, a) - p) > 1e-9 * p;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _answers() -> dict[str, str]:
    """The pragma a real server answers for each loop sent alone, with an engine that always
    says ``parallel loop`` (the guard completes it)."""
    out = {}
    with running_server(Settings(engine="const", access_log=False)) as url:
        for name, code in LOOPS.items():
            r = httpx.post(f"{url}/v1/suggest", json={"code": code, "language": "c"}, timeout=60)
            assert r.status_code == 200, r.text
            out[name] = r.json()["pragma"]
    return out


def _program(pragmas: dict[str, str]) -> str:
    """The kernel with ``pragmas`` above its loops; ``a`` is copied in where the answer has no
    data clause for it (the const engine's answers name no data: not what is tested here)."""
    text = KERNEL
    for name, code in LOOPS.items():
        pragma = pragmas[name] if "a[" in pragmas[name] else pragmas[name] + " copyin(a[0:n])"
        text = text.replace(f"{name}_PRAGMA", pragma).replace(f"    {name}\n",
                                                                      f"    {code}\n")
    return text


def _status(tmp: Path, name: str, kernel: str) -> str:
    manifest = write_suite(tmp, {name: (kernel, MAIN)})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    return res["programs"][0]["original"]["status"]


def test_a_snippet_accumulation_gets_its_reduction_and_the_program_verifies(tmp_path: Path):
    answers = _answers()
    assert re.search(r"\breduction\(\+:s\)", answers["SUM"]), answers
    assert re.search(r"\breduction\(max:m\)", answers["MAX"]), answers
    assert re.search(r"\breduction\(\*:p\)", answers["PROD"]), answers
    assert _status(tmp_path / "guarded", "guarded", _program(answers)) == "verified"
    bare = {k: re.sub(r"\s*reduction\([^)]*\)", "", v) for k, v in answers.items()}
    assert all("reduction" not in v for v in bare.values())
    assert _status(tmp_path / "bare", "bare", _program(bare)) in ("race", "data")
