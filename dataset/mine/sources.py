"""Where the miner reads C/C++ files from: local folders, bare (or non-bare) git repositories
read with ``git ls-tree``/``git cat-file --batch`` (no checkout), and git URLs cloned shallowly.

Every problem (unreadable file, file over the size cap, symlink, symlink loop, failed clone) is
counted in a :class:`SourceStats` and never raised: one bad repository must not end a run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = [
    "C_EXTENSIONS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_URL_TEMPLATE",
    "SourceFile",
    "SourceSpec",
    "SourceStats",
    "Snapshot",
    "open_source",
    "parse_repos_file",
    "resolve_specs",
    "is_c_path",
    "is_git_dir",
]

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_URL_TEMPLATE = "https://github.com/{repo}.git"
#: Suffixes of C/C++ sources and headers (compared case-insensitively; ``.C`` is C++).
C_EXTENSIONS = frozenset({".c", ".h", ".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx",
                          ".h++", ".ipp", ".tpp", ".inl"})
LICENSE_NAMES = re.compile(r"^(licen[cs]e|copying|copyright|unlicense)([.\-_].*)?$", re.I)


def is_c_path(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in C_EXTENSIONS


@dataclass
class SourceStats:
    """Counters of everything a source skipped, by reason."""

    skipped: Counter[str] = field(default_factory=Counter)
    files_seen: int = 0  # C/C++ files offered to the extractor
    bytes_seen: int = 0
    errors: list[str] = field(default_factory=list)  # one line per failed source

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] += n


@dataclass(frozen=True)
class SourceFile:
    path: str  # POSIX path relative to the repository root
    data: bytes


@dataclass(frozen=True)
class SourceSpec:
    """One thing to mine. ``location`` is a folder, a git directory or a URL."""

    location: str
    repo: str | None = None  # ``owner/name``; derived from the location when None
    commit: str | None = None  # a commit (or ref) to read; HEAD when None

    @property
    def kind(self) -> str:
        if re.match(r"^(https?|git|ssh|file)://", self.location) or re.match(
                r"^[\w.-]+@[\w.-]+:", self.location):
            return "url"
        p = Path(self.location)
        if is_git_dir(p):
            return "git"
        if (p / ".git").is_dir() and is_git_dir(p / ".git"):
            return "git"
        if p.is_dir():
            return "dir"
        return "missing"

    def repo_name(self) -> str:
        if self.repo:
            return self.repo
        loc = self.location.rstrip("/")
        if self.kind == "url":
            m = re.search(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?$", loc)
            return f"{m.group(1)}/{m.group(2)}" if m else loc
        p = Path(loc).resolve()
        parts = [x for x in p.parts if x not in {".git", "repo"}]
        name = parts[-1] if parts else p.name
        if name.endswith(".git") and len(name) > 4:
            name = name[:-4]
        if "+" in name:  # owner+name (the layout of fetched snapshots)
            return name.replace("+", "/", 1)
        return name


def is_git_dir(p: Path) -> bool:
    """A git directory (bare repository or a ``.git`` folder)."""
    return p.is_dir() and (p / "HEAD").is_file() and (p / "objects").is_dir()


def parse_repos_file(text: str, url_template: str = DEFAULT_URL_TEMPLATE) -> list[SourceSpec]:
    """``owner/name [commit]`` per line (``#`` comments, blank lines ignored).

    A line whose first word is a URL or an existing path is used as is; otherwise the URL comes
    from ``url_template`` (``{repo}``, ``{owner}``, ``{name}``), which may also point at a local
    folder of mirrors (``/mirrors/{owner}+{name}/repo``).
    """
    specs: list[SourceSpec] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if len(words) > 2:
            raise ValueError(f"line {n}: expected 'owner/name [commit]', got {raw.strip()!r}")
        name, commit = words[0], (words[1] if len(words) > 1 else None)
        if SourceSpec(name).kind in {"url", "git", "dir"}:
            specs.append(SourceSpec(name, None, commit))
            continue
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", name):
            raise ValueError(f"line {n}: {name!r} is not 'owner/name', a URL or a path")
        owner, repo = name.split("/")
        loc = url_template.format(repo=name, owner=owner, name=repo)
        specs.append(SourceSpec(loc, name, commit))
    return specs


def resolve_specs(sources: list[str], repos_file: str | None = None,
                  url_template: str = DEFAULT_URL_TEMPLATE) -> list[SourceSpec]:
    """Command-line sources (folders, git dirs, URLs, ``owner/name`` via the template) plus the
    lines of ``repos_file``. Raises ``ValueError`` for input that names nothing."""
    specs: list[SourceSpec] = []
    for s in sources:
        spec = SourceSpec(s)
        if spec.kind == "missing":
            if re.fullmatch(r"[\w.-]+/[\w.-]+(@[0-9a-fA-F]{7,40})?", s) and not s.startswith("."):
                name, _, commit = s.partition("@")
                owner, repo = name.split("/")
                spec = SourceSpec(url_template.format(repo=name, owner=owner, name=repo), name,
                                  commit or None)
            else:
                raise ValueError(f"source not found: {s}")
        specs.append(spec)
    if repos_file:
        try:
            text = Path(repos_file).read_text(encoding="utf-8")
        except OSError as e:
            raise ValueError(f"cannot read --repos file {repos_file}: {e.strerror}") from None
        specs.extend(parse_repos_file(text, url_template))
    if not specs:
        raise ValueError("no sources given")
    return specs


# ----------------------------------------------------------------------------------------------
# Snapshots
# ----------------------------------------------------------------------------------------------


class Snapshot:
    """The C/C++ files of one repository at one commit. Iterate :meth:`files`."""

    def __init__(self, spec: SourceSpec, stats: SourceStats, max_bytes: int = DEFAULT_MAX_BYTES):
        self.spec = spec
        self.repo = spec.repo_name()
        self.stats = stats
        self.max_bytes = max_bytes
        self.commit = ""
        self.license_files: dict[str, bytes] = {}

    def files(self) -> Iterator[SourceFile]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


class DirSnapshot(Snapshot):
    """A plain folder (symlinks are not followed; the commit is ``HEAD`` of a work tree if the
    folder is one, else ``local``)."""

    def __init__(self, spec: SourceSpec, stats: SourceStats, max_bytes: int = DEFAULT_MAX_BYTES):
        super().__init__(spec, stats, max_bytes)
        self.root = Path(spec.location)
        self.commit = _git_head(self.root) or "local"
        for p in sorted(self.root.iterdir()) if self.root.is_dir() else []:
            if p.is_file() and not p.is_symlink() and LICENSE_NAMES.match(p.name):
                try:
                    self.license_files[p.name] = p.read_bytes()[:200_000]
                except OSError:
                    pass

    def files(self) -> Iterator[SourceFile]:
        seen_dirs: set[tuple[int, int]] = set()
        stack = [self.root]
        out: list[Path] = []
        while stack:
            d = stack.pop()
            try:
                st = d.stat()
                if (st.st_dev, st.st_ino) in seen_dirs:
                    self.stats.skip("symlink_loop")
                    continue
                seen_dirs.add((st.st_dev, st.st_ino))
                entries = sorted(os.scandir(d), key=lambda e: e.name)
            except OSError:
                self.stats.skip("unreadable_dir")
                continue
            for e in entries:
                if e.name == ".git":
                    continue
                try:
                    if e.is_symlink():
                        if is_c_path(e.name) or _is_dir_link(e.path):
                            self.stats.skip("symlink")
                        continue
                    if e.is_dir(follow_symlinks=False):
                        stack.append(Path(e.path))
                    elif e.is_file(follow_symlinks=False) and is_c_path(e.name):
                        out.append(Path(e.path))
                except OSError:
                    self.stats.skip("unreadable_file")
        for p in sorted(out, key=lambda x: x.relative_to(self.root).as_posix()):
            rel = p.relative_to(self.root).as_posix()
            try:
                size = p.stat().st_size
                if size > self.max_bytes:
                    self.stats.skip("too_large")
                    continue
                data = p.read_bytes()
            except OSError:
                self.stats.skip("unreadable_file")
                continue
            yield SourceFile(rel, data)


def _is_dir_link(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except OSError:  # a symlink loop
        return True


def _git_head(root: Path) -> str | None:
    if not (root / ".git").exists():
        return None
    r = _git(["rev-parse", "HEAD"], cwd=root)
    return r.stdout.strip() if r.returncode == 0 else None


def _git(args: list[str], git_dir: Path | None = None, cwd: Path | None = None,
         timeout: float | None = 600, input: bytes | None = None) -> subprocess.CompletedProcess:
    cmd = ["git"]
    if git_dir is not None:
        cmd += ["--git-dir", str(git_dir)]
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true", LC_ALL="C")
    return subprocess.run(cmd + args, cwd=cwd, capture_output=True, timeout=timeout,
                          env=env, input=input, text=input is None)


class GitSnapshot(Snapshot):
    """A git directory read object by object: ``ls-tree -r`` then ``cat-file --batch``."""

    def __init__(self, spec: SourceSpec, stats: SourceStats, max_bytes: int = DEFAULT_MAX_BYTES,
                 git_dir: Path | None = None):
        super().__init__(spec, stats, max_bytes)
        p = git_dir or Path(spec.location)
        self.git_dir = p if is_git_dir(p) else p / ".git"
        rev = spec.commit or "HEAD"
        r = _git(["rev-parse", "--verify", "--quiet", rev + "^{commit}"], self.git_dir)
        if r.returncode != 0:
            if spec.commit:
                # The snapshot lacks the recorded commit: mine what it has (noted in the report).
                r = _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], self.git_dir)
                if r.returncode != 0:
                    raise OSError(f"{self.repo}: no commit to read")
                stats.skip("commit_missing_used_head")
            else:
                raise OSError(f"{self.repo}: no commit to read (empty repository?)")
        self.commit = r.stdout.strip()
        self.requested_commit = spec.commit
        self._entries: list[tuple[str, str, int, str]] = []  # (mode, sha, size, path)
        r = _git(["ls-tree", "-r", "-z", "--long", "--full-tree", self.commit], self.git_dir)
        if r.returncode != 0:
            raise OSError(f"{self.repo}: git ls-tree failed: {r.stderr.strip()[:200]}")
        for item in r.stdout.split("\0"):
            if not item:
                continue
            meta, _, path = item.partition("\t")
            mode, otype, sha, size = meta.split()
            if otype != "blob":
                continue  # submodules
            if "/" not in path and LICENSE_NAMES.match(path):
                self._entries.append((mode, sha, int(size) if size.isdigit() else 0,
                                      "\0license\0" + path))
            if is_c_path(path):
                self._entries.append((mode, sha, int(size) if size.isdigit() else 0, path))
        self._entries.sort(key=lambda e: e[3])
        lic = [e for e in self._entries if e[3].startswith("\0license\0")]
        for _mode, _sha, _size, path, data in self._read([e for e in lic if e[2] <= 1_000_000]):
            self.license_files[path[len("\0license\0"):]] = data
        self._entries = [e for e in self._entries if not e[3].startswith("\0license\0")]

    def files(self) -> Iterator[SourceFile]:
        todo = []
        for e in self._entries:
            mode, _sha, size, _path = e
            if mode == "120000":
                self.stats.skip("symlink")
            elif size > self.max_bytes:
                self.stats.skip("too_large")
            else:
                todo.append(e)
        for _mode, _sha, _size, path, data in self._read(todo):
            yield SourceFile(path, data)

    def _read(self, entries: list[tuple[str, str, int, str]]
              ) -> Iterator[tuple[str, str, int, str, bytes]]:
        if not entries:
            return
        env = dict(os.environ, LC_ALL="C")
        proc = subprocess.Popen(["git", "--git-dir", str(self.git_dir), "cat-file", "--batch"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        assert proc.stdin is not None and proc.stdout is not None
        try:
            # Feed in chunks so neither pipe fills up.
            for k in range(0, len(entries), 256):
                chunk = entries[k:k + 256]
                proc.stdin.write("".join(e[1] + "\n" for e in chunk).encode())
                proc.stdin.flush()
                for e in chunk:
                    header = proc.stdout.readline().decode("ascii", "replace").split()
                    if len(header) < 3 or header[1] == "missing":
                        self.stats.skip("unreadable_file")
                        continue
                    n = int(header[2])
                    data = proc.stdout.read(n)
                    proc.stdout.read(1)  # trailing LF
                    yield (*e, data)
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.kill()
            proc.wait()


class UrlSnapshot(GitSnapshot):
    """A URL cloned shallowly (``--depth 1``, no checkout) into a temporary folder."""

    def __init__(self, spec: SourceSpec, stats: SourceStats, max_bytes: int = DEFAULT_MAX_BYTES,
                 clone_timeout: float = 600):
        self._tmp = tempfile.mkdtemp(prefix="accellium-clone-")
        dest = Path(self._tmp) / "repo.git"
        try:
            r = _git(["clone", "--bare", "--depth", "1", "--quiet", spec.location, str(dest)],
                     timeout=clone_timeout)
            if r.returncode != 0:
                raise OSError(f"clone failed: {r.stderr.strip().splitlines()[-1:] or ['?']}")
            if spec.commit:
                f = _git(["fetch", "--depth", "1", "--quiet", "origin", spec.commit], dest,
                         timeout=clone_timeout)
                if f.returncode == 0:
                    _git(["update-ref", "HEAD", "FETCH_HEAD"], dest)
            super().__init__(spec, stats, max_bytes, git_dir=dest)
        except (OSError, subprocess.TimeoutExpired) as e:
            self.close()
            raise OSError(f"{spec.location}: {e}") from None

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def open_source(spec: SourceSpec, stats: SourceStats,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshot:
    """Open a source; raises ``OSError`` with a one-line reason when it cannot be read."""
    kind = spec.kind
    if kind == "url":
        return UrlSnapshot(spec, stats, max_bytes)
    if kind == "git":
        return GitSnapshot(spec, stats, max_bytes)
    if kind == "dir":
        return DirSnapshot(spec, stats, max_bytes)
    raise OSError(f"source not found: {spec.location}")
