from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("ACCELLIUM_SHARED_DATA", ROOT.parent / "shared" / "data"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


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
    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine

    get_engine("auto", **engine_options("auto"))
