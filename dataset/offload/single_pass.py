"""Loops that make one pass over their data (:func:`single_pass`): the loops a plan keeps on the
host when offloading them only adds transfers.

A *single pass* does O(1) work per array element it touches: every element use in the nest
names, in its subscripts, the index of every ``for`` loop of the nest around it (so no element
is read again by a later iteration of a loop it does not vary with, as ``b[i*P+k]`` is for
each ``j`` of a matrix product), the nest calls pure library functions only, and it holds no
``while``/``do``/``goto`` (work the bounds do not tell).  Moving an element between host and
device memory takes longer than the host touching it once (the link's bandwidth is below the
host memory's), so such a loop gains nothing on the device when its region moves more data
with it than without it: the plan then leaves it on the host (:mod:`.plan`).  A single pass
whose data is on the device anyway — created there and used by the other loops — costs no
transfer and stays offloaded; so does one the region repeats (a host loop around it inside the
region: its work grows with the repetitions, its transfers do not).
"""

from __future__ import annotations

from accellium.dataset.analysis.tree import iter_nodes, mentions
from accellium.dataset.offload.arrays import Scope
from accellium.dataset.offload.device import Device
from accellium.dataset.offload.generate import straight_work, uses_device_memory
from accellium.dataset.offload.ranges import loop_var
from accellium.dataset.offload.uses import array_uses, assignments

__all__ = ["single_pass", "SINGLE_PASS_WHY"]


#: Why a single pass stays on the host (the plan's note).
SINGLE_PASS_WHY = ("it makes one pass over its data (each element it touches, once) and the "
                   "plan moves fewer bytes with it on the host: moving an element between the "
                   "memories costs more than the host touching it once")


def single_pass(d: Device, scope: Scope) -> bool:
    """Does the offloaded loop ``d`` do O(1) work per array element it touches (the module's
    rule)?"""
    node = d.node
    if d.routines or not straight_work(node) or uses_device_memory(d, scope):
        return False
    fors = [n for n in iter_nodes(node) if n.type == "for_statement"]
    index = {n.id: loop_var(n) for n in fors}
    if any(v is None for v in index.values()):
        return False
    local = set(assignments(node).declared)
    elements = 0
    for u in array_uses(node):
        if not u.subs:
            if u.name in local:
                continue
            shape = scope.shape(u.name)
            if shape is not None and shape.kind != "other":
                return False  # the array itself: passed, assigned, its address taken
            continue
        subs = [s for s in u.subs if not isinstance(s, int)]
        for f in fors:
            if f.start_byte <= u.node.start_byte < f.end_byte:
                var = index[f.id]
                if var is None or not any(mentions(s, var) for s in subs):
                    return False
        elements += 1
    return elements > 0
