"""Writes to elements chosen by data, and the names the loop computes from its index or data.

An index read from memory (``h[idx[i]]``, or ``j = arow[k] - first + 2; rowstr[j] += 1``) may
take the same value in two iterations: the writes conflict.  A commutative update of such an
element (``+=``, ``++``, ``x = x op e``, the max pattern) runs in parallel under
``#pragma acc atomic update`` (OpenACC 3.3, 2.12) — the loop is parallel only when the code has
it; any other such write keeps the loop sequential.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.facts import Dependence, DepKind
from accellium.dataset.analysis.reductions import element_update
from accellium.dataset.analysis.tree import IDENT, iter_nodes, norm, op, subscript_index, text
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.walker import Access, BodyWalk

__all__ = ["derived", "reads_data", "atomic_lines", "IndirectWrite", "indirect_findings"]


_ATOMIC = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+acc[ \t]+atomic\b")
_STATEMENTS = ("expression_statement", "if_statement")


def reads_data(node: Node, varying: set[str]) -> bool:
    """Does the expression read memory at a place that changes between iterations: an element,
    a member or ``*p`` whose index or pointer uses ``varying`` names?  (A call computes its
    value from its arguments: ``IDX(i, j)`` or ``snum(d0, d1)`` map indices to an index.)"""
    for n in iter_nodes(node):
        t = n.type
        if t == "subscript_expression":
            if set(IDENT.findall(text(subscript_index(n)) or text(n))) & varying:
                return True
        elif t == "field_expression" or (t == "pointer_expression" and op(n) == "*"):
            if set(IDENT.findall(text(_field(n, "argument")))) & varying:
                return True
    return False


def derived(w: BodyWalk, seed: Callable[[Node], bool], names: set[str],
            exclude: set[str]) -> set[str]:
    """The scalars the loop assigns (not in ``exclude``) from a value for which ``seed`` holds
    or that uses ``names`` or another such scalar (to a fixed point)."""
    ids = {n: [set(IDENT.findall(text(v))) for v in vals] for n, vals in w.values.items()
           if n not in exclude}
    out: set[str] = set()
    known = set(names)
    seeded = {n for n, vals in w.values.items() if n in ids and any(seed(v) for v in vals)}
    changed = True
    while changed:
        changed = False
        for n, vals in ids.items():
            if n in out:
                continue
            if n in seeded or any(v & known for v in vals):
                out.add(n)
                known.add(n)
                changed = True
    return out


def atomic_lines(code: str) -> set[int]:
    """1-based lines of ``code`` that a ``#pragma acc atomic`` directive governs: the next
    non-blank line after it.

    The analysis pads a loop with one empty line per line of the file above it (so that its
    line numbers are the file's); those lines hold no directive and are counted, not split."""
    out: set[int] = set()
    body = code.lstrip("\n")
    skipped = len(code) - len(body)
    lines = body.split("\n")
    for k, line in enumerate(lines):
        if _ATOMIC.match(line):
            j = k + 1
            while j < len(lines) and (not lines[j].strip() or lines[j - 1].rstrip()
                                      .endswith("\\")):
                j += 1
            out.add(skipped + j + 1)
    return out


class IndirectWrite:
    """An indirect write: the access, its statement, the update operator (None: not a
    commutative update) and whether an ``atomic`` directive governs it."""

    def __init__(self, acc: Access, stmt: Node | None, op_: str | None, atomic: bool):
        self.acc = acc
        self.stmt = stmt
        self.op = op_
        self.atomic = atomic


def _statement(acc: Access, parent: Callable[[Node], Node | None]) -> Node | None:
    p: Node | None = acc.node
    while p is not None and p.type not in _STATEMENTS:
        p = parent(p)
    return p


def _outside_atomic(name: str, w: BodyWalk, atomic: frozenset[int]) -> Access | None:
    """The first access of the array ``name`` in the loop that no ``atomic`` directive
    governs (its statement's first line, or its own, not a governed line), else None."""
    for acc in w.accesses:
        if acc.name == name and not _governed(acc, _statement(acc, w.parent), atomic):
            return acc
    return None


def _governed(acc: Access, stmt: Node | None, atomic: frozenset[int]) -> bool:
    """Does an ``atomic`` directive govern the access (its line, or the first line of its
    statement ``stmt``)?"""
    lines = {acc.line} | ({stmt.start_point[0] + 1} if stmt is not None else set())
    return bool(lines & atomic)


def _where(acc: Access, data: set[str]) -> str:
    via = sorted(acc.ids & data)
    return f" (`{via[0]}` comes from data)" if via else ""


def indirect_findings(w: BodyWalk, data: set[str], atomic: frozenset[int], skip: set[str]
                      ) -> tuple[list[IndirectWrite], list[Dependence]]:
    """Every indirect write to a shared array (not in ``skip``), and the dependences of those
    no ``atomic`` governs (one per array)."""
    writes: list[IndirectWrite] = []
    for acc in w.accesses:
        if not acc.write or not acc.indirect or acc.name in skip:
            continue
        stmt = _statement(acc, w.parent)
        got = element_update(norm(acc.text), stmt) if stmt is not None else None
        if got is None and stmt is not None:  # the max pattern: if (e > h[j]) h[j] = e;
            outer = w.parent(stmt)
            if outer is not None and outer.type == "compound_statement":
                outer = w.parent(outer)
            if outer is not None and outer.type == "if_statement":
                got = element_update(norm(acc.text), outer)
                stmt = outer if got is not None else stmt
        writes.append(IndirectWrite(acc, stmt, got, _governed(acc, stmt, atomic)))
    deps: list[Dependence] = []
    seen: set[str] = set()
    for iw in writes:
        acc = iw.acc
        if acc.name in seen:
            continue
        if iw.atomic and iw.op is not None:
            other = _outside_atomic(acc.name, w, atomic)
            if other is None:
                continue
            seen.add(acc.name)
            deps.append(Dependence(acc.name, other.line, (
                f"`{other.text}` (line {other.line}) {'writes' if other.write else 'reads'} "
                f"`{acc.name}` outside the atomic update of line {acc.line}: an atomic update "
                "orders only the updates, so what that access sees or leaves depends on the "
                "order of the iterations; the loop stays sequential"), DepKind.INDIRECT))
            continue
        seen.add(acc.name)
        if iw.op is not None:
            msg = (f"`{acc.text}` (line {acc.line}) updates an element chosen by data"
                   f"{_where(acc, data)}: two iterations may update the same element; put "
                   "`#pragma acc atomic update` right above the update and the loop can run in "
                   "parallel")
        else:
            msg = (f"`{acc.text}` (line {acc.line}) writes an element chosen by data"
                   f"{_where(acc, data)}: two iterations may write the same element, so the "
                   "loop stays sequential")
        deps.append(Dependence(acc.name, acc.line, msg, DepKind.INDIRECT))
    return writes, deps
