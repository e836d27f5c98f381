"""An element that both branches of an ``if`` ... ``else`` replace is replaced whenever the
statement runs.

An ``if`` statement with an ``else`` runs its first substatement when the condition compares
unequal to 0 and the second otherwise (C11 6.8.4.1p2): exactly one of them, each time.  So when
each branch stores to the same element ``a[e]`` by a plain ``=`` that runs whenever the branch
does, the statement replaces ``a[e]`` as one unconditional plain store would — provided ``e``
designates the same element in both: nothing in the statement assigns, declares (hides) or
takes the address of a name of ``a[e]`` (C11 6.2.1p4: a declaration in a branch's block starts
a new scope), and nothing jumps out of it or into it (no ``goto``/``break``/``continue``/
``return``, no label).  The boundary of a grid written in one branch and its interior in the
other (``if (edge) c[i*n + j] = 0.0; else c[i*n + j] = ...;``) writes every element of
``c``, so a region need not copy it in (:func:`.cover.plain_nest`).

The same holds of a loop body that replaces the element on the path a ``continue`` takes
(:func:`continue_replaced`): ``if (edge) { c[i] = 0.0; continue; } c[i] = ...;``.  A
``continue`` skips the rest of the iteration only (C11 6.8.6.2p2): the next iteration runs as
it would have, so every iteration still stores to ``c[i]`` — on the jump's path before the
jump, on the other at the store after the ``if``.
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import field, idents, iter_nodes, norm, text
from accellium.dataset.offload.nodes import JUMPS, LOOPS, assignment_chain, block_items, has_jump
from accellium.dataset.offload.uses import assignments

__all__ = ["both_branches_replace", "continue_replaced"]


def _branch(node: Node | None) -> Node | None:
    """The statement of a branch (the statement of an ``else`` clause)."""
    if node is not None and node.type == "else_clause":
        kids = [c for c in node.children if c.is_named and c.type != "comment"]
        return kids[0] if len(kids) == 1 else None
    return node


def _replaces(stmt: Node | None, want: str) -> bool:
    """Does ``stmt`` store to the element spelled ``want`` by a plain ``=`` whenever it runs:
    an expression statement whose ``=`` chain has it on a left side, a block one of whose
    items does, or an ``if`` with an ``else`` both of whose branches do?"""
    if stmt is None:
        return False
    if stmt.type == "expression_statement":
        return any(norm(text(n)) == want for n in iter_nodes(stmt)
                   if n.id in assignment_chain(stmt))
    if stmt.type == "compound_statement":
        return any(_replaces(s, want) for s in block_items(stmt))
    if stmt.type == "if_statement":
        return _replaces(_branch(field(stmt, "consequence")), want) and \
            _replaces(_branch(field(stmt, "alternative")), want)
    return False


def _within(node: Node, outer: Node | None) -> bool:
    return outer is not None and outer.start_byte <= node.start_byte and \
        node.end_byte <= outer.end_byte


def both_branches_replace(write: Node, stmt: Node) -> bool:
    """Is ``write`` (the left side of a plain ``=``, inside a branch of the ``if`` statement
    ``stmt``) an element that ``stmt`` replaces whenever it runs: the store runs whenever its
    branch does (only blocks and ``if``-``else`` statements replacing it between them), the
    other branch replaces the same element, and nothing in ``stmt`` changes what the
    subscripts designate or leaves or enters it by a jump?"""
    yes, no = field(stmt, "consequence"), field(stmt, "alternative")
    if yes is None or no is None or not (_within(write, yes) or _within(write, no)):
        return False
    if has_jump(stmt) or any(n.type == "labeled_statement" for n in iter_nodes(stmt)):
        return False
    got = assignments(stmt)
    if any(got.count.get(n) or n in got.declared for n in idents(text(write))):
        return False
    p = write.parent
    while p is not None and p.id != stmt.id:  # no loop between: it may run zero times
        if p.type in LOOPS:
            return False
        p = p.parent
    want = norm(text(write))
    return _replaces(_branch(yes), want) and _replaces(_branch(no), want)


def _loop_of(node: Node) -> Node | None:
    """The innermost loop around ``node`` (the loop a ``continue`` continues, C11 6.8.6.2p2)."""
    p = node.parent
    while p is not None and p.type not in LOOPS:
        p = p.parent
    return p


def continue_replaced(write: Node, top: Node) -> bool:
    """Is ``write`` (the left side of a plain ``=``, in a statement that is an item of the
    body of a loop under ``top``) stored to in every iteration of its loop that ``top`` runs,
    whatever jumps ``top`` holds: its only jumps are ``continue`` statements, each either of a
    loop nested in that body (it skips part of that inner loop, which ends before the store
    or after it as it would without the jump) or the last item of a block that is a branch of
    an ``if`` before the store among the body's items, an earlier item of that block
    replacing the same element (:func:`_replaces`), and nothing in the body assigns,
    declares or takes the address of a name of ``write``, nor holds a label?"""
    stmt = write.parent
    while stmt is not None and stmt.type != "expression_statement":
        stmt = stmt.parent
    loop = _loop_of(write)
    body = field(loop, "body") if loop is not None else None
    if stmt is None or loop is None or body is None or body.type != "compound_statement" or \
            stmt.parent is None or stmt.parent.id != body.id or not _within(loop, top) or \
            write.id not in assignment_chain(stmt):
        return False
    if any(n.type == "labeled_statement" for n in iter_nodes(top)):
        return False
    got = assignments(body)
    if any(got.count.get(n) or n in got.declared for n in idents(text(write))):
        return False
    want = norm(text(write))
    for j in iter_nodes(top):
        if j.type not in JUMPS:
            continue
        if j.type != "continue_statement":
            return False
        own = _loop_of(j)
        if own is None:
            return False
        if own.id != loop.id:
            if not _within(own, body):
                return False  # skips the rest of an outer loop's iteration: the store too
            continue
        if not _guarded_continue(j, body, stmt, want):
            return False
    return True


def _guarded_continue(jump: Node, body: Node, stmt: Node, want: str) -> bool:
    """Is ``jump`` the last item of a block that is a branch of an ``if`` statement, itself an
    item of ``body`` before ``stmt``, an earlier item of the block replacing ``want``?"""
    block = jump.parent
    if block is None or block.type != "compound_statement":
        return False
    items = block_items(block)
    if not items or items[-1].id != jump.id:
        return False
    branch = block.parent
    if branch is not None and branch.type == "else_clause":
        branch = branch.parent
    if branch is None or branch.type != "if_statement" or branch.parent is None or \
            branch.parent.id != body.id or branch.end_byte > stmt.start_byte:
        return False
    return any(_replaces(s, want) for s in items[:-1])
