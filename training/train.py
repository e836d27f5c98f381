"""LoRA / QLoRA supervised fine-tuning that produces adapters the server loads.

``train(TrainConfig(...))`` runs TRL's ``SFTTrainer`` with a peft LoRA on a prompt/completion
dataset built with the one prompt of ``dataset/prompt.py`` (loss on the completion only),
optionally with workspace-style few-shot examples (the nearest same-repository pairs, as the
language server sends them), and writes into ``output_dir``:

* the peft adapter (``adapter_config.json``, ``adapter_model.safetensors``),
* ``accellium.json`` (``dataset.adapters.AdapterMeta``: base, base fingerprint, prompt version,
  rank, data hash, eval metrics),
* ``train_log.jsonl`` (the trainer's log history) and ``loss_curve.png``,
* ``checkpoints/checkpoint-N`` when ``save_steps`` is set (``resume_from_checkpoint``).

Works on CPU (``use_cpu``), on one GPU (``bf16``, ``load_in_4bit`` for QLoRA) and under
``accelerate launch`` (FSDP / DeepSpeed, see ``training/configs/`` and ``docs/training.md``).
The steps — check the runtime, build the pairs, load the model, configure the trainer, find the
checkpoint to resume from, train, score, save — are one function each.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accellium.dataset.adapters import AdapterMeta, base_fingerprint, data_hash, save_meta
from accellium.dataset.prompt import PROMPT_VERSION
from accellium.dataset.records import Record
from accellium.training.config import ConfigError, TrainConfig, load_config
from accellium.training.data import build_pairs, few_shot_examples, fit_length, load_records
from accellium.training.generate import generate_pragmas, score_generations

__all__ = ["TrainConfig", "TrainResult", "ConfigError", "train", "load_config",
           "build_pairs", "few_shot_examples", "generate_pragmas", "score_generations",
           "warmup_steps"]

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    adapter_dir: Path
    meta: AdapterMeta
    steps: int
    runtime_s: float
    train_tokens: int
    tokens_per_s: float
    loss_first: float | None
    loss_last: float | None
    eval_loss_before: float | None = None
    eval_loss_after: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    loss_curve: Path | None = None
    log_history: list[dict[str, Any]] = field(default_factory=list)
    train_records: int = 0
    dropped_records: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "adapter_dir": str(self.adapter_dir),
            "steps": self.steps,
            "runtime_s": round(self.runtime_s, 2),
            "train_tokens": self.train_tokens,
            "tokens_per_s": round(self.tokens_per_s, 1),
            "loss_first": self.loss_first,
            "loss_last": self.loss_last,
            "eval_loss_before": self.eval_loss_before,
            "eval_loss_after": self.eval_loss_after,
            "train_records": self.train_records,
            "dropped_records": self.dropped_records,
            "metrics": self.metrics,
        }


@dataclass
class _Pairs:
    """The prompt/completion rows that fit, and the records they come from."""

    rows: list[dict[str, str]]
    records: list[Record]
    dropped: int
    eval_rows: list[dict[str, str]]
    eval_records: list[Record]


def _world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def warmup_steps(cfg: TrainConfig, n_rows: int) -> int:
    """``warmup_ratio`` as a number of optimiser steps, computed as the Trainer counts steps.

    Passed as an integer ``warmup_steps``: transformers 4.x only takes a ratio through
    ``warmup_ratio`` and transformers 5 deprecates that for a float ``warmup_steps``; an integer
    means the same on every version pyproject allows."""
    if cfg.max_steps > 0:
        total = cfg.max_steps
    else:
        batches = math.ceil(n_rows / (cfg.batch_size * _world_size()))
        per_epoch = max(1, math.ceil(batches / cfg.grad_accum))
        total = math.ceil(cfg.epochs * per_epoch)
    return math.ceil(total * cfg.warmup_ratio)


def _check_runtime(cfg: TrainConfig) -> None:
    import torch

    if cfg.torch_threads:
        torch.set_num_threads(cfg.torch_threads)
    if cfg.load_in_4bit and (cfg.use_cpu or not torch.cuda.is_available()):
        raise ConfigError("load_in_4bit (QLoRA) needs a CUDA GPU; drop it or use_cpu=false")
    if cfg.use_cpu and cfg.fp16:
        raise ConfigError("fp16 is not supported on CPU; use bf16 or fp32")
    if cfg.bf16 and cfg.fp16:
        raise ConfigError("choose one of bf16 and fp16")
    if not cfg.use_cpu and not torch.cuda.is_available():
        log.warning("no CUDA device: training on CPU")


def _load_tokenizer(cfg: TrainConfig) -> Any:
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(cfg.base_model,
                                            trust_remote_code=cfg.trust_remote_code)
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot load the tokenizer of base_model {cfg.base_model}: "
                          f"{str(e).splitlines()[0]}") from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _build_pairs(cfg: TrainConfig, tok: Any, train_recs: list[Record],
                 eval_recs: list[Record]) -> _Pairs:
    examples = None
    if cfg.few_shot > 0:
        from accellium.dataset.similarity import Index

        index = Index(train_recs, key=lambda r: r.loop_stripped)
        all_ex = few_shot_examples(train_recs, train_recs, cfg.few_shot, index=index)
        rng = random.Random(cfg.seed + 1)
        examples = [ex if rng.random() < cfg.few_shot_prob else [] for ex in all_ex]
    zero = build_pairs(train_recs)
    rows = build_pairs(train_recs, examples) if examples is not None else zero
    rows, train_used, dropped = fit_length(rows, train_recs, tok, cfg.max_length, zero)
    if not rows:
        raise ConfigError(f"no training pair fits max_length={cfg.max_length} tokens")
    if dropped:
        log.warning("dropped %d of %d training pairs longer than max_length=%d tokens",
                    dropped, len(train_recs), cfg.max_length)
    eval_rows, eval_used, _ = fit_length(build_pairs(eval_recs), eval_recs, tok, cfg.max_length)
    return _Pairs(rows, train_used, dropped, eval_rows, eval_used)


def _load_model(cfg: TrainConfig) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if cfg.bf16 else (torch.float16 if cfg.fp16 else torch.float32)
    kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": cfg.trust_remote_code}
    if cfg.attn_implementation:
        kwargs["attn_implementation"] = cfg.attn_implementation
    if cfg.load_in_4bit:
        try:
            from transformers import BitsAndBytesConfig
        except ImportError as e:  # pragma: no cover
            raise ConfigError(f"QLoRA needs bitsandbytes: {e}") from None
        half = torch.bfloat16 if cfg.bf16 else torch.float16
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=half,
            # FSDP needs the packed 4-bit weights stored in a float dtype it can shard
            bnb_4bit_quant_storage=half,
        )
        if _world_size() == 1:
            kwargs["device_map"] = {"": 0}
    try:
        model = AutoModelForCausalLM.from_pretrained(cfg.base_model, **kwargs)
    except (OSError, ValueError, ImportError) as e:
        raise ConfigError(f"cannot load base_model {cfg.base_model}: "
                          f"{str(e).splitlines()[0]}") from None
    if cfg.load_in_4bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=cfg.gradient_checkpointing)
    return model


def _sft_config(cfg: TrainConfig, ckpt_dir: Path, n_rows: int, has_eval: bool) -> Any:
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(ckpt_dir),
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler_type,
        warmup_steps=warmup_steps(cfg, n_rows),
        weight_decay=cfg.weight_decay,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        seed=cfg.seed,
        data_seed=cfg.seed,
        use_cpu=cfg.use_cpu,
        bf16=cfg.bf16,
        fp16=cfg.fp16,
        **_checkpointing_kw(SFTConfig, cfg.gradient_checkpointing),
        max_length=cfg.max_length,
        completion_only_loss=True,
        packing=False,
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        save_strategy="steps" if cfg.save_steps else "no",
        save_steps=cfg.save_steps or 500,
        save_total_limit=cfg.save_total_limit,
        eval_strategy="steps" if (has_eval and cfg.eval_steps) else "no",
        eval_steps=cfg.eval_steps,
        report_to=cfg.report_to or "none",
        include_num_input_tokens_seen="non_padding",
        disable_tqdm=True,
        dataloader_num_workers=0,
    )


def _log_callback() -> Any:
    from transformers import TrainerCallback

    class _LogCallback(TrainerCallback):
        """One readable log line per log event (instead of the trainer's dict printer)."""

        def on_log(self, args, state, control, logs=None, **kw):
            if logs and state.is_world_process_zero:
                items = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                 for k, v in logs.items()
                                 if k in ("loss", "eval_loss", "learning_rate", "grad_norm",
                                          "epoch", "num_input_tokens_seen"))
                log.info("step %d/%d %s", state.global_step, state.max_steps, items)

    return _LogCallback()


