"""Scalar roles: each scalar the loop assigns is a reduction, private, or carries a value
from one iteration to the next.

* reduction: every assignment is a reduction statement (:mod:`.reductions`) of one operator,
  and the loop reads it nowhere else;
* private: every read is preceded, on every path through the iteration, by an assignment;
* carried: otherwise — it is read before it is written in an iteration, or assigned only on
  some paths (its value may come from an earlier iteration).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.facts import Dependence, DepKind
from accellium.dataset.analysis.macros import Macro
from accellium.dataset.analysis.reductions import if_minmax, reduction_of
from accellium.dataset.analysis.tree import IDENT
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.walker import ScalarUse, Use

__all__ = ["ScalarRoles", "scalar_roles", "Parent", "Definite"]

#: The parent of a node inside the loop (None at the loop).
Parent = Callable[[Node], "Node | None"]


@dataclass
class ScalarRoles:
    reductions: list[tuple[str, str]] = field(default_factory=list)  # (op, var)
    private: list[str] = field(default_factory=list)
    carried: list[Dependence] = field(default_factory=list)
    read_only: list[str] = field(default_factory=list)


def _reduction_stmt(name: str, st: Node, parent: Parent, macros: Mapping[str, Macro]
                    ) -> tuple[str | None, Node | None]:
    """(operator, the enclosing ``if`` of a min/max update) of one assignment of ``name``."""
    got = reduction_of(name, st, macros)
    if got is not None:
        return got, None
    ifn = parent(st)
    if ifn is not None and ifn.type == "compound_statement":
        ifn = parent(ifn)
    if ifn is not None and ifn.type == "if_statement":
        got = if_minmax(name, ifn)
        if got is not None:
            return got, ifn
    return None, None


def _inside(node: Node, ids: set[int], parent: Parent) -> bool:
    p: Node | None = node
    while p is not None:
        if p.id in ids:
            return True
        p = parent(p)
    return False


def _value_used(st: Node, parent: Parent) -> bool:
    """Is ``st`` an expression whose value the code uses (``t++`` in ``b[t++]``), rather than
    a statement of its own?  An update's value is the variable's value before or after it
    (C11 6.5.2.4, 6.5.16): using it reads the variable, which a reduction never does (OpenACC
    3.3, 2.5.15: only the combined result is defined, after the loop)."""
    if st.type in ("expression_statement", "if_statement", "declaration"):
        return False
    p = parent(st)
    while p is not None and p.type == "parenthesized_expression":
        p = parent(p)
    return p is None or p.type != "expression_statement"


def _reduction(name: str, events: list[ScalarUse], parent: Parent,
               macros: Mapping[str, Macro]) -> str | None:
    """The operator when every assignment of ``name`` is a reduction with one operator and
    every other read is part of those statements."""
    stmts: dict[int, Node] = {}
    for e in events:
        if e.kind is not Use.READ:
            stmts.setdefault(e.stmt.id, e.stmt)
    ops: set[str] = set()
    ids: set[int] = set()
    for st in stmts.values():
        if _value_used(st, parent):
            return None  # `a[k] = b[t++]`: each iteration reads the count the earlier left
        got, ifn = _reduction_stmt(name, st, parent, macros)
        if got is None:
            return None
        if ifn is not None:
            ids.add(ifn.id)
        ops.add(got)
        ids.add(st.id)
    if len(ops) != 1:
        return None
    for e in events:
        if e.kind is Use.READ and e.stmt.id not in ids and not _inside(e.stmt, ids, parent):
            return None
    return ops.pop()


class Definite:
    """Which statements always assign a scalar (``writes``: ids of the statements that assign
    it unconditionally); memoised, evaluated bottom-up without recursion."""

    def __init__(self, writes: set[int]):
        self.writes = writes
        self.memo: dict[int, bool] = {}

    @staticmethod
    def _parts(node: Node) -> list[Node] | None:
        if node.type == "compound_statement":
            return node.named_children
        if node.type == "if_statement":
            cons, alt = _field(node, "consequence"), _field(node, "alternative")
            if cons is None or alt is None:
                return None
            if alt.type == "else_clause":
                kids = alt.named_children
                if not kids:
                    return None
                alt = kids[0]
            return [cons, alt]
        return None

    def __call__(self, root: Node) -> bool:
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if node.id in self.memo:
                continue
            if node.id in self.writes:
                self.memo[node.id] = True
                continue
            parts = self._parts(node)
            if not parts:
                self.memo[node.id] = False
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((p, False) for p in parts if p.id not in self.memo)
                continue
            got = [self.memo[p.id] for p in parts]
            self.memo[node.id] = all(got) if node.type == "if_statement" else any(got)
        return self.memo[root.id]


def _covered(stmt: Node, definite: Definite, parent: Parent) -> bool:
    """Is a use at ``stmt`` preceded, on every path through the iteration, by an assignment
    (an earlier statement of an enclosing block that always assigns)?"""
    child, p = stmt, parent(stmt)
    while p is not None:
        if p.type == "compound_statement":
            for c in p.named_children:
                if c.id == child.id:
                    break
                if definite(c):
                    return True
        child, p = p, parent(p)
    return False


def _role(name: str, events: list[ScalarUse], parent: Parent, roles: ScalarRoles,
          macros: Mapping[str, Macro]) -> None:
    op = _reduction(name, events, parent, macros)
    if op is not None:
        roles.reductions.append((op, name))
        return
    writes = [e for e in events if e.kind is Use.WRITE]
    definite = Definite({e.stmt.id for e in writes})
    uncovered = [e for e in events if e.kind is not Use.WRITE
                 and not _covered(e.stmt, definite, parent)]
    if writes and not uncovered:
        roles.private.append(name)
        return
    first = uncovered[0] if uncovered else events[0]
    line = first.stmt.start_point[0] + 1
    if any(w.order < first.order for w in writes):
        msg = (f"`{name}` is assigned only conditionally (line {line}) and may carry its "
               "value to the next iteration")
    else:
        msg = (f"`{name}` is read before it is written in an iteration (line {line}): "
               "carried dependence")
    roles.carried.append(Dependence(name, line, msg, DepKind.SCALAR))


def scalar_roles(events: dict[str, list[ScalarUse]], skip: set[str], parent: Parent,
                 macros: Mapping[str, Macro] | None = None) -> ScalarRoles:
    """The role of every scalar the loop uses (names in ``skip`` are not scalars of the loop:
    indices, arrays, functions, locals); ``macros``: those defined where the loop is (a
    callee may be one, :func:`.reductions.reduction_of`)."""
    roles = ScalarRoles()
    for name, evs in events.items():
        if name in skip:
            continue
        if all(e.kind is Use.READ for e in evs):
            if name not in roles.read_only and IDENT.fullmatch(name):
                roles.read_only.append(name)
            continue
        _role(name, evs, parent, roles, macros or {})
    return roles

