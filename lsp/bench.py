"""``accellium bench lsp``: code-action latency and re-index time on a generated C file.

* code action: a real client starts ``python -m accellium.lsp`` (stdio, embedded engine), opens the
  generated file and asks for code actions at the loops of different functions (every loop text
  differs, so each request misses the suggestion cache); the figure is the client-side round
  trip.  Target p95 <= 30 ms.
* re-index: one-character edits applied the way the server applies them
  (:meth:`lsp.document.DocIndex.apply_changes`: the buffer, its line starts and the mask,
  then :meth:`~lsp.document.DocIndex.view`: tree-sitter's incremental re-parse), in process.
  Target p95 <= 10 ms.
* code action after an edit: the client replaces the buffer (one comment changed on its
  first line) and asks for the code action at one loop, again and again: each request
  analyses a new version of the file (its scope, its trees).  The server's resident memory
  (``VmRSS``) is read before the first and after the last: a cache that kept every version's
  tree would grow it by the tree's size at each edit.
* deep nests (issue #12, D1): the loops at the cursor in the innermost body of an N-deep nest
  (parse, then the loop and its 3 enclosing loops), in process, for N = 1,000 / 3,000 / 9,000;
  the time per nesting level must stay flat (linear), and a 3,000-deep nest well under 1 s.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types

from .testing import client_capabilities, generate_c

__all__ = ["main", "bench_code_actions", "bench_reindex"]


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _summary(xs: list[float]) -> dict:
    return {"n": len(xs), "p50_ms": round(statistics.median(xs), 2),
            "p95_ms": round(_pct(xs, 0.95), 2), "max_ms": round(max(xs), 2)}


def _rss_mb(pid: int | None) -> float | None:
    """The resident memory of process ``pid`` in MiB (None where /proc does not say)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


async def bench_code_actions(text: str, requests: int, engine: str,
                             edit_actions: int = 0) -> dict:
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("accellium-bench", "0")

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def _msg(params):
        pass

    @client.feature("accellium/status")
    def _status(params):
        pass

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diags(params):
        pass

    await client.start_io(sys.executable, "-m", "accellium.lsp")
    with tempfile.TemporaryDirectory() as tmp:
        uri = (Path(tmp) / "bench.c").as_uri()
        await client.initialize_async(types.InitializeParams(
            capabilities=client_capabilities(),
            initialization_options={"engine": engine, "indexWorkspace": False}))
        client.initialized(types.InitializedParams())
        t0 = time.perf_counter()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="c", version=1,
                                                 text=text)))
        lines = text.splitlines()
        targets = [i for i, ln in enumerate(lines) if ln.strip().startswith("s") and "+=" in ln]
        targets += [i for i, ln in enumerate(lines) if "*= s" in ln]
        targets.sort()

        async def ask(line: int) -> list:
            got = await client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(line, 8), types.Position(line, 8)),
                context=types.CodeActionContext(diagnostics=[])))
            return list(got or [])

        first = await ask(targets[0])  # waits for the index and the engine's warm-up
        open_ms = (time.perf_counter() - t0) * 1000
        step = max(1, len(targets) // max(requests, 1))
        times: list[float] = []
        answered = 0
        for line in (targets[1::step] * 2)[:requests]:
            t = time.perf_counter()
            res = await ask(line)
            times.append((time.perf_counter() - t) * 1000)
            answered += bool(res)
        # cached: the same loops again
        cached: list[float] = []
        for line in targets[1::step][: min(100, requests)]:
            t = time.perf_counter()
            await ask(line)
            cached.append((time.perf_counter() - t) * 1000)
        edited, memory = await _after_edits(client, uri, text, targets, edit_actions, ask)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    out = {"first_request_ms": round(open_ms, 1), "with_action": answered,
           "first_action": first[0].title if first else None,
           "code_action": _summary(times), "code_action_cached": _summary(cached)}
    if edited:
        out["code_action_after_edit"] = _summary(edited)
        out["server_rss_mb"] = memory
    return out


async def _after_edits(client, uri: str, text: str, targets: list[int], edits: int,
                       ask) -> tuple[list[float], dict]:
    """Round trips of a code action asked right after each of ``edits`` whole-buffer
    changes, and the server's resident memory before and after them."""
    server = getattr(client, "_server", None)
    pid = server.pid if server is not None else None
    first_line = text.split("\n", 1)[0]
    line = targets[len(targets) // 2] if targets else 0
    before = _rss_mb(pid)
    times: list[float] = []
    for k in range(edits):
        changed = text.replace(first_line, f"{first_line} /* edit {k} */", 1)
        t = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=k + 2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=changed)]))
        await ask(line)
        times.append((time.perf_counter() - t) * 1000)
    return times, {"before_edits": before, "after_edits": _rss_mb(pid), "edits": edits}


