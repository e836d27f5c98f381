"""``accellium train`` end to end on the tiny local model (CPU, no download).

Training time in this module: the tiny base (about 30 s), adapter A (40 LoRA steps, about
20 s), adapter B (20 steps) and a resume run (2 x 4 steps) -- the base and adapters are shared
with the server tests through ``tests/ml_fixtures.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import ml_fixtures as mlf
import pytest
from ml_fixtures import TRAIN_FILE, tiny_records

import accellium.cli
from accellium.dataset.adapters import base_fingerprint, data_hash, load_meta
from accellium.dataset.prompt import PROMPT_VERSION, build_prompt

tiny_base = mlf.tiny_base
tiny_adapter = mlf.tiny_adapter
tiny_adapter_b = mlf.tiny_adapter_b

pytestmark = pytest.mark.slow


def _prompts(n: int = 12) -> list[str]:
    recs = [r for r in tiny_records(600)[400:] if len(r.loop_stripped) < 300][:n]
    return [build_prompt(r.loop_stripped, r.lang, r.enclosing) for r in recs]


def _greedy(model, tok, prompts: list[str]) -> list[str]:
    from accellium.training.train import generate_pragmas

    return generate_pragmas(model, tok, prompts, max_new_tokens=30, batch_size=4)


def test_loss_falls(tiny_adapter: Path):
    res = json.loads((tiny_adapter / "train_result.json").read_text())
    assert res["steps"] == 40
    assert res["loss_last"] < res["loss_first"]
    assert res["eval_loss_after"] < res["eval_loss_before"]
    assert res["train_records"] >= 100
    assert res["tokens_per_s"] > 0
    log = [json.loads(x) for x in (tiny_adapter / "train_log.jsonl").read_text().splitlines()]
    assert [h["step"] for h in log if "loss" in h][:2] == [1, 5]  # logging_first_step, every 5


def test_adapter_folder_and_metadata(tiny_adapter: Path, tiny_base: Path):
    for f in ("adapter_config.json", "adapter_model.safetensors", "accellium.json",
              "train_log.jsonl", "train_result.json"):
        assert (tiny_adapter / f).is_file(), f
    assert (tiny_adapter / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = load_meta(tiny_adapter)
    assert meta.name == "tiny-a"
    assert meta.base_model == str(tiny_base)
    assert meta.base_fingerprint == base_fingerprint(tiny_base)
    assert meta.prompt_version == PROMPT_VERSION
    assert (meta.rank, meta.alpha) == (8, 16)
    assert set(meta.target_modules) >= {"q_proj", "v_proj"}
    res = json.loads((tiny_adapter / "train_result.json").read_text())
    assert meta.train_records == res["train_records"]
    assert len(meta.data_hash) == 16
    assert meta.metrics["eval_loss"] == pytest.approx(res["eval_loss_after"])
    gen = meta.metrics["generation"]
    assert gen["n"] > 0 and 0.0 <= gen["exact_match"] <= 1.0 and gen["valid"] > 0.5
    cfg = json.loads((tiny_adapter / "adapter_config.json").read_text())
    assert cfg["r"] == 8 and cfg["peft_type"] == "LORA"


def test_adapter_changes_greedy_answer(tiny_adapter: Path, tiny_adapter_b: Path,
                                       tiny_base: Path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(tiny_base)
    base = AutoModelForCausalLM.from_pretrained(tiny_base)
    prompts = _prompts()
    before = _greedy(base, tok, prompts)
    pm = PeftModel.from_pretrained(base, str(tiny_adapter), adapter_name="a")
    pm.load_adapter(str(tiny_adapter_b), adapter_name="b")
    pm.set_adapter("a")
    with_a = _greedy(pm, tok, prompts)
    pm.set_adapter("b")
    with_b = _greedy(pm, tok, prompts)
    with pm.disable_adapter():
        again = _greedy(pm, tok, prompts)
    assert again == before
    assert sum(x != y for x, y in zip(before, with_a, strict=True)) >= 1
    assert sum(x != y for x, y in zip(with_a, with_b, strict=True)) >= 1
    # B was trained on kernels pragmas only
    assert sum("kernels" in x for x in with_b) > sum("kernels" in x for x in with_a)


def test_resume_from_checkpoint(tiny_base: Path, tmp_path: Path):
    from accellium.training.train import load_config, train

    common = dict(base_model=str(tiny_base), train_file=str(TRAIN_FILE),
                  output_dir=str(tmp_path / "ad"), max_records=48, max_length=192,
                  batch_size=4, lora_r=4, lora_alpha=8, use_cpu=True, torch_threads=1,
                  eval_split=0.0, eval_generate=0, logging_steps=1, save_steps=2, plot=False)
    r1 = train(load_config(max_steps=4, **common))
    assert r1.steps == 4
    assert (tmp_path / "ad" / "checkpoints" / "checkpoint-4").is_dir()
    r2 = train(load_config(max_steps=6, resume_from_checkpoint=True, **common))
    assert r2.steps == 6
    steps = [h["step"] for h in r2.log_history if "loss" in h]
    assert steps[-2:] == [5, 6]
    # the resumed run kept the first run's history (restored from the checkpoint)
    assert {1, 2, 3, 4} <= set(steps)
    assert load_meta(tmp_path / "ad").metrics["steps"] == 6
    with pytest.raises(ValueError, match="checkpoint"):
        train(load_config(max_steps=6, resume_from_checkpoint=str(tmp_path / "nope"), **common))


def test_data_hash_is_order_independent():
    recs = tiny_records(30)
    assert data_hash(recs) == data_hash(list(reversed(recs)))
    assert data_hash(recs) != data_hash(recs[1:])
    assert data_hash(recs) == data_hash([r.model_dump() for r in recs])


def test_tiny_base_is_deterministic(tmp_path: Path):
    from safetensors.torch import load_file

    from accellium.training.tiny import build_tiny_base

    recs = tiny_records(60)
    a = build_tiny_base(tmp_path / "a", recs, steps=3, seed=7)
    b = build_tiny_base(tmp_path / "b", recs, steps=3, seed=7)
    assert (a / "tokenizer.json").read_text() == (b / "tokenizer.json").read_text()
    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert wa.keys() == wb.keys()
    assert all((wa[k] == wb[k]).all() for k in wa)
    cfg = json.loads((a / "config.json").read_text())
    assert cfg["hidden_size"] // cfg["num_attention_heads"] >= 32  # vLLM CPU needs head_dim>=32
    assert cfg["max_position_embeddings"] >= 1024


# ------------------------------------------------------------------------------------------
# bad input: one line on stderr, exit status != 0
# ------------------------------------------------------------------------------------------

def _run(argv: list[str], capsys) -> tuple[int, str]:
    rc = accellium.cli.main(argv)
    err = capsys.readouterr().err.strip()
    return rc, err


@pytest.mark.parametrize("yaml_text, overrides, expect", [
    ("base_model: x\ntrain_file: y\noutput_dir: z\nlora_rank: 8\n", [], "lora_rank: unknown setting"),
    ("base_model: x\ntrain_file: y\noutput_dir: z\n", ["lora_r=-1"], "lora_r"),
    ("base_model: x\ntrain_file: y\noutput_dir: z\n", ["epochs"], "expected key=value"),
    ("- just\n- a list\n", [], "mapping"),
    ("base_model: [unclosed\n", [], "not valid YAML"),
    ("train_file: y\noutput_dir: z\n", [], "base_model: Field required"),
    ("base_model: x\ntrain_file: /nonexistent.jsonl\noutput_dir: z\n", [], "data file not found"),
])
def test_bad_config(tmp_path: Path, capsys, yaml_text, overrides, expect):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml_text)
    argv = ["train", "--config", str(cfg)]
    for o in overrides:
        argv += ["--set", o]
    rc, err = _run(argv, capsys)
    assert rc == 2
    assert expect in err
    assert err.startswith("accellium train: ") and "\n" not in err


def test_bad_base_model(tmp_path: Path, capsys):
    rc, err = _run(["train", "--set", f"base_model={tmp_path / 'missing'}", "--set",
                    f"train_file={TRAIN_FILE}", "--set", f"output_dir={tmp_path / 'o'}",
                    "--set", "use_cpu=true"], capsys)
    assert rc == 2 and "cannot load the tokenizer" in err and "\n" not in err


def test_missing_config_file(capsys):
    rc, err = _run(["train", "--config", "/nonexistent/x.yaml"], capsys)
    assert rc == 2 and "config file not found" in err
    rc, err = _run(["train"], capsys)
    assert rc == 2 and "--config" in err


def test_presets_validate():
    from accellium.training.train import load_config

    cfg_dir = Path(__file__).resolve().parent.parent / "training" / "configs"
    names = {p.name for p in cfg_dir.glob("*.yaml")}
    assert {"codellama-34b.yaml", "llama-3.1-70b.yaml", "qwen2.5-coder-1.5b.yaml",
            "tiny.yaml", "accelerate_fsdp.yaml", "accelerate_deepspeed_zero3.yaml"} <= names
    for n in ("codellama-34b.yaml", "llama-3.1-70b.yaml", "qwen2.5-coder-1.5b.yaml", "tiny.yaml"):
        cfg = load_config(cfg_dir / n)
        assert cfg.base_model and cfg.output_dir
    assert load_config(cfg_dir / "codellama-34b.yaml").base_model == "codellama/CodeLlama-34b-hf"
    assert load_config(cfg_dir / "llama-3.1-70b.yaml").base_model == "meta-llama/Llama-3.1-70B"
    c = load_config(cfg_dir / "tiny.yaml", ["max_steps=7", "target_modules=q_proj,v_proj",
                                            "bf16=true"])
    assert c.max_steps == 7 and c.target_modules == ["q_proj", "v_proj"] and c.bf16 is True


def test_compare_base_vs_adapter(tiny_base: Path, tiny_adapter: Path, tmp_path: Path, capsys):
    test_file = Path(TRAIN_FILE).with_name("test.jsonl")
    rc = accellium.cli.main(["compare", "--base", str(tiny_base), "--adapter",
                             f"tiny-a={tiny_adapter}", "--data", str(test_file), "--limit", "6",
                             "--device", "cpu", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "| base (zero-shot) | 6 |" in out and "| tiny-a | 6 |" in out
    rep = json.loads((tmp_path / "compare.json").read_text())
    assert list(rep["runs"]) == ["base (zero-shot)", "tiny-a"]
    assert rep["runs"]["tiny-a"]["adapter"] == "tiny-a"
    assert rep["runs"]["tiny-a"]["adapter_meta"]["rank"] == 8
    assert (tmp_path / "compare.md").is_file()
    rc = accellium.cli.main(["compare", "--base", str(tiny_base), "--adapter", "bad",
                             "--data", str(test_file)])
    assert rc == 2 and "NAME=PATH" in capsys.readouterr().err
