"""Running the ``accellium`` CLI as a user does: a subprocess of this Python on the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_host_fallback(compiler: str, sources: list[Path], folder: Path, context: str = "",
                      timeout: int = 180) -> subprocess.CompletedProcess:
    """Builds ``sources`` with OpenACC's host fallback (``-fopenacc -foffload=disable -O1``,
    the constructs run on the host in program order: the pragmas must compile and the answer
    stay right) into ``folder``, asserts the build (``context`` shown on failure), and runs
    the program there; its run, output captured as text."""
    exe = folder / "prog"
    built = subprocess.run([compiler, "-fopenacc", "-foffload=disable", "-O1",
                            *(str(s) for s in sources), "-o", str(exe)], cwd=folder,
                           capture_output=True, text=True, timeout=timeout)
    assert built.returncode == 0, built.stderr + context
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, cwd=folder)


def run_suggest(src: Path, *args: str) -> subprocess.CompletedProcess:
    """``accellium suggest SRC ARGS...`` without a training set (the embedded engines' own
    defaults), its output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    return subprocess.run([sys.executable, "-m", "accellium", "suggest", str(src), *args],
                          capture_output=True, text=True, env=env, timeout=300)
