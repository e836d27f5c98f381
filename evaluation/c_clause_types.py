"""Types of the identifiers in clause arguments, for the compile check.

The pragma under test and its enclosing directives name variables the loop may not use itself
(``copyin(a[0:n])``, ``reduction(+:s)``): they are declared too, an array section giving the
pointer's rank (``a[0:n][0:m]`` → rank 2, and a fixed-row pointer so that the section is
contiguous).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from accellium.dataset.pragma import IDENT, PragmaError, parse, split_top_level
from accellium.evaluation.c_infer import Facts, Shape

__all__ = ["clause_facts"]

_PATH = re.compile(rf"(?<![\w.>])(?<!->)\s*{IDENT}(?:\s*(?:\.|->)\s*{IDENT})*"
                   r"(?:\s*\[[^\]]*\])*")


def clause_facts(pragmas: Iterable[str], facts: Facts) -> None:
    """Declare identifiers used in clause arguments (array sections give the rank)."""
    for text in pragmas:
        try:
            p = parse(text)
        except PragmaError:
            continue
        for c in p.clauses:
            if c.args is None:
                continue
            name = c.name.lower()
            if name in ("device_type", "dtype", "default", "collapse"):
                continue
            args = c.args
            if name == "reduction" and ":" in args:
                op, _, args = args.partition(":")
                is_int = op.strip() in {"&", "|", "^"}
                for a in split_top_level(args):
                    m = re.match(rf"\s*({IDENT})\s*$", a)
                    if m:
                        facts.add(m.group(1), Shape("scalar", is_int, weak=True))
                continue
            args = re.sub(r"^\s*(num|static|dim|force|readonly|zero)\s*:(?!:)", "", args)
            for a in split_top_level(args):
                _declare_section(a, facts, name)


def _declare_section(expr: str, facts: Facts, clause: str) -> None:
    m = re.match(rf"\s*({IDENT})((?:\s*(?:\.|->)\s*{IDENT})*)\s*((?:\[[^\]]*\]\s*)*)$",
                 expr)
    if not m:
        for pm in _PATH.finditer(expr):
            _declare_section(pm.group(0), facts, "bound")
        return
    base, path, sections = m.group(1), m.group(2), m.group(3)
    secs = re.findall(r"\[([^\]]*)\]", sections)
    for s in secs:
        for pm in _PATH.finditer(s):
            _declare_section(pm.group(0), facts, "bound")
    leaf: Shape = Shape("scalar", clause in {"bound", "num_gangs", "num_workers", "vector_length",
                                             "async", "wait", "gang", "worker", "vector",
                                             "tile", "if"}, weak=True)
    for _ in secs:
        leaf = Shape("ptr", elem=leaf, weak=True)
    if clause in ("deviceptr", "use_device", "attach", "detach") and not secs:
        leaf = Shape("ptr", elem=leaf, weak=True)  # these need pointer variables
    steps = re.findall(rf"(\.|->)\s*({IDENT})", path)
    for op, fname in reversed(steps):
        leaf = Shape("struct", fields={fname: leaf}, weak=True)
        if op == "->":
            leaf = Shape("ptr", elem=leaf, weak=True)
    if base == "this":
        return
    facts.clause_bases.add(base)
    if len(secs) >= 2 and not steps:
        facts.multi_section[base] = max(facts.multi_section.get(base, 0), len(secs))
    facts.add(base, leaf)