def _make_trainer(cfg: TrainConfig, tok: Any, pairs: _Pairs, ckpt_dir: Path) -> Any:
    from datasets import Dataset
    from peft import LoraConfig
    from transformers.trainer_callback import PrinterCallback
    from trl import SFTTrainer

    train_ds = Dataset.from_list(pairs.rows)
    eval_ds = Dataset.from_list(pairs.eval_rows) if pairs.eval_rows else None
    # peft annotates lora_alpha as int; it only scales (alpha / r), so a float is as valid
    lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha,  # type: ignore[arg-type]
                      lora_dropout=cfg.lora_dropout,
                      target_modules=cfg.target_modules, task_type="CAUSAL_LM", bias="none")
    args = _sft_config(cfg, ckpt_dir, len(pairs.rows), eval_ds is not None)
    trainer = SFTTrainer(model=_load_model(cfg), args=args, train_dataset=train_ds,
                         eval_dataset=eval_ds, processing_class=tok, peft_config=lora,
                         callbacks=[_log_callback()])
    trainer.remove_callback(PrinterCallback)
    if cfg.gradient_checkpointing and not cfg.load_in_4bit:
        model: Any = trainer.model  # the PEFT-wrapped PreTrainedModel
        model.enable_input_require_grads()
    return trainer


