"""A bundled program built the way benchmark suites build their kernels (``pbc_conv_steps``):
the common header in a folder of its own found through ``-I`` (``#include <benchcfg.h>``),
the sizes and the loop-bound / array-dimension macros chosen by preprocessor groups that the
compile command's ``-D`` decides (each of those macros has two definitions under ``#ifdef``),
the buffers from an allocator in another translation unit, and no self check: the program
prints its result and the run is compared with the serial build's output (``"verify":
{"kind": "differential"}``).

The compile command is the whole command line (no ``-include`` or ``@file``), so every group
is decided (C11 6.10.1) and each macro has one definition: the per-loop engine and the plan
read ``_PB_N`` as the size it is.  Run through the dynamic evaluation with the plan: the
authors' pragmas, the per-loop answers and the plan verify against the serial output, the plan
offloads both of the authors' loops and moves half the authors' bytes (they copy ``A`` in and
out once and create ``B``: 2 x 120 x 120 doubles; the plan's region in ``main`` also holds
``init_array``, which makes ``A`` on the device — nothing wrote it since the allocation macro
— so ``A`` is only copied out), where the per-loop answers move both arrays at each of the
ten steps."""

from __future__ import annotations

from pathlib import Path

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

SUITE = Path(__file__).resolve().parents[1] / "evaluation" / "programs"
N = 120


def test_suite_kernels_built_with_include_dirs_and_defines(tmp_path):
    r = evaluate_dynamic(SUITE / "manifest.json", "analysis", threads=2, runs=1,
                         with_mutations=False, only=["pbc_conv_steps"], offload=True,
                         work_dir=tmp_path)
    (p,) = r["programs"]
    assert p["serial"]["status"] == "verified"
    assert p["original"]["status"] == "verified"
    assert p["engine"]["status"] == "verified"
    assert p["offload"]["status"] == "verified"
    plan = p["offload"]["bytes_h2d"] + p["offload"]["bytes_d2h"]
    authors = p["original"]["bytes_h2d"] + p["original"]["bytes_d2h"]
    per_loop = p["engine"]["bytes_h2d"] + p["engine"]["bytes_d2h"]
    assert authors == 2 * N * N * 8 and plan == N * N * 8
    assert per_loop > 10 * authors
    assert p["offload_covered"] == p["author_parallel_loops"] == 2