def bench_reindex(text: str, edits: int) -> dict:
    from .document import DocIndex

    t0 = time.perf_counter()
    doc = DocIndex("file:///bench.c", "c", text, 1)
    doc.view()
    full_ms = (time.perf_counter() - t0) * 1000
    lines = text.splitlines()
    rows = [i for i, ln in enumerate(lines) if "+=" in ln]
    times: list[float] = []
    for k in range(edits):
        row = rows[(k * 37) % len(rows)]
        col = len(lines[row]) - 1
        ch = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(row, col), types.Position(row, col)), text=" ")
        if k % 2:  # delete the space inserted before
            ch = types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(row, col), types.Position(row, col + 1)),
                text="")
        t = time.perf_counter()
        doc.apply_changes([ch], k + 2)
        doc.view()
        times.append((time.perf_counter() - t) * 1000)
    return {"full_index_ms": round(full_ms, 1), "reindex": _summary(times)}


def deep_nest(n: int) -> str:
    return ("void f(float *a) {\n" + "for (int i = 0; i < 9; i++) {\n" * n + "a[0] += 1.0f;\n"
            + "}\n" * n + "}\n")


def bench_deep(sizes: tuple[int, ...] = (1000, 3000, 9000)) -> dict:
    from .document import DocIndex

    out = {}
    for n in sizes:
        t0 = time.perf_counter()
        view = DocIndex("file:///deep.c", "c", deep_nest(n), 1).view()
        chain = view.loops_at(n + 1, 4, insertable=True)
        ms = (time.perf_counter() - t0) * 1000
        assert len(chain) == 4 and chain[0].depth == n - 1
        out[str(n)] = {"ms": round(ms, 1), "us_per_level": round(1000 * ms / n, 1)}
    return out


def main(args) -> int:
    text = generate_c(args.lines)
    nlines = text.count("\n")
    reindex = bench_reindex(text, args.edits)
    deep = bench_deep()
    actions = asyncio.run(bench_code_actions(text, args.requests, args.engine,
                                             args.edit_actions))
    out = {"file_lines": nlines, "file_bytes": len(text.encode()), "engine": args.engine,
           **actions, **reindex, "deep_nest": deep,
           "targets": {"code_action_p95_ms": 30, "reindex_p95_ms": 10,
                       "deep_nest_3000_ms": 1000}}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    ca, cc, ri = out["code_action"], out["code_action_cached"], out["reindex"]
    print(f"accellium bench lsp: {nlines} lines ({out['file_bytes'] / 1024:.0f} KiB), "
          f"embedded engine '{args.engine}'")
    print(f"  first code action after didOpen: {out['first_request_ms']:.0f} ms "
          f"(full index {out['full_index_ms']:.0f} ms + engine warm-up)")
    print(f"  code action (cache miss): p50 {ca['p50_ms']} ms, p95 {ca['p95_ms']} ms, "
          f"max {ca['max_ms']} ms over {ca['n']} requests ({out['with_action']} with an "
          f"action)  [target p95 <= 30 ms]")
    print(f"  code action (cached):     p50 {cc['p50_ms']} ms, p95 {cc['p95_ms']} ms")
    if "code_action_after_edit" in out:
        ce, mem = out["code_action_after_edit"], out["server_rss_mb"]
        print(f"  code action after an edit: p50 {ce['p50_ms']} ms, p95 {ce['p95_ms']} ms, "
              f"max {ce['max_ms']} ms over {ce['n']} edits; server memory (RSS) "
              f"{mem['before_edits']} -> {mem['after_edits']} MiB")
    print(f"  re-index after an edit:   p50 {ri['p50_ms']} ms, p95 {ri['p95_ms']} ms, "
          f"max {ri['max_ms']} ms over {ri['n']} edits  [target p95 <= 10 ms]")
    print("  loops at the cursor in an N-deep nest (parse + 4 loops): " + ", ".join(
        f"N={n}: {d['ms']:.0f} ms ({d['us_per_level']} us/level)" for n, d in deep.items())
        + "  [target N=3000 < 1000 ms]")
    return 0
