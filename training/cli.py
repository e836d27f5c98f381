"""``accellium train``, ``accellium deploy`` and ``accellium compare`` (registered by
``accellium.cli``).

Thin layers over :func:`training.train.train` and :func:`deploy`; a bad input prints one line
``accellium <cmd>: <reason>`` on stderr and exits with status 2 (server refusals: 1).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run_train", "run_deploy", "deploy", "DeployError"]


class DeployError(RuntimeError):
    """The server could not be reached or refused the adapter (one-line message)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="fine-tune a LoRA adapter (TRL SFTTrainer + peft)",
        description="Fine-tune a LoRA/QLoRA adapter on pragma-loop pairs with the prompt of "
                    "dataset/prompt.py. Settings come from a YAML file (training/configs/) and "
                    "--set overrides; every TrainConfig field can be overridden. Multi-GPU: "
                    "run under `accelerate launch` (docs/training.md).")
    p.add_argument("--config", metavar="FILE.yaml", help="training config (YAML)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting, value parsed as YAML (repeatable), e.g. "
                        "--set max_steps=100 --set use_cpu=true")
    p.add_argument("--json", action="store_true", help="print the result summary as JSON")
    p.add_argument("--style", action="store_true",
                   help="instead of a LoRA adapter: fit the auto engine's style ranker on "
                        "--data (default: $ACCELLIUM_TRAIN or ../shared/data/train.jsonl) and "
                        "store it in the engine cache the server loads")
    p.add_argument("--data", metavar="TRAIN.jsonl", help="training pairs for --style")
    p.set_defaults(func=run_train)

    d = sub.add_parser(
        "deploy", help="load an adapter into a running server (POST /v1/adapters)",
        description="Load (or swap, when NAME is already loaded) an adapter into a running "
                    "accellium server, then print the adapter's eval metrics from its "
                    "accellium.json. PATH must be readable by the server process.")
    d.add_argument("adapter", metavar="ADAPTER", help="adapter folder (with accellium.json)")
    d.add_argument("--server", default="http://127.0.0.1:8000", help="server base URL")
    d.add_argument("--name", required=True, help="the name requests will use")
    d.add_argument("--token", default=None,
                   help="bearer token (default: env ACCELLIUM_TOKEN, else none)")
    d.add_argument("--remote-path", default=None,
                   help="the adapter's path as the server sees it (default: ADAPTER, absolute)")
    d.add_argument("--timeout", type=float, default=300.0, help="seconds (default 300)")
    d.add_argument("--json", action="store_true", help="print the server's answer as JSON")
    d.set_defaults(func=run_deploy)

    from accellium.training.compare import add_parser as add_compare_parser

    add_compare_parser(sub)


def _err(cmd: str, msg: str, rc: int = 2) -> int:
    print(f"accellium {cmd}: {' '.join(str(msg).split())}", file=sys.stderr)
    return rc


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def run_train_style(args: argparse.Namespace) -> int:
    """``accellium train --style``: build (or rebuild) the auto engine's cached state."""
    import time

    from accellium.dataset.records import read_jsonl
    from accellium.server.defaults import default_train_path
    from accellium.server.engines.rank.store import build_and_store

    path = args.data or default_train_path()
    if path is None:
        return _err("train", "--style needs training pairs: --data FILE.jsonl or $ACCELLIUM_TRAIN")
    if not os.path.isfile(path):
        return _err("train", f"no such file: {path}")
    try:
        recs = read_jsonl(path)
    except (ValueError, OSError) as e:
        return _err("train", f"{path}: not a JSONL file of pairs ({type(e).__name__})")
    t0 = time.perf_counter()
    try:
        ranker, paths = build_and_store(recs)
    except ValueError as e:
        return _err("train", str(e))
    s = {"data": str(path), "pairs": len(recs), "seconds": round(time.perf_counter() - t0, 1),
         "params": ranker.params, "inner_cv": ranker.cv,
         "calibration": [ranker.calibration.a, ranker.calibration.b, ranker.calibration.c],
         "written": [str(p) for p in paths]}
    if args.json:
        print(json.dumps(s, indent=2, default=float))
    else:
        print(f"style ranker fit on {len(recs)} pairs in {s['seconds']} s: {ranker.params}")
        for t in ranker.cv.get("tried", []):
            print(f"  inner CV {t['params']}: EM {t['exact_match']:.3f} dir "
                  f"{t['directive_match']:.3f} score {t['score']:.3f}")
        print("written: " + (", ".join(s["written"]) or "nothing (cache not writable)"))
    return 0


