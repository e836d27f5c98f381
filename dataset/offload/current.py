"""Whether the host copy of an array already holds what the device wrote when the region ends
(:func:`host_current`): then copying it back moves the same values again, and the region needs
no ``copyout``.

The fact used (OpenACC 3.3, 2.14.4): ``update self(a[s])`` makes the host copy of ``a[s]``
equal to the device copy at that point.  When, for every offloaded loop (or hoisted call) that
writes the array, an ``update self`` of the region's whole section runs after it on every path
— textually after it, in no host loop it is not in (so it runs after the loop's last
execution), with only ``{ }`` blocks between the update's statement and the body of its
innermost host loop (or the region's statements), and no ``break``/``continue``/``goto`` in
the region's host code that could skip it — then after the last device write of the array the
host copy was brought up to date, and nothing on the device changed it since.  Host writes
after that update only make the host copy newer, which is what code after the region must see
(the plan then pushes them to the device only when a device loop reads them later).

Everything else is not proven current."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.offload.cover import unconditional
from accellium.dataset.offload.device import Unit
from accellium.dataset.offload.structure import Layout, Leaf, caught
from accellium.dataset.offload.uses import ArrayUse

__all__ = ["host_current", "host_jumps", "always_runs"]

_JUMPS = ("break_statement", "continue_statement", "goto_statement")


def host_current(lay: Layout, devices: dict[int, Unit], uses: dict[int, list[ArrayUse]],
                 pulled: list[Leaf]) -> bool:
    """Is the host copy current at the region's end (the module's rule)?  ``uses``: the
    array's uses by unit id; ``pulled``: the host statements before which the plan updates
    the region's whole section from the device."""
    writers = [did for did, us in uses.items() if any(u.write for u in us)]
    if not writers or not pulled or host_jumps(lay, devices):
        return False
    always = [lf for lf in pulled if always_runs(lf, lay)]
    for did in writers:
        end = devices[did].node.end_byte
        loops = lay.device_loops.get(did, ())
        if not any(lf.start >= end and loops[:len(lf.loops)] == lf.loops for lf in always):
            return False
    return True


def host_jumps(lay: Layout, devices: dict[int, Unit]) -> bool:
    """A ``break``/``continue``/``goto`` in the region outside the offloaded units that may
    skip a statement of the region: a ``goto``, or a ``break``/``continue`` whose loop (or
    ``switch``, for a ``break``) is not inside one host statement of the region.  A jump to
    the end or the next iteration of a loop of one host statement (``for (...) { if (x)
    break; }``) stays in that statement (C11 6.8.6.2-3: ``continue`` and ``break`` act on the
    innermost enclosing iteration or ``switch`` statement), so every other statement runs as
    without it."""
    spans = [(d.node.start_byte, d.node.end_byte) for d in devices.values()]
    return any(n.type in _JUMPS and not any(a <= n.start_byte < b for a, b in spans) and
               not _within_leaf(n, lay)
               for s in lay.stmts for n in iter_nodes(s))


def _within_leaf(jump: Node, lay: Layout) -> bool:
    """Does the ``break``/``continue`` act on a loop or ``switch`` of the host statement it
    is in (:func:`.structure.caught`)?"""
    return jump.type != "goto_statement" and any(
        not lf.cond and lf.node.start_byte <= jump.start_byte < lf.node.end_byte and
        caught(jump, {lf.node.id}) for lf in lay.leaves)


def always_runs(leaf: Leaf, lay: Layout) -> bool:
    """Does the statement the leaf's updates go above run whenever the body of its innermost
    host loop (or the region) runs?"""
    if leaf.cond and leaf.anchor.type != "if_statement":
        return False  # a loop header: its updates have no place
    if not leaf.loops:
        return unconditional(leaf.anchor, {s.id for s in lay.stmts})
    loop: Node | None = leaf.anchor.parent
    while loop is not None and loop.id != leaf.loops[-1]:
        loop = loop.parent
    body = _field(loop, "body") if loop is not None else None
    return body is not None and unconditional(leaf.anchor, {body.id})
