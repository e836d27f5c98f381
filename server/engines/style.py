"""Pragma *style*: which directive and clause kinds a loop in a given context usually gets.

A pragma is abstracted to a :func:`template` — its directive and clause kinds in order, with the
arguments that depend on the loop replaced by holes (``reduction(*)``, ``present(*)``,
``collapse(*)``) and literal tuning arguments kept (``vector_length(128)``).  A loop and its
enclosing directives are abstracted to :class:`Features` (compute construct around it, the
level of the annotated loop above it, nest shape, what the analysis found).  :class:`StyleModel`
counts templates per feature combination over known pairs (training pairs, or the user's own
project) and predicts, with back-off from specific to general feature sets.  Nothing here is
specific to any project: features and templates are abstract, and each repository's vote is
damped so that one large project does not dictate the style for all.

:func:`instantiate` fills a template's holes from the query's own analysis facts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from accellium.dataset.pragma import Clause, Pragma, PragmaError, parse, validate
from accellium.server.engines.analysis import LoopFacts, analyze, compute_construct

__all__ = ["Features", "features", "template", "instantiate", "StyleModel", "Template"]

log = logging.getLogger(__name__)

Template = tuple[str, ...]  # (directive, clause token, ...)

_LEVELS = ("gang", "worker", "vector", "seq", "independent", "auto")
_DATA = {"copy", "copyin", "copyout", "create", "present", "deviceptr", "pcopy", "pcopyin",
         "pcopyout", "pcreate", "present_or_copy", "present_or_copyin", "present_or_copyout",
         "present_or_create", "no_create"}
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
        if p.directive == "data" or any(c.name.lower() in _DATA for c in p.clauses):
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
        elif name in _DATA:
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
    return tuple(t for t in tpl[1:] if _tok_name(t) in _DATA)


def strip_data(tpl: Template) -> Template:
    return tuple(t for i, t in enumerate(tpl) if i == 0 or _tok_name(t) not in _DATA)


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
        elif name in _DATA:
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

# Back-off levels: feature names, most specific first.
_BACKOFF: tuple[tuple[str, ...], ...] = (
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


class StyleModel:
    """Template counts per feature combination, with per-repository damping."""

    def __init__(self, smoothing: float = 4.0, min_sources: int = 2):
        self.tables: list[dict[str, Counter[Template]]] = [defaultdict(Counter) for _ in _BACKOFF]
        self.sources: list[dict[str, set[str]]] = [defaultdict(set) for _ in _BACKOFF]
        self.data_votes: dict[tuple[str, bool], Counter[tuple[str, ...]]] = defaultdict(Counter)
        self.full_orders: dict[frozenset, Counter[Template]] = defaultdict(Counter)
        self.smoothing = smoothing
        self.min_sources = min_sources

    def add(self, f: Features, tpl: Template, weight: float = 1.0, source: str = "") -> None:
        rest = strip_data(tpl)
        for level, names in enumerate(_BACKOFF):
            k = _key(f, names)
            self.tables[level][k][rest] += weight
            self.sources[level][k].add(source)
        self.data_votes[(tpl[0], f.data)][data_tokens(tpl)] += weight
        self.full_orders[frozenset(tpl)][tpl] += weight

    def predict(self, f: Features, *, accept=None) -> tuple[Template | None, int]:
        """(best clause template without data clauses, most specific back-off level used);
        ``accept`` filters candidate templates.

        The levels are mixed, specific first (Witten-Bell-like interpolation): a level with
        damped weight ``w`` takes the share ``w / (w + smoothing)`` of what the more specific
        levels left, so a thin but unanimous specific context (every known loop under a
        ``loop seq`` is ``loop seq``) still decides, while a near tie there is settled by
        the broader levels.  A level needs ``min_sources`` repositories."""
        probs: Counter[Template] = Counter()
        remaining, first = 1.0, -1
        for level, names in enumerate(_BACKOFF):
            key = _key(f, names)
            counts = self.tables[level].get(key)
            if not counts or len(self.sources[level][key]) < self.min_sources:
                continue
            cands = [(t, w) for t, w in counts.items() if accept is None or accept(t)]
            total = sum(w for _, w in cands)
            if not cands or total <= 0:
                continue
            if first < 0:
                first = level
            lam = 1.0 if level == len(_BACKOFF) - 1 else total / (total + self.smoothing)
            for t, w in cands:
                probs[t] += remaining * lam * w / total
            remaining *= 1 - lam
            if remaining < 1e-3:
                break
        if not probs:
            return None, -1
        return probs.most_common(1)[0][0], first

    def data_style(self, directive: str, in_data_region: bool) -> tuple[str, ...]:
        """The data-clause kinds most repositories put on ``directive`` in this situation."""
        votes = self.data_votes.get((directive, in_data_region))
        if not votes:
            return ()
        # First the clause kinds (``present`` with or without sections is one kind), then
        # the most common spelling of that kind.
        families: Counter[tuple[str, ...]] = Counter()
        for toks, w in votes.items():
            families[tuple(_tok_name(t) for t in toks)] += w
        best = max(families.items(), key=lambda kv: kv[1])[0]
        variants = [(t, w) for t, w in votes.items() if tuple(_tok_name(x) for x in t) == best]
        return max(variants, key=lambda kv: kv[1])[0]

    def order(self, tokens: Template) -> Template:
        """``tokens`` (directive first) in the clause order most often seen for that set."""
        seen = self.full_orders.get(frozenset(tokens))
        if seen:
            return max(seen.items(), key=lambda kv: kv[1])[0]
        return tokens

    def style(self, f: Features, directive: str | None = None) -> tuple[Template, int]:
        """The full template for a loop with features ``f`` (with ``directive`` when the
        caller knows it)."""
        d = directive or self.directive(f)
        rest, level = self.predict(f, accept=lambda t: t[0] == d)
        if rest is None:
            rest = (d,)
        data = self.data_style(d, f.data) if d != "loop" else ()
        return self.order(rest + tuple(x for x in data if x not in rest)), level

    def directive(self, f: Features) -> str:
        """The directive for a loop in this context: ``loop`` inside a compute region or under
        an annotated loop; outside, the family most repositories use at the top level."""
        if f.in_region:
            return "loop"
        votes: Counter[str] = Counter()
        for level in (len(_BACKOFF) - 2, len(_BACKOFF) - 1):
            counts = self.tables[level].get(_key(f, _BACKOFF[level]))
            if counts:
                for tpl, w in counts.items():
                    votes[tpl[0]] += w
                break
        votes.pop("loop", None)
        return votes.most_common(1)[0][0] if votes else "parallel loop"

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def from_records(cls, records: Iterable, *, cache: str | Path | None = None
                     ) -> StyleModel:
        """Learn from records with ``pragma``, ``loop_stripped``, ``lang``, ``enclosing`` and
        ``repo``.  The (slow) per-record analysis is cached on disk by content hash."""
        recs = list(records)
        rows = _cached_rows(recs, cache)
        per_repo = Counter(r[0] for r in rows)
        model = cls()
        for repo, f, tpl in rows:
            model.add(f, tpl, weight=1.0 / math.sqrt(per_repo[repo]), source=repo)
        return model


def _row(rec) -> tuple[str, Features, Template] | None:
    try:
        p = parse(rec.pragma)
    except (PragmaError, ValueError):
        return None
    facts = analyze(rec.loop_stripped, rec.lang, tuple(rec.enclosing))
    if not facts.parsed:
        return None
    return rec.repo, features(rec.enclosing, facts), template(p)


def records_digest(recs: Sequence) -> str:
    """A content hash of training records (what the engines learn from)."""
    h = hashlib.sha1()
    for r in recs:
        h.update(f"{r.repo}\0{r.pragma}\0{r.lang}\0{r.enclosing}\0{r.loop_stripped}\1".encode())
    return h.hexdigest()[:20]


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of the engine code whose results are cached: a cache built by other code (an
    older checkout) is never reused, whether or not someone remembered to bump a version."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha1()
    for p in sorted([*here.glob("*.py"), here.parent.parent / "dataset" / "similarity.py",
                     here.parent.parent / "dataset" / "pragma.py",
                     here.parent.parent / "dataset" / "loops.py"]):
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(p.name.encode())
    return h.hexdigest()[:12]


def cache_dir(explicit: str | Path | None = None) -> Path:
    """Where derived data is cached (``$ACCELLIUM_CACHE``, else ``~/.cache/accellium``)."""
    return Path(explicit or os.environ.get("ACCELLIUM_CACHE")
                or Path.home() / ".cache" / "accellium")


def _cached_rows(recs: list, cache: str | Path | None) -> list[tuple[str, Features, Template]]:
    base = cache_dir(cache)
    path = base / f"style-v2-{code_digest()}-{records_digest(recs)}.json"
    if path.is_file():
        try:
            data = json.loads(path.read_text())
            return [(r, Features(**f), tuple(t)) for r, f, t in data]
        except (ValueError, TypeError, OSError):
            log.warning("ignoring unreadable style cache %s", path)
    rows = [x for x in (_row(r) for r in recs) if x is not None]
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=base)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps([(r, asdict(f), list(t)) for r, f, t in rows]))
        os.replace(tmp, path)
    except OSError as e:  # a read-only home is fine: just slower next time
        log.info("style cache not written: %s", e)
    return rows
