"""A function of another file that names a global its header declares reaches that global
only (issue #15).

The dynamic evaluation (and ``--program``) knows every file of the program, and a call of a
function another file defines reaches only the arrays of external linkage its definition
names (C11 6.2.2p2, 6.9p5) — when every name it uses is declared where the planner can see
it.  A name declared in a header the other file includes was not seen (the other files'
headers were not read), so such a call was taken to reach every global: a kernel calling a
point evaluator inside its host loops (``point(x, t)``, which reads only ``coef`` of the
shared header) had the whole grid pulled before and pushed after each call.  The other
files' headers are now read as the program's compile command finds them: their file-scope
declarations are the unit's (C11 6.10.2p3).

Whole programs, built with real gcc and run in the data-environment emulator; twin: the
evaluator also adds to the grid, and the updates stay."""

from __future__ import annotations

import httpx
from _cli_util import run_suggest
from _offload_util import acc_lines, plan_written, verified_offload_bytes, write_suite
from _server_util import running_server

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.app import Settings
from accellium.server.engines import get_engine

HEADER = """#define N 64
extern double f[N][N];
extern double coef[2];
void point(double x, double out[2]);
void rhs(void);
"""
KERNEL = """#include "glob.h"
double f[N][N], coef[2];
void rhs(void)
{
    double t[2];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            f[i][j] = 1.0;
    for (int i = 1; i < N - 1; i++) {
        point(i * 0.1, t);
        for (int j = 0; j < N; j++)
            f[i][j] += t[0] * j + t[1];
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include "glob.h"
void point(double x, double out[2])
{
    out[0] = coef[0] * x;
    out[1] = coef[1] + x;
    TOUCH
}
int main(void)
{
    int bad = 0;
    coef[0] = 0.5;
    coef[1] = 2.0;
    rhs();
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double want = 1.0;
            if (i > 0 && i < N - 1)
                want += 0.5 * i * 0.1 * j + 2.0 + i * 0.1 + EXTRA;
            bad += fabs(f[i][j] - want) > 1e-9;
        }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
#: what the evaluator does besides its result; what that adds to each row
VARIANTS = {"reads_coef": ("", "0.0"), "writes_grid": ("f[0][0] += 0.0;", "0.0")}


def _programs() -> dict[str, tuple[str, str]]:
    return {name: (KERNEL, MAIN.replace("TOUCH", touch).replace("EXTRA", extra))
            for name, (touch, extra) in VARIANTS.items()}


def _plan(tmp_path, name: str) -> list[str]:
    folder = tmp_path / "programs" / name
    text, _ = plan_written(folder, get_engine("analysis"), [(folder / "main.c").read_bytes()],
                           [(HEADER.encode(),)])
    return acc_lines(text)


def _cli(tmp_path, name: str) -> str:
    """``accellium suggest kernel.c --offload --program main.c --include-dir DIR``."""
    folder = tmp_path / "programs" / name
    got = run_suggest(folder / "kernel.c", "--offload", "--program", str(folder / "main.c"),
                      "--include-dir", str(folder), "--engine", "analysis")
    assert got.returncode == 0, got.stderr
    return got.stdout


def test_a_call_reaches_only_the_globals_its_header_declares_and_it_names(tmp_path):
    manifest = write_suite(tmp_path, _programs(),
                           headers={name: {"glob.h": HEADER} for name in VARIANTS})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    grid, rows = 64 * 64 * 8, 62
    # reads_coef: both nests on the device in one region, the call between them on the host
    # needs only t pushed (2 doubles per row); f is made on the device and copied out once
    assert moved["reads_coef"] == grid + rows * 2 * 8, moved
    # writes_grid: the call may write f, so keeping the row loop on the device would pull and
    # push the grid around every call: it stays on the host, f copied out after the first nest
    assert moved["writes_grid"] == grid, moved
    plans = {name: _plan(tmp_path, name) for name in VARIANTS}
    assert sum("parallel loop" in a for a in plans["reads_coef"]) == 2, plans
    assert sum("parallel loop" in a for a in plans["writes_grid"]) == 1, plans
    # the command line reads main.c's header as it reads kernel.c's
    assert _cli(tmp_path, "reads_coef").count("parallel loop") == 2
    assert _cli(tmp_path, "writes_grid").count("parallel loop") == 1


def test_the_http_endpoint_reads_the_program_files_headers():
    """``POST /v1/offload`` with ``program``: the other file and the header it includes."""
    with running_server(Settings(engine="analysis", access_log=False)) as url, \
            httpx.Client(base_url=url, timeout=120) as c:
        got = {}
        for name, main in _programs().items():
            r = c.post("/v1/offload", json={"code": KERNEL, "path": "kernel.c", "program": [
                {"path": "main.c", "code": main[1]}, {"path": "glob.h", "code": HEADER}]})
            assert r.status_code == 200, r.text
            got[name] = r.json()["code"].count("parallel loop")
    assert got == {"reads_coef": 2, "writes_grid": 1}, got
