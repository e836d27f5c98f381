"""The enclosing OpenACC directives of a loop: inside a compute region?  Which arrays does an
enclosing data region already name?"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from accellium.dataset.pragma import COMPUTE_DIRECTIVES, IDENT, Pragma, PragmaError, parse

__all__ = ["enclosing_context", "compute_construct", "enclosing_level", "gang_redundant", "LEVELS",
           "DATA_CLAUSE_NAMES"]

#: Clauses that put data on the device (or name device data) for their construct.
DATA_CLAUSE_NAMES = frozenset({
    "copy", "copyin", "copyout", "create", "present", "deviceptr", "pcopy", "pcopyin",
    "pcopyout", "pcreate", "present_or_copy", "present_or_copyin", "present_or_copyout",
    "present_or_create", "no_create", "attach", "use_device"})
#: The loop partitioning levels, outermost first (OpenACC 3.3, 2.9.2-2.9.4).
LEVELS = ("gang", "worker", "vector")
_FIRST_NAME = re.compile(rf"\s*({IDENT})")
_READONLY = re.compile(r"\s*readonly\s*:")


def compute_construct(enclosing: Sequence[str]) -> str:
    """The innermost enclosing compute construct: ``parallel``, ``kernels``, ``serial`` or
    ``none`` (a combined ``kernels loop`` counts as ``kernels``)."""
    return _compute_construct(tuple(e for e in enclosing if isinstance(e, str)))


@lru_cache(maxsize=4096)
def _compute_construct(enclosing: tuple[str, ...]) -> str:
    out = "none"
    for p in enclosing_context(enclosing)[2]:
        family = p.directive.split()[0]
        if family in ("parallel", "kernels", "serial"):
            out = family
    return out


def enclosing_level(enclosing: Sequence[str]) -> int:
    """The innermost partitioning level the enclosing loop directives use: the index in
    :data:`LEVELS` of the deepest ``gang``/``worker``/``vector`` clause on an enclosing
    ``loop`` or combined construct, -1 when none names a level.  A loop nested in such a
    loop may use only the levels after it: the region of a ``gang`` loop may not contain
    another ``gang`` loop, a ``worker`` loop no ``gang`` or ``worker`` loop, a ``vector``
    loop no loop with a level (OpenACC 3.3, 2.9.2-2.9.4; gcc: "inner loop uses same OpenACC
    parallelism as containing loop")."""
    return _enclosing_level(tuple(e for e in enclosing if isinstance(e, str)))


@lru_cache(maxsize=4096)
def _enclosing_level(enclosing: tuple[str, ...]) -> int:
    out = -1
    for p in enclosing_context(enclosing)[2]:
        if not p.directive.endswith("loop"):
            continue
        for c in p.clauses:
            name = c.name.lower()
            if name in LEVELS:
                out = max(out, LEVELS.index(name))
    return out


def gang_redundant(enclosing: Sequence[str]) -> bool:
    """Whether the loop runs in the gang-redundant part of a ``parallel`` construct: the
    innermost enclosing compute construct is ``parallel`` (or ``parallel loop``) and no loop
    directive from it down shares a loop out among the gangs — none has ``gang``, or is
    left to the compiler without a level (``loop``, ``loop independent``: the outermost such
    loop gets ``gang``), all are ``seq``, ``auto`` or only ``worker``/``vector``.  There every
    gang runs every statement, this loop included (OpenACC 3.3, 2.5.1, 2.9.2)."""
    return _gang_redundant(tuple(e for e in enclosing if isinstance(e, str)))


@lru_cache(maxsize=4096)
def _gang_redundant(enclosing: tuple[str, ...]) -> bool:
    parsed = enclosing_context(enclosing)[2]
    start = max((k for k, p in enumerate(parsed)
                 if p.directive.split()[0] in ("parallel", "kernels", "serial")), default=-1)
    if start < 0 or parsed[start].directive.split()[0] != "parallel":
        return False
    for p in parsed[start:]:
        if not p.directive.endswith("loop") or p.has("seq") or p.has("auto"):
            continue
        if p.has("gang") or not any(p.has(level) for level in LEVELS):
            return False
    return True


def _parsed(text: object) -> Pragma | None:
    try:
        return parse(text) if isinstance(text, str) else None
    except (PragmaError, ValueError):
        return None


def _named_arrays(p: Pragma, present: dict[str, str]) -> None:
    """The arrays the enclosing pragma ``p`` maps (name -> its clause argument).  None where
    ``p`` has an ``if`` clause: with the condition false the construct maps nothing (OpenACC
    3.3, 2.6.5 and 2.5.x ``if``), so it shows no array present (a copy clause is right
    either way: in a region that maps the array it copies nothing, 2.7.1)."""
    if p.has("if"):
        return
    for c in p.clauses:
        if c.name.lower() not in DATA_CLAUSE_NAMES:
            continue
        try:
            args = c.arg_list()
            names = c.variables()
        except Exception:
            continue
        for a in args:
            m = _FIRST_NAME.match(a.split(":", 1)[1] if _READONLY.match(a) else a)
            if m and m.group(1) in names:
                present.setdefault(m.group(1), a)


def enclosing_context(enclosing: Sequence[str]) -> tuple[bool, dict[str, str], list[Pragma]]:
    """(inside a compute region or annotated loop, {array: its data-clause argument},
    parsed enclosing pragmas)."""
    in_region = False
    present: dict[str, str] = {}
    parsed: list[Pragma] = []
    for text in enclosing or ():
        p = _parsed(text)
        if p is None:
            continue
        parsed.append(p)
        if p.directive in COMPUTE_DIRECTIVES or p.directive == "loop":
            in_region = True
        _named_arrays(p, present)
    return in_region, present, parsed
