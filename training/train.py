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
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from accellium.dataset.adapters import AdapterMeta, base_fingerprint, data_hash, save_meta
from accellium.dataset.prompt import PROMPT_VERSION, Example, build_completion, build_prompt
from accellium.dataset.records import Record, read_jsonl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = ["TrainConfig", "TrainResult", "ConfigError", "train", "load_config",
           "build_pairs", "few_shot_examples"]

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A bad training configuration; ``str(e)`` is one line."""


class TrainConfig(BaseModel):
    """Everything ``accellium train`` needs. Load with :func:`load_config` (YAML + overrides)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # model and data
    base_model: str = Field(description="local folder or hub id of the causal LM base")
    train_file: str = Field(description="JSONL records (accellium mine / ../shared/data)")
    eval_file: str | None = Field(None, description="JSONL for evaluation; else eval_split")
    output_dir: str = Field(description="the adapter folder that is written")
    name: str | None = Field(None, description="adapter name (default: output_dir's name)")
    max_records: int | None = Field(None, ge=1, description="use the first N train records")
    only_valid: bool = Field(True, description="drop records whose directive is not valid")
    eval_split: float = Field(0.05, ge=0.0, lt=1.0,
                              description="fraction of train held out when no eval_file")
    max_eval_records: int | None = Field(200, ge=1)
    # prompt
    few_shot: int = Field(0, ge=0, le=8, description="workspace examples per prompt (max)")
    few_shot_prob: float = Field(0.5, ge=0.0, le=1.0,
                                 description="share of training prompts that get examples")
    max_length: int = Field(1024, ge=16, description="tokens; longer pairs are dropped")
    # LoRA
    lora_r: int = Field(16, ge=1)
    lora_alpha: float = Field(32, gt=0)
    lora_dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = "all-linear"
    # optimisation
    epochs: float = Field(1.0, gt=0)
    max_steps: int = Field(-1, description="> 0 overrides epochs")
    learning_rate: float = Field(2e-4, gt=0)
    lr_scheduler_type: str = "cosine"
    warmup_ratio: float = Field(0.03, ge=0.0, le=1.0)
    weight_decay: float = Field(0.0, ge=0.0)
    batch_size: int = Field(4, ge=1, description="per device")
    eval_batch_size: int = Field(8, ge=1)
    grad_accum: int = Field(1, ge=1)
    seed: int = 0
    # runtime
    use_cpu: bool = False
    bf16: bool = False
    fp16: bool = False
    load_in_4bit: bool = Field(False, description="QLoRA (bitsandbytes, CUDA only)")
    gradient_checkpointing: bool = False
    attn_implementation: str | None = None
    torch_threads: int | None = Field(None, ge=1)
    trust_remote_code: bool = False
    # logging / checkpoints / eval
    logging_steps: int = Field(10, ge=1)
    save_steps: int | None = Field(None, ge=1, description="checkpoint every N steps")
    save_total_limit: int | None = Field(2, ge=1)
    resume_from_checkpoint: bool | str = False
    eval_steps: int | None = Field(None, ge=1, description="eval loss every N steps")
    eval_generate: int = Field(100, ge=0,
                               description="eval records scored by greedy generation at the end")
    max_new_tokens: int = Field(64, ge=1)
    report_to: list[str] = Field(default_factory=list)
    plot: bool = True

    @field_validator("base_model", "train_file", "output_dir")
    @classmethod
    def _not_empty(cls, v: str) -> str:
        if not str(v).strip():
            raise ValueError("must not be empty")
        return v

    @field_validator("target_modules", mode="before")
    @classmethod
    def _modules(cls, v: Any) -> Any:
        if isinstance(v, str) and v != "all-linear":
            return [m.strip() for m in v.split(",") if m.strip()]
        return v

    @property
    def adapter_name(self) -> str:
        return self.name or Path(self.output_dir).resolve().name


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _format_validation(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(config)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown setting"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def load_config(path: str | os.PathLike[str] | None = None,
                overrides: Sequence[str] = (), **fields: Any) -> TrainConfig:
    """A :class:`TrainConfig` from a YAML file, ``key=value`` overrides (values parsed as YAML,
    so ``lora_r=8``, ``bf16=true``, ``target_modules=[q_proj,v_proj]``) and keyword fields.
    Relative paths inside the YAML stay relative to the current directory. Any problem raises
    :class:`ConfigError` with a one-line reason."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings at the top level")
        data.update(loaded)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"bad override '{item}': expected key=value")
        data[key.strip()] = _parse_value(value)
    data.update(fields)
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as e:
        where = f"{path}: " if path else ""
        raise ConfigError(f"{where}invalid training config: {_format_validation(e)}") from None


# ----------------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------------

def few_shot_examples(records: Sequence[Record], pool: Sequence[Record], k: int,
                      *, index: Any = None) -> list[list[Example]]:
    """For each record, up to ``k`` nearest pairs of the *same repository* from ``pool``
    (never the record itself nor a pair with the same loop), nearest first, as the language
    server's workspace index would send them."""
    from accellium.dataset.similarity import Index

    if k <= 0:
        return [[] for _ in records]
    idx = index or Index(list(pool), key=lambda r: r.loop_stripped)
    repos = [r.repo for r in idx.items]
    out = []
    for r in records:
        mask = [x == r.repo for x in repos]
        hits = idx.query(r.loop_stripped, k + 2, mask=mask,
                         exclude=lambda x, r=r: x.id == r.id or x.loop_stripped == r.loop_stripped)
        out.append([Example(pragma=idx.items[i].pragma, loop=idx.items[i].loop_stripped)
                    for i, _ in hits[:k]])
    return out


