"""Adapter metadata: what ``accellium train`` writes next to a LoRA adapter and what the
server's registry reads (``accellium.json`` in the adapter folder).

The server refuses an adapter whose ``base_fingerprint`` or ``prompt_version`` does not match
the loaded base model and :data:`dataset.prompt.PROMPT_VERSION` (:func:`compatibility_problems`).
This module imports no ML library: the server and the language server can read metadata cheaply.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "META_FILENAME",
    "AdapterMeta",
    "load_meta",
    "save_meta",
    "base_fingerprint",
    "data_hash",
    "compatibility_problems",
    "FINGERPRINT_FIELDS",
]

META_FILENAME = "accellium.json"

#: config.json fields that decide whether a LoRA adapter fits a base (shapes and layout).
#: ``vocab_size`` is always included; fields a config lacks are recorded as null.
FINGERPRINT_FIELDS = (
    "model_type",
    "architectures",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "hidden_act",
    "tie_word_embeddings",
    "rope_theta",
    "vocab_size",
)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class AdapterMeta(BaseModel):
    """The metadata of one trained adapter (``accellium.json``). Extra fields are kept."""

    model_config = ConfigDict(extra="allow")

    name: str
    base_model: str = Field(description="path or hub id of the base the adapter was trained on")
    base_fingerprint: str = Field(description="base_fingerprint() of that base")
    prompt_version: str
    rank: int = Field(ge=1)
    alpha: float
    target_modules: list[str] | str = Field(default_factory=list)
    data_hash: str = ""
    train_records: int = Field(default=0, ge=0)
    metrics: dict[str, Any] = Field(default_factory=dict)
    created: str = Field(default_factory=_now)


def _meta_path(adapter_dir: str | os.PathLike[str]) -> Path:
    return Path(adapter_dir) / META_FILENAME


def load_meta(adapter_dir: str | os.PathLike[str]) -> AdapterMeta:
    """Read ``accellium.json`` from an adapter folder.

    Raises ``FileNotFoundError`` when the folder or file is missing and ``ValueError`` (one line)
    when the file is not valid metadata.
    """
    path = _meta_path(adapter_dir)
    if not Path(adapter_dir).is_dir():
        raise FileNotFoundError(f"adapter folder not found: {adapter_dir}")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no {META_FILENAME} (not an accellium adapter?)")
    try:
        return AdapterMeta.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as e:
        errs = "; ".join(
            f"{'.'.join(str(x) for x in err['loc']) or '(root)'}: {err['msg']}" for err in e.errors()
        )
        raise ValueError(f"{path}: invalid adapter metadata: {errs}") from None


def save_meta(adapter_dir: str | os.PathLike[str], meta: AdapterMeta) -> Path:
    """Write ``accellium.json`` atomically (temp file, then rename). Returns its path."""
    path = _meta_path(adapter_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta.model_dump(mode="json"), indent=2, sort_keys=False) + "\n",
                   encoding="utf-8")
    tmp.replace(path)
    return path


def _config_dict(model_dir_or_config: Any) -> dict[str, Any]:
    src = model_dir_or_config
    if isinstance(src, Mapping):
        return dict(src)
    if isinstance(src, (str, os.PathLike)):
        p = Path(src)
        if p.is_dir():
            p = p / "config.json"
        if not p.is_file():
            raise FileNotFoundError(f"no config.json for base model: {src}")
        return json.loads(p.read_text(encoding="utf-8"))
    if hasattr(src, "to_dict"):  # transformers.PretrainedConfig
        return src.to_dict()
    if hasattr(src, "config") and hasattr(src.config, "to_dict"):  # a model
        return src.config.to_dict()
    raise TypeError(f"cannot fingerprint {type(src).__name__}: give a folder, config or dict")


def _norm(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    return v


def base_fingerprint(model_dir_or_config: Any) -> str:
    """A stable hash of a base model's architecture (``config.json`` fields that decide the
    adapter's shapes, :data:`FINGERPRINT_FIELDS`, plus the vocabulary size).

    Accepts a model folder, a path to ``config.json``, a ``PretrainedConfig``, a model, or a
    dict. The same architecture always gives the same 16-hex-digit string, whatever the
    transformers version that wrote the config; dtype, paths and generation settings are ignored.
    """
    cfg = _config_dict(model_dir_or_config)
    nested = cfg.get("text_config")
    text_cfg: dict[str, Any] = nested if isinstance(nested, dict) else {}
    picked: dict[str, Any] = {}
    for key in FINGERPRINT_FIELDS:
        v = cfg.get(key, text_cfg.get(key))
        if key == "head_dim" and v is None:
            hs, nh = cfg.get("hidden_size"), cfg.get("num_attention_heads")
            if isinstance(hs, int) and isinstance(nh, int) and nh:
                v = hs // nh
        if key == "num_key_value_heads" and v is None:
            v = cfg.get("num_attention_heads")
        if key == "rope_theta" and v is None:
            rp = cfg.get("rope_parameters") or {}
            v = rp.get("rope_theta") if isinstance(rp, dict) else None
        picked[key] = _norm(v)
    blob = json.dumps(picked, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _record_key(r: Any) -> str:
    get = (lambda k: r.get(k)) if isinstance(r, Mapping) else (lambda k: getattr(r, k, None))
    rid = get("id") or ""
    pragma = " ".join(str(get("pragma") or "").split())
    loop = get("loop_stripped") or get("loop") or ""
    enclosing = get("enclosing") or []
    return json.dumps([rid, pragma, loop, list(enclosing)], ensure_ascii=False)


def data_hash(records: Iterable[Any]) -> str:
    """A hash of a training set's content (ids, pragmas, loops, enclosing directives),
    independent of record order. Accepts :class:`dataset.records.Record` objects or dicts."""
    keys = sorted(hashlib.sha256(_record_key(r).encode("utf-8")).hexdigest() for r in records)
    h = hashlib.sha256()
    for k in keys:
        h.update(k.encode("ascii"))
    return h.hexdigest()[:16]


def compatibility_problems(meta: AdapterMeta, *, base_fingerprint: str | None = None,
                           prompt_version: str | None = None) -> list[str]:
    """Reasons why an adapter does not fit the loaded base / prompt (empty list: it fits)."""
    out: list[str] = []
    if base_fingerprint is not None and meta.base_fingerprint != base_fingerprint:
        out.append(
            f"adapter '{meta.name}' was trained on base {meta.base_model} "
            f"(fingerprint {meta.base_fingerprint}), the loaded base has fingerprint "
            f"{base_fingerprint}"
        )
    if prompt_version is not None and meta.prompt_version != prompt_version:
        out.append(
            f"adapter '{meta.name}' was trained with prompt {meta.prompt_version}, "
            f"the server uses {prompt_version}"
        )
    return out