def _resume_point(cfg: TrainConfig, ckpt_dir: Path) -> str | None:
    """The checkpoint to resume from: the configured folder, the latest one under
    ``checkpoints/`` (``resume_from_checkpoint: true``), or None."""
    from transformers.trainer_utils import get_last_checkpoint

    if not cfg.resume_from_checkpoint:
        return None
    resume: str | None
    if isinstance(cfg.resume_from_checkpoint, str):
        if not Path(cfg.resume_from_checkpoint).is_dir():
            raise ConfigError(f"checkpoint not found: {cfg.resume_from_checkpoint}")
        resume = cfg.resume_from_checkpoint
    else:
        resume = get_last_checkpoint(str(ckpt_dir)) if ckpt_dir.is_dir() else None
        if resume is None:
            raise ConfigError(f"resume_from_checkpoint: no checkpoint in {ckpt_dir}")
    log.info("resuming from %s", resume)
    return resume


def _run(trainer: Any, pairs: _Pairs, resume: str | None, out: Path) -> TrainResult:
    """Train (with the eval loss before and after) and summarise the run."""
    has_eval = bool(pairs.eval_rows)
    eval_before = float(trainer.evaluate()["eval_loss"]) if has_eval and resume is None else None
    t0 = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume)
    runtime = time.perf_counter() - t0
    eval_after = float(trainer.evaluate()["eval_loss"]) if has_eval else None
    state = trainer.state
    hist = list(state.log_history)
    logged = [(h.get("step", 0), h["loss"]) for h in hist if "loss" in h]
    # the step-1 entry (logging_first_step) is a single batch: start from the first full window
    losses = [v for st, v in logged if st > 1] if len(logged) > 2 else [v for _, v in logged]
    tokens = int(getattr(state, "num_input_tokens_seen", 0) or 0)
    if resume is not None:  # only count what this run trained
        done_before = int(Path(resume).name.split("-")[-1])
        tokens = int(tokens * max(0, state.global_step - done_before) / max(1, state.global_step))
    return TrainResult(
        adapter_dir=out, meta=None,  # type: ignore[arg-type]
        steps=state.global_step, runtime_s=runtime, train_tokens=tokens,
        tokens_per_s=tokens / runtime if runtime > 0 else 0.0,
        loss_first=losses[0] if losses else None, loss_last=losses[-1] if losses else None,
        eval_loss_before=eval_before, eval_loss_after=eval_after, log_history=hist,
        train_records=len(pairs.records), dropped_records=pairs.dropped,
    )


def _metrics(cfg: TrainConfig, trainer: Any, tok: Any, pairs: _Pairs,
             result: TrainResult) -> dict[str, Any]:
    metrics: dict[str, Any] = {
        "eval_loss": result.eval_loss_after, "eval_loss_before": result.eval_loss_before,
        "train_loss_first": result.loss_first, "train_loss_last": result.loss_last,
        "steps": result.steps, "train_tokens_per_s": round(result.tokens_per_s, 1),
        "eval_records": len(pairs.eval_records),
    }
    if cfg.eval_generate and pairs.eval_records and _world_size() == 1:
        trainer.model.eval()
        n = min(cfg.eval_generate, len(pairs.eval_records))
        t_gen = time.perf_counter()
        preds = generate_pragmas(trainer.model, tok, [r["prompt"] for r in pairs.eval_rows[:n]],
                                 max_new_tokens=cfg.max_new_tokens,
                                 batch_size=cfg.eval_batch_size)
        gen = score_generations(preds, [r.pragma for r in pairs.eval_records[:n]])
        gen["seconds"] = round(time.perf_counter() - t_gen, 2)
        metrics["generation"] = gen
    return metrics


