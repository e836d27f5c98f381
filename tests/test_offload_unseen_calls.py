"""With the file planned alone, a call of a function of another file is no host code the
region can update around: that function may offload loops of its own (its file planned too,
or written with OpenACC), and their "present or copy" clauses (OpenACC 3.3, 2.7.1) would find
the region's copy of what they reach, while the ``update self``/``update device`` around the
call serve a host helper — the ``update device`` after it overwrites what its loops wrote.

The program: ``step`` (in ``main.c``) runs a loop over the globals ``g`` and ``h``, calls
``relax()`` (in ``kernel.c``, reaching them by name through the shared header) and runs a
second loop.  Each file planned alone (``accellium suggest FILE --offload`` on each) and both
plans applied: before, ``step``'s one region held ``g`` and ``h`` across ``relax()`` and the
program failed with a stale read; now the region is split at the call
(``dataset/offload/unseen_calls.py``).  Twins: ``relax`` left as written (host code) verifies
with the split regions too; with the program's other file given (``--program``, planned
first) ``step``'s plan sees ``relax``'s OpenACC and verifies as well (the evaluation's
coordinated planning of every file, which knows what each callee's host code reaches, keeps
one region: tests/test_offload_extern_chain.py).  Whole programs, built with real
gcc and run in the data-environment emulator."""

from __future__ import annotations

from pathlib import Path

from _offload_util import acc_lines, run_as_written
from test_offload_extern_chain import HEADER, KERNEL
from test_offload_header_suffix import MAIN as DRIVER
from test_offload_header_suffix import SOLVER

from accellium.dataset.includes import read_includes
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

# the driver of tests/test_offload_header_suffix.py with `step` (from its solver) in it
STEP = SOLVER[SOLVER.index("void step"):]
MAIN = DRIVER.replace("static double rg[NN], rh[NN];\n", "static double rg[NN], rh[NN];\n\n" + STEP)


def _planned(folder: Path, name: str, program: list[bytes] | None = None) -> str:
    """``name`` with its offload plans applied, as ``accellium suggest NAME --offload`` writes
    it (its headers read from ``folder``; ``program``: the other file, as ``--program``)."""
    src = (folder / name).read_bytes()
    plans = offload_source(src, get_engine("analysis"), path=name, program=program,
                           includes=read_includes(src, folder / name, "c", [folder]))
    return apply_plans(src, plans).decode()


def test_each_file_planned_alone_composes(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    for name, text in {"glob.h": HEADER, "kernel.c": KERNEL, "main.c": MAIN}.items():
        (folder / name).write_text(text)
    kernel, main = _planned(folder, "kernel.c"), _planned(folder, "main.c")
    # both plans applied; and the driver's plan with `relax` as written (host code)
    run_as_written(tmp_path / "run", {
        "both": {"kernel.c": kernel, "main.c": main, "glob.h": HEADER},
        "host_relax": {"kernel.c": KERNEL, "main.c": main, "glob.h": HEADER}})
    # `relax` offloads; `step`'s regions end before its call and start again after it
    assert acc_lines(kernel) and not any(a.startswith("#pragma acc data") for a in
                                         acc_lines(main[:main.index("static void reference")])), main
    # the program known, its callee's file planned first: `step`'s plan sees `relax`'s
    # OpenACC (a barrier as before: what its host code reaches is not known)
    whole = _planned(folder, "main.c", program=[kernel.encode()])
    run_as_written(tmp_path / "run2", {"whole": {"kernel.c": kernel, "main.c": whole,
                                                 "glob.h": HEADER}})


def test_files_planned_in_turn_with_the_program_compose(tmp_path):
    """``accellium suggest main.c --offload --program kernel.c --apply``, then the same for
    ``kernel.c`` with ``--program main.c``: when ``main.c`` is planned, ``relax`` (in
    ``kernel.c``) is host code as written, but it has a loop its own plan offloads.  Before,
    ``step``'s region held ``g`` and ``h`` across its call with updates around it, and once
    ``kernel.c`` was planned in turn the program read stale data; a function of the program's
    other files with a loop the engine offloads is now no host code to the caller's plan
    (server.offload.program_offloading), and the two plans compose."""
    from _cli_util import run_suggest

    folder = tmp_path / "src"
    folder.mkdir()
    for name, text in {"glob.h": HEADER, "kernel.c": KERNEL, "main.c": MAIN}.items():
        (folder / name).write_text(text)
    for one, other in (("main.c", "kernel.c"), ("kernel.c", "main.c")):
        done = run_suggest(folder / one, "--offload", "--program", str(folder / other),
                           "--apply")
        assert done.returncode == 0, done.stderr
    main, kernel = (folder / "main.c").read_text(), (folder / "kernel.c").read_text()
    assert acc_lines(kernel) and acc_lines(main), (kernel, main)
    run_as_written(tmp_path / "run", {"in_turn": {"kernel.c": kernel, "main.c": main,
                                                  "glob.h": HEADER}})