def build_pairs(records: Sequence[Record], examples: Sequence[Sequence[Example]] | None = None
                ) -> list[dict[str, str]]:
    """``{"prompt", "completion"}`` rows of the records with ``dataset/prompt.py``."""
    rows = []
    for i, r in enumerate(records):
        ex = examples[i] if examples is not None else ()
        rows.append({
            "prompt": build_prompt(r.loop_stripped, r.lang, r.enclosing, ex),
            "completion": build_completion(r.pragma),
        })
    return rows


def _fit(rows: list[dict[str, str]], records: list[Record], tok: Any, max_length: int,
         fallback: list[dict[str, str]] | None = None
         ) -> tuple[list[dict[str, str]], list[Record], int]:
    """Keep pairs whose prompt + completion (+ eos) fit ``max_length`` tokens; a few-shot row
    that is too long falls back to its zero-shot row. Returns rows, records, dropped count."""
    kept, kept_recs, dropped = [], [], 0
    for i, (row, rec) in enumerate(zip(rows, records, strict=True)):
        cand = [row] + ([fallback[i]] if fallback is not None and fallback[i] is not row else [])
        for c in cand:
            n = len(tok(c["prompt"] + c["completion"], add_special_tokens=True)["input_ids"]) + 1
            if n <= max_length:
                kept.append(c)
                kept_recs.append(rec)
                break
        else:
            dropped += 1
    return kept, kept_recs, dropped


# ----------------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------------

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


def _load_records(cfg: TrainConfig) -> tuple[list[Record], list[Record]]:
    for p in [cfg.train_file] + ([cfg.eval_file] if cfg.eval_file else []):
        if not Path(p).is_file():
            raise ConfigError(f"data file not found: {p}")
    train = read_jsonl(cfg.train_file)
    if cfg.only_valid:
        train = [r for r in train if r.directive_valid]
    if cfg.eval_file:
        ev = read_jsonl(cfg.eval_file)
        if cfg.only_valid:
            ev = [r for r in ev if r.directive_valid]
    elif cfg.eval_split > 0:
        order = list(range(len(train)))
        random.Random(cfg.seed).shuffle(order)
        n_eval = max(1, int(round(len(train) * cfg.eval_split)))
        eval_ids = set(order[:n_eval])
        ev = [r for i, r in enumerate(train) if i in eval_ids]
        train = [r for i, r in enumerate(train) if i not in eval_ids]
    else:
        ev = []
    if cfg.max_records:
        train = train[: cfg.max_records]
    if cfg.max_eval_records:
        ev = ev[: cfg.max_eval_records]
    if not train:
        raise ConfigError(f"no training records in {cfg.train_file}")
    return train, ev


def _world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


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


def _latest_checkpoint(ckpt_dir: Path) -> str | None:
    cands = [p for p in ckpt_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    if not cands:
        return None
    return str(max(cands, key=lambda p: int(p.name.split("-")[-1])))


def generate_pragmas(model: Any, tok: Any, prompts: Sequence[str], *, max_new_tokens: int = 64,
                     batch_size: int = 8) -> list[str]:
    """Greedy completions (text after the prompt) for prompts, left-padded batches."""
    import torch

    out: list[str] = []
    side = tok.padding_side
    tok.padding_side = "left"
    try:
        device = next(model.parameters()).device
        for i in range(0, len(prompts), batch_size):
            chunk = list(prompts[i:i + batch_size])
            enc = tok(chunk, return_tensors="pt", padding=True).to(device)
            with torch.no_grad():
                gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                     pad_token_id=tok.pad_token_id,
                                     eos_token_id=tok.eos_token_id)
            new = gen[:, enc["input_ids"].shape[1]:]
            out.extend(tok.batch_decode(new, skip_special_tokens=True))
    finally:
        tok.padding_side = side
    return out


