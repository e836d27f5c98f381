"""A tiny local base model for tests and smoke runs (no hub download).

:func:`build_tiny_base` trains a byte-level BPE tokenizer with ``tokenizers`` on the records'
prompts and completions (``dataset/prompt.py``), builds a small ``LlamaConfig`` (hidden 64,
2 heads so head_dim = 32 as vLLM's CPU backend needs, 2 layers, 1024 positions), fully
fine-tunes it briefly on prompt + completion (a random base does not learn under LoRA), and
saves model + tokenizer with ``save_pretrained``. Deterministic for a seed.

CLI: ``python -m accellium.training.tiny OUT_DIR --data ../shared/data/train.jsonl [--records 400]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accellium.dataset.prompt import build_completion, build_prompt

__all__ = ["build_tiny_base", "tiny_texts", "TINY_DEFAULTS"]

log = logging.getLogger(__name__)

TINY_DEFAULTS = {
    "vocab_size": 1024,
    "hidden_size": 64,
    "intermediate_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 2,
    "max_position_embeddings": 1024,
}
_SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]


def _get(r: Any, key: str, default: Any = None) -> Any:
    if isinstance(r, dict):
        return r.get(key, default)
    return getattr(r, key, default)


def tiny_texts(records: Sequence[Any], max_loop_chars: int = 1500) -> list[tuple[str, str]]:
    """``(prompt, completion)`` pairs of records (zero-shot prompts, as served)."""
    out = []
    for r in records:
        prompt = build_prompt(_get(r, "loop_stripped") or _get(r, "loop"), _get(r, "lang", "c"),
                              _get(r, "enclosing") or (), max_loop_chars=max_loop_chars)
        out.append((prompt, build_completion(_get(r, "pragma"))))
    return out


def _train_tokenizer(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=_SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        unk_token="<unk>", model_max_length=TINY_DEFAULTS["max_position_embeddings"],
    )


def build_tiny_base(  # noqa: PLR0915 — tokenizer, config, data and training loop in order
    out_dir: str | Path,
    records: Sequence[Any],
    *,
    steps: int = 400,
    seed: int = 0,
    seq_len: int = 96,
    batch_size: int = 8,
    lr: float = 3e-3,
    threads: int | None = 1,
    device: str | None = None,
    **config_overrides: Any,
) -> Path:
    """Build, briefly pre-train and save a tiny Llama base; returns ``out_dir``.

    ``records`` are dataset records (``Record`` objects or dicts with ``pragma`` and
    ``loop_stripped``/``loop``); a few hundred are plenty. Pre-training is causal LM over two
    kinds of ``seq_len``-token windows: packed blocks of the prompt+completion stream, and the window
    ending at each completion's end (so the model sees ``### Pragma:`` → pragma often).
    ``config_overrides`` go into ``LlamaConfig`` (e.g. ``hidden_size=128, num_attention_heads=4``).
    ``threads`` defaults to 1: on a shared 2-core machine two intra-op threads are up to 30x
    slower than one for a model this small (they spin waiting for each other). ``device``
    (e.g. ``"cuda"``) pre-trains there; the saved weights are float32 either way.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    if not records:
        raise ValueError("build_tiny_base needs at least one record")
    if threads:
        torch.set_num_threads(threads)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pairs = tiny_texts(records)
    texts = [p + c for p, c in pairs]
    tok = _train_tokenizer(texts, int(config_overrides.pop("vocab_size", TINY_DEFAULTS["vocab_size"])))

    cfg_kwargs = {k: v for k, v in TINY_DEFAULTS.items() if k != "vocab_size"} | config_overrides
    config = LlamaConfig(
        vocab_size=len(tok),
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
        **cfg_kwargs,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    dev = torch.device(device or "cpu")
    model.to(dev)  # type: ignore[arg-type]  # transformers' .to decorator hides self

    # Windows: packed stream blocks + completion-ending windows.
    eos = tok.eos_token_id
    encoded = [tok(t, add_special_tokens=False)["input_ids"] + [eos] for t in texts]
    stream = [i for ids in encoded for i in ids]
    windows = [stream[i:i + seq_len] for i in range(0, max(1, len(stream) - seq_len), seq_len)]
    windows += [ids[-seq_len:] for ids in encoded]
    windows = [w for w in windows if len(w) >= 8]
    rng = random.Random(seed)
    pad = tok.pad_token_id

    def batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        ws = [rng.choice(windows) for _ in range(batch_size)]
        n = max(len(w) for w in ws)
        ids = torch.full((len(ws), n), pad, dtype=torch.long)
        att = torch.zeros((len(ws), n), dtype=torch.long)
        for i, w in enumerate(ws):
            ids[i, :len(w)] = torch.tensor(w)
            att[i, :len(w)] = 1
        labels = ids.masked_fill(att == 0, -100)
        return ids.to(dev), att.to(dev), labels.to(dev)

    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))
        if steps else 1.0,
    )
    first = last = float("nan")
    ntok = 0
    for step in range(steps):
        ids, att, labels = batch()
        loss = model(input_ids=ids, attention_mask=att, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        ntok += int(att.sum())
        if step == 0:
            first = float(loss.detach())
        last = float(loss.detach())
        if (step + 1) % 100 == 0:
            log.info("tiny base step %d/%d loss %.3f", step + 1, steps, last)
    model.eval()
    model.to("cpu")  # type: ignore[arg-type]  # transformers' .to decorator hides self
    model.generation_config.pad_token_id = pad
    model.generation_config.eos_token_id = eos
    model.generation_config.bos_token_id = tok.bos_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    dt = time.perf_counter() - t0
    info = {"steps": steps, "seed": seed, "loss_first": round(first, 4),
            "loss_last": round(last, 4), "tokens": ntok, "seconds": round(dt, 2),
            "tokens_per_s": round(ntok / dt, 1) if dt else None, "records": len(records)}
    (out / "tiny_base.json").write_text(json.dumps(info) + "\n", encoding="utf-8")
    log.info("tiny base: %d params, loss %.3f -> %.3f in %.1f s (%s)",
             model.num_parameters(), first, last, dt, out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m accellium.training.tiny",
                                 description="Build the tiny local base model (no download).")
    ap.add_argument("out_dir")
    ap.add_argument("--data", default="../shared/data/train.jsonl")
    ap.add_argument("--records", type=int, default=400, help="first N records (default 400)")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from accellium.dataset.records import read_jsonl

    try:
        records = read_jsonl(args.data)[: args.records]
    except (OSError, ValueError) as e:
        print(f"tiny: {e}", file=sys.stderr)
        return 2
    path = build_tiny_base(args.out_dir, records, steps=args.steps, seed=args.seed,
                           threads=args.threads)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
