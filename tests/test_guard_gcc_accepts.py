"""Answers gcc refused after the guard (found by compiling guarded fixed answers with gcc
``-fopenacc``; the emulator ran every one): the guard now rewrites each to the form OpenACC
and gcc take (``server/safety.level_arguments``, ``server/safety_directive.orphaned_loop``,
``server/safety_data.visible_names``).

* **A count on ``gang``/``worker``/``vector`` in a ``parallel`` or ``serial`` construct**
  (``kernels loop gang(32) vector(128)`` turned into ``loop gang(32) vector(128)`` inside a
  ``parallel`` block, ``parallel loop gang(num:8) worker(4)``): only a ``kernels`` construct
  takes one (OpenACC 3.3, 2.9.2-2.9.4; gcc: "argument not permitted on 'gang' clause").  The
  count goes, the level stays (``static:`` too).
* **An orphaned ``loop``** in a function that is not an ``acc routine``, in a known file:
  it binds to no compute construct (gcc: "OpenACC loop directive must be associated with an
  OpenACC compute region").  It becomes ``parallel loop`` (``serial loop`` for ``loop
  seq``), judged as any such answer.
* **``private(i)`` of the loop's own variable** declared in its header (``for (int i =
  0; ...)``): no name at the pragma (C11 6.8.5p5; gcc: "'i' undeclared"); left out, as a
  body's locals are.

Proven on whole programs: each guarded answer builds with real gcc ``-fopenacc`` and verifies
in the data-environment emulator.
"""

from __future__ import annotations

import pytest
from _offload_util import failing_as_written, gcc_compile, write_suite
from test_guard_answers_any_engine import KERNEL as FLAT
from test_guard_answers_any_engine import MAIN as FLAT_MAIN
from test_guard_answers_any_engine import _guarded
from test_guard_in_compute_region import MAIN as NESTED_MAIN
from test_guard_in_compute_region import REF, _answered

IN_REGION = ["#pragma acc kernels loop gang(32) vector(128)",
             "#pragma acc loop gang(4) worker(2) vector(8)"]
OUTSIDE = ["#pragma acc parallel loop private(i)", "#pragma acc loop gang",
           "#pragma acc loop seq", "#pragma acc loop independent",
           "#pragma acc parallel loop gang(num:8, static:*) worker(4) vector(length:32)"]


def test_answers_inside_compute_constructs_build_and_verify(tmp_path):
    programs, shown = {}, {}
    for k, answer in enumerate(IN_REGION):
        for target in REF:
            text, pragma, _ = _answered(answer, target)
            key = f"a{k}_{target}"
            programs[key], shown[key] = (text, NESTED_MAIN), (answer, target, pragma)
            built = gcc_compile(tmp_path, text, key)
            assert built.returncode == 0, (shown[key], built.stderr[-600:])
    failed = failing_as_written(write_suite(tmp_path / "suite", programs))
    assert not failed, {shown[k]: v for k, v in failed.items()}


def test_answers_outside_any_construct_build_and_verify(tmp_path):
    programs = {}
    for k, answer in enumerate(OUTSIDE):
        text, _ = _guarded(answer)
        built = gcc_compile(tmp_path, text, f"o{k}")
        assert built.returncode == 0, (answer, built.stderr[-600:])
        programs[f"o{k}"] = (text, FLAT_MAIN)
    failed = failing_as_written(write_suite(tmp_path / "suite", programs))
    assert not failed, failed


@pytest.mark.parametrize(("answer", "target", "want", "note"), [
    ("#pragma acc kernels loop gang(32) vector(128)", "t2", "#pragma acc loop gang vector",
     "the count is left out"),
    ("#pragma acc kernels loop gang(32) vector(128)", "t3",
     "#pragma acc loop gang(32) vector(128)", ""),  # `kernels`: counts allowed
])
def test_counts_in_and_out_of_kernels(answer, target, want, note):
    _, pragma, notes = _answered(answer, target)
    assert pragma == want, (pragma, notes)
    assert note in notes


def test_the_rewrites_outside_any_construct():
    lines = FLAT.splitlines()
    first = next(k + 1 for k, ln in enumerate(lines) if ln.lstrip().startswith("for ("))
    _, got = _guarded("#pragma acc loop gang")
    pragma, notes = got[first]
    assert pragma is not None and pragma.startswith("#pragma acc parallel loop gang"), got
    assert "binds to no construct" in notes
    _, got = _guarded("#pragma acc loop seq")
    assert got[first][0] is not None and got[first][0].startswith("#pragma acc serial loop")
    _, got = _guarded("#pragma acc parallel loop private(i)")
    assert got[first][0] is not None and "private" not in got[first][0], got[first]
    assert "`i`: not a variable declared where the pragma goes" in got[first][1]
    _, got = _guarded(OUTSIDE[-1])
    assert got[first][0] is not None and \
        "gang(static:*) worker vector" in got[first][0], got[first]
