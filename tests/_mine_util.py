"""Helpers for the mining tests: small C sources and real git repositories made on the fly."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null",
}

MIT = """MIT License

Copyright (c) 2024 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.
"""


def git(*args: str, cwd: Path) -> str:
    r = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True,
                       check=True)
    return r.stdout.strip()


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


def make_repo(root: Path, files: dict[str, str | bytes], bare: bool = False) -> tuple[Path, str]:
    """A git repository with one commit of ``files``; returns (path, commit). With ``bare``,
    the path is a bare clone (no work tree)."""
    work = root.with_name(root.name + ".work") if bare else root
    work.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", cwd=work)
    write_tree(work, files)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "init", cwd=work)
    commit = git("rev-parse", "HEAD", cwd=work)
    if not bare:
        return work, commit
    git("clone", "-q", "--bare", str(work), str(root), cwd=work.parent)
    return root, commit


SAXPY = """#include <stdio.h>
void saxpy(int n, float a, float *x, float *y) {
#pragma acc parallel loop present(x[0:n], y[0:n])
  for (int i = 0; i < n; i++) {
    y[i] = a * x[i] + y[i];
  }
}
"""


def c_file(body: str, func: str = "f") -> str:
    return f"void {func}(int n, float *a, float *b, float *c) {{\n{body}\n}}\n"
