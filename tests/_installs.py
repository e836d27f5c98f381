"""Wait for the tools `make test` installs beside the tests (editors/ci-setup.sh, server/vllm_env.sh).

`make test` starts both installers in the background and the tests at once; the tests that need a
tool are collected last (tests/conftest.py) and, before they look for it, wait until no installer
holds its lock.  Each installer holds an exclusive `flock` on its lock file for its whole run, so
taking the lock here means the install has ended (or never started: then the test's own check of
the tool fails with the hint to run the installer).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = Path(os.environ.get("ACCELLIUM_TOOLS", ROOT / ".tools"))
VLLM_VENV = Path(os.environ.get("ACCELLIUM_VLLM_VENV", ROOT / ".venv-vllm"))

#: the lock files the installers hold while they run
EDITOR_TOOLS_LOCK = TOOLS / ".setup.lock"
VLLM_ENV_LOCK = VLLM_VENV.with_name(VLLM_VENV.name + ".lock")

#: longest wait for an installer (a cold code-server build compiles native modules)
WAIT_S = 40 * 60


def wait_for_install(lock: Path, what: str, wait_s: float = WAIT_S) -> float:
    """Block until no process holds ``lock``; return the seconds waited.

    Raises TimeoutError naming ``what`` when an installer still holds it after ``wait_s``."""
    if not lock.exists():
        return 0.0
    start = time.monotonic()
    with open(lock, "a") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() - start > wait_s:
                    raise TimeoutError(f"{what}: its installer still runs after {wait_s:.0f} s "
                                       f"(lock {lock})") from None
                time.sleep(2)
                continue
            fcntl.flock(fh, fcntl.LOCK_UN)
            return time.monotonic() - start
