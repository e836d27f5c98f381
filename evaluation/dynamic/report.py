"""Dynamic evaluation reports: a text summary, ``metrics.json``, ``report.md`` and a plot
(matplotlib Agg, as ``evaluation/report.py``): per program, what verified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accellium.evaluation.report import format_table

__all__ = ["summary_text", "program_table", "write_dynamic_report", "metric_rows",
           "offload_table"]

_STATUS_COLOR = {"verified": "tab:green", "race": "tab:red", "data": "tab:orange",
                 "present-abort": "tab:purple", "bounds": "tab:pink", "device-memory": "tab:olive",
                 "compile": "tab:gray", "timeout": "tab:brown",
                 "serial": "black", "-": "white"}


def metric_rows(m: dict[str, Any]) -> list[list[Any]]:
    return [[k, v] for k, v in m.items()]


def _bytes(v: dict | None) -> int | None:
    if not v:
        return None
    return (v.get("bytes_h2d") or 0) + (v.get("bytes_d2h") or 0)


def offload_table(result: dict[str, Any], markdown: bool = False) -> str:
    """The three columns of ``--offload``: authors' pragmas, per-loop suggestions, plan."""
    rows = []
    for r in result["programs"]:
        eng, off = r.get("engine") or {}, r.get("offload") or {}
        own = r.get("per_loop_clauses") or {}
        rows.append([r["name"], r["original"]["status"], _bytes(r["original"]),
                     eng.get("status", "-"), _bytes(eng), own.get("status", "-"), _bytes(own),
                     off.get("status", "-"), _bytes(off),
                     f"{r.get('offload_loops', 0)}",
                     f"{r.get('offload_covered', '-')}/{r.get('author_parallel_loops', '-')}"])
    return format_table(["program", "original", "bytes", "per-loop", "bytes",
                         "per-loop clauses", "bytes", "offload plan", "bytes", "loops offloaded",
                         "authors' loops covered"], rows, markdown)


def program_table(result: dict[str, Any], markdown: bool = False) -> str:
    rows = []
    for r in result["programs"]:
        eng = r.get("engine") or {}
        muts = r.get("mutations") or []
        rows.append([
            r["name"], "ok" if r["original_pragmas_ok"] else "wrong",
            r["serial"]["status"], r["original"]["status"], eng.get("status", "-"),
            r.get("pragmas_inserted", "-"),
            f"{r.get('covered_loops', '-')}/{r.get('author_parallel_loops', '-')}",
            f"{sum(m['caught'] for m in muts)}/{len(muts)}" if muts else "-",
            r.get("speedup_engine"),
            (r["original"].get("bytes_h2d") or 0) + (r["original"].get("bytes_d2h") or 0),
            (eng.get("bytes_h2d") or 0) + (eng.get("bytes_d2h") or 0) if eng else None,
        ])
    return format_table(["program", "authors", "serial", "original", "engine", "pragmas",
                         "covered", "mutations caught", "speedup", "bytes orig", "bytes eng"],
                        rows, markdown)


def gpu_table(result: dict[str, Any], markdown: bool = False) -> str:
    """GPU mode: each variant's status and median run time (s), the speedups over serial."""
    labels = [k for k in ("original", "engine", "plan")
              if any(k in r for r in result["programs"])]

    def cell(v: dict | None) -> str:
        if not v:
            return "-"
        return f"{v['seconds']:.3f}" if v.get("verified") else v.get("status", "-")

    rows = [[r["name"], "ok" if r["original_pragmas_ok"] else "wrong", cell(r.get("serial")),
             *[cell(r.get(k)) for k in labels], *[r.get(f"speedup_{k}") for k in labels]]
            for r in result["programs"]]
    return format_table(["program", "authors", "serial s", *[f"{k} s" for k in labels],
                         *[f"speedup {k}" for k in labels]], rows, markdown)


def _failures(result: dict[str, Any]) -> list[str]:
    out = []
    for r in result["programs"]:
        eng = r.get("engine") or {}
        if eng and eng.get("verified") is False:
            out.append(f"- `{r['name']}` engine: **{eng['status']}** — {eng.get('reason', '')[:300]}")
        plan = r.get("plan") or {}
        if plan and plan.get("verified") is False:
            out.append(f"- `{r['name']}` offload plan: **{plan['status']}** — "
                       f"{plan.get('reason', '')[:300]}")
        off = r.get("offload") or {}
        if off and off.get("verified") is False:
            out.append(f"- `{r['name']}` offload plan: **{off['status']}** — "
                       f"{off.get('reason', '')[:300]}")
        for m in r.get("mutations") or []:
            if not m["caught"]:
                out.append(f"- `{r['name']}` mutation {m['kind']} (line {m['line']}: "
                           f"`{m['after']}`) not caught")
        if r["original_pragmas_ok"] and r["original"]["verified"] is False:
            out.append(f"- `{r['name']}` correct original failed: {r['original']['status']} — "
                       f"{r['original'].get('reason', '')[:300]}")
        if not r["original_pragmas_ok"] and r["original"]["verified"]:
            out.append(f"- `{r['name']}` wrong original not caught "
                       f"({r.get('original_pragma_issue')})")
    return out


