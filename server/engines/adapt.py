"""Adapting a neighbour's pragma to the query loop (the ``retrieval`` engine's second step,
also the ``auto`` engine's candidate source): variables renamed by role (loop indices by
nesting position, arrays by access pattern, reduction and private scalars by order), data
clauses re-derived for the query's arrays, clauses naming variables the query lacks dropped,
and ``collapse`` fitted to the query's nest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from accellium.dataset.analysis import LoopFacts
from accellium.dataset.pragma import (
    DATA_CLAUSES,
    DIRECTIVES,
    IDENT,
    Clause,
    Pragma,
    PragmaError,
    parse,
    split_top_level,
    validate,
)
from accellium.dataset.similarity import tokens

__all__ = ["adapt", "project_spellings", "split_args", "parse_or_none", "usable_pragma", "ordered"]


@lru_cache(maxsize=16384)
def parse_or_none(text: str) -> Pragma | None:
    """``text`` parsed as a pragma (cached), None where it does not parse."""
    try:
        return parse(text)
    except (PragmaError, ValueError):
        return None


def usable_pragma(text: str) -> bool:
    """A pragma to learn from: it parses and names a known directive (no typos)."""
    return (p := parse_or_none(text)) is not None and p.directive in DIRECTIVES


@lru_cache(maxsize=4096)
def _ident_set(code: str) -> frozenset[str]:
    return frozenset(t for t in tokens(code) if t[:1].isalpha() or t[:1] == "_")


def ordered(names: Sequence[str]) -> list[str]:
    """``names`` without repeats, in the order they first come."""
    return list(dict.fromkeys(names))


def _rename_map(nf: LoopFacts, qf: LoopFacts) -> dict[str, str]:
    """Neighbour variable → query variable, by role and order."""
    m: dict[str, str] = {}
    for a, b in zip(nf.index_vars, qf.index_vars, strict=False):
        m.setdefault(a, b)
    for role in ("in", "out", "inout"):
        na = [k for k, v in nf.arrays.items() if v == role]
        qa = [k for k, v in qf.arrays.items() if v == role]
        for a, b in zip(na, qa, strict=False):
            m.setdefault(a, b)
    for a, b in zip([v for _, v in nf.reductions], [v for _, v in qf.reductions], strict=False):
        m.setdefault(a, b)
    for a, b in zip(nf.private, qf.private, strict=False):
        m.setdefault(a, b)
    return m


def _rename_text(text: str, m: dict[str, str]) -> str:
    if not m:
        return text
    return re.sub(rf"\b{IDENT}\b", lambda x: m.get(x.group(0), x.group(0)), text)


def _arg_base(arg: str) -> str | None:
    a = arg.split(":", 1)[1] if re.match(r"\s*readonly\s*:", arg) else arg
    mm = re.match(rf"\s*({IDENT})", a)
    return mm.group(1) if mm else None


def project_spellings(pragmas: Sequence[str]) -> dict[str, str]:
    """How the user's project writes each array in data clauses (``f_d[0:ms*19]``,
    ``flux[:flux_len]``), from its pragmas, nearest first; ``""`` maps to ``"[:"`` when the
    project leaves out the lower bound of its sections."""
    out: dict[str, str] = {}
    omitted = spelled = 0
    for text in pragmas:
        p = parse_or_none(text)
        if p is None:
            continue
        for c in p.clauses:
            if c.name.lower() not in DATA_CLAUSES:
                continue
            for arg in split_args(c.args or ""):
                m = re.match(rf"\s*({IDENT})\s*\[(\s*:)?", arg)  # a plain array's section
                if m is None:
                    continue
                out.setdefault(m.group(1), " ".join(arg.split()))
                spelled += 1
                omitted += m.group(2) is not None
    if spelled >= 2 and omitted == spelled:
        out[""] = "[:"
    return out


def _section(qf: LoopFacts, name: str, spellings: dict[str, str]) -> str | None:
    """The query's section for ``name``: as the enclosing data region names it, as the
    project writes that array, or from the loop's bounds (in the project's spelling)."""
    text = qf.present.get(name) or spellings.get(name)
    if text is None and name in qf.sections:
        text = qf.sections[name]
        if spellings.get("") == "[:":
            text = re.sub(r"\[\s*0\s*:", "[:", text)
    return text


def _data_args(clause: Clause, nf: LoopFacts, qf: LoopFacts, m: dict[str, str],
               q_idents: frozenset[str], used: set[str],
               spellings: dict[str, str] | None = None) -> list[str]:
    """The query's arguments for a neighbour data clause."""
    out: list[str] = []
    sp = spellings or {}
    for arg in split_args(clause.args or ""):
        base = _arg_base(arg)
        if base is None:
            continue
        if base in q_idents:
            target, text = base, arg
            # Sections come from this loop's own bounds: a neighbour's extent may be wrong here.
            if "[" in arg:
                text = _section(qf, base, sp) or base
        elif base in m and m[base] in q_idents:
            target = m[base]
            text = (_section(qf, target, sp) if "[" in arg else target) or target
        else:
            continue
        if target in used:
            continue
        used.add(target)
        out.append(text)
    return out


