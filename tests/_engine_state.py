"""The embedded ``auto`` engine's state for the tests: built once per machine, before any test
starts a server, a language server or the CLI (each would otherwise build it at once, inside
its own deadline).

The tests' first (session) fixture calls :func:`ready`.  CI starts this file as a script as
soon as the core packages are installed (``.ci/run``), so the build runs beside the install of
the ML and test packages instead of after it; the fixture then only waits for it and loads the
cached state.  Both hold the same exclusive ``flock`` while they build, so one build serves
every worker of a run; a script that fails leaves the lock free and the fixture builds.

Run as a script: ``python tests/_engine_state.py --started FILE`` takes the lock, imports
LightGBM (which probes once, at import, for optional packages such as pandas and pyarrow that
the install running beside it may be writing), creates ``FILE`` to say so, and builds.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import tempfile
from pathlib import Path

#: the lock every builder of a run holds while it builds (one per machine's temp dir)
LOCK = Path(tempfile.gettempdir()) / "accellium-tests-engine-state.lock"


def _build() -> None:
    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine

    get_engine("auto", **engine_options("auto"))


def ready() -> None:
    """Wait for a running builder, then build (or load) the state: the ``auto`` engine for the
    default training pairs, as the servers and the CLI make it."""
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _build()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--started", type=Path, required=True,
                    help="created once the lock is held and LightGBM is imported")
    args = ap.parse_args(argv)
    # the tests' setting (tests/conftest.py says why): waiting OpenMP threads sleep
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        from accellium.server.engines.rank.model import _lightgbm

        _lightgbm()
        args.started.touch()
        _build()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