def summary_text(result: dict[str, Any]) -> str:
    lines = [f"dynamic evaluation of {result['manifest']}: engine {result['engine']}, "
             f"{result.get('threads', '-')} threads, {result['runs']} runs "
             f"({result['seconds']} s)", ""]
    if result.get("mode") == "gpu":
        lines += [f"GPU mode: offload compiler {'yes' if result.get('offload_compiler') else 'no'}"
                  f", GPU {'yes' if result.get('gpu') else 'no'}"
                  + (f" ({result['reason']})" if result.get("reason") else ""), ""]
    lines += [format_table(["metric", "value"], metric_rows(result["metrics"])), ""]
    if result.get("mode") == "gpu" and result.get("programs"):
        lines += [gpu_table(result), ""]
    elif result.get("programs") and "original" in result["programs"][0]:
        lines += [program_table(result), ""]
        if result.get("offload"):
            lines += [offload_table(result), ""]
    lines += _failures(result)
    return "\n".join(lines)


def _plot(result: dict[str, Any], out: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["programs"]
    cols = ["serial", "original", "engine", "mutations"]
    fig, ax = plt.subplots(figsize=(7, max(4, 0.28 * len(rows) + 1.5)))
    for i, r in enumerate(rows):
        muts = r.get("mutations") or []
        states = [r["serial"]["status"], r["original"]["status"],
                  (r.get("engine") or {}).get("status", "-"),
                  "-" if not muts else ("verified" if all(m["caught"] for m in muts) else "race")]
        for j, s in enumerate(states):
            ax.add_patch(plt.Rectangle((j, i), 0.95, 0.9, color=_STATUS_COLOR.get(s, "white")))
    ax.set_xlim(0, len(cols))
    ax.set_ylim(0, len(rows))
    ax.set_xticks([j + 0.47 for j in range(len(cols))])
    ax.set_xticklabels(["serial", "original\n(calibration)", f"engine\n{result['engine']}",
                        "mutations\nall caught"], fontsize=8)
    ax.set_yticks([i + 0.45 for i in range(len(rows))])
    ax.set_yticklabels([("" if r["original_pragmas_ok"] else "* ") + r["name"] for r in rows],
                       fontsize=7)
    ax.invert_yaxis()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for s, c in _STATUS_COLOR.items() if s != "-"]
    ax.legend(handles, [s for s in _STATUS_COLOR if s != "-"], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1))
    ax.set_title(f"Dynamic evaluation ({result.get('threads', '-')} threads, "
                 f"{result['runs']} runs; * = wrong original pragmas)", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "dynamic.png", dpi=110)
    plt.close(fig)
    return "dynamic.png"


def write_dynamic_report(result: dict[str, Any], out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    png = _plot(result, out) if result.get("programs") and result.get("mode") != "gpu" \
        and "original" in result["programs"][0] \
        else None
    md = [f"# Dynamic evaluation: `{result['engine']}` on `{result['manifest']}`", "",
          f"- threads: {result.get('threads', '-')}; runs per variant: {result['runs']}; "
          f"time: {result['seconds']} s",
          (f"- GPU mode: GPU {'yes' if result.get('gpu') else 'no'}"
           + (f" ({result['reason']})" if result.get("reason") else "")
           + f"; built with {result.get('compiler') or '-'}"
           if result.get("mode") == "gpu" else
           f"- median CPU speedup over the serial build: engine "
           f"{(result.get('speedup') or {}).get('engine_median')}, original pragmas "
           f"{(result.get('speedup') or {}).get('original_median')}"), "",
          "## Metrics", "", format_table(["metric", "value"], metric_rows(result["metrics"]),
                                         markdown=True), ""]
    if result.get("mode") == "gpu" and result.get("programs"):
        md += ["## Programs (GPU mode: median seconds per run, or the status)", "",
               gpu_table(result, markdown=True), "",
               "## Failures", "", *(_failures(result) or ["none"]), ""]
    elif png:
        if result.get("offload"):
            md += ["## Offload plan", "", offload_table(result, markdown=True), ""]
        md += ["## Programs", "", program_table(result, markdown=True), "",
               "## Failures", "", *(_failures(result) or ["none"]), "", f"![{png}]({png})", ""]
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")
    return [out / "metrics.json", out / "report.md"] + ([out / png] if png else [])
