"""Sources: folders, bare git repositories, git URLs, repos files, and robustness."""

from __future__ import annotations

import os

import pytest
from _mine_util import MIT, SAXPY, git, make_repo, write_tree

from accellium.dataset.mine.license import detect_license
from accellium.dataset.mine.pipeline import mine_repo
from accellium.dataset.mine.sources import (
    SourceSpec,
    SourceStats,
    open_source,
    parse_repos_file,
    resolve_specs,
)


def test_bare_git_repository_read_without_checkout(tmp_path):
    repo, commit = make_repo(tmp_path / "o+r.git", {"src/a.c": SAXPY, "README": "x",
                                                    "LICENSE": MIT}, bare=True)
    spec = SourceSpec(str(repo))
    assert spec.kind == "git"
    res = mine_repo(spec)
    assert res.summary.commit == commit and res.summary.license == "MIT"
    assert [p.path for p in res.pairs] == ["src/a.c"]
    assert not (repo / "src").exists()


def test_requested_commit_and_missing_commit(tmp_path):
    repo, first = make_repo(tmp_path / "r", {"a.c": SAXPY})
    (repo / "b.c").write_text(SAXPY.replace("saxpy", "saxpy2"))
    git("add", "b.c", cwd=repo)
    git("commit", "-q", "-m", "two", cwd=repo)
    old = mine_repo(SourceSpec(str(repo), "o/r", first))
    assert old.summary.commit == first and [p.path for p in old.pairs] == ["a.c"]
    gone = mine_repo(SourceSpec(str(repo), "o/r", "0" * 40))
    assert gone.skipped["commit_missing_used_head"] == 1 and len(gone.pairs) == 2


def test_git_url_cloned_shallowly(tmp_path):
    repo, commit = make_repo(tmp_path / "up", {"k.cpp": SAXPY})
    res = mine_repo(SourceSpec(f"file://{repo}", "o/up"))
    assert res.summary.error is None and res.summary.commit == commit
    assert len(res.pairs) == 1 and res.pairs[0].lang == "cpp"


def test_clone_failure_is_counted_not_raised(tmp_path):
    res = mine_repo(SourceSpec(f"file://{tmp_path}/does-not-exist", "o/x"))
    assert res.summary.error and res.skipped["source_failed"] == 1 and res.pairs == []


def test_local_folder_symlinks_loops_size_cap_binary(tmp_path):
    root = write_tree(tmp_path / "proj", {
        "a.c": SAXPY, "sub/b.h": SAXPY.replace("saxpy", "s2"),
        "big.c": SAXPY + "/*" + "x" * 5000 + "*/\n", "bin.c": b"\x00\x01\x02#pragma acc loop",
        "bad.c": b"/* \xff\xfe */\n" + SAXPY.replace("saxpy", "s3").encode(),
        "notes.txt": "#pragma acc loop\nfor(;;);",
    })
    os.symlink(root / "a.c", root / "link.c")
    os.symlink(root, root / "sub" / "loop")  # a directory symlink loop
    os.symlink(root / "missing", root / "dangling.c")
    stats = SourceStats()
    snap = open_source(SourceSpec(str(root)), stats, max_bytes=4000)
    files = {f.path for f in snap.files()}
    assert files == {"a.c", "sub/b.h", "bin.c", "bad.c"}
    assert stats.skipped["too_large"] == 1 and stats.skipped["symlink"] == 3
    res = mine_repo(SourceSpec(str(root)), max_bytes=4000)
    assert res.events["binary"] == 1 and res.events["bad_utf8"] == 1
    assert len(res.pairs) == 3 and res.summary.commit == "local"


def test_git_symlinks_and_submodule_entries_skipped(tmp_path):
    repo, _ = make_repo(tmp_path / "r", {"a.c": SAXPY})
    os.symlink("a.c", repo / "l.c")
    git("add", "l.c", cwd=repo)
    git("commit", "-q", "-m", "link", cwd=repo)
    res = mine_repo(SourceSpec(str(repo)))
    assert res.skipped["symlink"] == 1 and len(res.pairs) == 1


def test_unreadable_source_is_counted(tmp_path):
    res = mine_repo(SourceSpec(str(tmp_path / "nope")))
    assert res.summary.error and res.skipped["source_failed"] == 1


def test_repos_file_and_resolve(tmp_path):
    specs = parse_repos_file("# list\nowner/one abc123\n\nowner/two  # no commit\n",
                             "/m/{owner}+{name}/repo")
    assert [(s.location, s.repo, s.commit) for s in specs] == [
        ("/m/owner+one/repo", "owner/one", "abc123"), ("/m/owner+two/repo", "owner/two", None)]
    with pytest.raises(ValueError, match="line 1"):
        parse_repos_file("not a repo line at all\n")
    with pytest.raises(ValueError, match="source not found"):
        resolve_specs(["./missing-folder"])
    with pytest.raises(ValueError, match="no sources"):
        resolve_specs([])
    f = tmp_path / "repos.txt"
    f.write_text("a/b\n")
    (s,) = resolve_specs([], str(f))
    assert s.location == "https://github.com/a/b.git" and s.kind == "url"
    assert SourceSpec("/x/o+n/repo").repo_name() == "o/n"


@pytest.mark.parametrize(("text", "label"), [
    (MIT, "MIT"),
    ("Apache License\nVersion 2.0, January 2004\n", "Apache-2.0"),
    ("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n" + "terms " * 200
     + "GNU Affero General Public License ... GNU Lesser General Public License", "GPL-3.0"),
    ("Redistribution and use in source and binary forms ... Neither the name of", "BSD-3-Clause"),
    ("Redistribution and use in source and binary forms, with or without", "BSD-2-Clause"),
    ("All rights reserved. Ask me.", "other"),
])
def test_license_detection(text, label):
    assert detect_license({"LICENSE": text.encode()}) == label
    assert detect_license({}) == "none"
