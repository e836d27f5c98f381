"""Safety rules proven on whole programs (#17): each program in ``tests/programs_safety/``
checks its own results against a serial reference and prints OK.  ``accellium suggest
--apply`` annotates it, gcc builds it with ``-fopenacc`` (host fallback: compute regions run
sequentially, which already shows the firstprivate live-out bug and the exit bug) and it must
still verify.  Controls show the planted hazards are real: the naive ``#pragma acc parallel
loop`` on a planted loop breaks the build or the answer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "programs_safety"
GCC = ["gcc", "-fopenacc", "-foffload=disable", "-O1", "-Wall"]
# the annotated file, and the translation units linked with it
BUILDS = {"liveout": [], "calls": ["calls_lib.c"], "indirect": [], "exits": []}


def _env() -> dict[str, str]:
    # no training pairs: the engines answer from the analysis (and auto's defaults), fast and
    # the same on every machine
    return {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}


def _copy(name: str, tmp: Path) -> Path:
    for f in [f"{name}.c", *BUILDS[name]]:
        shutil.copy(PROGRAMS / f, tmp / f)
    return tmp / f"{name}.c"


def _build_and_run(src: Path) -> subprocess.CompletedProcess:
    exe = src.with_suffix("")
    units = [str(src), *(str(src.parent / f) for f in BUILDS[src.stem])]
    built = subprocess.run([*GCC, *units, "-o", str(exe), "-lm"], capture_output=True,
                           text=True, timeout=120)
    if built.returncode != 0:
        return built
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                          cwd=src.parent)


def _suggest(src: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accellium", "suggest", str(src), *args],
                          capture_output=True, text=True, env=_env(), timeout=300)


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_program_verifies_as_written(name, tmp_path):
    run = _build_and_run(_copy(name, tmp_path))
    assert run.returncode == 0 and run.stdout.strip().endswith("OK"), run.stdout + run.stderr


@pytest.mark.parametrize("engine", ["analysis", "auto"])
@pytest.mark.parametrize("name", sorted(BUILDS))
def test_program_still_verifies_after_apply(name, engine, tmp_path):
    src = _copy(name, tmp_path)
    before = src.read_text()
    applied = _suggest(src, "--apply", "--engine", engine)
    assert applied.returncode == 0, applied.stderr
    after = src.read_text()
    assert after.count("#pragma acc") > before.count("#pragma acc")  # it did annotate
    run = _build_and_run(src)
    assert run.returncode == 0 and run.stdout.strip().endswith("OK"), (
        after + run.stdout + run.stderr)


def _marked(src: Path) -> dict[str, int]:
    """planted/look-alike marker → 1-based line of its loop."""
    out = {}
    for k, line in enumerate(src.read_text().splitlines(), 1):
        m = re.search(r"/\* (planted|look-alike): ([^*]+?) \*/", line)
        if m:
            out[m.group(2)] = k
    return out


def _by_line(src: Path, engine: str) -> dict[int, dict]:
    got = _suggest(src, "--json", "--engine", engine)
    assert got.returncode == 0, got.stderr
    return {item["line"]: item for item in json.loads(got.stdout)}


def _asserts_parallel(pragma: str | None) -> bool:
    from accellium.dataset.pragma import parse
    from accellium.server.safety import asserts_parallel

    return pragma is not None and asserts_parallel(parse(pragma))


def test_planted_loops_get_no_unsafe_pragma_and_say_why(tmp_path):
    want = {  # marker -> (what the notes must name, the reduction that makes it parallel)
        "flag": ("set", "reduction(||:set)"),
        "last value": ("pos", None),
        "last temporary": ("u", None),
        "index after": ("j", None),
        "return": ("return", None),
        "break": ("break", None),
        "goto": ("goto", None),
    }
    for name in ("liveout", "exits"):
        src = _copy(name, tmp_path)
        items = _by_line(src, "analysis")
        for marker, line in _marked(src).items():
            item = items[line]
            if marker == "private temporary":  # the safe look-alike keeps its parallel loop
                assert item["pragma"].startswith("#pragma acc parallel loop private(t)")
                continue
            named, clause = want[marker]
            notes = " ".join(item["notes"])
            assert f"`{named}`" in notes and re.search(r"\(line \d+\)", notes), (marker, notes)
            if clause:
                assert clause in item["pragma"], (marker, item["pragma"])
            else:
                assert not _asserts_parallel(item["pragma"]), (marker, item["pragma"])
                if marker in ("return", "break", "goto"):
                    assert item["pragma"] is None


def _loop_of(items: dict[int, dict], src: Path, fragment: str, after: str = "") -> dict:
    """The innermost loop containing the first line with ``fragment`` after ``after``."""
    text = src.read_text().splitlines()
    start = next(k for k, t in enumerate(text, 1) if after in t)
    line = next(k for k, t in enumerate(text, 1) if k >= start and fragment in t)
    return max((i for i in items.values() if i["line"] <= line <= i["end_line"]),
               key=lambda i: i["line"])


def test_calls_and_indirect_writes(tmp_path):
    src = _copy("calls", tmp_path)
    items = _by_line(src, "analysis")
    for fragment, call in (("step(task, task->grid", "step"), ("write_float(fp", "write_float"),
                           ("fprintf(fp, \"%f", "fprintf"), ("accumulate(&s", "s"),
                           ("bump(i)", "bump"), ("rand() % 1000", "rand")):
        item = _loop_of(items, src, fragment, "static void run" if call != "rand" else "srand")
        assert not _asserts_parallel(item["pragma"]), (call, item)
        assert any(f"`{call}" in n and re.search(r"\(line \d+\)", n) for n in item["notes"])
    for fragment, after in (("init(&c[i], i)", "element through a pointer"),
                            ("sqrt(a[i])", "pure math"), ("scale_to(&t", "out parameter")):
        item = _loop_of(items, src, fragment, after)
        assert _asserts_parallel(item["pragma"]), (fragment, item)
    src = _copy("indirect", tmp_path)
    items = _by_line(src, "analysis")
    for fragment, parallel in (("rowstr[j] = rowstr[j] + 1", False), ("h[idx[k]]++", False),
                               ("out[perm[j]] = j", False), ("g[idx[k]] += 2", True)):
        item = _loop_of(items, src, fragment)
        assert _asserts_parallel(item["pragma"]) is parallel, (fragment, item)
        if not parallel:
            assert any("chosen by data" in n for n in item["notes"]), item


@pytest.mark.parametrize("name", ["liveout", "exits"])
def test_the_naive_pragma_breaks_each_planted_loop(name, tmp_path):
    """Control: `#pragma acc parallel loop` on a planted loop fails the build (exits) or the
    program's own check (live-out scalars, even in host fallback)."""
    for marker, line in _marked(PROGRAMS / f"{name}.c").items():
        if marker == "private temporary":
            continue
        src = _copy(name, tmp_path)
        lines = src.read_text().splitlines(keepends=True)
        indent = re.match(r"\s*", lines[line - 1]).group(0)
        lines.insert(line - 1, f"{indent}#pragma acc parallel loop\n")
        src.write_text("".join(lines))
        run = _build_and_run(src)
        assert run.returncode != 0 or "FAIL" in run.stdout, (marker, run.stdout)
