"""The training configuration: :class:`TrainConfig` (every setting of ``accellium train``, a
typed field with a default) and :func:`load_config` (YAML file + ``key=value`` overrides)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = ["TrainConfig", "ConfigError", "load_config"]


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
