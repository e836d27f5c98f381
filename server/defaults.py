"""Where the embedded engines find their default training pairs.

The mined dataset is never shipped with the code (it is other people's code); a checkout next
to the project's ``shared/data`` uses it, anyone else points ``ACCELLIUM_TRAIN`` (or ``--train``)
at a JSONL file from ``accellium mine``.  Without one, the engines use analysis alone.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_train_path() -> Path | None:
    env = os.environ.get("ACCELLIUM_TRAIN")
    if env is not None:
        return Path(env) if env else None
    cand = REPO_ROOT.parent / "shared" / "data" / "train.jsonl"
    return cand if cand.is_file() else None


@lru_cache(maxsize=8)
def load_train(path: str | None) -> tuple:
    """Records of a train file (cached per path); empty tuple for None."""
    if not path:
        return ()
    from accellium.dataset.records import read_jsonl

    return tuple(read_jsonl(path))


def engine_options(engine: str, train: str | Path | None = None, **extra) -> dict:
    """Constructor options for ``get_engine(engine, **options)``: embedded engines get the
    training records (explicit path, else the default), model engines get ``extra``."""
    from accellium.server.engines import EMBEDDED_ENGINES

    if engine in EMBEDDED_ENGINES:
        path = train if train is not None else default_train_path()
        return {"train": load_train(str(path) if path else None)}
    return dict(extra)
