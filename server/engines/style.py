"""Pragma *style*: which directive and clause kinds a loop in a given context usually gets.

A pragma is abstracted to a :func:`template` — its directive and clause kinds in order, with the
arguments that depend on the loop replaced by holes (``reduction(*)``, ``present(*)``,
``collapse(*)``) and literal tuning arguments kept (``vector_length(128)``).  A loop and its
enclosing directives are abstracted to :class:`Features` (compute construct around it, the
level of the annotated loop above it, nest shape, what the analysis found).
:class:`TemplateStats` counts templates per context at several levels of detail over known
pairs; the ranker (:mod:`server.engines.rank`) reads those counts as features.  Nothing here
is specific to any project: features and templates are abstract.

:func:`instantiate` fills a template's holes from the query's own analysis facts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from accellium.dataset.analysis import LoopFacts, analyze, compute_construct
from accellium.dataset.pragma import DATA_CLAUSES, Clause, Pragma, PragmaError, parse, validate

__all__ = ["Features", "features", "template", "instantiate", "TemplateStats", "Template",
           "LEVELS", "build_stats", "record_row", "strip_data", "data_tokens", "Identical",
           "Exclude", "DIGEST_FILES"]

Template = tuple[str, ...]  # (directive, clause token, ...)

_LEVELS = ("gang", "worker", "vector", "seq", "independent", "auto")
_LITERAL_OK = {"num_gangs", "num_workers", "vector_length", "async", "default", "gang",
               "worker", "vector", "tile"}
_NUM = re.compile(r"\s*\d+\s*")


@dataclass(frozen=True)
class Features:
    compute: str  # none | parallel | kernels | serial — innermost enclosing compute construct
    parent: str  # none | the level clauses of the nearest annotated enclosing loop ("plain")
    parent_combined: bool  # that loop's directive is a combined one (parallel loop, ...)
    data: bool  # an enclosing data region (or data clauses on an enclosing construct)
    inner: int  # loop nest depth below and including this loop, capped at 3
    collapsible: bool  # a perfect rectangular nest: collapse applies
    short: bool  # small constant trip count
    reduction: bool
    unsafe: bool  # carried dependence or early exit
    private: bool

    @property
    def in_region(self) -> bool:
        return self.compute != "none" or self.parent != "none"


def _level_sig(p: Pragma) -> str:
    names = sorted({c.name.lower() for c in p.clauses if c.name.lower() in _LEVELS})
    return "+".join(names) or "plain"


def _short_trip(facts: LoopFacts) -> bool:
    if not facts.bounds:
        return False
    lo, hi = facts.bounds[0]
    lo = (lo or "0").strip()
    if not (_NUM.fullmatch(lo) and _NUM.fullmatch(hi or "")):
        return False
    return 0 < int(hi) - int(lo) <= 64


def features(enclosing: Sequence[str], facts: LoopFacts) -> Features:
    compute = compute_construct(enclosing)
    parent, combined, data = "none", False, False
    for text in enclosing:
        try:
            p = parse(text)
        except (PragmaError, ValueError):
            continue
        if p.directive.endswith("loop"):
            parent = _level_sig(p)
            combined = p.directive != "loop"
        if p.directive == "data" or any(c.name.lower() in DATA_CLAUSES for c in p.clauses):
            data = True
    return Features(
        compute=compute, parent=parent, parent_combined=combined, data=data,
        inner=min(max(facts.loop_depth, 1), 3), collapsible=facts.collapse >= 2,
        short=_short_trip(facts), reduction=bool(facts.reductions), unsafe=not facts.safe,
        private=bool(facts.private),
    )


def template(p: Pragma) -> Template:
    """The abstract form of a pragma (see the module docstring)."""
    toks: list[str] = []
    for c in p.clauses:
        name = c.name.lower()
        args = c.args
        if name in ("reduction", "private", "firstprivate", "collapse"):
            tok = f"{name}(*)"
        elif name in DATA_CLAUSES:
            tok = f"{name}[*]" if args and "[" in args else f"{name}(*)"
        elif name in ("async", "wait"):
            continue  # needs a matching `wait` elsewhere: only a project's own examples add it
        elif args is None:
            tok = name
        elif name in _LITERAL_OK and (_NUM.fullmatch(args) or name == "default"
                                      or (name == "tile" and all(
                                          _NUM.fullmatch(a) or a.strip() == "*"
                                          for a in args.split(",")))):
            tok = f"{name}({args.strip()})"
        elif name in ("gang", "worker", "vector"):
            tok = name  # a tuning expression we cannot know: keep the level
        else:
            continue  # if(...), wait(...), num_gangs(expr): project specific
        if tok not in toks:
            toks.append(tok)
    return (p.directive, *toks)


def _tok_name(tok: str) -> str:
    return re.split(r"[(\[]", tok, maxsplit=1)[0]


def data_tokens(tpl: Template) -> tuple[str, ...]:
    return tuple(t for t in tpl[1:] if _tok_name(t) in DATA_CLAUSES)


def strip_data(tpl: Template) -> Template:
    return tuple(t for i, t in enumerate(tpl) if i == 0 or _tok_name(t) not in DATA_CLAUSES)


def _group_reductions(facts: LoopFacts) -> list[Clause]:
    by_op: dict[str, list[str]] = {}
    for op, name in facts.reductions:
        by_op.setdefault(op, []).append(name)
    return [Clause("reduction", f"{op}:{','.join(names)}") for op, names in by_op.items()]


def _arrays_for(kind: str, facts: LoopFacts, sections: bool) -> list[str]:
    canon = {"pcopy": "copy", "present_or_copy": "copy", "pcopyin": "copyin",
             "present_or_copyin": "copyin", "pcopyout": "copyout",
             "present_or_copyout": "copyout", "pcreate": "create",
             "present_or_create": "create"}.get(kind, kind)
    out = []
    for name, mode in facts.arrays.items():
        if canon == "copyin" and mode != "in":
            continue
        if canon == "copyout" and mode != "out":
            continue
        if canon == "copy" and mode != "inout":
            continue
        if canon in ("create", "no_create"):
            continue
        if sections:
            out.append(facts.present.get(name) or facts.sections.get(name) or name)
        else:
            out.append(name)
    return out


def instantiate(tpl: Template, facts: LoopFacts) -> Pragma:
    """Fill a template's holes from the facts; reductions the analysis found are always
    present, data clauses cover every array the loop writes."""
    directive, toks = tpl[0], tpl[1:]
    clauses: list[Clause] = []
    covered: set[str] = set()
    data_used = False
    for tok in toks:
        m = re.fullmatch(r"(\w+)([(\[])\*[)\]]", tok)
        if m is None:
            lm = re.fullmatch(r"(\w+)\((.*)\)", tok)
            clauses.append(Clause(lm.group(1), lm.group(2)) if lm else Clause(tok))
            continue
        name, br = m.group(1), m.group(2)
        if name == "reduction":
            clauses.extend(_group_reductions(facts))
        elif name in ("private", "firstprivate"):
            if facts.private:
                clauses.append(Clause(name, ", ".join(facts.private)))
        elif name == "collapse":
            if facts.collapse >= 2:
                clauses.append(Clause("collapse", str(facts.collapse)))
        elif name in DATA_CLAUSES:
            data_used = True
            arrays = _arrays_for(name, facts, br == "[")
            if arrays:
                clauses.append(Clause(name, ", ".join(arrays)))
                covered.update(a.split("[")[0].strip() for a in arrays)
    if facts.reductions and not any(c.name == "reduction" for c in clauses):
        clauses.extend(_group_reductions(facts))
    if data_used and directive != "loop":
        # Never leave a written array uncovered by a copy-family template.
        for name, mode in facts.arrays.items():
            if name in covered or name in facts.present:
                continue
            if mode in ("out", "inout"):
                kind = "copyout" if mode == "out" else "copy"
                clauses.append(Clause(kind, facts.sections.get(name, name)))
    # What the directive does not allow goes (no `reduction` on `kernels`: the compiler
    # finds it there).
    return Pragma(directive, tuple(c for c in clauses
                                   if not validate(Pragma(directive, (c,)))))


# ----------------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------------

# Context levels: feature names, most specific first.  The ranker sees the share of a
# candidate's template at every level and how much support each level has; how to weigh the
# levels against each other is what it learns (no hand-set back-off weights).
LEVELS: tuple[tuple[str, ...], ...] = (
    ("compute", "parent", "parent_combined", "data", "inner", "collapsible", "short",
     "reduction", "unsafe"),
    ("compute", "parent", "parent_combined", "inner", "collapsible", "reduction", "unsafe"),
    ("compute", "parent", "parent_combined", "reduction", "unsafe"),
    ("compute", "parent", "unsafe"),
    ("compute", "unsafe"),
    ("compute",),
)


def _key(f: Features, names: Sequence[str]) -> str:
    return "|".join(f"{n}={getattr(f, n)}" for n in names)


def tpl_key(tpl: Template) -> str:
    return " ".join(tpl)


_EPS = 1e-9  # a weight left by taking pairs out again (float rounding), counted as none


def _data_kinds_key(tpl: Template) -> str:
    return " ".join(_tok_name(t) for t in data_tokens(tpl))


@dataclass(frozen=True)
class Identical:
    """Pairs the statistics leave out one by one, (features, template, group, weight) each:
    a training query whose known pool holds its own project leaves out only the pairs of its
    own (identical) loop, as a random split keeps identical loops on one side."""

    rows: tuple[tuple[Features, Template, str, float], ...]


Exclude = str | Identical | None  # a repository group left out, or identical loops


class TemplateStats:
    """How often each template (data clauses apart) and each data-clause style is written in
    each context, per repository group, so that a group's own pairs can be left out when the
    ranker's training rows for that group are built.  Every pair counts once (weight 1),
    whatever the size of its group."""

    def __init__(self) -> None:
        # level -> context key -> template key -> group -> weight
        self.tables: list[dict[str, dict[str, dict[str, float]]]] = [{} for _ in LEVELS]
        # (directive, in a data region) -> data-clause kinds -> group -> weight
        self.data: dict[str, dict[str, dict[str, float]]] = {}

    def add(self, f: Features, tpl: Template, group: str, weight: float) -> None:
        rest = tpl_key(strip_data(tpl))
        for level, names in enumerate(LEVELS):
            cell = self.tables[level].setdefault(_key(f, names), {}).setdefault(rest, {})
            cell[group] = cell.get(group, 0.0) + weight
        cell = self.data.setdefault(f"{tpl[0]}|{f.data}", {}).setdefault(_data_kinds_key(tpl), {})
        cell[group] = cell.get(group, 0.0) + weight

    @staticmethod
    def _dist(table: dict[str, dict[str, float]] | None, exclude: str | None
              ) -> tuple[dict[str, float], float, int]:
        if not table:
            return {}, 0.0, 0
        out: dict[str, float] = {}
        groups: set[str] = set()
        for t, by_group in table.items():
            w = sum(v for g, v in by_group.items() if g != exclude and v > _EPS)
            if w > _EPS:
                out[t] = w
                groups.update(g for g, v in by_group.items() if g != exclude and v > _EPS)
        total = sum(out.values())
        return ({t: w / total for t, w in out.items()} if total else {}), total, len(groups)

    @staticmethod
    def _minus(table: dict[str, dict[str, float]] | None,
               removed: Iterable[tuple[str, str, float]]) -> dict[str, dict[str, float]] | None:
        """``table`` with each (template key, group, weight) taken out (a copy)."""
        removed = list(removed)
        if not table or not removed:
            return table
        out = dict(table)
        for t, g, w in removed:
            if t in out:
                out[t] = {**out[t], g: out[t].get(g, 0.0) - w}
        return out

    def levels(self, f: Features, exclude: Exclude = None
               ) -> list[tuple[dict[str, float], float, int]]:
        """Per level: (template key -> share, total weight, number of groups)."""
        if isinstance(exclude, Identical):
            return [self._dist(self._minus(
                self.tables[i].get(_key(f, names)),
                ((tpl_key(strip_data(t)), g, w) for f2, t, g, w in exclude.rows
                 if _key(f2, names) == _key(f, names))), None)
                for i, names in enumerate(LEVELS)]
        memo = self.__dict__.setdefault("_memo", {})
        out = []
        for i, names in enumerate(LEVELS):
            key = (i, _key(f, names), exclude)
            if key not in memo:
                memo[key] = self._dist(self.tables[i].get(key[1]), exclude)
            out.append(memo[key])
        return out

    def data_share(self, directive: str, in_data: bool, exclude: Exclude = None
                   ) -> dict[str, float]:
        """Data-clause kinds (``"present"``, ``"copyin copyout"``, ``""``) -> share."""
        cell = f"{directive}|{in_data}"
        if isinstance(exclude, Identical):
            return self._dist(self._minus(self.data.get(cell), (
                (_data_kinds_key(t), g, w) for f2, t, g, w in exclude.rows
                if f"{t[0]}|{f2.data}" == cell)), None)[0]
        memo = self.__dict__.setdefault("_memo", {})
        key = ("data", cell, exclude)
        if key not in memo:
            memo[key] = self._dist(self.data.get(key[1]), exclude)[0]
        return memo[key]

    def top(self, f: Features, n: int, exclude: Exclude = None) -> list[Template]:
        """The ``n`` most common templates of the most specific level with two groups or
        more, then of the broader levels."""
        out: list[Template] = []
        for dist, _, groups in self.levels(f, exclude):
            if groups < 2:
                continue
            for t, _ in sorted(dist.items(), key=lambda kv: (-kv[1], kv[0])):
                tpl = tuple(t.split(" "))
                if tpl not in out:
                    out.append(tpl)
                if len(out) >= n:
                    return out
        return out

    # -- safe (de)serialisation: plain JSON ------------------------------------------------
    def to_json(self) -> dict:
        return {"tables": self.tables, "data": self.data}

    @classmethod
    def from_json(cls, d: dict) -> TemplateStats:
        st = cls()
        tables = d["tables"]
        if not isinstance(tables, list) or len(tables) != len(LEVELS):
            raise ValueError("template stats: wrong shape")
        st.tables = [_check_table(t) for t in tables]
        st.data = _check_table(d["data"])
        return st


def _check_table(t: object) -> dict[str, dict[str, dict[str, float]]]:
    if not isinstance(t, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) and all(
                isinstance(k2, str) and isinstance(v2, dict) and all(
                    isinstance(g, str) and isinstance(w, int | float) for g, w in v2.items())
                for k2, v2 in v.items()) for k, v in t.items()):
        raise ValueError("template stats: wrong shape")
    return t


def build_stats(rows: Iterable[tuple[str, Features, Template]]) -> TemplateStats:
    """Template statistics from (group, features, template) rows."""
    st = TemplateStats()
    for g, f, tpl in rows:
        st.add(f, tpl, g, 1.0)
    return st


def record_row(rec, facts: LoopFacts | None = None) -> tuple[Features, Template] | None:
    """A training record's context features and template (None: it does not parse);
    ``facts``: its loop's analysis when the caller has it."""
    try:
        p = parse(rec.pragma)
    except (PragmaError, ValueError):
        return None
    if facts is None:
        facts = analyze(rec.loop_stripped, rec.lang, tuple(rec.enclosing))
    if not facts.parsed:
        return None
    return features(rec.enclosing, facts), template(p)