def run_train(args: argparse.Namespace) -> int:
    from accellium.training.train import ConfigError, load_config

    if args.style:
        if args.config or args.overrides:
            return _err("train", "--style takes no --config/--set")
        return run_train_style(args)
    if args.data:
        return _err("train", "--data is for --style (LoRA training reads it from the config)")
    if args.config is None and not args.overrides:
        return _err("train", "give --config FILE.yaml (see training/configs/) and/or --set")
    try:
        cfg = load_config(args.config, args.overrides)
    except ConfigError as e:
        return _err("train", str(e))
    if logging.getLogger().level > logging.INFO:
        logging.getLogger("training").setLevel(logging.INFO)
        if not logging.getLogger().handlers:
            logging.basicConfig(format="%(asctime)s %(message)s")
    try:
        from accellium.training.train import train
    except ImportError as e:
        return _err("train", f"the ML extra is not installed ({e}); pip install 'accellium[ml]'")
    try:
        result = train(cfg)
    except ConfigError as e:
        return _err("train", str(e))
    except (FileNotFoundError, ValueError) as e:
        return _err("train", str(e).splitlines()[0] if str(e) else type(e).__name__)
    if int(os.environ.get("RANK", "0")) != 0:  # accelerate launch / torchrun: rank 0 reports
        return 0
    s = result.summary()
    if args.json:
        print(json.dumps(s, indent=2))
    else:
        print(f"adapter written to {s['adapter_dir']}")
        print(f"steps {s['steps']}, {s['train_records']} pairs ({s['dropped_records']} too long), "
              f"{s['runtime_s']} s, {s['tokens_per_s']} tokens/s")
        print(f"train loss {_fmt(s['loss_first'])} -> {_fmt(s['loss_last'])}; eval loss "
              f"{_fmt(s['eval_loss_before'])} -> {_fmt(s['eval_loss_after'])}")
        gen = (s.get("metrics") or {}).get("generation")
        if gen:
            print("eval generation: " + ", ".join(f"{k} {_fmt(v)}" for k, v in gen.items()))
    return 0


def deploy(adapter_dir: str | os.PathLike[str], server: str, name: str, *,
           token: str | None = None, remote_path: str | None = None,
           timeout: float = 300.0) -> dict[str, Any]:
    """POST ``{"name", "path"}`` to ``{server}/v1/adapters``; returns the server's AdapterInfo.
    Raises ``FileNotFoundError``/``ValueError`` for a bad local adapter folder and
    :class:`DeployError` for an unreachable server or a refusal (with the server's reason)."""
    import httpx
    from accellium.dataset.adapters import load_meta

    load_meta(adapter_dir)  # fail early and locally on a folder that is not an adapter
    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise FileNotFoundError(f"{adapter_dir}: no adapter_config.json (not a peft adapter)")
    path = remote_path or str(Path(adapter_dir).resolve())
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = server.rstrip("/") + "/v1/adapters"
    try:
        r = httpx.post(url, json={"name": name, "path": path}, headers=headers, timeout=timeout)
    except httpx.HTTPError as e:
        raise DeployError(f"cannot reach {url}: {e}") from None
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail")
        except ValueError:
            detail = r.text[:300]
        if isinstance(detail, list):  # pydantic error list
            detail = "; ".join(f"{'.'.join(str(x) for x in d.get('loc', []))}: {d.get('msg')}"
                               for d in detail if isinstance(d, dict))
        raise DeployError(f"server refused adapter '{name}' (HTTP {r.status_code}): {detail}")
    return r.json()


def run_deploy(args: argparse.Namespace) -> int:
    from accellium.dataset.adapters import load_meta

    token = args.token or os.environ.get("ACCELLIUM_TOKEN") or None
    try:
        info = deploy(args.adapter, args.server, args.name, token=token,
                      remote_path=args.remote_path, timeout=args.timeout)
        meta = load_meta(args.adapter)
    except (FileNotFoundError, ValueError) as e:
        return _err("deploy", str(e))
    except DeployError as e:
        return _err("deploy", str(e), rc=1)
    if args.json:
        print(json.dumps({"server": info, "metrics": meta.metrics}, indent=2))
        return 0
    version = info.get("version")
    verb = "swapped in" if isinstance(version, int) and version > 1 else "loaded"
    print(f"adapter '{args.name}' {verb} at {args.server} (version {version}, base "
          f"{meta.base_model}, rank {meta.rank}, prompt {meta.prompt_version}, "
          f"data {meta.data_hash}, {meta.train_records} train pairs)")
    m = dict(meta.metrics)
    gen = m.pop("generation", None)
    if m:
        print("eval: " + ", ".join(f"{k} {_fmt(v)}" for k, v in m.items() if v is not None))
    if gen:
        print("eval generation: " + ", ".join(f"{k} {_fmt(v)}" for k, v in gen.items()))
    if not m and not gen:
        print("eval: no metrics recorded in accellium.json")
    return 0
