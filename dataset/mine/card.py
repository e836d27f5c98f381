"""Outputs of a mining run: one JSONL file per split, ``stats.json``, ``near_duplicates.json``
and a generated data card ``README.md`` (with Hugging Face ``configs`` front matter, so
``load_dataset("json", data_files=...)`` and ``load_dataset(out_dir)`` both work)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accellium.dataset.mine.dedup import NearDupIndex, loop_key
from accellium.dataset.mine.split import SplitResult
from accellium.dataset.pragma import parse
from accellium.dataset.records import Record, write_jsonl

if TYPE_CHECKING:
    from accellium.dataset.mine.pipeline import MineReport

__all__ = ["build_stats", "render_card", "write_outputs"]

FIELDS = [
    ("id", "first 16 hex digits of sha1(`repo|commit|path|line`)"),
    ("repo, commit, path, line", "where the pragma is (1-based line of the `#pragma`)"),
    ("pragma", "the label: comments removed, continuations joined, whitespace collapsed"),
    ("directive", "primary directive parsed from `pragma`"),
    ("directive_valid", "`directive` is one the OpenACC spec lets own a loop"),
    ("pragma_valid", "the pragma passes `dataset.pragma.validate` (flag; invalid ones are kept)"),
    ("clauses", "clauses of `pragma` as written, parenthesis-aware, in source order"),
    ("loop", "the `for` statement exactly as in the file (nested pragmas included)"),
    ("loop_stripped", "`loop` without nested `#pragma acc` lines: the model input"),
    ("loop_depth", "maximum nesting depth of `for` loops inside `loop` (1 = no inner loop)"),
    ("lang", "`c` or `cpp`"),
    ("function", "enclosing function (tree-sitter; text heuristic when the parse fails)"),
    ("enclosing", "OpenACC constructs whose scope contains the loop, outermost first"),
    ("license", "licence from the repository's root LICENSE/COPYING file (`none` if absent)"),
    ("dedup_key", "sha1 of normalised pragma + normalised comment-free loop"),
    ("also_in", "other repositories where the identical pair was found and dropped"),
    ("pragma_form", "`#pragma` or `_Pragma` (the `_Pragma(\"acc ...\")` operator)"),
    ("near_dup_group", "id of the near-duplicate loop group (MinHash), null when none"),
    ("split", "the split of the record"),
]


def _split_stats(recs: Sequence[Record], total: int) -> dict[str, Any]:
    return {
        "pairs": len(recs),
        "share": round(len(recs) / total, 4) if total else 0.0,
        "repos": len({r.repo for r in recs}),
        "directives": dict(Counter(r.directive for r in recs).most_common()),
        "with_enclosing": sum(1 for r in recs if r.enclosing),
        "licenses": dict(Counter(r.license for r in recs).most_common()),
    }


def _clause_names(r: Record) -> list[str]:
    try:
        return [c.name.lower() for c in parse(r.pragma).clauses]
    except ValueError:
        return []


def build_stats(records: Sequence[Record], report: MineReport, split: SplitResult,
                near: NearDupIndex | None) -> dict[str, Any]:
    names = list(report.options.ratios or {})
    total = len(records)
    out: dict[str, Any] = {
        name: _split_stats([r for r in records if r.split == name], total) for name in names
    }
    out["_corpus"] = {
        "repos": len(report.repos),
        "repos_failed": report.repos_failed,
        "commits_differ": report.commits_differ,
        "files_scanned": report.files_scanned,
        "bytes_scanned": report.bytes_scanned,
        "skipped": report.skipped,
        "file_events": report.file_events,
        "directives": report.directives,
        "underscore_pragma": report.underscore_pragma,
        "stages": report.stages,
        "invalid_directive": report.invalid_directive,
        "invalid_pragma": report.invalid_pragma,
        "directive_counts": dict(Counter(r.directive for r in records).most_common()),
        "clause_counts": dict(Counter(c for r in records for c in _clause_names(r))
                              .most_common()),
        "licenses": dict(Counter(r.license for r in records).most_common()),
        "pragma_form": dict(Counter(getattr(r, "pragma_form", "#pragma") for r in records)),
        "loop_groups_with_several_pragmas": _multi_pragma_loops(records),
    }
    out["_near_dup"] = {
        "enabled": near is not None,
        "threshold": report.options.near_dup_threshold,
        "num_perm": report.options.num_perm,
        "groups": report.near_dup_groups,
        "pairs_in_groups": report.near_dup_pairs,
        "largest": [len(g) for g in near.groups[:10]] if near else [],
    }
    multi = [g for g in split.groups if len(g) > 1]
    out["_groups"] = {
        "mode": report.options.split,
        "seed": report.options.seed,
        "ratios": report.options.ratios,
        "n_groups": len(split.groups),
        "largest": split.group_sizes[:10],
        "multi_member_groups": multi[:50] if report.options.split == "group" else len(multi),
    }
    out["_leakage"] = report.leakage.model_dump()
    return out


def _multi_pragma_loops(records: Sequence[Record]) -> dict[str, int]:
    by_loop: dict[str, set[str]] = {}
    for r in records:
        by_loop.setdefault(loop_key(r.loop_stripped), set()).add(r.dedup_key)
    multi = [v for v in by_loop.values() if len(v) > 1]
    return {"groups": len(multi), "pairs": sum(len(v) for v in multi)}


def _table(rows: list[list[Any]], head: list[str]) -> str:
    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|")

    numeric = [all(isinstance(r[i], int) or str(r[i]).replace(",", "").replace(".", "")
                   .replace("%", "").replace(" / ", "").isdigit() for r in rows)
               for i in range(len(head))] if rows else [False] * len(head)
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if numeric[i] else "---" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def render_card(stats: dict[str, Any], names: list[str]) -> str:
    c = stats["_corpus"]
    st = c["stages"]
    front = ["---", "configs:", "- config_name: default", "  data_files:"]
    for n in names:
        front += [f"  - split: {n}", f"    path: {n}.jsonl"]
    front += ["license: other", "task_categories:", "- text-generation", "language:", "- code",
              "---", ""]
    parts = ["\n".join(front),
             "# OpenACC pragma–loop pairs (C/C++): data card (generated by `accellium mine`)",
             "",
             "Task: given a C/C++ `for` loop, predict the `#pragma acc ...` line written on it. "
             "Files: " + ", ".join(f"`{n}.jsonl` ({stats[n]['pairs']:,} pairs)" for n in names)
             + "; `stats.json` holds every figure below, `near_duplicates.json` the "
             "near-duplicate groups. Load with `datasets.load_dataset(\"json\", "
             "data_files={...})` or `load_dataset(\"<this folder>\")`.",
             "", "## Fields", "", _table([[f"`{a}`" if "," not in a else a, b]
                                         for a, b in FIELDS], ["field", "meaning"]),
             "", "## Counts at each stage", ""]
    rows = [["repositories", c["repos"]], ["repositories that failed", len(c["repos_failed"])],
            ["C/C++ files scanned", f"{c['files_scanned']:,}"],
            ["MB scanned", f"{c['bytes_scanned'] / 1e6:.1f}"],
            ["OpenACC directives", f"{st.get('directives', 0):,}"],
            ["raw pairs", f"{st.get('raw_pairs', 0):,}"],
            ["after dropping empty loop bodies", f"{st.get('after_empty_body', 0):,}"],
            ["after exact deduplication", f"{st.get('after_exact_dedup', 0):,}"],
            ["kept pairs with copies in other repositories",
             st.get("kept_with_copies_elsewhere", 0)],
            ["invalid directive (kept, `directive_valid` false)", c["invalid_directive"]],
            ["pragma fails validation (kept, `pragma_valid` false)", c["invalid_pragma"]],
            ["near-duplicate loop groups / pairs in them",
             f"{stats['_near_dup']['groups']} / {stats['_near_dup']['pairs_in_groups']}"]]
    parts += [_table(rows, ["stage", "count"]), "",
              "Directives by outcome (a directive is paired when a `for` statement follows "
              "it, skipping blank lines, comments, `#endif`, `#else`/`#elif` branches and "
              "non-OpenACC pragmas):", "",
              _table([[k, v] for k, v in sorted(c["directives"].items(), key=lambda x: -x[1])],
                     ["outcome", "directives"]), ""]
    if c["underscore_pragma"]:
        parts += ["`_Pragma(\"acc ...\")` operators: " + ", ".join(
            f"{k} {v}" for k, v in sorted(c["underscore_pragma"].items())) + ".", ""]
    skipped = {**c["skipped"], **c["file_events"]}
    if skipped:
        parts += ["Skipped or flagged while reading: " + ", ".join(
            f"{k} {v}" for k, v in sorted(skipped.items())) + ".", ""]
    if c["repos_failed"]:
        parts += ["Sources that failed: " + "; ".join(c["repos_failed"][:20]) + ".", ""]
    if c["commits_differ"]:
        parts += ["Snapshots without the requested commit (their newest commit was mined): "
                  + "; ".join(c["commits_differ"][:20]) + ".", ""]
    g = stats["_groups"]
    parts += ["## Split", ""]
    if g["mode"] == "group":
        parts += [f"Group split: union-find over repositories (identical loops, near-duplicate "
                  f"loops, `also_in`), {g['n_groups']} groups, shuffled with seed {g['seed']}, "
                  "sorted by size, groups over 20% to train, others to the split furthest "
                  f"below its target ({g['ratios']}).", ""]
    else:
        parts += [f"Random split (paper-style): identical and near-duplicate loops stay on one "
                  f"side; seed {g['seed']}, targets {g['ratios']}. Projects appear on both "
                  "sides: scores here are optimistic.", ""]
    leak = stats["_leakage"]
    parts += [f"Leakage check: {'passed' if leak['ok'] else 'FAILED'} (identical loops across "
              f"splits {leak['exact_loops']}, near-duplicate pairs {leak['near_duplicates']}, "
              f"repositories {leak['repos']}).", ""]
    parts += [_table([[n, f"{stats[n]['pairs']:,}", f"{100 * stats[n]['share']:.1f}%",
                       stats[n]["repos"], f"{stats[n]['with_enclosing']:,}"] for n in names],
                     ["split", "pairs", "share", "repos", "with `enclosing`"]), ""]
    dirs = sorted({d for n in names for d in stats[n]["directives"]},
                  key=lambda d: -c["directive_counts"].get(d, 0))
    parts += ["## Directives", "", _table([[d] + [stats[n]["directives"].get(d, 0)
                                                  for n in names] for d in dirs],
                                          ["directive"] + names), ""]
    parts += ["## Clauses (whole corpus, top 25)", "",
              _table([[k, v] for k, v in list(c["clause_counts"].items())[:25]],
                     ["clause", "pairs"]), ""]
    lics = sorted({x for n in names for x in stats[n]["licenses"]},
                  key=lambda x: -c["licenses"].get(x, 0))
    parts += ["## Licences", "", _table([[x] + [stats[n]["licenses"].get(x, 0) for n in names]
                                         for x in lics], ["licence"] + names), "",
              "Repositories without a licence file grant no reuse rights; copyleft and "
              "non-commercial terms apply where detected. The data is for research and "
              "evaluation of pragma prediction; every record keeps repository, commit and "
              "path so its origin can be checked.", ""]
    return "\n".join(parts)


def write_outputs(out_dir: Path, records: Sequence[Record], report: MineReport,
                  split: SplitResult, near: NearDupIndex | None) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(report.options.ratios or {})
    written: list[str] = []
    for n in names:
        recs = sorted((r for r in records if r.split == n), key=lambda r: r.id)
        write_jsonl(out_dir / f"{n}.jsonl", recs)
        written.append(str(out_dir / f"{n}.jsonl"))
    stats = build_stats(records, report, split, near)
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    written.append(str(out_dir / "stats.json"))
    groups: list[dict[str, Any]] = []
    if near is not None:
        by_group: dict[int, list[str]] = {}
        for r in sorted(records, key=lambda r: r.id):
            group = getattr(r, "near_dup_group", None)
            if group is not None:
                by_group.setdefault(group, []).append(r.id)
        groups = [{"group": k, "ids": v} for k, v in sorted(by_group.items())]
    (out_dir / "near_duplicates.json").write_text(json.dumps(groups) + "\n", encoding="utf-8")
    written.append(str(out_dir / "near_duplicates.json"))
    (out_dir / "README.md").write_text(render_card(stats, names), encoding="utf-8")
    written.append(str(out_dir / "README.md"))
    return written