def records_digest(recs: Sequence) -> str:
    """A content hash of training records (what the engines learn from)."""
    h = hashlib.sha1()
    for r in recs:
        h.update(f"{r.repo}\0{r.pragma}\0{r.lang}\0{r.enclosing}\0{r.loop_stripped}\1".encode())
    return h.hexdigest()[:20]


# The code whose results the ``auto`` engine caches (the analysis of the known loops, the
# template statistics, the retrieval pool, the ranker's training rows and fit), relative to the
# package root; the cache's own format is versioned in :mod:`server.engines.rank.store`.  Code
# that only reads the cache or serves other engines (hf, vllm, the HTTP layer) is not listed,
# so changing it does not throw away a built ranker.
DIGEST_FILES = (
    "dataset/analysis/*.py", "dataset/loops.py", "dataset/loop_walk.py", "dataset/lines.py",
    "dataset/labels.py", "dataset/pragma.py", "dataset/records.py", "dataset/prompt.py",
    "dataset/similarity.py", "server/safety.py", "server/engines/analysis.py",
    "server/engines/base.py", "server/engines/retrieval.py", "server/engines/adapt.py",
    "server/engines/style.py", "server/safety_data.py", "dataset/pragma_*.py",
    "dataset/offload/*.py",
    "server/engines/auto.py", "server/engines/rank/candidates.py",
    "server/engines/rank/dataenv.py", "server/engines/rank/features.py",
    "server/engines/rank/folds.py", "server/engines/rank/model.py", "training/style.py",
    "evaluation/metrics.py", "evaluation/runner.py",
)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of the engine code whose results are cached (:data:`DIGEST_FILES`): a cache
    built by other code (an older checkout) is never reused, whether or not someone remembered
    to bump a version."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha1()
    for pattern in DIGEST_FILES:
        paths = sorted(root.glob(pattern)) if "*" in pattern else [root / pattern]
        for p in paths:
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            try:
                h.update(p.read_bytes())
            except OSError:
                h.update(b"\1missing")
    return h.hexdigest()[:12]
