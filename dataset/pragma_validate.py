"""Validation of a parsed pragma against the OpenACC 3.3 tables (DESIGN §3).

:func:`validate` returns every :class:`Problem` it finds (an empty list means valid): unknown
directives and clauses, clauses the directive does not accept, missing or unexpected argument
lists, malformed reductions, ``collapse`` and ``default`` arguments, conflicting loop levels and
a variable named in two reductions or privatisations (gcc rejects all of these).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accellium.dataset.pragma_tables import (
    _ARG_DIRECTIVES,
    _KNOWN_CLAUSES,
    _LEVELS,
    _NO_ARGS,
    _REDUCTION_OPS,
    _REQUIRED_ARGS,
    DIRECTIVES,
)
from accellium.dataset.pragma_text import split_top_level

if TYPE_CHECKING:
    from accellium.dataset.pragma import Clause, Pragma


@dataclass(frozen=True)
class Problem:
    """A validation finding. ``severity`` is ``error`` (gcc would reject it) or ``warning``."""

    message: str
    severity: str = "error"
    clause: str | None = None


def _shape_problem(c: Clause, directive: str, allowed: frozenset[str]) -> Problem | None:
    """The first problem with a clause's name or argument list, if any."""
    name = c.name
    lname = name.lower()
    if lname not in _KNOWN_CLAUSES:
        return Problem(f"unknown clause '{name}'", clause=name)
    if lname not in allowed:
        return Problem(f"clause '{name}' is not allowed on '{directive}'", clause=name)
    if c.args is None and lname in _REQUIRED_ARGS:
        return Problem(f"clause '{name}' needs an argument list", clause=name)
    if c.args is not None and lname in _NO_ARGS:
        return Problem(f"clause '{name}' takes no arguments", clause=name)
    if c.args is not None and (c.args.strip() == "" or any(
            a == "" for a in split_top_level(c.args))):
        return Problem(f"empty argument in clause '{name}'", clause=name)
    return None


def _argument_problems(c: Clause) -> list[Problem]:
    """Problems with the arguments of ``reduction``, ``collapse`` and ``default``."""
    name = c.name
    lname = name.lower()
    out: list[Problem] = []
    if lname == "reduction":
        op = c.reduction_op()
        if op is None:
            out.append(Problem("malformed reduction: expected 'reduction(op:var,...)'",
                               clause=name))
        elif op not in _REDUCTION_OPS:
            out.append(Problem(f"unknown reduction operator '{op}'", clause=name))
        elif not (c.args or "").split(":", 1)[1].strip():
            out.append(Problem("reduction has no variables", clause=name))
    if lname == "collapse":
        arg = re.sub(r"^\s*force\s*:", "", c.args or "").strip()
        if not re.fullmatch(r"\d+", arg) or int(arg) < 1:
            out.append(Problem(f"collapse needs a positive integer, got '{c.args}'",
                               clause=name))
    if lname == "default" and (c.args or "").strip().lower() not in {"none", "present"}:
        out.append(Problem(f"default must be 'none' or 'present', got '{c.args}'",
                           clause=name))
    return out


def _level_problems(seen_levels: list[str], seen_names: Counter[str]) -> list[Problem]:
    """Conflicting parallelism levels (``seq`` with ``gang``, ``auto`` with ``independent``)
    and a level clause repeated without ``device_type``."""
    out: list[Problem] = []
    if "seq" in seen_levels and len(seen_levels) > 1:
        out.append(Problem("'seq' conflicts with " +
                           ", ".join(f"'{x}'" for x in seen_levels if x != "seq")))
    if "auto" in seen_levels and "independent" in seen_names:
        out.append(Problem("'auto' conflicts with 'independent'"))
    if "seq" in seen_levels and "independent" in seen_names:
        out.append(Problem("'seq' conflicts with 'independent'"))
    for lvl in ("gang", "worker", "vector", "collapse"):
        if seen_names[lvl] > 1 and not seen_names["device_type"] and not seen_names["dtype"]:
            out.append(Problem(f"clause '{lvl}' appears more than once"))
    return out


def _repeated_variable_problems(p: Pragma) -> list[Problem]:
    """The same variable in two reductions or two privatisations: gcc rejects it."""
    seen_vars: Counter[str] = Counter()
    for c in p.clauses:
        if c.name.lower() in {"reduction", "private", "firstprivate"}:
            for v in c.variables():
                seen_vars[v] += 1
    return [Problem(f"'{v}' appears more than once in reduction/private clauses")
            for v, k in seen_vars.items() if k > 1]


def validate(p: Pragma) -> list[Problem]:
    """Problems of a parsed pragma under the OpenACC 3.3 tables (empty list = valid)."""
    allowed = DIRECTIVES.get(p.directive)
    if allowed is None:
        return [Problem(f"unknown directive '{p.directive}'")]
    problems: list[Problem] = []
    seen_levels: list[str] = []
    seen_names: Counter[str] = Counter()
    for c in p.clauses:
        if p.directive in _ARG_DIRECTIVES and c.name == p.directive:
            continue
        lname = c.name.lower()
        if lname in _KNOWN_CLAUSES and lname in allowed:
            seen_names[lname] += 1
        shape = _shape_problem(c, p.directive, allowed)
        if shape is not None:
            problems.append(shape)
            continue
        problems.extend(_argument_problems(c))
        if lname in _LEVELS:
            seen_levels.append(lname)
    problems.extend(_level_problems(seen_levels, seen_names))
    problems.extend(_repeated_variable_problems(p))
    return problems
