"""A synthetic code corpus for the datatrove miner tests: C/C++ repositories with OpenACC loops
(several licences, forks with copied files, non-C files, an oversized file), written either as
folders on disk or as parquet/JSONL shards with The Stack v2's kind of columns (content, path,
repo, license, commit). Deterministic for a given seed."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

LICENSE_TEXTS = {
    "MIT": "MIT License\n\nPermission is hereby granted, free of charge, to any person "
           "obtaining a copy of this software.\n",
    "Apache-2.0": "                                 Apache License\n"
                  "                           Version 2.0, January 2004\n",
    "GPL-3.0": "                    GNU GENERAL PUBLIC LICENSE\n"
               "                       Version 3, 29 June 2007\n",
    "BSD-3-Clause": "Redistribution and use in source and binary forms, with or without "
                    "modification, are permitted.\nNeither the name of the copyright holder "
                    "nor the names of its contributors may be used to endorse or promote.\n",
    "none": "",
}
LICENSES = list(LICENSE_TEXTS)

_DIRECTIVES = [
    "parallel loop", "kernels loop", "parallel loop gang vector", "loop independent",
    "parallel loop present(A[0:n], B[0:n])", "parallel loop copyin(B[0:n]) copyout(A[0:n])",
    "parallel loop reduction(+:s)", "parallel loop collapse(2)", "serial loop",
    "parallel loop private(t)", "loop seq", "kernels",
]


def _loop(rng: random.Random, k: int, a: str, b: str) -> str:
    d = rng.choice(_DIRECTIVES).replace("A[", f"{a}[").replace("B[", f"{b}[")
    c = rng.randint(1, 9999)
    op = rng.choice(["+", "-", "*"])
    if "collapse" in d:
        body = (f"  for (int i = 0; i < n; i++)\n    for (int j = 0; j < m; j++)\n"
                f"      {a}[i * m + j] = {b}[i * m + j] {op} {c};\n")
    elif "reduction" in d:
        body = f"  for (int i = 0; i < n; i++)\n    s += {a}[i] {op} {b}[i] * {c};\n"
    elif rng.random() < 0.06:  # an empty body: dropped by the filter
        body = "  for (int i = 0; i < n; i++);\n"
    else:
        body = (f"  for (int i = 0; i < n; i++) {{\n    float t = {b}[i] {op} {c}.0f;\n"
                f"    {a}[i] = t * {a}[i] + {k};\n  }}\n")
    form = rng.random()
    if form < 0.05:
        return f"  _Pragma(\"acc {d}\")\n{body}"
    if form < 0.10:
        return f"#pragma acc update device({a}[0:n])\n#pragma acc {d}\n{body}"
    return f"#pragma acc {d}\n{body}"


def c_source(rng: random.Random, with_acc: bool, tag: str, ident: str = "") -> str:
    """One C file: a few functions, some with OpenACC loops. ``tag`` makes functions unique,
    ``ident`` (a repository's suffix for its array names) keeps repositories' loops apart."""
    a, b = f"a{ident}", f"b{ident}"
    parts = ["#include <stdlib.h>\n/* généré pour les tests */\n"]
    for f in range(rng.randint(1, 4)):
        body = ""
        for k in range(rng.randint(1, 3)):
            if with_acc and rng.random() < 0.7:
                body += _loop(rng, k, a, b)
            else:
                body += (f"  for (int i = 0; i < n; i++)\n    {a}[i] += {b}[i] * "
                         f"{rng.randint(1, 9)};\n")
        if with_acc and rng.random() < 0.2:
            body = f"#pragma acc data copy({a}[0:n]) copyin({b}[0:n])\n{{\n{body}}}\n"
        parts.append(f"float f_{tag}_{f}(int n, int m, float *{a}, float *{b}) {{\n"
                     f"  float s = 0.0f;\n{body}  return s;\n}}\n")
    return "\n".join(parts)


def corpus(n_repos: int = 12, files_per_repo: int = 180, seed: int = 7,
           big_bytes: int = 0, acc_share: float = 0.2) -> list[dict]:
    """Rows ``{repo, path, content, license, commit}`` sorted by (repo, path): one oversized
    file when ``big_bytes``, forks copying files of the first repository, a few non-C files."""
    rng = random.Random(seed)
    rows: list[dict] = []
    first: list[tuple[str, str]] = []
    for r in range(n_repos):
        repo = f"org{r:02d}/proj{r:02d}"
        lic = LICENSES[r % len(LICENSES)]
        files: dict[str, str] = {}
        for k in range(files_per_repo):
            ext = rng.choice([".c", ".c", ".cpp", ".h", ".cc"])
            path = f"src/m{k // 40}/file{k:03d}{ext}"
            files[path] = c_source(rng, rng.random() < acc_share, f"r{r}k{k}", f"_{r}")
        files["README.md"] = "#pragma acc parallel loop\nfor (;;) {}\n"  # not C: never mined
        files["tools/gen.py"] = "print('hi')\n"
        if r == 0:
            first = sorted(files.items())[:25]
        elif r % 4 == 1:  # a fork: 25 files copied from the first repository
            files.update({f"third_party/{p}": c for p, c in first})
        if big_bytes and r == 2:
            files["src/huge.c"] = c_source(rng, True, "huge", f"_{r}") + "/*" + "x" * big_bytes + "*/\n"
        rows += [{"repo": repo, "path": p, "content": c, "license": lic, "commit": "local"}
                 for p, c in sorted(files.items())]
    return rows


def write_shards(rows: list[dict], folder: Path, n_shards: int = 6) -> list[Path]:
    """Rows in order over ``n_shards`` files: even ones parquet, odd ones JSONL (gzipped every
    other time); names sort in row order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(rows) // n_shards)
    out = []
    for s in range(n_shards):
        chunk = rows[s * per:(s + 1) * per]
        if s % 2 == 0:
            path = folder / f"shard-{s:03d}.parquet"
            pq.write_table(pa.Table.from_pylist(chunk), path, row_group_size=200)
        else:
            text = "".join(json.dumps(r) + "\n" for r in chunk)
            if s % 4 == 1:
                path = folder / f"shard-{s:03d}.jsonl.gz"
                path.write_bytes(gzip.compress(text.encode()))
            else:
                path = folder / f"shard-{s:03d}.jsonl"
                path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def write_repos(rows: list[dict], root: Path) -> list[Path]:
    """The same rows as folders ``owner+name`` with a root LICENSE file, in repository order."""
    dirs: dict[str, Path] = {}
    for r in rows:
        d = dirs.get(r["repo"])
        if d is None:
            d = dirs[r["repo"]] = root / r["repo"].replace("/", "+")
            if LICENSE_TEXTS[r["license"]]:
                d.mkdir(parents=True, exist_ok=True)
                (d / "LICENSE").write_text(LICENSE_TEXTS[r["license"]], encoding="utf-8")
        p = d / r["path"]
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(r["content"], encoding="utf-8")
    return list(dirs.values())
