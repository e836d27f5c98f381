"""A loop that calls a function needing what only the host has — a stream or file other than
the standard output (``fprintf(fp, ...)``), ``rand``'s state, the clock, the heap — gets no
compute construct outside a compute region, ``serial`` included: the safety guard refuses it
for every engine's answer.  Printing on the standard output (``printf``) may run in a
``serial`` construct (the twin).  Proven on a whole program built for the GPU (gcc
-fopenacc -foffload=nvptx-none, as the dynamic evaluation's GPU mode builds): with the guarded
answers it links and, run (on the host when no GPU is present), verifies; with the ``serial
loop`` the engine answered over the ``fprintf`` loop the offload build does not link."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _fixed_engine import FixedAnswer
from _offload_util import gpu_build, run_built

from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest

SAVE = "for (int i = 0; i < n; i++)\n        fprintf(fp, \"%.3f\\n\", a[i]);"
SHOW = "for (int i = 0; i < n; i++)\n        printf(\"%.3f\\n\", a[i]);"
NOISE = "for (int i = 0; i < n; i++)\n        a[i] += (double)(rand() % 7) / 64.0;"

PROGRAM = """#include <stdio.h>
#include <stdlib.h>
#include <math.h>

void save(FILE *fp, int n, const double *a)
{
    SAVE_PRAGMA
    SAVE
}

void show(int n, const double *a)
{
    SHOW_PRAGMA
    SHOW
}

int main(void)
{
    enum { N = 16 };
    double a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = i * 0.25;
    FILE *fp = fopen("values.txt", "w");
    save(fp, N, a);
    fclose(fp);
    show(N, a);
    fp = fopen("values.txt", "r");
    int bad = 0;
    for (int i = 0; i < N; i++) bad += fscanf(fp, "%lf", &b[i]) != 1 || fabs(b[i] - a[i]) > 1e-9;
    fclose(fp);
    printf(bad ? "FAIL %d\\n" : "OK\\n", bad);
    return bad != 0;
}
"""

SERIAL = "#pragma acc serial loop copyin(a[0:n])"



def _guarded(code: str, answer: str = SERIAL) -> tuple[str | None, list[str]]:
    s = suggest(LoopQuery(code=code, lang="c"), FixedAnswer(answer), fallback=None)
    return s.pragma, [str(n) for n in s.notes]


def _program(save: str | None, show: str | None) -> str:
    return (PROGRAM.replace("SAVE_PRAGMA", save or "").replace("SHOW_PRAGMA", show or "")
            .replace("SAVE", SAVE).replace("SHOW", SHOW))


def _gpu_build(tmp: Path, text: str) -> subprocess.CompletedProcess:
    return gpu_build(tmp, {"values.c": text}, timeout=300)


def test_no_compute_construct_over_a_host_stream_and_the_gpu_build_links_and_verifies(tmp_path):
    save, notes = _guarded(SAVE)
    assert save is None
    assert any("`fprintf(...)`" in n and "only the host" in n for n in notes), notes
    show, _ = _guarded(SHOW)  # twin: standard output, in order in a `serial` construct
    assert show == SERIAL
    built = _gpu_build(tmp_path, _program(save, show))
    assert built.returncode == 0, built.stderr[-2000:]
    run = run_built(tmp_path)
    assert run.returncode == 0 and run.stdout.strip().endswith("OK"), run.stdout + run.stderr
    # the answer as the engine gave it: the offload build cannot link the host stream call
    raw = _gpu_build(tmp_path, _program(SERIAL, show))
    assert raw.returncode != 0
    assert "unresolved symbol" in raw.stderr, raw.stderr[-2000:]


@pytest.mark.parametrize("answer", [SERIAL, "#pragma acc serial copyin(a[0:n])",
                                    "#pragma acc kernels loop copy(a[0:n])"])
def test_the_hosts_random_state_keeps_the_loop_on_the_host(answer):
    # a device `rand` draws the device's own sequence, not the program's
    got, notes = _guarded(NOISE, answer)
    assert got is None and any("`rand(...)`" in n for n in notes), notes


def test_inside_a_compute_region_the_rule_is_not_the_loops_to_make():
    # the enclosing construct is the user's: the loop's own pragma stays sequential
    q = LoopQuery(code=SHOW, lang="c", enclosing=("#pragma acc serial",))
    s = suggest(q, FixedAnswer("#pragma acc loop seq"), fallback=None)
    assert s.pragma == "#pragma acc loop seq"
