"""Which scalars the loop assigns are read after it, in its function.

A compute construct gives each scalar it does not name in a clause a private copy (OpenACC
3.3, 2.5.2: a scalar in a ``parallel`` or ``serial`` construct is firstprivate): the value the
loop leaves is lost, so a scalar the code after the loop reads must be a reduction, or the loop
stays on the host.  "After" is everything that may run later: the rest of the function, and
the code before the loop in any loop around it (its next iteration).  A read there does not
see the loop's value when an assignment that always runs comes first; a name the function
does not declare (a global, a static) or whose address it takes may be read anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from accellium.dataset.analysis.overwritten import overwritten_first
from accellium.dataset.analysis.scalars import Definite
from accellium.dataset.analysis.scope import FileIndex, FunctionContext
from accellium.dataset.analysis.tree import LOOP_TYPES, named, op
from accellium.dataset.analysis.tree import field as _field

__all__ = ["LoopInFile", "locate", "live_after", "ANYWHERE"]

_ITERATIONS = ("for_statement", "for_range_loop", "while_statement", "do_statement")
_DECLARATORS = ("declaration", "init_declarator", "pointer_declarator", "array_declarator",
                "parameter_declaration", "reference_declarator")
#: The row of a read that any code may make (a global, a static, an escaped address).
ANYWHERE = -1


class LoopInFile:
    """The analysed loop found in its file: its node, function and enclosing loops."""

    def __init__(self, index: FileIndex, ctx: FunctionContext, loop: Node):
        self.index = index
        self.ctx = ctx
        self.loop = loop
        self.wraps: list[tuple[int, int]] = []  # byte ranges that run again after the loop
        p = ctx.parent(loop)
        while p is not None:
            if p.type in _ITERATIONS:
                self.wraps.append((p.start_byte, loop.start_byte))
            p = ctx.parent(p)

    def contains_loop(self, node: Node) -> bool:
        return node.start_byte <= self.loop.start_byte < node.end_byte


def locate(index: FileIndex, offset: int) -> LoopInFile | None:
    """The ``for`` statement starting at byte ``offset`` of the indexed file."""
    fn = index.function_at(offset)
    if fn is None:
        return None
    ctx = index.context(fn)
    node: Node | None = index.tree.root_node.named_descendant_for_byte_range(offset, offset)
    while node is not None and not (node.type in LOOP_TYPES and node.start_byte == offset):
        node = ctx.parent(node)
        if node is not None and node.start_byte != offset:
            return None
    return LoopInFile(index, ctx, node) if node is not None else None


def _plain_write(occ: Node, ctx: FunctionContext) -> bool:
    """Is this occurrence assigned (``x = ...``) or declared rather than read?"""
    p = ctx.parent(occ)
    if p is None:
        return False
    if p.type == "assignment_expression":
        left = _field(p, "left")
        return left is not None and left.id == occ.id and op(p) == "="
    if p.type in _DECLARATORS:
        d = _field(p, "declarator")
        return p.type == "declaration" or (d is not None and d.id == occ.id)
    return False


def _write_statements(name: str, ctx: FunctionContext) -> set[int]:
    """Ids of the statements that always assign ``name`` when they run: ``x = e;``, a
    declaration of ``x``, a ``for`` whose initializer assigns ``x``."""
    out: set[int] = set()
    for occ in ctx.occurrences.get(name, []):
        if not _plain_write(occ, ctx):
            continue
        p = ctx.parent(occ)
        steps = 0
        while p is not None and steps < 4:
            if p.type in ("expression_statement", "declaration"):
                q = ctx.parent(p)
                init = _field(q, "initializer") if q is not None else None
                if q is not None and q.type == "for_statement" and \
                        init is not None and init.id == p.id:
                    out.add(q.id)
                out.add(p.id)
                break
            if p.type == "for_statement":
                out.add(p.id)
                break
            p, steps = ctx.parent(p), steps + 1
    return out


def _covered(occ: Node, where: LoopInFile, definite: Definite) -> bool:
    """Is a read after the loop preceded, on every path from the loop, by an assignment?"""
    ctx = where.ctx
    child, p = occ, ctx.parent(occ)
    while p is not None:
        if p.type == "compound_statement":
            since_loop: list[Node] = []
            for c in named(p):
                if c.id == child.id:
                    break
                since_loop = [] if where.contains_loop(c) else [*since_loop, c]
            if any(definite(c) for c in since_loop):
                return True
        elif p.type == "for_statement" and not where.contains_loop(p):
            init = _field(p, "initializer")
            if init is not None and init.id != child.id and p.id in definite.writes:
                return True
        if where.contains_loop(p):
            return False
        child, p = p, ctx.parent(p)
    return False


def live_after(where: LoopInFile, names: Iterable[str],
               write_first: frozenset[str] | None = None) -> dict[str, int]:
    """The ``names`` the code after the loop may read before assigning them: name → file row
    (0-based) of such a read, or :data:`ANYWHERE`.  With ``write_first`` (the scalars the loop
    assigns before reading them in every iteration) a local or ``static`` the function
    overwrites on every path before anything may read it is not live (:mod:`.overwritten`)."""
    ctx = where.ctx
    loop = where.loop
    out: dict[str, int] = {}

    def dead(name: str) -> bool:
        return write_first is not None and overwritten_first(where.index, ctx, loop, name,
                                                             name in write_first)

    for name in names:
        d = ctx.declared.get(name)
        if d is None or d.static or name in ctx.address_taken:
            if not dead(name):
                out[name] = ANYWHERE
            continue
        definite = Definite(_write_statements(name, ctx))
        for occ in ctx.occurrences.get(name, []):
            b = occ.start_byte
            if b < loop.end_byte and not any(lo <= b < hi for lo, hi in where.wraps):
                continue
            if loop.start_byte <= b < loop.end_byte or _plain_write(occ, ctx):
                continue
            if not _covered(occ, where, definite):
                if not dead(name):
                    out[name] = occ.start_point[0]
                break
    return out
