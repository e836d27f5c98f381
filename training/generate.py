"""Greedy generation with a trained adapter and its scores (the end-of-training check)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["generate_pragmas", "score_generations"]


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
