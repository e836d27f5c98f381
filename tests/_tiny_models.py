"""A tiny base model and two LoRA adapters for the model-engine tests (hf, vllm).

Built with the project's own :func:`training.tiny.build_tiny_base` and :func:`training.train.train`
from the shared dataset, then cached on disk (keyed by the code that builds them), so the hf and
vllm tests and repeated runs share one build. Adapter ``kern`` is trained to answer
``#pragma acc kernels loop``, adapter ``par`` ``#pragma acc parallel loop``: both visibly change the
base model's answer (``#pragma acc loop`` on the probe loop).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"kern": "#pragma acc kernels loop", "par": "#pragma acc parallel loop"}
PROBE = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"
BASE_RECORDS = 200
BASE_STEPS = 300
LORA_STEPS = 40


@dataclass(frozen=True)
class TinyModels:
    base: Path
    adapters: dict[str, Path]  # name -> adapter folder


def _key() -> str:
    h = hashlib.sha256()
    for rel in ("training/tiny.py", "training/train.py", "dataset/prompt.py",
                "dataset/adapters.py", "tests/_tiny_models.py"):
        h.update((ROOT / rel).read_bytes())
    return h.hexdigest()[:12]


def _records(train_file: Path, n: int) -> list[dict]:
    out = []
    with open(train_file, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if len(r.get("loop_stripped") or r["loop"]) <= 300 and r.get("directive_valid", True):
                out.append(r)
            if len(out) >= n:
                break
    return out


def _build(dst: Path, train_file: Path) -> None:
    from accellium.training.tiny import build_tiny_base
    from accellium.training.train import TrainConfig, train

    records = _records(train_file, BASE_RECORDS)
    base = build_tiny_base(dst / "base", records, steps=BASE_STEPS, seed=0)
    for name, pragma in TARGETS.items():
        rows = []
        for r in records[:64]:
            r = dict(r, pragma=pragma, directive=pragma.split(" ", 2)[2], clauses=[])
            rows.append(json.dumps(r))
        data = dst / f"{name}.jsonl"
        data.write_text("\n".join(rows) + "\n", encoding="utf-8")
        train(TrainConfig(
            base_model=str(base), train_file=str(data), output_dir=str(dst / name), name=name,
            lora_r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"],
            max_steps=LORA_STEPS, learning_rate=1e-2, warmup_ratio=0.0, batch_size=8,
            eval_split=0.0, eval_generate=0, max_length=512, use_cpu=True, plot=False,
            logging_steps=10, torch_threads=2, seed=0))


def tiny_models(train_file: Path) -> TinyModels:
    cache = Path(os.environ.get("ACCELLIUM_TEST_CACHE", tempfile.gettempdir()))
    dst = cache / f"accellium-tiny-{_key()}"
    done = dst / "DONE"
    if not done.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with open(cache / f"accellium-tiny-{_key()}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                tmp = Path(tempfile.mkdtemp(prefix="accellium-tiny-build-", dir=cache))
                try:
                    _build(tmp, train_file)
                    (tmp / "DONE").write_text("ok\n")
                    shutil.rmtree(dst, ignore_errors=True)
                    tmp.rename(dst)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
    return TinyModels(base=dst / "base", adapters={n: dst / n for n in TARGETS})
