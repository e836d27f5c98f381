"""Adapter folders named by clients (#12 D13), without any ML library: confined to the
``--adapter-root`` folders after resolving ``..`` and symlinks, one message whatever the reason a
path is refused (no existence oracle), capped metadata that is never read through a symlink out
of the root or from a FIFO, safetensors weights only."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from accellium.dataset.adapters import AdapterMeta, save_meta
from accellium.dataset.prompt import PROMPT_VERSION
from accellium.server.adapters import (
    MAX_META_BYTES,
    AdapterRegistry,
    AdapterRejected,
    read_capped,
    resolve_adapter_dir,
    resolve_roots,
)


def _adapter(d: Path) -> Path:
    d.mkdir(parents=True)
    save_meta(d, AdapterMeta(name=d.name, base_model="tiny", base_fingerprint="f" * 16,
                             prompt_version=PROMPT_VERSION, rank=8, alpha=16.0))
    (d / "adapter_config.json").write_text('{"r": 8}')
    (d / "adapter_model.safetensors").write_bytes(b"\0" * 16)
    return d


@pytest.fixture()
def tree(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    good = _adapter(root / "good")
    out = _adapter(outside / "adapter")
    (root / "escape").symlink_to(out, target_is_directory=True)
    (root / "a-file").write_text("not a folder")
    return {"root": root, "good": good, "outside": out, "tmp": tmp_path}


def _refusal(path: str, roots) -> str:
    with pytest.raises(AdapterRejected) as e:
        resolve_adapter_dir(path, roots)
    return str(e.value).replace(f"'{path}'", "'PATH'")


def test_paths_under_a_root_resolve(tree):
    roots = resolve_roots([tree["root"]])
    real, root = resolve_adapter_dir(str(tree["good"]), roots)
    assert real == tree["good"].resolve() and root == roots[0]
    assert resolve_adapter_dir("good", roots)[0] == real  # relative: under the roots
    assert resolve_adapter_dir(str(tree["root"] / "x" / ".." / "good"), roots)[0] == real


def test_one_message_for_missing_and_not_allowed(tree):
    roots = resolve_roots([tree["root"]])
    paths = ["/root", "/nonexistent", "/etc/passwd", "/", str(tree["root"] / "missing"),
             str(tree["outside"]), str(tree["root"] / ".." / "outside" / "adapter"),
             str(tree["root"] / "escape"), "../outside/adapter", str(tree["root"] / "a-file"),
             "bad\0path"]
    messages = {_refusal(p, roots) for p in paths}
    assert len(messages) == 1, messages
    assert "not an adapter folder under the server's --adapter-root" in messages.pop()


def test_no_roots_means_no_runtime_loading(tree):
    with pytest.raises(AdapterRejected, match="run time is off"):
        resolve_adapter_dir(str(tree["good"]), ())
    with pytest.raises(ValueError, match="not a folder"):
        resolve_roots([tree["tmp"] / "nope"])


def test_metadata_symlinked_out_of_the_root_is_not_read(tree):
    d = tree["good"]
    (d / "accellium.json").unlink()
    (d / "accellium.json").symlink_to(tree["outside"] / "accellium.json")
    root = resolve_roots([tree["root"]])[0]
    with pytest.raises(AdapterRejected, match="links outside the adapter root"):
        AdapterRegistry().inspect(d, "good", root=root)


def test_metadata_size_is_capped(tree):
    d = tree["good"]
    with open(d / "accellium.json", "wb") as fh:  # 30 MB, sparse: not read to be refused
        fh.truncate(30 * 1024 * 1024)
    with pytest.raises(AdapterRejected, match=f"over the {MAX_META_BYTES}-byte limit"):
        read_capped(d, "accellium.json", tree["root"].resolve())


def test_fifo_metadata_does_not_block(tree):
    d = tree["good"]
    (d / "accellium.json").unlink()
    os.mkfifo(d / "accellium.json")
    out: dict = {}

    def go():
        try:
            read_capped(d, "accellium.json", tree["root"].resolve())
        except AdapterRejected as e:
            out["error"] = str(e)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(30)
    assert "not a regular file" in out.get("error", ""), out


def test_pickled_weights_are_not_loaded(tree):
    d = tree["good"]
    (d / "adapter_model.safetensors").unlink()
    (d / "adapter_model.bin").write_bytes(b"\x80\x04pickle")
    with pytest.raises(AdapterRejected, match="only safetensors weights"):
        AdapterRegistry().inspect(d, "good", root=tree["root"].resolve())


def test_a_good_folder_passes_inspection(tree):
    meta = AdapterRegistry().inspect(tree["good"], "good", root=tree["root"].resolve())
    assert meta.rank == 8 and meta.prompt_version == PROMPT_VERSION
