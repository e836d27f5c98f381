"""Shared ML fixtures: a tiny local base model and LoRA adapters trained on it (no download).

Import the fixtures into a test module (``from ml_fixtures import tiny_base, tiny_adapter``)
or call the cached builders directly. Each artefact is built once per test process whatever
the number of modules that use it (the builders are memoised), in a temporary folder removed at
exit. Set ``ACCELLIUM_TINY_CACHE=DIR`` to keep them between runs (rebuilt when the recipe
below changes).

- :func:`tiny_base_dir`: ``training.tiny.build_tiny_base`` on the first 400 valid train pairs
  (byte-level BPE tokenizer, 2-layer Llama, hidden 64, head_dim 32, briefly fully fine-tuned).
- :func:`tiny_adapter_dir`: ``accellium train`` (through the CLI function) with LoRA r=8 for
  ``TINY_ADAPTER_STEPS`` steps on a few hundred pairs; the adapter folder has
  ``accellium.json``, ``train_result.json`` and ``loss_curve.png``.
- :func:`tiny_adapter_b_dir`: a second, different adapter (``kernels``-directive pairs only,
  another seed) for two-adapter and swap tests.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("ACCELLIUM_SHARED_DATA", ROOT.parent / "shared" / "data"))
TRAIN_FILE = SHARED_DATA / "train.jsonl"

TINY_BASE_RECORDS = 400
TINY_BASE_STEPS = 400
TINY_ADAPTER_STEPS = 40
TINY_ADAPTER_SETTINGS = [
    "max_records=400", "max_length=256", "lora_r=8", "lora_alpha=16", "lora_dropout=0.0",
    "learning_rate=3e-3", "batch_size=8", "use_cpu=true", "torch_threads=1", "eval_split=0.05",
    "max_eval_records=24", "eval_generate=24", "max_new_tokens=40", "logging_steps=5",
    "warmup_ratio=0.0", "seed=0",
]
_RECIPE = json.dumps([TINY_BASE_RECORDS, TINY_BASE_STEPS, TINY_ADAPTER_STEPS,
                      TINY_ADAPTER_SETTINGS, 1])


def _root() -> Path:
    cache = os.environ.get("ACCELLIUM_TINY_CACHE")
    if cache:
        p = Path(cache) / hashlib.sha1(_RECIPE.encode()).hexdigest()[:10]
        p.mkdir(parents=True, exist_ok=True)
        return p
    return _tmp_root()


@functools.cache
def _tmp_root() -> Path:
    d = Path(tempfile.mkdtemp(prefix="accellium-tiny-"))
    atexit.register(shutil.rmtree, d, ignore_errors=True)
    return d


def _require_data() -> None:
    if not TRAIN_FILE.is_file():
        pytest.fail(f"shared dataset not found at {TRAIN_FILE} (set ACCELLIUM_SHARED_DATA)")


def tiny_records(n: int = TINY_BASE_RECORDS):
    """The first ``n`` valid train records."""
    from accellium.dataset.records import read_jsonl

    _require_data()
    return [r for r in read_jsonl(TRAIN_FILE) if r.directive_valid][:n]


@functools.cache
def tiny_base_dir() -> Path:
    """Folder of the tiny base model (config, weights, tokenizer)."""
    from accellium.training.tiny import build_tiny_base

    out = _root() / "tiny-base"
    if (out / "tiny_base.json").is_file():
        return out
    return build_tiny_base(out, tiny_records(), steps=TINY_BASE_STEPS, seed=0)


def _train_cli(out: Path, extra: list[str]) -> Path:
    import accellium.cli

    if (out / "train_result.json").is_file():
        return out
    argv = ["train", "--set", f"base_model={tiny_base_dir()}", "--set", f"train_file={TRAIN_FILE}",
            "--set", f"output_dir={out}"]
    for s in TINY_ADAPTER_SETTINGS + extra:
        argv += ["--set", s]
    rc = accellium.cli.main(argv)
    assert rc == 0, f"accellium train failed with {rc}"
    return out


@functools.cache
def tiny_adapter_dir() -> Path:
    """A LoRA adapter trained with ``accellium train`` on the tiny base."""
    _require_data()
    return _train_cli(_root() / "adapter-a", [f"max_steps={TINY_ADAPTER_STEPS}", "name=tiny-a"])


@functools.cache
def kernels_train_file() -> Path:
    """Train pairs whose pragma is a ``kernels`` directive (a different target style)."""
    from accellium.dataset.records import write_jsonl

    _require_data()
    out = _root() / "train-kernels.jsonl"
    if not out.is_file():
        from accellium.dataset.records import read_jsonl

        recs = [r for r in read_jsonl(TRAIN_FILE) if r.directive.startswith("kernels")]
        write_jsonl(out, recs[:200])
    return out


@functools.cache
def tiny_adapter_b_dir() -> Path:
    """A second adapter, trained on ``kernels`` pairs only (its answers differ from A's)."""
    return _train_cli(_root() / "adapter-b", [f"train_file={kernels_train_file()}",
                                              "max_steps=20", "seed=1", "name=tiny-b",
                                              "eval_generate=8", "max_eval_records=8"])


@pytest.fixture(scope="session")
def tiny_base() -> Path:
    return tiny_base_dir()


@pytest.fixture(scope="session")
def tiny_adapter() -> Path:
    return tiny_adapter_dir()


@pytest.fixture(scope="session")
def tiny_adapter_b() -> Path:
    return tiny_adapter_b_dir()