def _save(cfg: TrainConfig, trainer: Any, pairs: _Pairs, result: TrainResult) -> None:
    """The adapter (every rank takes part in gathering FSDP/ZeRO-3 weights), then on rank 0
    its metadata, the log, the loss curve and the result summary."""
    out = result.adapter_dir
    if getattr(trainer, "is_fsdp_enabled", False):
        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
    trainer.save_model(str(out))  # adapter_config.json + adapter_model.safetensors
    if not trainer.is_world_process_zero():
        return
    model = trainer.model
    meta = AdapterMeta(
        name=cfg.adapter_name,
        base_model=cfg.base_model,
        base_fingerprint=base_fingerprint(model.get_base_model().config
                                          if hasattr(model, "get_base_model")
                                          else cfg.base_model),
        prompt_version=PROMPT_VERSION,
        rank=cfg.lora_r,
        alpha=cfg.lora_alpha,
        target_modules=_module_names(model, cfg.target_modules),
        data_hash=data_hash(pairs.records),
        train_records=len(pairs.records),
        metrics=result.metrics,
        dropout=cfg.lora_dropout,
        few_shot=cfg.few_shot,
        max_length=cfg.max_length,
        train_file=str(cfg.train_file),
        eval_file=str(cfg.eval_file) if cfg.eval_file else None,
        train_config=cfg.model_dump(mode="json"),
    )
    save_meta(out, meta)
    result.meta = meta
    with open(out / "train_log.jsonl", "w", encoding="utf-8") as fh:
        for h in result.log_history:
            fh.write(json.dumps(h) + "\n")
    if cfg.plot:
        result.loss_curve = _plot(result.log_history, out / "loss_curve.png",
                                  f"{cfg.adapter_name} ({Path(cfg.base_model).name})")
    (out / "train_result.json").write_text(json.dumps(result.summary(), indent=2) + "\n",
                                           encoding="utf-8")


def train(config: TrainConfig) -> TrainResult:
    """Fine-tune a LoRA adapter; see the module docstring for what is written."""
    cfg = config
    t_start = time.perf_counter()
    _check_runtime(cfg)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_dir = out / "checkpoints"
    train_recs, eval_recs = load_records(cfg)  # a missing data file is reported first
    tok = _load_tokenizer(cfg)
    pairs = _build_pairs(cfg, tok, train_recs, eval_recs)
    trainer = _make_trainer(cfg, tok, pairs, ckpt_dir)
    result = _run(trainer, pairs, _resume_point(cfg, ckpt_dir), out)
    result.metrics = _metrics(cfg, trainer, tok, pairs, result)
    _save(cfg, trainer, pairs, result)
    log.info("trained %s: %d steps, loss %s -> %s, %.0f tokens/s, total %.1f s", out,
             result.steps, _fmt(result.loss_first), _fmt(result.loss_last), result.tokens_per_s,
             time.perf_counter() - t_start)
    return result


def _plot(history: list[dict[str, Any]], path: Path, title: str) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover
        return None
    tr = [(h["step"], h["loss"]) for h in history if "loss" in h and "step" in h]
    ev = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h and "step" in h]
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    if tr:
        ax.plot(*zip(*tr, strict=True), label="train loss")
    if ev:
        ax.plot(*zip(*ev, strict=True), "o-", label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _checkpointing_kw(args_cls: Any, on: bool) -> dict[str, Any]:
    """transformers 5 renamed ``gradient_checkpointing`` to ``activation_checkpointing``."""
    fields = getattr(args_cls, "__dataclass_fields__", {})
    key = "activation_checkpointing" if "activation_checkpointing" in fields else \
        "gradient_checkpointing"
    return {key: on}


def _module_names(model: Any, configured: list[str] | str) -> list[str] | str:
    """The LoRA target module names (``q_proj``, ...) that peft resolved."""
    try:
        mods = model.peft_config["default"].target_modules
    except (AttributeError, KeyError):
        return configured
    return sorted({str(m).split(".")[-1] for m in mods})


def _fmt(v: float | None) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.4f}"
