"""``accellium bench lsp`` through the real console script, on a small generated file: a real
language server on stdio answers code actions, and with ``--edit-actions N`` the code
actions asked right after N whole-buffer edits, with the server's resident memory before and
after them (figures only: never a pass/fail on time or memory)."""

from __future__ import annotations

import json
import subprocess
import sys

EXE = [sys.executable, "-m", "accellium", "bench", "lsp"]


def test_code_actions_after_edits_and_the_servers_memory_are_reported():
    r = subprocess.run([*EXE, "--lines", "300", "--requests", "4", "--edits", "4",
                        "--edit-actions", "5", "--engine", "analysis", "--json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["code_action"]["n"] == 4 and out["with_action"] == 4, out
    after = out["code_action_after_edit"]
    assert after["n"] == 5 and 0 < after["p50_ms"] <= after["max_ms"], after
    mem = out["server_rss_mb"]
    assert mem["edits"] == 5 and mem["before_edits"] > 0 and mem["after_edits"] > 0, mem


def test_without_edit_actions_the_phase_is_left_out():
    r = subprocess.run([*EXE, "--lines", "300", "--requests", "2", "--edits", "2",
                        "--edit-actions", "0", "--engine", "analysis"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "code action (cache miss)" in r.stdout and "code action after an edit" not in r.stdout, \
        r.stdout
