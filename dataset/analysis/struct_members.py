"""Struct variables a loop writes member by member (``d.x = e``).

A struct (or union) variable — reached with ``.``, not through a pointer — that the loop does
not declare is one object every iteration shares: in a compute construct an aggregate is
shared (OpenACC 3.3, 2.6.2: present or copied), so iterations that write its members race.
When each member the body reads was assigned earlier in the same iteration — a plain
``d.m = e;`` statement run unconditionally before any read of ``d.m`` (or of a member inside
it), within the iteration of the loop or of an inner loop — and the variable is never used
whole or by address, it is scratch of each iteration: ``private(d)`` gives every iteration its
own (2.5.13).  Otherwise the loop carries a dependence on it.  In C++ (a class object may
have constructors and methods) such a variable always carries the dependence.

The walk descends into nested statements by recursion; a nest deeper than Python's stack
counts as a dependence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.facts import Dependence, DepKind
from accellium.dataset.analysis.tree import field, iter_nodes, named, op, text, unparen

__all__ = ["MemberWrites", "member_writes"]

_LOOP_TYPES = ("for_statement", "while_statement", "do_statement", "for_range_loop")


@dataclass
class MemberWrites:
    private: list[str]  # per-iteration scratch structs
    carried: list[Dependence]  # the others, with the line of a member write


def _chain(ident: Node) -> tuple[Node, str, bool]:
    """The outermost ``.`` member expression over ``ident`` and its path (``d.a.b``), and
    whether the chain is plain (only ``.`` members, so the path names part of ``d``)."""
    node, path = ident, text(ident)
    p = node.parent
    while p is not None and p.type == "field_expression" and field(p, "argument") == node:
        if text(field(p, "operator")) != ".":
            return p, path, False
        path += "." + text(field(p, "field"))
        node, p = p, p.parent
    while p is not None and p.type == "parenthesized_expression":
        node, p = p, p.parent
    return node, path, True


def _written_members(body: Node) -> dict[str, int]:
    """The names whose ``.`` members the body writes (``d.x = e``, ``d.x += e``, ``d.x++``),
    with the line of the first such write."""
    out: dict[str, int] = {}
    for n in iter_nodes(body):
        if n.type == "assignment_expression":
            t = unparen(field(n, "left"))
        elif n.type == "update_expression":
            t = unparen(field(n, "argument"))
        else:
            continue
        if t is None or t.type != "field_expression":
            continue
        base: Node | None = t
        while base is not None and base.type == "field_expression" and \
                text(field(base, "operator")) == ".":
            base = unparen(field(base, "argument"))
        if base is not None and base.type == "identifier":
            out.setdefault(text(base), n.start_point[0] + 1)
    return out


class _Scratch:
    """Is ``name`` written before it is read, member by member, in every iteration?"""

    def __init__(self, name: str):
        self.name = name

    def _uses(self, node: Node | None) -> list[tuple[Node, str, bool]]:
        """(top of the member chain, path, plain) of each occurrence of the name."""
        if node is None:
            return []
        return [_chain(n) for n in iter_nodes(node)
                if n.type == "identifier" and text(n) == self.name]

    @staticmethod
    def _covered(path: str, covered: set[str]) -> bool:
        parts = path.split(".")
        return any(".".join(parts[:k]) in covered for k in range(2, len(parts) + 1))

    def _reads_ok(self, node: Node | None, covered: set[str]) -> bool:
        """Every occurrence under ``node`` is a read, or an update, of a covered member (an
        update writes the iteration's own copy once it is covered)."""
        for top, path, plain in self._uses(node):
            if not plain or "." not in path or not self._covered(path, covered):
                return False
            p = top.parent
            if p is not None and p.type == "pointer_expression" and op(p) == "&":
                return False  # its address escapes
        return True

    def sequence(self, stmts: Iterable[Node], covered: set[str]) -> bool:
        """The statements run in order: every read covered; ``covered`` grows with the
        plain, unconditional member writes."""
        for s in stmts:
            if not self.statement(s, covered):
                return False
        return True

    def statement(self, s: Node, covered: set[str]) -> bool:
        t = s.type
        if t == "compound_statement":
            return self.sequence(named(s), covered)
        if t == "expression_statement":
            kids = named(s)
            e = kids[0] if kids else None
            if e is not None and e.type == "assignment_expression" and op(e) == "=":
                left = unparen(field(e, "left"))
                if left is not None and left.type == "field_expression":
                    uses = self._uses(left)
                    if len(uses) == 1 and uses[0][2] and uses[0][0].id == left.id and \
                            "." in uses[0][1]:
                        # the value is computed first, then the member written
                        if not self._reads_ok(field(e, "right"), covered):
                            return False
                        covered.add(uses[0][1])
                        return True
            return self._reads_ok(s, covered)
        if t in _LOOP_TYPES or t == "if_statement":
            heads = [field(s, f) for f in ("initializer", "condition", "update", "left",
                                           "right")]
            if not all(self._reads_ok(h, covered) for h in heads if h is not None):
                return False
            parts = [field(s, "body"), field(s, "consequence"), field(s, "alternative")]
            for part in parts:
                if part is None:
                    continue
                if part.type == "else_clause":
                    kids = named(part)
                    if not kids:
                        continue
                    part = kids[0]
                # a branch or an iteration covers only what it writes itself
                if not self.statement(part, set(covered)):
                    return False
            return True
        return self._reads_ok(s, covered)


def member_writes(loop: Node, skip: set[str], lang: str) -> MemberWrites:
    """The struct variables ``loop`` writes member by member (not in ``skip``: the names the
    loop declares, its indices, arrays and pointers): private, or carried dependences."""
    body = field(loop, "body")
    out = MemberWrites([], [])
    if body is None:
        return out
    for name, line in _written_members(body).items():
        if name in skip:
            continue
        try:
            private = lang == "c" and _Scratch(name).statement(body, set())
        except RecursionError:
            private = False
        if private:
            out.private.append(name)
        else:
            out.carried.append(Dependence(name, line, (
                f"`{name}` is a struct every iteration shares and writes member by member "
                f"(line {line}), and a member is read before the iteration writes it (or the "
                "variable is used whole): the iterations race on it"), DepKind.SCALAR))
    return out