def split_args(args: str) -> list[str]:
    return [a for a in split_top_level(args) if a]


def adapt(neighbour_pragma: Pragma, nf: LoopFacts, qf: LoopFacts, query_code: str,
          *, analysis_decides: bool = False, keep_directive: bool = False,
          spellings: dict[str, str] | None = None) -> tuple[Pragma, list[str]]:
    """Adapt a neighbour's pragma to the query loop (see the module doc).  The directive
    follows the query's context (``loop`` inside a region, a combined one outside) unless
    ``keep_directive``: the neighbour was written in the same context.  ``spellings``
    (:func:`project_spellings`): how the user's project writes array sections."""
    sp = spellings or {}
    notes: list[str] = []
    m = _rename_map(nf, qf)
    q_idents = _ident_set(query_code)
    directive = neighbour_pragma.directive
    if qf.parsed and not keep_directive:
        if qf.in_region and directive in ("parallel loop", "kernels loop", "serial loop"):
            directive = "loop"
        elif not qf.in_region and directive == "loop":
            directive = "parallel loop"
    # Does the neighbour list all of its arrays in one data clause kind (the "present(a,b,c)"
    # style)?  Then the query lists its own arrays the same way.
    n_data = [c for c in neighbour_pragma.clauses if c.name.lower() in DATA_CLAUSES]
    n_named = {v for c in n_data for v in c.variables()}
    lists_all = bool(n_data) and bool(nf.arrays) and set(nf.arrays) <= n_named
    clauses: list[Clause] = []
    used: set[str] = set()
    added_red = False
    for c in neighbour_pragma.clauses:
        name = c.name.lower()
        if directive == "loop" and name not in DIRECTIVES["loop"]:
            continue
        if name in DATA_CLAUSES:
            args = _data_args(c, nf, qf, m, q_idents, used, sp)
            if args:
                clauses.append(Clause(c.name, ", ".join(args)))
            continue
        if name == "reduction":
            if analysis_decides:
                if not added_red:
                    clauses.extend(_reduction_clauses(qf))
                    added_red = True
                continue
            op = c.reduction_op() or "+"
            vs = [m.get(v, v) for v in c.variables()]
            vs = [v for v in vs if v in q_idents]
            if vs:
                clauses.append(Clause("reduction", f"{op}:{','.join(ordered(vs))}"))
            continue
        if name in ("private", "firstprivate"):
            vs = [m.get(v, v) for v in c.variables()]
            vs = [v for v in vs if v in q_idents]
            if analysis_decides and name == "private":
                vs = [v for v in vs if v not in {r for _, r in qf.reductions}]
            if vs:
                clauses.append(Clause(c.name, ", ".join(ordered(vs))))
            continue
        if name == "collapse":
            try:
                n = int(re.sub(r"^\s*force\s*:", "", c.args or "1"))
            except ValueError:
                n = 1
            if qf.parsed:
                n = min(n, qf.collapse)
            if n > 1:
                clauses.append(Clause("collapse", str(n)))
            continue
        if c.args is not None and name not in ("gang", "worker", "vector", "tile",
                                               "device_type", "dtype"):
            # num_gangs(n), async(q), if(cond), ...: keep when its names exist in the query
            words = set(re.findall(IDENT, _rename_text(c.args, m)))
            if words - q_idents - {"acc_async_noval", "acc_async_sync", "none", "present"}:
                continue
            clauses.append(Clause(c.name, _rename_text(c.args, m)))
            continue
        clauses.append(c)
    if lists_all and directive != "loop":
        # add the query arrays the neighbour's style would have named
        kind = n_data[0].name
        sectioned = any("[" in x for c in n_data for x in split_args(c.args or ""))
        extra = [(_section(qf, a, sp) if kind.lower() != "present" or sectioned
                  else qf.present.get(a)) or a for a in qf.arrays if a not in used]
        if extra:
            for k, c in enumerate(clauses):
                if c.name == kind:
                    clauses[k] = Clause(kind, ", ".join(split_args(c.args or "") + extra))
                    break
            else:
                clauses.append(Clause(kind, ", ".join(extra)))
    if analysis_decides and not added_red and qf.reductions:
        clauses.extend(_reduction_clauses(qf))
    p = Pragma(directive, tuple(clauses))
    if validate(p):
        # drop what the directive does not allow instead of failing
        allowed = [c for c in p.clauses if not validate(Pragma(directive, (c,)))]
        p = Pragma(directive, tuple(allowed))
        if validate(p):
            p = Pragma(directive, ())
    return p, notes


def _reduction_clauses(qf: LoopFacts) -> list[Clause]:
    by_op: dict[str, list[str]] = {}
    for op, name in qf.reductions:
        by_op.setdefault(op, []).append(name)
    return [Clause("reduction", f"{op}:{','.join(v)}") for op, v in by_op.items()]
