"""Evaluation reports: ``metrics.json``, ``report.md`` (tables) and PNG plots (matplotlib Agg):
per-directive accuracy bars, the directive confusion matrix as a heat map, a latency histogram.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accellium.evaluation.metrics import METRIC_NAMES

__all__ = ["write_report", "format_table", "metrics_table", "per_directive_table",
           "confusion_table"]

_SHORT = {"exact_match": "EM", "directive_match": "dir", "clause_set_match": "set",
          "clause_f1": "cF1", "arg_f1": "aF1", "score": "score", "valid": "valid",
          "compiles": "compiles", "gold_compiles": "gold_comp",
          "compiles_where_gold_compiles": "comp|gold"}


def fmt_value(v: Any) -> str:
    """A metric value as the tables print it (3 decimals, ``-`` for not measured)."""
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def format_table(headers: list[str], rows: list[list[Any]], markdown: bool = False) -> str:
    cells = [[str(h) for h in headers]] + [[fmt_value(c) for c in r] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(cells[0]) + " |",
                 "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = []
    for k, r in enumerate(cells):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _present(metrics: dict[str, Any]) -> list[str]:
    return [m for m in METRIC_NAMES if m in metrics]


def metrics_table(result: dict[str, Any], markdown: bool = False) -> str:
    m = result["metrics"]
    names = _present(m)
    rows = [[n, m[n]] for n in ["n", *names]]
    for k in ("unsafe_parallel", "unsafe_parallel_possible", "unsafe_parallel_raw",
              "guard_changed", "unsafe_parallel_gold"):
        if k in m:
            rows.append([k, m[k]])
    lat = result.get("latency") or {}
    rows += [["latency mean ms", lat.get("mean_ms")], ["latency p50 ms", lat.get("p50_ms")],
             ["latency p95 ms", lat.get("p95_ms")]]
    return format_table(["metric", "value"], rows, markdown)


def per_directive_table(result: dict[str, Any], markdown: bool = False) -> str:
    pdir = result["per_directive"]
    names = _present(next(iter(pdir.values()))) if pdir else []
    rows = [[d, v["n"], *[v.get(n) for n in names]] for d, v in pdir.items()]
    return format_table(["gold directive", "n", *[_SHORT[n] for n in names]], rows, markdown)


def _labels(conf: dict[str, dict[str, int]]) -> tuple[list[str], list[str]]:
    gold = list(conf)
    pred = sorted({p for row in conf.values() for p in row},
                  key=lambda p: (-sum(r.get(p, 0) for r in conf.values()), p))
    return gold, pred


def confusion_table(result: dict[str, Any], markdown: bool = False) -> str:
    conf = result["confusion"]
    gold, pred = _labels(conf)
    rows = [[g, *[conf[g].get(p, 0) for p in pred]] for g in gold]
    return format_table(["gold \\ predicted", *pred], rows, markdown)


def _save(plt: Any, fig: Any, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    plt.close(fig)
    return name


def _plot_per_directive(plt: Any, result: dict[str, Any], title: str, out: Path) -> str:
    """Per-directive accuracy bars."""
    pdir = result["per_directive"]
    dirs = list(pdir)
    keys = [k for k in ("exact_match", "directive_match", "score", "compiles") if any(
        pdir[d].get(k) is not None for d in dirs)]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(dirs) + 2), 4.5))
    width = 0.8 / max(1, len(keys))
    for j, k in enumerate(keys):
        xs = [i + (j - (len(keys) - 1) / 2) * width for i in range(len(dirs))]
        ax.bar(xs, [pdir[d].get(k) or 0 for d in dirs], width, label=k)
    ax.set_xticks(range(len(dirs)))
    ax.set_xticklabels([f"{d}\n(n={pdir[d]['n']})" for d in dirs], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("mean")
    ax.set_title(f"Per-directive accuracy — {title}")
    ax.legend(fontsize=8)
    return _save(plt, fig, out, "per_directive.png")


def _plot_confusion(plt: Any, result: dict[str, Any], title: str, out: Path) -> str:
    """Directive confusion heat map (gold rows, predicted columns)."""
    conf = result["confusion"]
    gold, pred = _labels(conf)
    mat = [[conf[g].get(p, 0) for p in pred] for g in gold]
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(pred) + 3), max(4, 0.6 * len(gold) + 2)))
    im = ax.imshow(mat, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(pred)))
    ax.set_xticklabels(pred, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(gold)))
    ax.set_yticklabels(gold, fontsize=8)
    ax.set_xlabel("predicted directive")
    ax.set_ylabel("gold directive")
    top = max((max(r) for r in mat if r), default=0)
    for i, r in enumerate(mat):
        for j, v in enumerate(r):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=8,
                        color="white" if v > top / 2 else "black")
    fig.colorbar(im, ax=ax)
    ax.set_title(f"Directive confusion — {title}", fontsize=10)
    return _save(plt, fig, out, "confusion.png")


def _plot_latency(plt: Any, result: dict[str, Any], latencies: list[float], title: str,
                  out: Path) -> str:
    """Latency histogram with the p50 and p95 marks."""
    fig, ax = plt.subplots(figsize=(6, 4))
    if latencies:
        ax.hist(latencies, bins=50, color="tab:green")
        lat = result.get("latency") or {}
        for k, style in (("p50_ms", "--"), ("p95_ms", ":")):
            if lat.get(k) is not None:
                ax.axvline(lat[k], color="black", linestyle=style, label=f"{k[:3]} {lat[k]:.2f} ms")
        ax.legend()
    ax.set_xlabel("latency per loop (ms)")
    ax.set_ylabel("loops")
    ax.set_title(f"Suggest latency — {title}", fontsize=10)
    return _save(plt, fig, out, "latency.png")


def _plots(result: dict[str, Any], latencies: list[float], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    title = f"{result['engine']} on {Path(result['data']).name}"
    return [_plot_per_directive(plt, result, title, out),
            _plot_confusion(plt, result, title, out),
            _plot_latency(plt, result, latencies, title, out)]


def write_report(result, out_dir: str | Path) -> list[Path]:
    """Write the report of an :class:`evaluation.runner.EvalResult` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    d = result.to_dict()
    (out / "metrics.json").write_text(json.dumps(d, indent=2) + "\n", encoding="utf-8")
    latencies = [p["elapsed_ms"] for p in result.predictions]
    pngs = _plots(d, latencies, out)
    md = [
        f"# Evaluation: `{d['engine']}` on `{d['data']}`",
        "",
        f"- records: {d['metrics']['n']}; workspace: {d['workspace']}; train: "
        f"{d['train'] or '-'}; safety guard: {'on' if d.get('guard', True) else 'off'}",
        f"- time: {d['timings']}",
        "",
        "## Metrics (DESIGN §6)",
        "",
        metrics_table(d, markdown=True),
        "",
        "## Per gold directive",
        "",
        per_directive_table(d, markdown=True),
        "",
        "## Directive confusion matrix (rows: gold, columns: predicted; `none` = no valid pragma)",
        "",
        confusion_table(d, markdown=True),
        "",
        "## Plots",
        "",
        *[f"![{p}]({p})" for p in pngs],
        "",
    ]
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")
    return [out / "metrics.json", out / "report.md", *[out / p for p in pngs]]
