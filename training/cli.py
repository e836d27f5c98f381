"""``accellium train``, ``accellium deploy`` and ``accellium compare`` (registered by
``accellium.cli``).

Thin layers over :func:`training.train.train` and :func:`deploy`; a bad input prints one line
``accellium <cmd>: <reason>`` on stderr and exits with status 2 (server refusals: 1; an upstream
that does not allow loading adapters at run time: 2).
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
        "deploy", help="load an adapter into a running server (POST /v1/adapters) or into "
                       "vLLM servers (--upstream)",
        description="Load (or swap, when NAME is already loaded) an adapter into a running "
                    "accellium server (a gateway loads it into all its upstreams), or with "
                    "--upstream straight into vLLM servers through their runtime LoRA endpoints "
                    "(VLLM_ALLOW_RUNTIME_LORA_UPDATING=True), then print the adapter's eval "
                    "metrics from its accellium.json. PATH must be readable by the servers.")
    d.add_argument("adapter", metavar="ADAPTER", help="adapter folder (with accellium.json)")
    d.add_argument("--server", default="http://127.0.0.1:8000", help="server base URL")
    d.add_argument("--upstream", action="append", default=[], metavar="URL",
                   help="an OpenAI base URL of a vLLM server (repeatable); instead of --server")
    d.add_argument("--upstream-key", default=None, metavar="KEY",
                   help="the upstreams' bearer key (default: env ACCELLIUM_UPSTREAM_KEY)")
    d.add_argument("--base", default=None, metavar="PATH",
                   help="with --upstream: the base model's folder, to check the adapter's base "
                        "fingerprint (default: the base the upstreams report, if readable here)")
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

    if args.upstream:
        return _deploy_upstreams(args)
    token = args.token or os.environ.get("ACCELLIUM_TOKEN") or None
    try:
        info = deploy(args.adapter, args.server, args.name, token=token,
                      remote_path=args.remote_path, timeout=args.timeout)
        meta = load_meta(args.adapter)
    except (FileNotFoundError, ValueError) as e:
        return _err("deploy", str(e))
    except DeployError as e:
        return _err("deploy", str(e), rc=2 if "(HTTP 501)" in str(e) else 1)
    if args.json:
        print(json.dumps({"server": info, "metrics": meta.metrics}, indent=2))
        return 0
    version = info.get("version")
    verb = "swapped in" if isinstance(version, int) and version > 1 else "loaded"
    where = args.server
    if info.get("served_by") is not None:
        where += f" (upstreams: {', '.join(info['served_by']) or 'none up'})"
    print(f"adapter '{args.name}' {verb} at {where} (version {version}, base "
          f"{meta.base_model}, rank {meta.rank}, prompt {meta.prompt_version}, "
          f"data {meta.data_hash}, {meta.train_records} train pairs)")
    _print_metrics(meta)
    return 0


def _deploy_upstreams(args: argparse.Namespace) -> int:
    """``accellium deploy ADAPTER --name N --upstream URL ...``: straight into vLLM servers."""
    from accellium.dataset.adapters import load_meta
    from accellium.server.adapters import AdapterError
    from accellium.server.engines import EngineError
    from accellium.server.engines.runtime_lora import deploy_upstreams

    key = args.upstream_key or os.environ.get("ACCELLIUM_UPSTREAM_KEY") or None
    try:
        meta = load_meta(args.adapter)
        out = deploy_upstreams(args.adapter, args.upstream, args.name, api_key=key,
                               remote_path=args.remote_path, base=args.base,
                               timeout=args.timeout)
    except (FileNotFoundError, ValueError, AdapterError) as e:
        return _err("deploy", str(e))
    except EngineError as e:
        return _err("deploy", str(e), rc=1)
    results = out["results"]
    disabled = [r for r in results if r.disabled]
    if disabled:  # checked before loading: nothing was loaded anywhere
        return _err("deploy", "; ".join(r.error or r.url for r in disabled) + "; nothing loaded")
    if args.json:
        print(json.dumps({"upstreams": {r.url: "loaded" if r.ok else r.error for r in results},
                          "path": out["path"], "fingerprint_checked": out["checked_fingerprint"],
                          "metrics": meta.metrics}, indent=2))
    else:
        for r in results:
            print(f"{r.url}: " + ("loaded" if r.ok else f"FAILED: {r.error}"))
        if not out["checked_fingerprint"]:
            print("base fingerprint not checked: the base model's folder is not readable here "
                  "(give --base PATH)")
        print(f"adapter '{args.name}' (base {meta.base_model}, rank {meta.rank}, prompt "
              f"{meta.prompt_version}, data {meta.data_hash}, {meta.train_records} train pairs)")
        _print_metrics(meta)
    return 0 if all(r.ok for r in results) else 1


def _print_metrics(meta: Any) -> None:
    m = dict(meta.metrics)
    gen = m.pop("generation", None)
    if m:
        print("eval: " + ", ".join(f"{k} {_fmt(v)}" for k, v in m.items() if v is not None))
    if gen:
        print("eval generation: " + ", ".join(f"{k} {_fmt(v)}" for k, v in gen.items()))
    if not m and not gen:
        print("eval: no metrics recorded in accellium.json")