def score_generations(preds: Sequence[str | None], golds: Sequence[str]) -> dict[str, Any]:
    """Mean metrics of predictions vs gold pragmas (``evaluation.metrics`` when present)."""
    from accellium.dataset.prompt import first_pragma_line

    lines = [first_pragma_line(p) if p is not None else None for p in preds]
    try:
        from accellium.evaluation.metrics import score_pair, summarize
    except ImportError:  # the evaluation package is optional here
        from accellium.dataset.pragma import normalize_text

        em = [p is not None and normalize_text(p) == normalize_text(g)
              for p, g in zip(lines, golds, strict=True)]
        return {"n": len(golds), "exact_match": sum(em) / len(em) if em else None}
    scores = [score_pair(p, g) for p, g in zip(lines, golds, strict=True)]
    out = dict(summarize(scores))
    out["n"] = len(golds)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def train(config: TrainConfig) -> TrainResult:
    """Fine-tune a LoRA adapter; see the module docstring for what is written."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    cfg = config
    if cfg.torch_threads:
        torch.set_num_threads(cfg.torch_threads)
    if cfg.load_in_4bit and (cfg.use_cpu or not torch.cuda.is_available()):
        raise ConfigError("load_in_4bit (QLoRA) needs a CUDA GPU; drop it or use_cpu=false")
    if (cfg.bf16 or cfg.fp16) and cfg.use_cpu and cfg.fp16:
        raise ConfigError("fp16 is not supported on CPU; use bf16 or fp32")
    if cfg.bf16 and cfg.fp16:
        raise ConfigError("choose one of bf16 and fp16")
    if not cfg.use_cpu and not torch.cuda.is_available():
        log.warning("no CUDA device: training on CPU")
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_dir = out / "checkpoints"
    t_start = time.perf_counter()

    train_recs, eval_recs = _load_records(cfg)
    try:
        tok = AutoTokenizer.from_pretrained(cfg.base_model, trust_remote_code=cfg.trust_remote_code)
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot load the tokenizer of base_model {cfg.base_model}: "
                          f"{str(e).splitlines()[0]}") from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    examples = None
    if cfg.few_shot > 0:
        from accellium.dataset.similarity import Index

        index = Index(train_recs, key=lambda r: r.loop_stripped)
        all_ex = few_shot_examples(train_recs, train_recs, cfg.few_shot, index=index)
        rng = random.Random(cfg.seed + 1)
        examples = [ex if rng.random() < cfg.few_shot_prob else [] for ex in all_ex]
    zero = build_pairs(train_recs)
    rows = build_pairs(train_recs, examples) if examples is not None else zero
    rows, train_used, dropped = _fit(rows, train_recs, tok, cfg.max_length, zero)
    if not rows:
        raise ConfigError(f"no training pair fits max_length={cfg.max_length} tokens")
    if dropped:
        log.warning("dropped %d of %d training pairs longer than max_length=%d tokens",
                    dropped, len(train_recs), cfg.max_length)
    eval_rows, eval_used, _ = _fit(build_pairs(eval_recs), eval_recs, tok, cfg.max_length)
    train_ds = Dataset.from_list(rows)
    eval_ds = Dataset.from_list(eval_rows) if eval_rows else None

    dtype = torch.bfloat16 if cfg.bf16 else (torch.float16 if cfg.fp16 else torch.float32)
    model_kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": cfg.trust_remote_code}
    if cfg.attn_implementation:
        model_kwargs["attn_implementation"] = cfg.attn_implementation
    if cfg.load_in_4bit:
        try:
            from transformers import BitsAndBytesConfig
        except ImportError as e:  # pragma: no cover
            raise ConfigError(f"QLoRA needs bitsandbytes: {e}") from None
        model_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if cfg.bf16 else torch.float16,
            # FSDP needs the packed 4-bit weights stored in a float dtype it can shard
            bnb_4bit_quant_storage=torch.bfloat16 if cfg.bf16 else torch.float16,
        )
        if _world_size() == 1:
            model_kwargs["device_map"] = {"": 0}
    try:
        model = AutoModelForCausalLM.from_pretrained(cfg.base_model, **model_kwargs)
    except (OSError, ValueError, ImportError) as e:
        raise ConfigError(f"cannot load base_model {cfg.base_model}: "
                          f"{str(e).splitlines()[0]}") from None
    if cfg.load_in_4bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=cfg.gradient_checkpointing)

    lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=cfg.target_modules, task_type="CAUSAL_LM", bias="none")
    has_eval = eval_ds is not None and len(eval_ds) > 0
    args = SFTConfig(
        output_dir=str(ckpt_dir),
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler_type,
        warmup_steps=cfg.warmup_ratio,
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

    class _LogCallback(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kw):  # noqa: ANN001
            if logs and state.is_world_process_zero:
                items = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                 for k, v in logs.items()
                                 if k in ("loss", "eval_loss", "learning_rate", "grad_norm",
                                          "epoch", "num_input_tokens_seen"))
                log.info("step %d/%d %s", state.global_step, state.max_steps, items)

    trainer = SFTTrainer(model=model, args=args, train_dataset=train_ds,
                         eval_dataset=eval_ds if has_eval else None, processing_class=tok,
                         peft_config=lora, callbacks=[_LogCallback()])
    try:  # our callback logs one line per log event; drop the trainer's dict printer
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    except ImportError:  # pragma: no cover
        pass
    if cfg.gradient_checkpointing and not cfg.load_in_4bit:
        trainer.model.enable_input_require_grads()

    resume: str | bool | None = None
    if cfg.resume_from_checkpoint:
        if isinstance(cfg.resume_from_checkpoint, str):
            if not Path(cfg.resume_from_checkpoint).is_dir():
                raise ConfigError(f"checkpoint not found: {cfg.resume_from_checkpoint}")
            resume = cfg.resume_from_checkpoint
        else:
            resume = _latest_checkpoint(ckpt_dir)
            if resume is None:
                raise ConfigError(f"resume_from_checkpoint: no checkpoint in {ckpt_dir}")
        log.info("resuming from %s", resume)

    eval_before = None
    if has_eval and resume is None:
        eval_before = float(trainer.evaluate()["eval_loss"])
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
    result = TrainResult(
        adapter_dir=out, meta=None,  # type: ignore[arg-type]
        steps=state.global_step, runtime_s=runtime, train_tokens=tokens,
        tokens_per_s=tokens / runtime if runtime > 0 else 0.0,
        loss_first=losses[0] if losses else None, loss_last=losses[-1] if losses else None,
        eval_loss_before=eval_before, eval_loss_after=eval_after, log_history=hist,
        train_records=len(train_used), dropped_records=dropped,
    )

    metrics: dict[str, Any] = {
        "eval_loss": eval_after, "eval_loss_before": eval_before,
        "train_loss_first": result.loss_first, "train_loss_last": result.loss_last,
        "steps": result.steps, "train_tokens_per_s": round(result.tokens_per_s, 1),
        "eval_records": len(eval_used),
    }
    if cfg.eval_generate and eval_used and _world_size() == 1:
        model_for_gen = trainer.model
        model_for_gen.eval()
        n = min(cfg.eval_generate, len(eval_used))
        t_gen = time.perf_counter()
        preds = generate_pragmas(model_for_gen, tok, [r["prompt"] for r in eval_rows[:n]],
                                 max_new_tokens=cfg.max_new_tokens,
                                 batch_size=cfg.eval_batch_size)
        gen_metrics = score_generations(preds, [r.pragma for r in eval_used[:n]])
        gen_metrics["seconds"] = round(time.perf_counter() - t_gen, 2)
        metrics["generation"] = gen_metrics
    result.metrics = metrics

    # every rank takes part in gathering the weights (FSDP / ZeRO-3); only rank 0 writes
    if getattr(trainer, "is_fsdp_enabled", False):
        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
    trainer.save_model(str(out))  # adapter_config.json + adapter_model.safetensors
    if trainer.is_world_process_zero():
        meta = AdapterMeta(
            name=cfg.adapter_name,
            base_model=cfg.base_model,
            base_fingerprint=base_fingerprint(trainer.model.get_base_model().config
                                              if hasattr(trainer.model, "get_base_model")
                                              else cfg.base_model),
            prompt_version=PROMPT_VERSION,
            rank=cfg.lora_r,
            alpha=cfg.lora_alpha,
            target_modules=_module_names(trainer.model, cfg.target_modules),
            data_hash=data_hash(train_used),
            train_records=len(train_used),
            metrics=metrics,
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
            for h in hist:
                fh.write(json.dumps(h) + "\n")
        if cfg.plot:
            result.loss_curve = _plot(hist, out / "loss_curve.png", f"{cfg.adapter_name} "
                                      f"({Path(cfg.base_model).name})")
        (out / "train_result.json").write_text(json.dumps(result.summary(), indent=2) + "\n",
                                               encoding="utf-8")
    log.info("trained %s: %d steps, loss %s -> %s, %.0f tokens/s, total %.1f s", out,
             result.steps, _fmt(result.loss_first), _fmt(result.loss_last), result.tokens_per_s,
             time.perf_counter() - t_start)
    return result


def _checkpointing_kw(args_cls: Any, on: bool) -> dict[str, bool]:
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
