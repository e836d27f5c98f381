"""``accellium bench lsp``: code-action latency and re-index time on a generated C file.

* code action: a real client starts ``python -m accellium.lsp`` (stdio, embedded engine), opens the
  generated file and asks for code actions at the loops of different functions (every loop text
  differs, so each request misses the suggestion cache); the figure is the client-side round
  trip.  Target p95 <= 30 ms.
* re-index: one-character edits applied the way the server applies them
  (:meth:`lsp.document.DocIndex.apply_changes`: the buffer, its line starts and the mask,
  then :meth:`~lsp.document.DocIndex.view`: tree-sitter's incremental re-parse), in process.
  Target p95 <= 10 ms.
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


async def bench_code_actions(text: str, requests: int, engine: str) -> dict:
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
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return {"first_request_ms": round(open_ms, 1), "with_action": answered,
            "first_action": first[0].title if first else None,
            "code_action": _summary(times), "code_action_cached": _summary(cached)}


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
    actions = asyncio.run(bench_code_actions(text, args.requests, args.engine))
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
    print(f"  re-index after an edit:   p50 {ri['p50_ms']} ms, p95 {ri['p95_ms']} ms, "
          f"max {ri['max_ms']} ms over {ri['n']} edits  [target p95 <= 10 ms]")
    print("  loops at the cursor in an N-deep nest (parse + 4 loops): " + ", ".join(
        f"N={n}: {d['ms']:.0f} ms ({d['us_per_level']} us/level)" for n, d in deep.items())
        + "  [target N=3000 < 1000 ms]")
    return 0
