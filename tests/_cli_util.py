"""Running the ``accellium`` CLI as a user does: a subprocess of this Python on the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_suggest(src: Path, *args: str) -> subprocess.CompletedProcess:
    """``accellium suggest SRC ARGS...`` without a training set (the embedded engines' own
    defaults), its output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    return subprocess.run([sys.executable, "-m", "accellium", "suggest", str(src), *args],
                          capture_output=True, text=True, env=env, timeout=300)
