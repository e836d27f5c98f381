"""The shape of the code around the offloaded loops: where a data region can go (a range of
statements of one block, hoisted as far out as it stays valid), which statements in it stay on
the host (:class:`Leaf`), which host loops repeat them, and whether a directive line can go
right above or below a statement.

A standalone directive (``update``, ``enter data``, ``exit data``) is not a statement: OpenACC
(and gcc) accept it only as an item of a block, so an update is placeable only next to a
statement whose parent is a ``{ }`` block and that has its lines to itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.tree import LOOP_TYPES, named, text
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.labels import foreign_pragma_above
from accellium.dataset.loops import LineIndex

__all__ = ["Leaf", "Layout", "candidate_ranges", "layout", "exit_problem", "entry_problem", "caught",
           "placeable_before", "placeable_after", "may_precede"]

_REPEATS = ("for_statement", "while_statement", "do_statement", "for_range_loop")


@dataclass
class Leaf:
    """Host code in the region: a statement without offloaded loops, or the condition of an
    ``if``/a loop header around offloaded loops (``cond``) — unless that condition is itself
    a unit (a hoisted call's, :func:`.callsites.call_units`)."""

    node: Node
    anchor: Node  # the statement update lines go around
    before_ok: bool
    after_ok: bool
    loops: tuple[int, ...]  # host loops of the region around it (node ids)
    cond: bool = False
    guarded: bool = False  # in a branch of a host `if` split into leaves (:func:`layout`)

    @property
    def start(self) -> int:
        return self.node.start_byte

    @property
    def end(self) -> int:
        return self.node.end_byte


@dataclass
class Layout:
    block: Node
    stmts: list[Node]
    leaves: list[Leaf] = field(default_factory=list)
    device_loops: dict[int, tuple[int, ...]] = field(default_factory=dict)  # node id -> loops
    problem: str | None = None
    # each unit as host code: where updates for what a hoisted call's callees do on the host
    # go (a call's statement, or a condition whose updates go above its statement)
    unit_leaves: dict[int, Leaf] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.stmts[0].start_byte

    @property
    def end(self) -> int:
        return self.stmts[-1].end_byte


def _contains(node: Node, devices: list[Node]) -> bool:
    return any(node.start_byte <= d.start_byte < node.end_byte for d in devices)


def _statements(block: Node) -> list[Node]:
    return [c for c in named(block) if c.type not in ("comment",)]


def _inner_block(stmt: Node, devices: list[Node]) -> Node | None:
    """The ``{ }`` block directly under ``stmt`` (a loop's or an if's body, a label's
    statement, the block itself) that contains every offloaded loop."""
    if stmt.type == "compound_statement":
        return stmt if all(stmt.start_byte <= d.start_byte < stmt.end_byte for d in devices) \
            else None
    kids = [_field(stmt, "body"), _field(stmt, "consequence")]
    alt = _field(stmt, "alternative")
    if alt is not None:
        kids.extend(named(alt))
    if stmt.type == "labeled_statement":
        kids.extend(named(stmt))
    for k in kids:
        if k is not None and k.type == "compound_statement" and \
                all(k.start_byte <= d.start_byte < k.end_byte for d in devices):
            return k
    return None


def candidate_ranges(body: Node, devices: list[Node]) -> list[tuple[Node, list[Node]]]:
    """(block, its statements from the first to the last one holding an offloaded loop),
    outermost first, then each block inside a lone such statement."""
    out: list[tuple[Node, list[Node]]] = []
    block: Node | None = body
    seen: set[int] = set()
    while block is not None and block.id not in seen:
        seen.add(block.id)
        kids = _statements(block)
        idx = [k for k, c in enumerate(kids) if _contains(c, devices)]
        if not idx:
            break
        rng = kids[idx[0]: idx[-1] + 1]
        out.append((block, rng))
        if len(rng) != 1 or any(rng[0].id == d.id for d in devices):
            break
        inner = _inner_block(rng[0], devices)
        if inner is not None and inner.id == rng[0].id:
            inner_kids = _statements(inner)
            block = inner if inner_kids else None
        else:
            block = inner
    return out


def exit_problem(stmts: list[Node]) -> str | None:
    """A ``return``, ``goto`` or ``break``/``continue`` that leaves the statements (a data
    region is a structured block: no branch may leave it)."""
    top = {s.id for s in stmts}
    for s in stmts:
        stack = [s]
        while stack:
            n = stack.pop()
            t = n.type
            if t in ("return_statement", "goto_statement"):
                return f"`{t.split('_')[0]}` at line {n.start_point[0] + 1} leaves the region"
            if t in ("break_statement", "continue_statement") and not caught(n, top):
                return f"`{t.split('_')[0]}` at line {n.start_point[0] + 1} leaves the region"
            stack.extend(n.named_children)
    return None


def entry_problem(stmts: list[Node]) -> str | None:
    """A ``goto`` from outside the statements to a label inside them, or a ``case``/``default``
    label inside them of a ``switch`` outside: a branch into the region.  A data region and a
    compute construct are structured blocks: no branch may enter one (OpenACC 3.3, 1.6), and
    a jump past the directive skips its data movement — the code inside then runs without
    the device copies its ``present`` clauses name."""
    if not stmts:
        return None
    start, end = stmts[0].start_byte, stmts[-1].end_byte
    labels: dict[str, Node] = {}
    for s in stmts:
        stack = [s]
        while stack:
            n = stack.pop()
            if n.type == "labeled_statement" and (lab := _field(n, "label")) is not None:
                labels[text(lab)] = n
            elif n.type == "case_statement":
                sw = n.parent
                while sw is not None and sw.type != "switch_statement":
                    sw = sw.parent
                if sw is not None and not start <= sw.start_byte < end:
                    return (f"the `case` label at line {n.start_point[0] + 1} is inside the "
                            "region and its `switch` outside: a branch would enter the region")
            stack.extend(n.named_children)
    if not labels:
        return None
    fn = stmts[0].parent
    while fn is not None and fn.type != "function_definition":
        fn = fn.parent
    stack = [fn] if fn is not None else []
    while stack:
        n = stack.pop()
        if n.type == "goto_statement" and not start <= n.start_byte < end:
            lab = _field(n, "label")
            if lab is not None and text(lab) in labels:
                return (f"the `goto` at line {n.start_point[0] + 1} jumps to `{text(lab)}` "
                        "inside the region: a branch would enter it")
        stack.extend(n.named_children)
    return None


def caught(node: Node, top: set[int]) -> bool:
    """Does the ``break``/``continue`` ``node`` act on a loop (or ``switch``, for a
    ``break``) inside the statements whose ids are ``top`` — or one of them — rather than
    leave them (C11 6.8.6.2-3: it acts on the innermost one around it)?"""
    brk = node.type == "break_statement"
    p = node.parent
    while p is not None:
        if p.type in _REPEATS or (brk and p.type == "switch_statement"):
            return True
        if p.id in top:
            return False
        p = p.parent
    return False


def placeable_before(lines: LineIndex, stmt: Node) -> bool:
    """A directive line may go right above ``stmt``."""
    if stmt.parent is None or stmt.parent.type != "compound_statement":
        return False
    row, col = stmt.start_point
    if not lines.starts_line(row, col):
        return False
    if row > 0 and lines.line_bytes(row - 1).rstrip(b" \t").endswith(b"\\"):
        return False
    return foreign_pragma_above(lines, row) is None


def placeable_after(lines: LineIndex, stmt: Node) -> bool:
    """A directive line may go right below ``stmt``: nothing but comments follows it on its
    line (a comment is one space, C11 5.1.1.2 phase 3), each ``/* */`` closed there and a
    ``//`` one not continued onto the next line by a backslash."""
    if stmt.parent is None or stmt.parent.type != "compound_statement":
        return False
    row, col = stmt.end_point
    rest = lines.line_bytes(row)[col:].strip()
    while rest.startswith(b"/*"):
        end = rest.find(b"*/", 2)
        if end < 0:
            return False  # the comment goes on: a line below would be inside it
        rest = rest[end + 2:].strip()
    return not rest or rest.startswith(b"//") and not rest.endswith(b"\\")


def _blocks_only(stmt: Node) -> bool:
    """An ``if`` whose branches are ``{ }`` blocks (no ``else if`` chain): a directive line can
    go inside each branch."""
    cons = _field(stmt, "consequence")
    alt = _field(stmt, "alternative")
    alt_kids = named(alt) if alt is not None else []
    return cons is not None and cons.type == "compound_statement" and \
        (alt is None or (len(alt_kids) == 1 and alt_kids[0].type == "compound_statement"))


def _host_if(lines: LineIndex, s: Node, loops: tuple[int, ...], out: Layout,
             stack: list[tuple[Node, tuple[int, ...], bool]]) -> None:
    """A host ``if`` without offloaded loops, its branches blocks: its condition is a leaf
    and each statement of its branches is one (guarded), so that an ``update`` for host code
    in a branch goes inside that branch and runs only when the branch does."""
    cond = _field(s, "condition")
    if cond is not None:
        out.leaves.append(Leaf(cond, s, placeable_before(lines, s), False, loops, cond=True))
    alt = _field(s, "alternative")
    for k in reversed([_field(s, "consequence"), *(named(alt) if alt else [])]):
        if k is not None:
            stack.extend((c, loops, True) for c in reversed(_statements(k)))


def _header(h: Node | None, s: Node, before_ok: bool, loops: tuple[int, ...], ids: set[int],
            out: Layout) -> None:
    """The condition of an ``if`` (a loop's header part) holding offloaded code: a unit of
    its own when it is a hoisted call's condition (inside the loops that test it again), else
    host code whose updates go above the statement ``s``."""
    if h is not None and h.id in ids:
        out.device_loops[h.id] = loops
        out.unit_leaves[h.id] = Leaf(h, s, before_ok, False, loops, cond=True)
    elif h is not None:
        out.leaves.append(Leaf(h, s, before_ok, False, loops, cond=True))


def layout(lines: LineIndex, block: Node, stmts: list[Node], devices: list[Node]) -> Layout:
    """The host leaves and the host loops around each offloaded loop in ``stmts``."""
    out = Layout(block, stmts)
    ids = {d.id for d in devices}
    # (statement, host loops around it, inside a branch of a host `if`)
    stack: list[tuple[Node, tuple[int, ...], bool]] = [(s, (), False) for s in reversed(stmts)]
    while stack:
        s, loops, guarded = stack.pop()
        if s.id in ids:
            out.device_loops[s.id] = loops
            out.unit_leaves[s.id] = Leaf(s, s, placeable_before(lines, s),
                                         placeable_after(lines, s), loops, guarded=guarded)
            continue
        if not _contains(s, devices):
            if s.type == "if_statement" and _blocks_only(s):
                _host_if(lines, s, loops, out, stack)
                continue
            out.leaves.append(Leaf(s, s, placeable_before(lines, s), placeable_after(lines, s),
                                   loops, guarded=guarded))
            continue
        t = s.type
        if t == "compound_statement":
            stack.extend((c, loops, False) for c in reversed(_statements(s)))
        elif t in _REPEATS:
            inner = (*loops, s.id)
            for part in ("initializer", "condition", "update"):
                _header(_field(s, part), s, False, inner, ids, out)
            body = _field(s, "body")
            if body is not None:
                stack.append((body, inner, False))
        elif t == "if_statement":
            _header(_field(s, "condition"), s, placeable_before(lines, s), loops, ids, out)
            alt = _field(s, "alternative")
            for k in reversed([_field(s, "consequence"), *(named(alt) if alt else [])]):
                if k is not None:
                    stack.append((k, loops, False))
        elif t == "labeled_statement":
            stack.extend((c, loops, False) for c in reversed(named(s))
                         if c.type != "statement_identifier")
        else:
            out.problem = (f"an offloaded loop is inside a `{t.replace('_statement', '')}` "
                           f"(line {s.start_point[0] + 1}) that the planner does not follow")
            break
    out.leaves.sort(key=lambda lf: lf.start)
    return out


def may_precede(a_end: int, a_loops: tuple[int, ...], b_start: int,
                b_loops: tuple[int, ...]) -> bool:
    """Can code ``a`` run before code ``b``: it comes first, or a host loop around both runs
    ``b`` again after ``a``."""
    return a_end <= b_start or bool(set(a_loops) & set(b_loops))


def is_loop(node: Node) -> bool:
    return node.type in LOOP_TYPES
