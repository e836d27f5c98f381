"""Issue #12 D12: the language server's workspace scan reads regular files only, bounded, and
never blocks: ``ln -s /dev/zero big.c``, ``mkfifo pipe.c``, a socket, a directory named
``dir.c``, links out of the workspace and an oversized file are all left alone.

The scan runs in a child process with a 2 GiB address-space limit and a timeout, so that a
regression (reading /dev/zero to the end, blocking on the FIFO) fails the test instead of
taking the machine's memory or hanging the run.  The end-to-end test runs the real server on
such a workspace.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from pytest_lsp import LanguageClient

from tests import test_lsp_backend_limits as fake
from tests._lsp_client import ENV, client_fixture
from tests.test_lsp_server import SRC, actions, open_doc, start, uri_of

ANNOTATED = """\
void g{k}(int n, float *y, const float *x) {{
    #pragma acc parallel loop present(y[0:n], x[0:n])
    for (int k = 0; k < n; k++) y[k] = 7{k} * x[k];
}}
"""

CHILD = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from accellium.lsp.style import StyleIndex, scan_root
style = StyleIndex()
n = scan_root(sys.argv[1], style)
print(json.dumps({"files": n, "uris": sorted(style._by_uri)}))
"""


def hostile_workspace(root: Path, outside: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "a_good.c").write_text(ANNOTATED.format(k=1))
    os.symlink("/dev/zero", root / "big.c")
    os.symlink("/dev/urandom", root / "src" / "rand.h")
    os.mkfifo(root / "pipe.c")
    os.mkfifo(root / "src" / "b_pipe.cu")
    (root / "dir.c").mkdir()
    (root / "huge.c").write_bytes(ANNOTATED.format(k=2).encode() * 70_000)  # > 2 MiB
    outside.write_text(ANNOTATED.format(k=3))
    os.symlink(outside, root / "src" / "c_outside.c")  # a secret outside the workspace
    os.symlink(root / "src" / "a_good.c", root / "src" / "d_inside.c")
    os.symlink("d_loop.c", root / "src" / "d_loop.c")  # a link to itself
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.c"))
    (root / "z_last.c").write_text(ANNOTATED.format(k=4))
    return sock


def test_scan_reads_regular_files_only_and_never_blocks(tmp_path):
    root, outside = tmp_path / "ws", tmp_path / "secret.c"
    sock = hostile_workspace(root, outside)
    try:
        res = subprocess.run([sys.executable, "-c", CHILD, str(root)], env=ENV,
                             capture_output=True, text=True, timeout=120)
    finally:
        sock.close()
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout)
    names = sorted(Path(u).name for u in got["uris"])
    # the regular files and the link to one inside; not the link to the file outside, nor
    # the oversized one; and the scan went on past the FIFOs and /dev/zero to the last file
    assert names == ["a_good.c", "d_inside.c", "z_last.c"], got
    assert got["files"] == 3


fake_backend = fake.backend  # the HTTP backend on 127.0.0.1 that records what it is sent


client = client_fixture()


async def test_server_on_a_hostile_workspace_sends_only_safe_examples(
        client: LanguageClient, fake_backend, tmp_path):
    """The real server scans the workspace (in the background) and sends the examples it
    found to a backend: those of the regular files, never the secret behind the link, and the
    scan gets past the FIFOs and /dev/zero to the last file."""
    backend = fake_backend
    root = tmp_path / "ws"
    sock = hostile_workspace(root, tmp_path / "secret.c")
    try:
        await start(client, root=root, resolve=False, options={
            "indexWorkspace": True, "backendUrl": backend.url, "timeoutMs": 10000})
        uri = uri_of(root, "new.c")
        open_doc(client, uri, SRC)

        def examples() -> list[str]:
            return [e["pragma"] + e["loop"] for _, _, body in backend.seen
                    for e in json.loads(body)["context"]["examples"]]

        async def scanned():
            # the first file's examples and the last one's: the scan got past the FIFOs and
            # /dev/zero (a request may go out while the scan has reached only some files)
            while not all(any(f"= {k} *" in e for e in examples()) for k in (71, 74)):
                assert await actions(client, uri, 5, 8)
                await asyncio.sleep(0.5)

        await asyncio.wait_for(scanned(), 120)
        sent = examples()
        assert not any("= 73 *" in e or "= 72 *" in e for e in sent), sent
        assert await asyncio.wait_for(actions(client, uri, 13, 12), 60)
    finally:
        sock.close()
