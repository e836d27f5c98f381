"""No copy in for a scratch array whose reads reach only what the same host iteration wrote
(issue #15): a loop at the top of each time step writes ``b[i*n + j]`` over the interior, a
later loop reads ``b[i*n + j]`` over the same interior — the same polynomial over the same
index ranges reaches the same elements, so every read sees this step's write and the holes
of the section (the borders between rows) are never read.  With nothing copied back (the
caller's scratch), ``b`` is created, not copied in.  Twin: the later loop reads one column
more (``j`` from 0), a hole the device never wrote: the host's values must be copied in.
Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import JACOBI_KERNEL as KERNEL
from _offload_util import JACOBI_MAIN as MAIN
from _offload_util import acc_lines, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import apply_plans, offload_source

N, STEPS = 64, 5


def _acc(lo: str, engine) -> list[str]:
    src = KERNEL.replace("LO", lo).encode()
    main = MAIN.replace("LO", lo).encode()
    return acc_lines(apply_plans(src, offload_source(src, engine, path="k.c",
                                                     program=[main])).decode())


def test_reads_of_what_the_step_wrote_need_no_copy_in(engine):
    assert _acc("1", engine)[0] == \
        "#pragma acc data copy(a[1:n*n-2]) create(b[n+1:n*n-2*n-2])"


def test_a_read_of_a_hole_keeps_the_copy_in(engine):
    assert _acc("0", engine)[0] == "#pragma acc data copyin(b[n:n*n-2*n-1]) copy(a[1:n*n-2])"


def test_the_programs_verify_in_the_emulator(tmp_path):
    progs = {f"jacobi_lo{lo}": (KERNEL.replace("LO", lo),
                                MAIN.replace("LO", lo).replace("NSIZE", str(N))
                                .replace("NSTEPS", str(STEPS)))
             for lo in ("0", "1")}
    res = evaluate_dynamic(write_suite(tmp_path, progs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    a = 2 * (N * N - 2) * 8
    assert moved["jacobi_lo1"] == a, moved
    assert moved["jacobi_lo0"] == a + (N * N - 2 * N - 1) * 8, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
