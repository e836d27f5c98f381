"""A function-like macro called in a callee's host code is judged by its replacement text
(:func:`accellium.dataset.offload.calls._macro_globals`).

The preprocessor replaces ``SCALE(s, 0.5)`` by ``((s) * (0.5))`` before the code is read (C11
6.10.3): the call does what its tokens do.  When they store nothing, take no address and call
no function of the program (nor one outside the C library), the call reaches only the globals
it names — here none — so the callee's host code does not count as touching every global, and
the caller's region can hold the call (the driver of
``tests/test_offload_by_value_elements.py``, its ``check`` storing ``SCALE(s, 2.0) * 0.5`` in a
file-scope array on the host).  Before, the macro call was read as an unknown function call
that may touch every global: with the host store, ``check``'s call was a barrier for every
array of the region, and no region held the driver's loop.

Twin: the macro expands to a call of a function of the program that names a global array
(``scaled(s)`` reading ``tw``): a real call, refused as before.  Whole programs, built with
real gcc and run in the data-environment emulator, their bytes counted."""

from __future__ import annotations

import test_offload_by_value_elements as base
from _offload_util import plan_text, run_verified, verified_offload_bytes

from accellium.server.engines import get_engine

PURE = "#define SCALE(x, k) ((x) * (k))\n"
CALLS = "#define SCALE(x, k) (scaled(x) * (k))\n"
SCALED = """static double scaled(double x)
{
    return x * tw[0] / tw[0];
}

"""


def _program(macro: str) -> tuple[str, str]:
    kernel, main = base._program("static")
    kernel = macro + kernel.replace("    return s;\n}", "    s = SCALE(s, 2.0) * 0.5;\n"
                                    "    hist[0] = s;\n    return s;\n}")
    kernel = kernel.replace("static double u[N]", "static double hist[4];\nstatic double u[N]")
    if macro == CALLS:
        kernel = kernel.replace("static double check(", SCALED + "static double check(")
    return kernel, main


def test_a_pure_macro_call_lets_the_region_hold_the_call():
    engine = get_engine("analysis")
    _, plans = plan_text(_program(PURE)[0], engine, program=[base.MAIN.encode()])
    run = plans["run"]
    assert {"evolve", "fft", "check"} <= {f for c in run.calls for f in c["functions"]}, \
        run.notes
    assert len(run.regions) == 1 and run.regions[0]["repeated"], run.regions
    _, tplans = plan_text(_program(CALLS)[0], engine, program=[base.MAIN.encode()])
    assert "check" not in {f for c in tplans["run"].calls for f in c["functions"]}, \
        tplans["run"].notes


def test_the_programs_verify_and_the_held_region_moves_less(tmp_path):
    rows = run_verified(tmp_path, {"pure": _program(PURE), "calls": _program(CALLS)},
                        variants=("offload",))
    moved = verified_offload_bytes({"programs": list(rows.values())})
    assert 3 * moved["pure"] < moved["calls"], moved
