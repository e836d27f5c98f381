"""``make lint`` runs ``tools/mypy.sh`` with ``PYTHON=.venv/bin/python`` (a path relative to the
repository). The script checks a symlink tree from a temporary directory, so it must resolve that
path before it changes directory: a relative interpreter once made CI's lint step fail with
"No such file or directory" (exit 127) although every test passed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_script_accepts_a_relative_interpreter_path() -> None:
    rel = os.path.relpath(sys.executable, ROOT)
    assert not os.path.isabs(rel)
    # `--version` reaches mypy through the script's argument pass-through and ends at once.
    res = subprocess.run(["bash", "tools/mypy.sh", "--version"], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "PYTHON": rel}, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("mypy ")
