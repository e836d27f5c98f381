"""Training data: records → prompt/completion pairs with the one prompt of
``dataset/prompt.py``, workspace-style few-shot examples, the train/eval split, and the
length filter."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from accellium.dataset.prompt import Example, build_completion, build_prompt
from accellium.dataset.records import Record, read_jsonl
from accellium.training.config import ConfigError, TrainConfig

__all__ = ["few_shot_examples", "build_pairs", "fit_length", "load_records"]


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
                         exclude=_same_as(r))
        out.append([Example(pragma=idx.items[i].pragma, loop=idx.items[i].loop_stripped)
                    for i, _ in hits[:k]])
    return out


def _same_as(r: Record) -> Callable[[Record], bool]:
    """The record itself or a pair with the same loop (never an example of itself)."""
    return lambda x: x.id == r.id or x.loop_stripped == r.loop_stripped


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


def fit_length(rows: list[dict[str, str]], records: list[Record], tok: Any, max_length: int,
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


def load_records(cfg: TrainConfig) -> tuple[list[Record], list[Record]]:
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
