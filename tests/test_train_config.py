"""The training configuration's pure parts: the warmup as optimiser steps on every
transformers version, and one-line config errors."""

import pytest
from transformers import TrainingArguments

from accellium.training.config import ConfigError, load_config
from accellium.training.train import warmup_steps


def _cfg(**kw):
    return load_config(base_model="b", train_file="t.jsonl", output_dir="o", **kw)


@pytest.mark.parametrize(("rows", "kw", "total"), [
    (100, {"batch_size": 4, "grad_accum": 2, "epochs": 1.0}, 13),  # 25 batches -> 13 updates
    (100, {"batch_size": 4, "grad_accum": 1, "epochs": 2.5}, 63),
    (7, {"batch_size": 8, "grad_accum": 4, "epochs": 1.0}, 1),
    (100, {"max_steps": 50}, 50),
])
def test_warmup_is_the_ratio_of_the_trainers_step_count(rows, kw, total):
    cfg = _cfg(warmup_ratio=0.1, **kw)
    # transformers' own conversion of a ratio, for the step count the Trainer will run
    expect = TrainingArguments(output_dir="o", warmup_steps=0.1).get_warmup_steps(total)
    assert warmup_steps(cfg, rows) == expect
    assert isinstance(warmup_steps(cfg, rows), int)


def test_no_warmup():
    assert warmup_steps(_cfg(warmup_ratio=0.0), 1000) == 0


def test_bad_settings_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="lora_r"):
        _cfg(lora_r=0)
    with pytest.raises(ConfigError, match="unknown setting"):
        _cfg(learning_rat=1e-4)
    bad = tmp_path / "c.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(bad)
