"""Check the miner against a reference dataset (e.g. ``../shared/data``): mine the snapshots the
reference names (``repo`` + ``commit`` of its records) from local mirrors and report the share
of reference ``dedup_key``s reproduced, the fields that differ where both have the same
location, and throughput.

    python -m dataset.mine.check_reference --reference ../shared/data \\
        --mirror '/work/.mirror/{owner}+{name}/repo' --out /tmp/mined

Nothing here is committed data: the mirrors and the output stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from accellium.dataset.mine.pipeline import MineOptions, mine
from accellium.dataset.mine.sources import SourceSpec
from accellium.dataset.records import iter_jsonl

COMPARED = ["pragma", "directive", "directive_valid", "clauses", "loop", "loop_stripped",
            "loop_depth", "lang", "function", "enclosing", "license"]


def reference_records(ref_dir: Path) -> list[dict]:
    files = sorted(ref_dir.glob("*.jsonl"))
    if not files:
        raise ValueError(f"no *.jsonl in {ref_dir}")
    return [r for f in files for r in iter_jsonl(f)]


def snapshot_specs(refs: list[dict], mirror: str) -> tuple[list[SourceSpec], list[str]]:
    """One spec per (repo, commit), in first-seen order; repos whose mirror is missing."""
    seen: dict[tuple[str, str], None] = {}
    for r in refs:
        seen.setdefault((r["repo"], r["commit"]), None)
    specs, missing = [], []
    for repo, commit in seen:
        owner, name = repo.split("/", 1)
        loc = mirror.format(repo=repo, owner=owner, name=name)
        if not Path(loc).exists():
            missing.append(repo)
            continue
        specs.append(SourceSpec(loc, repo, commit))
    return specs, missing


def compare(refs: list[dict], out_dir: Path) -> dict:
    mined = [r for f in sorted(out_dir.glob("*.jsonl")) for r in iter_jsonl(f)]
    keys = {r["dedup_key"] for r in mined}
    at = {(r["repo"], r["path"], r["line"]): r for r in mined}
    missing = [r for r in refs if r["dedup_key"] not in keys]
    diffs: Counter[str] = Counter()
    examples: dict[str, list] = {}
    same_place = 0
    for r in refs:
        m = at.get((r["repo"], r["path"], r["line"]))
        if m is None:
            continue
        same_place += 1
        for f in COMPARED:
            if m.get(f) != r.get(f):
                diffs[f] += 1
                examples.setdefault(f, []).append(
                    [r["repo"], r["path"], r["line"], r.get(f), m.get(f)])
    return {
        "reference_records": len(refs),
        "mined_records": len(mined),
        "dedup_keys_reproduced": len(refs) - len(missing),
        "dedup_key_share": round((len(refs) - len(missing)) / max(1, len(refs)), 5),
        "missing": [[r["repo"], r["path"], r["line"], r["pragma"]] for r in missing],
        "same_location": same_place,
        "field_diffs_at_same_location": dict(diffs),
        "field_diff_examples": {k: v[:5] for k, v in examples.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", required=True, help="folder with the reference *.jsonl")
    ap.add_argument("--mirror", required=True,
                    help="path template of local mirrors ({repo}, {owner}, {name})")
    ap.add_argument("--out", required=True, help="output folder (outside the repository)")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--report", help="write the JSON comparison here")
    args = ap.parse_args(argv)
    try:
        refs = reference_records(Path(args.reference))
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    specs, missing_repos = snapshot_specs(refs, args.mirror)
    rep = mine(specs, args.out, MineOptions(workers=args.workers))
    result = compare(refs, Path(args.out))
    result["repos_without_mirror"] = missing_repos
    result["commits_differ"] = rep.commits_differ
    result["repos_failed"] = rep.repos_failed
    result["mb_scanned"] = round(rep.bytes_scanned / 1e6, 1)
    result["elapsed_s"] = rep.elapsed_s
    result["timings_s"] = rep.timings_s
    result["stages"] = rep.stages
    result["leakage_ok"] = rep.leakage.ok
    text = json.dumps(result, indent=1)
    if args.report:
        Path(args.report).write_text(text + "\n", encoding="utf-8")
    summary = {k: v for k, v in result.items() if k not in {"missing", "field_diff_examples"}}
    print(json.dumps(summary, indent=1))
    print(f"missing: {len(result['missing'])}", *result["missing"][:20], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
