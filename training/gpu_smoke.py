"""GPU smoke check (run by ``training/gpu_smoke.sh``): tiny base pre-trained on the GPU, a LoRA
trained with :func:`training.train.train` in bf16 for a few hundred steps, then served through the
``hf`` engine (``server.engines.hf.HFEngine``) on the GPU; prints training tokens/s, losses,
exact match on held-out pairs and serving requests/s and tokens/s. Under 5 minutes on one GPU.

Data: ``--data train.jsonl`` (real pairs) or, when absent, synthetic pragma–loop pairs generated
here (saxpy, reductions, collapse, data-region ``present`` loops, kernels) so the check needs no
files besides the checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["synthetic_records", "main"]

_ARR = ["x", "y", "z", "a", "b", "c", "u", "v", "w", "buf", "arr", "src", "dst", "in", "out",
        "rho", "phi", "vel", "temp", "grid"]
_N = ["n", "N", "len", "size", "nx", "count", "num"]
_IDX = ["i", "k", "idx", "j", "p"]
_SCAL = ["s", "sum", "acc", "total", "norm", "err"]


def _rec(i: int, pragma: str, loop: str, enclosing: list[str], depth: int = 1) -> dict[str, Any]:
    words = pragma.split()
    directive = " ".join(words[2:4]) if len(words) > 3 and words[3] == "loop" else words[2]
    return {"id": f"syn{i:05d}", "repo": f"synthetic/repo{i % 7}", "commit": "0" * 40,
            "path": f"src/k{i % 13}.c", "line": 10 + i, "pragma": pragma,
            "directive": directive, "clauses": [], "loop": loop, "loop_stripped": loop,
            "loop_depth": depth, "lang": "c", "enclosing": enclosing, "license": "none"}


def synthetic_records(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` synthetic records whose pragma follows from the loop (learnable, checkable)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b, c = rng.sample(_ARR, 3)
        nn, ix, s = rng.choice(_N), rng.choice(_IDX), rng.choice(_SCAL)
        kind = rng.randrange(6)
        head = f"for (int {ix} = 0; {ix} < {nn}; {ix}++)"
        if kind == 0:
            loop = f"{head} {{\n  {b}[{ix}] = alpha * {a}[{ix}] + {b}[{ix}];\n}}"
            prag = f"#pragma acc parallel loop copyin({a}[0:{nn}]) copy({b}[0:{nn}])"
            enc: list[str] = []
        elif kind == 1:
            loop = f"{head} {{\n  {s} += {a}[{ix}] * {b}[{ix}];\n}}"
            prag = f"#pragma acc parallel loop reduction(+:{s}) copyin({a}[0:{nn}],{b}[0:{nn}])"
            enc = []
        elif kind == 2:
            loop = f"{head} {{\n  {c}[{ix}] = {a}[{ix}] + {b}[{ix}];\n}}"
            prag = "#pragma acc loop gang vector"
            enc = [f"#pragma acc data copyin({a}[0:{nn}],{b}[0:{nn}]) copyout({c}[0:{nn}])",
                   "#pragma acc parallel"]
        elif kind == 3:
            loop = f"{head} {{\n  {c}[{ix}] = 2.0 * {a}[{ix}];\n}}"
            prag = f"#pragma acc parallel loop present({a}[0:{nn}],{c}[0:{nn}])"
            enc = [f"#pragma acc data copyin({a}[0:{nn}]) copyout({c}[0:{nn}])"]
        elif kind == 4:
            m = rng.choice(["m", "M", "ny", "cols"])
            loop = (f"{head} {{\n  for (int q = 0; q < {m}; q++) {{\n"
                    f"    {c}[{ix} * {m} + q] = {a}[{ix} * {m} + q] - {b}[{ix} * {m} + q];\n"
                    f"  }}\n}}")
            prag = "#pragma acc parallel loop collapse(2)"
            enc = [f"#pragma acc data copyin({a}[0:{nn}*{m}],{b}[0:{nn}*{m}]) "
                   f"copyout({c}[0:{nn}*{m}])"]
            out.append(_rec(i, prag, loop, enc, depth=2))
            continue
        else:
            loop = f"{head} {{\n  if ({a}[{ix}] > {s}) {s} = {a}[{ix}];\n}}"
            prag = f"#pragma acc parallel loop reduction(max:{s}) copyin({a}[0:{nn}])"
            enc = []
        out.append(_rec(i, prag, loop, enc))
    return out


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 — a linear smoke script: arguments, then steps in order
    ap = argparse.ArgumentParser(prog="python -m accellium.training.gpu_smoke")
    ap.add_argument("--data", help="train.jsonl with real pairs (default: synthetic pairs)")
    ap.add_argument("--records", type=int, default=1200)
    ap.add_argument("--base-steps", type=int, default=300)
    ap.add_argument("--steps", type=int, default=300, help="LoRA steps (bf16)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--requests", type=int, default=128, help="serving requests")
    ap.add_argument("--out", default=os.environ.get("OUT") or "build/gpu_smoke")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args(argv)

    import logging

    import torch

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("gpu_smoke: no CUDA device visible to torch", file=sys.stderr)
        return 3
    from accellium.dataset.prompt import first_pragma_line
    from accellium.server.engines.base import LoopQuery
    from accellium.server.engines.hf import HFEngine
    from accellium.training.tiny import build_tiny_base
    from accellium.training.train import load_config, score_generations, train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    dev_name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else args.device
    print(f"== device {dev_name}, torch {torch.__version__}")
    if args.data:
        rows = [json.loads(x) for x in Path(args.data).read_text().splitlines() if x.strip()]
        rows = rows[: args.records]
        source = args.data
    else:
        rows = synthetic_records(args.records)
        source = "synthetic"
    n_test = max(20, len(rows) // 10)
    train_rows, test_rows = rows[:-n_test], rows[-n_test:]
    _write_jsonl(out / "train.jsonl", train_rows)
    _write_jsonl(out / "test.jsonl", test_rows)
    fig: dict[str, Any] = {"device": dev_name, "data": source, "train_pairs": len(train_rows),
                           "test_pairs": len(test_rows)}

    t = time.perf_counter()
    base = build_tiny_base(out / "base", train_rows[:800], steps=args.base_steps, seed=0,
                           batch_size=32, seq_len=128, threads=None, device=args.device)
    fig["base_s"] = round(time.perf_counter() - t, 1)
    fig["base"] = json.loads((base / "tiny_base.json").read_text())
    print(f"== tiny base in {fig['base_s']} s: {fig['base']}")

    cfg = load_config(
        base_model=str(base), train_file=str(out / "train.jsonl"),
        eval_file=str(out / "test.jsonl"), output_dir=str(out / "adapter"), name="gpu-smoke",
        max_steps=args.steps, batch_size=args.batch_size, eval_batch_size=64,
        learning_rate=2e-3, lora_r=8, lora_alpha=16, lora_dropout=0.0,
        max_length=512, bf16=True, use_cpu=args.device == "cpu", logging_steps=25,
        eval_generate=100, max_eval_records=100, max_new_tokens=48, warmup_ratio=0.05,
    )
    res = train(cfg)
    s = res.summary()
    fig["train"] = {k: s[k] for k in ("steps", "runtime_s", "train_tokens", "tokens_per_s",
                                      "loss_first", "loss_last", "eval_loss_before",
                                      "eval_loss_after")}
    fig["train_generation"] = s["metrics"].get("generation")
    print(f"== LoRA bf16: {fig['train']}")
    print(f"== eval generation (greedy, trainer): {fig['train_generation']}")

    eng = HFEngine(base=str(base), adapters={"smoke": str(out / "adapter")},
                   device=args.device, dtype="bfloat16", max_new_tokens=48, max_batch=64)
    try:
        tok = eng.tokenizer
        qs = [LoopQuery(code=r["loop_stripped"], lang=r.get("lang", "c"),
                        enclosing=tuple(r.get("enclosing") or ()), adapter="smoke")
              for r in test_rows]
        qs = (qs * (args.requests // len(qs) + 1))[: args.requests]
        eng.suggest(qs[0])  # warm-up
        t = time.perf_counter()
        seq = [eng.suggest(q) for q in qs[:32]]
        seq_s = time.perf_counter() - t
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=64) as pool:
            conc = list(pool.map(eng.suggest, qs))
        conc_s = time.perf_counter() - t

        def ntok(answers: list[Any]) -> int:
            return sum(len(tok(a.raw or "", add_special_tokens=False)["input_ids"]) + 1
                       for a in answers)

        preds = [first_pragma_line(a.raw or "") for a in conc[: len(test_rows)]]
        em = score_generations(preds, [r["pragma"] for r in test_rows][: len(preds)])
        fig["serve"] = {
            "sequential_requests_per_s": round(len(seq) / seq_s, 1),
            "sequential_tokens_per_s": round(ntok(seq) / seq_s, 1),
            "sequential_ms_per_request": round(1000 * seq_s / len(seq), 2),
            "concurrent64_requests_per_s": round(len(conc) / conc_s, 1),
            "concurrent64_tokens_per_s": round(ntok(conc) / conc_s, 1),
            "max_batch_seen": eng.stats.get("max_batch_seen"),
        }
        fig["serve_exact_match"] = em
        print(f"== hf engine on {args.device}: {fig['serve']}")
        print(f"== hf engine answers vs gold: {em}")
        print(f"== example: {test_rows[0]['loop_stripped']!r} -> {conc[0].raw!r}")
    finally:
        eng.close()
    (out / "gpu_smoke.json").write_text(json.dumps(fig, indent=2) + "\n", encoding="utf-8")
    print("== GPU SMOKE OK")
    print(json.dumps(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
