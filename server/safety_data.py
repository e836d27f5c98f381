"""The data half of the safety guard: a compute construct must put on the device every array
its loop dereferences, in the direction the loop uses it.

Facts of OpenACC (3.3) and C this encodes, for a compute construct (``parallel``, ``kernels``,
``serial``, with or without ``loop``) outside any compute region:

* An array reached through a pointer that no data clause names and no enclosing data region
  holds is not on the device: the pointer is firstprivate (2.6.2), the kernel dereferences a
  host address and faults on a discrete GPU.  This is checked when the pragma moves data
  itself, and when the whole file is known (a scope) and none of its data directives
  (``data``, ``enter data``, ``declare``) names the array; a bare compute construct on a loop
  seen alone leaves the data environment to the code around it (a caller's data region,
  managed memory).  Where the file is known and such an array's extent cannot be derived, no
  clause can be right: the loop gets no compute construct (the host runs it correctly), and
  the note says which data region would let it go to the device.  A clause naming the pointer without a section
  (``copyin(p)``) maps the 8-byte pointer alone (2.7.1), the same fault.  So each such array
  gets a clause with the section the analysis derives from the loop bounds.  A macro use is
  its body (C11 6.10.3): the arrays a macro's body reads (``#define W(i, j) (w[(i)] * (j))``)
  are the loop's as if written there; a loop using a macro whose body reaches memory the
  analysis does not follow (``(w[idx[i]])``, ``(s->v[i])``, ``(*w)``) gets no compute
  construct, as an array of unknown extent.
  A section the engine wrote that is not the one the loop reaches (another loop's bounds, a
  descending loop read the wrong way) is replaced by the derived one.
* ``copyin`` never brings a device write back: an array the loop writes in a ``copyin`` (or
  ``create``) keeps its old host values.  ``copyout`` and ``create`` allocate the device copy
  uninitialised (2.7.7, 2.7.8): an array the loop reads, or writes only partly (some elements
  are copied back from uninitialised memory), needs ``copy``.  Each item is moved to the
  clause with every direction the loop needs (more movement than needed is left alone).
* ``private`` gives each gang or iteration an uninitialised copy (2.5.13, 2.7.11): an array the
  loop shares (one the analysis does not find written before read in every iteration) in
  ``private`` is read as garbage and its writes never reach the host.  It is dropped.

And, for any loop directive: ``collapse(n)`` and ``tile(s1, ..., sk)`` apply to n (k) tightly
nested loops whose bounds do not depend on each other (2.9.1, 2.9.8); more than the nest has
is a compile error (gcc: "not enough perfectly nested loops") or, over a dependent bound, a
wrong iteration space.  Such a clause is cut to the nest the analysis finds (or dropped).

* A pointer that holds a device address (``acc_malloc``'s value, OpenACC 3.3 3.2.24;
  ``acc_deviceptr``, ``omp_target_alloc``, ``cudaMalloc``; or a parameter every call passes one
  for: :mod:`accellium.dataset.offload.device_memory`) is usable in a compute construct only
  through ``deviceptr`` (2.7.4); a data clause on it treats the device address as host memory,
  which a GPU runtime reads or writes (a fault or corruption).  Such a pointer gets
  ``deviceptr`` and is taken out of every data clause (:func:`device_addresses`); a pointer
  that holds one on some paths only (one call passes device memory, another host memory, or a
  function that may be called from elsewhere is passed device memory) fits neither: the loop
  gets no compute construct.

Only what the analysis can tell is changed: an array whose extent it cannot bound gets a note,
never a guessed section.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from accellium.dataset.analysis import objects_first
from accellium.dataset.analysis.deep import member_of, parent_arg
from accellium.dataset.pragma import COMPUTE_DIRECTIVES, Clause

__all__ = ["complete_data", "fit_nest", "gang_level", "one_gang", "visible_names", "in_every_build", "inherited_items",
           "device_addresses",
           "justified_device_data", "default_none", "held_members", "held_region"]

_COMPUTE = COMPUTE_DIRECTIVES
# clause -> (copies host to device at entry, copies device to host at exit)
_MOVES: dict[str, tuple[bool, bool]] = {
    "copy": (True, True), "pcopy": (True, True), "present_or_copy": (True, True),
    "copyin": (True, False), "pcopyin": (True, False), "present_or_copyin": (True, False),
    "copyout": (False, True), "pcopyout": (False, True), "present_or_copyout": (False, True),
    "create": (False, False), "pcreate": (False, False), "present_or_create": (False, False),
}
_BY_MOVES = {(True, True): "copy", (True, False): "copyin", (False, True): "copyout",
             (False, False): "create"}
_OTHER_DATA = frozenset({"present", "deviceptr", "no_create", "attach", "delete", "detach"})
_PRIVATE = frozenset({"private", "firstprivate"})
_VERB = {"in": "reads", "out": "writes (not every element of the section)",
         "inout": "reads and writes"}
_NAME = re.compile(r"\s*([A-Za-z_]\w*)")
_IDENTS = re.compile(r"[A-Za-z_]\w*")


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _need(mode: str) -> tuple[bool, bool]:
    return mode in ("in", "inout"), mode in ("out", "inout")


def _head(name: str) -> str:
    """The first name of a member or element chain (``s`` of ``s->x[i]``, ``v.y``)."""
    return re.split(r"\s*(?:\.|->|\[)", name.strip(), maxsplit=1)[0]


def _placed_names(placed: dict[str, list[str]]) -> set[str]:
    """The names the clauses being built map (``a`` of ``a[0:n]``, ``v->x`` of ``v->x[0:n]``)."""
    return {_squash(a).split("[", 1)[0] for items in placed.values() for a in items}


def _base(item: str) -> str | None:
    m = _NAME.match(item)
    return m.group(1) if m and not re.match(r"\s*[A-Za-z_]\w*\s*(\.|->)", item) else None


def _items(p) -> tuple[list, dict[str, list[str]], set[str]]:
    """(clauses that are not copy-family, copy-family items by clause, names otherwise
    mapped or privatised)."""
    keep: list = []
    family: dict[str, list[str]] = {}
    named: set[str] = set()
    for c in p.clauses:
        k = c.name.lower()
        if k in _MOVES:
            family.setdefault(k, []).extend(a.strip() for a in c.arg_list())
            continue
        if k in _OTHER_DATA or k in _PRIVATE or k == "reduction":
            named |= set(c.variables())
        keep.append(c)
    return keep, family, named


def _independent_depth(code: str, depth: int, scope=None, lang: str = "c") -> int:
    """How many loops of the perfect nest at the top of ``code`` have independent iterations
    (a collapsed loop with a carried dependence runs its iterations in parallel too).
    ``scope``: the file the nest is in (:class:`~accellium.dataset.analysis.LoopScope`,
    starting at ``code``); each inner loop is then analysed in it, as the nest's own loop is
    (the file's macros, declarations and fixed member reads), not as a snippet."""
    from accellium.dataset.analysis import LoopScope, analyze
    from accellium.dataset.loops import find_loops

    lang = lang if lang in ("c", "cpp") else "c"
    loops = [lp for lp in find_loops(code.encode("utf-8", "surrogateescape"), lang)]
    for k in range(1, depth):
        inner = [lp for lp in loops if lp.depth == k]
        if not inner:
            return k
        at = None if not isinstance(scope, LoopScope) else LoopScope(
            scope.source, scope.offset + inner[0].start_byte, scope.lang, scope.defines,
            scope.routines, scope.types)
        if not analyze(inner[0].text, lang, (), at).safe:
            return k
    return depth


def fit_nest(p, facts, notes: list[str], code: str = "", scope=None, lang: str = "c"):
    """``p`` with ``collapse``/``tile`` cut to the loops that may be collapsed: tightly
    nested, each header in the canonical form a loop directive needs (``facts.collapse``
    counts only those), independent bounds, and each without a carried dependence;
    ``collapse(force:k)`` is cut only to the loops in canonical form and keeps its modifier."""
    from accellium.dataset.pragma import Clause, Pragma

    depth = max(1, facts.collapse)
    if code and depth > 1:
        depth = _independent_depth(code, depth, scope, lang)
    out, changed = [], False
    for c in p.clauses:
        k = c.name.lower()
        args = (c.args or "").strip()
        force = args.startswith("force:")
        count = args.split(":", 1)[1].strip() if force else args
        # `force` collapses loops that are not tightly nested (OpenACC 3.3, 2.9.1): only the
        # canonical form bounds it
        limit = max(1, facts.canonical_depth) if force else depth
        if k == "collapse" and count.isdigit() and int(count) > limit:
            changed = True
            notes.append(f"`{c.render()}`: only {limit} loop(s) of this nest are "
                         + ("in the canonical form a collapsed loop needs (OpenACC 3.3, 2.9.1)"
                            if force else "tightly nested, in the canonical form a collapsed "
                            "loop needs (OpenACC 3.3, 2.9.1), with independent bounds and no "
                            "carried dependence"))
            if limit > 1:
                out.append(Clause(c.name, ("force:" if force else "") + str(limit)))
            continue
        if k == "tile" and len(c.arg_list()) > depth:
            changed = True
            notes.append(f"`{c.render()}`: tiles {len(c.arg_list())} loops, the nest has "
                         f"{depth} tightly nested with independent bounds; left out")
            continue
        out.append(c)
    return Pragma(p.directive, tuple(out)) if changed else p


def gang_level(p, facts, notes: list[str]):
    """A combined ``parallel loop`` outside any compute region whose loop is partitioned
    only across ``worker``/``vector``: every gang runs all the iterations (gang-redundant
    mode, OpenACC 3.3 2.5.1, 2.9.2): a reduction is combined once per gang and updates are
    repeated.  ``gang`` is added."""
    from accellium.dataset.pragma import Clause, Pragma

    if p.directive != "parallel loop" or facts.in_region or p.has("gang") or p.has("seq") \
            or not (p.has("worker") or p.has("vector")):
        return p
    notes.append("`gang` added: a `parallel loop` partitioned only across "
                 f"{'workers' if p.has('worker') else 'vector lanes'} runs every iteration "
                 "in every gang")
    return Pragma(p.directive, (Clause("gang"),) + tuple(p.clauses))


def _fixed_items(family: dict[str, list[str]], facts, placed: dict[str, list[str]],
                 changed: list[str]) -> tuple[set[str], list[str]]:
    """Place the copy-family items the pragma names, each with the section the loop reaches
    and in a clause with every direction the loop needs; returns (the names seen, the arrays
    named without a section whose extent the loop does not show: only the pointer is
    mapped)."""
    seen: set[str] = set()
    bare: list[str] = []
    for kind, items in family.items():
        for item in items:
            name = _member(item, facts) or _base(item) or _whole_member(item, facts)
            target, arg = kind, item
            mode = facts.arrays.get(name or "")
            if name is not None and mode is not None and name not in facts.present:
                sec = facts.sections.get(name)
                if not sec and "[" not in item:
                    bare.append(name)
                if "[" not in item and sec and "[" in sec:
                    arg = sec
                    changed.append(f"`{item}` maps the pointer alone: `{sec}`")
                elif sec and "[" in sec and "[" in item and _squash(item) != _squash(sec):
                    arg = sec
                    changed.append(f"`{item}` is not what the loop reaches: `{sec}`")
                have, need = _MOVES[kind], _need(mode)
                moves = (have[0] or need[0], have[1] or need[1])
                if moves != have:
                    target = _BY_MOVES[moves]
                    changed.append(f"`{name}` in `{target}`, not `{kind}`: the loop "
                                   f"{_VERB[mode]} it")
            if name:
                seen.add(name)
            placed.setdefault(target, []).append(arg)
    return seen, bare


def _member(item: str, facts) -> str | None:
    """The array reached through a pointer's member that ``item`` names (``v->x[0:n]``:
    ``v->x``; ``v[0:1]``: a written true array member of ``v``), when the analysis derives its
    clause."""
    name = _squash(item).split("[", 1)[0]
    if name in facts.parents:
        return name
    # the object holding a written true array member (``v[0:1]`` for ``v->x``)
    return next((m for m, sec in facts.sections.items() if m not in facts.parents
                 and member_of(m) is not None and _squash(sec) == _squash(item)), None)


def _through_pointer(name: str) -> str | None:
    """The variable a member chain that passes through a pointer starts from (``v`` of
    ``v->x``, ``v->s.x``, ``v->p->x``, ``s.p->x``), for a chain without subscripts; None for
    any other name.  (A struct variable's own member, ``s.x``, is its object's:
    :func:`held_members`.)"""
    sq = _squash(name)
    if "->" not in sq or "[" in sq:
        return None
    head = _head(sq)
    return head if head.isidentifier() else None


def _whole_member(item: str, facts) -> str | None:
    """The loop's array reached through a pointer's member (``v->x``, ``v->s.x``) that
    ``item`` names whole, without a section: the clause then maps the member itself — a
    pointer member's value, a host address, not the elements it points to (OpenACC 3.3,
    2.7.1); a true array member inside an object the device holds, whose copy never comes
    back — so the array's extent is missing as a pointer's named alone is."""
    if _through_pointer(item) is None:
        return None
    sq = _squash(item)
    return next((a for a in facts.arrays if _squash(a) == sq), None)


def _added_arrays(facts, moves_data: bool, skip: set[str], placed: dict[str, list[str]],
                  changed: list[str]) -> tuple[list[str], list[str]]:
    """Add the arrays the loop uses that nothing puts on the device; returns (arrays whose
    extent is unknown, those of them no data directive of the known file maps).

    A pragma without copy clauses leaves the data environment to the code around it (a data
    region in a caller, managed memory) unless the file is known and maps nothing of it; one
    that moves data itself must move all of it."""
    missing_extent: list[str] = []
    unmapped: list[str] = []
    # a scratch array a sequential construct does not privatise is still used on the device
    used = {**facts.arrays, **{v: "inout" for v in facts.private_arrays if v not in skip}}
    for name, mode in used.items() if moves_data or facts.scoped else ():
        if name in skip or name in facts.present or not name.isidentifier():
            continue
        elsewhere = facts.scoped and name in facts.mapped_in_file
        if not moves_data and elsewhere:
            continue
        sec = facts.sections.get(name)
        if not sec:
            missing_extent.append(name)
            if facts.scoped and not elsewhere:
                unmapped.append(name)
            continue
        target = _BY_MOVES[_need(mode)]
        placed.setdefault(target, []).append(sec)
        changed.append(f"`{sec}` added to `{target}`: the loop {_VERB[mode]} it and nothing "
                       "else puts it on the device")
    return missing_extent, unmapped


def _added_members(facts, moves_data: bool, placed: dict[str, list[str]],
                   changed: list[str]) -> list[str]:
    """Add the clauses of the arrays reached through a pointer's member whose section the
    analysis derives (:mod:`accellium.dataset.analysis.deep`): the deep copy, the object
    first — the pointer ``v`` is firstprivate otherwise and holds a host address, even when
    the member's section is named — then the section (``copyin(v[0:1], v->x[0:n])``); or, for
    a written true array member, the object that holds it (``copy(v[0:1])``).  As for plain
    arrays: where the pragma moves data, or the file is known and none of its data
    directives names the object.  Returns the member arrays whose clause the analysis does not
    derive (a written member whose kind the file does not show, one whose address the loop
    takes, one beside a written true array member of its object, a chain of more than one
    member, :func:`_through_pointer`): their extent is missing —
    mapping the object alone leaves a pointer member's host address in its device copy."""
    have = _placed_names(placed)
    missing: list[str] = []
    for name in facts.arrays if moves_data or facts.scoped else ():
        head = _through_pointer(name)
        if head is None or name in facts.present or head in facts.present or \
                name in facts.sections or _squash(name) in have or \
                (not moves_data and head in facts.mapped_in_file):
            continue
        missing.append(name)
    for name, sec in facts.sections.items() if moves_data or facts.scoped else ():
        pm, mode = member_of(name), facts.arrays.get(name)
        if pm is None or mode is None or name in facts.present or pm[0] in facts.present:
            continue
        obj, parent = pm[0], facts.parents.get(name)
        if not moves_data and obj in facts.mapped_in_file:
            continue
        if parent is not None and obj not in have:
            placed.setdefault("copyin", []).insert(0, parent)
            have.add(obj)
            changed.append(f"`{parent}` added to `copyin`: the loop reaches `{name}` through "
                           f"the pointer `{obj}`, which holds a host address unless its "
                           "object is on the device")
        key = _squash(sec).split("[", 1)[0]
        if key not in have:
            target = _BY_MOVES[_need(mode)]
            placed.setdefault(target, []).append(sec)
            have.add(key)
            changed.append(f"`{sec}` added to `{target}`: the loop {_VERB[mode]} `{name}` "
                           "and nothing else puts it on the device")
    return missing


def _added_objects(facts, moves_data: bool, skip: set[str], placed: dict[str, list[str]],
                   changed: list[str]) -> None:
    """Add ``copyin(p[0:1])`` for each pointer the loop uses only to read scalar members
    (``p->nx``, :mod:`accellium.dataset.analysis.member_objects`): ``p->m`` is a member of
    ``p[0]`` (C11 6.5.2.3), all the loop reaches through ``p``, and the firstprivate pointer
    holds a host address unless that object is on the device (OpenACC 3.3, 2.6.2).  As for
    arrays: where the pragma moves data, or the file is known and none of its data directives
    names the pointer."""
    have = _placed_names(placed)
    for obj in facts.member_objects if moves_data or facts.scoped else ():
        if obj in have or obj in skip or obj in facts.present or \
                (not moves_data and obj in facts.mapped_in_file):
            continue
        placed.setdefault("copyin", []).append(f"{obj}[0:1]")
        have.add(obj)
        changed.append(f"`{obj}[0:1]` added to `copyin`: the loop reads members of the object "
                       f"`{obj}` points to, and the pointer holds a host address unless that "
                       "object is on the device")


def _unmapped_chains(facts, placed: dict[str, list[str]], skip: set[str]) -> list[str]:
    """With the file known: the arrays the loop reaches through a chain of pointers
    (``s->boxes->n[i]``, ``s->x[i]``, ``nodes[k].keys[i]``), or a pointer it dereferences
    without a subscript (``l->head``, ``*p``), that no clause of the pragma, no enclosing region and no
    data directive of the file maps, by the chain's first name.  On the device the chain
    starts from the host address its first pointer holds, so the loop faults on a GPU; no
    clause of the loop alone can attach every level (a data region that maps the objects
    level by level, or "Offload this function", can)."""
    have = _placed_names(placed)
    out = []
    for name in facts.arrays:
        if name.isidentifier() or name in facts.present or name in skip or \
                _squash(name) in have:
            continue
        head = _head(name)
        chain = _squash(name)
        derefs = "->" in chain or chain[len(head):].startswith("[")  # `.` alone: a variable's
        if not derefs or head in facts.present or head in facts.mapped_in_file or head in skip:
            continue
        if head in have and re.fullmatch(rf"{re.escape(head)}->\w+", chain):
            continue  # the pragma maps the object (a deep copy, or the one holding the array)
        out.append(name)
    # a pointer dereferenced without a subscript (`l->head`, `*p`): its target likewise —
    # whatever this pragma maps of it when the loop assigns one of its members (`s->total +=
    # x`): a `copyin` of the object leaves the member's new value on the device
    out += [h for h in facts.deref_heads if h not in facts.present
            and h not in facts.mapped_in_file and h not in skip
            and (h not in have or h in facts.member_writes)
            and h not in out and h not in facts.member_objects]
    return out


def _returned_scalars(p, facts, skip: set[str], placed: dict[str, list[str]],
                      changed: list[str]) -> None:
    """Put in ``copy`` the scalars the loop assigns and the code after it reads: in a
    ``parallel`` or ``serial`` construct a scalar no clause names is firstprivate (OpenACC
    3.3, 2.6.2), so the host would keep its old value (a sequential loop's running sum that
    the host stores afterwards — in a ``serial loop`` too, whose accumulation no
    ``reduction`` clause brings back).  A ``kernels`` construct copies scalars; a loop's own
    index is private whatever the clauses."""
    if not p.directive.startswith(("parallel", "serial")):
        return
    reduced = {v for c in p.clauses if c.name.lower() == "reduction" for v in c.variables()}
    indices = set(facts.index_vars)
    for name in facts.live_out:
        if name in skip or name in reduced or name in indices or not name.isidentifier():
            continue
        placed.setdefault("copy", []).append(name)
        changed.append(f"`{name}` added to `copy`: the code after the loop reads the value the "
                       "loop leaves in it, and a compute construct's scalars are firstprivate")


def _unmappable(directive: str, unmapped: list[str], written: Collection[str] = (),
                objects: Collection[str] = ()) -> str:
    held = [n for n in unmapped if n in objects]  # C++ objects (`facts.class_objects`)
    if held:  # what else the loop reaches does not matter: these keep it on the host
        names = ", ".join(f"`{n}`" for n in held)
        return (f"no pragma: {names} {'is an object' if len(held) == 1 else 'are objects'}, "
                f"not an array or a pointer: no data clause can put the elements on the "
                f"device, and `{directive}` would call the host's operator[] there")
    names = ", ".join(f"`{n}`" for n in unmapped)
    one = len(unmapped) == 1
    if all(n in written for n in unmapped):  # members the loop assigns (`facts.member_writes`)
        return (f"no pragma: the loop assigns members of what {names} "
                f"{'points' if one else 'point'} to, which no data directive of this file "
                f"maps: `{directive}` would assign the device's copy (the host keeps the old "
                "values) or dereference a host address on a GPU; map the object in a data "
                f"region around the loop (`#pragma acc data copy({unmapped[0]}[0:1])`), or "
                "compute into a local variable and assign the member after the loop")
    pm = member_of(unmapped[0])  # a pointer's member: its object first (the deep copy)
    example = f"{parent_arg(pm[0])}, " if pm is not None else ""
    return (f"no pragma: {names} {'is' if one else 'are'} not on the device (no data "
            f"directive of this file maps {'it' if one else 'them'}) and the extent is unknown "
            f"here, so `{directive}` would dereference host memory on a GPU; put {names} on "
            f"the device in a data region around the loop (`#pragma acc data "
            f"copyin({example}{unmapped[0]}[0:N])`, N its length) and this loop can take a "
            "compute construct")


def _hidden(directive: str, macros: list[str]) -> str:
    """The note of a loop that uses a macro whose expansion reaches memory the analysis does
    not follow (the module doc: a macro use is its body, C11 6.10.3)."""
    names = ", ".join(f"`{m}`" for m in macros)
    return (f"no pragma: the loop uses {names}, whose expansion reads or writes memory no "
            f"argument names (C11 6.10.3: a macro use is its body); what it reaches cannot be "
            f"put in a data clause here, so `{directive}` could dereference host memory on a "
            "GPU")


_GANG_COUNTS = frozenset({"gang", "worker", "vector", "num_gangs", "num_workers",
                          "vector_length", "seq"})
_LOOP_PRAGMA = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+acc[ \t]+(loop\b[^\n]*)$", re.MULTILINE)


def inner_loop_directives(code: str) -> list[str]:
    """The ``loop`` directives (``loop gang vector ...``, without ``#pragma acc``) the loop's
    code holds on its inner loops."""
    return [m.group(1) for m in _LOOP_PRAGMA.finditer(code)]


def holds_loop_directive(code: str) -> bool:
    """Does the loop's code hold a ``loop`` directive of its own (on an inner loop)?  Then that
    directive shares the work out, and a directive on this loop may not use its level."""
    return _LOOP_PRAGMA.search(code) is not None


def one_gang(p, facts, notes: list[str], code: str = ""):
    """A ``parallel`` construct outside any compute region whose loop is not shared out among
    the gangs — ``parallel loop seq``, or ``parallel`` on a loop with no ``loop`` directive
    inside — runs the whole loop in every gang (gang-redundant mode, OpenACC 3.3 2.5.1): the
    gangs update the same device data at once (``t[b] += t[b - 1]`` is added several
    times).  A loop meant to run once on the device is a ``serial`` construct (2.5.3: one
    gang, one worker, vector length 1)."""
    from accellium.dataset.pragma import DIRECTIVES, Pragma

    if facts.in_region:
        return p
    if p.directive == "parallel loop" and p.has("seq"):
        target = "serial loop"
    elif p.directive == "parallel" and not holds_loop_directive(code):
        target = "serial"
    else:
        return p
    allowed = DIRECTIVES[target]
    kept = tuple(c for c in p.clauses
                 if c.name.lower() in allowed and c.name.lower() not in _GANG_COUNTS)
    notes.append(f"`{target}`, not `{p.directive}{' seq' if target == 'serial loop' else ''}`:"
                 " a `parallel` construct runs a loop no `loop` directive shares out in every "
                 "gang at once; `serial` runs it once")
    return Pragma(target, kept)


_NAMING = frozenset({"private", "firstprivate", "reduction", "present", "deviceptr",
                     "no_create", "attach", "detach", "delete"}) | frozenset(_MOVES)


def _kept_items(c: Clause, keep) -> Clause | None:
    """Clause ``c`` with only the items ``keep(base name)`` accepts (None: no item left)."""
    items = c.arg_list()
    if c.name.lower() == "reduction":
        names = c.variables()
        op = items[0].split(":", 1)[0] if items and ":" in items[0] else ""
        left = [v for v in names if keep(v)]
        return Clause(c.name, f"{op}:{','.join(left)}") if left and op else None
    left = [a for a in items if keep(_base(a) or a.strip())]
    return Clause(c.name, ", ".join(left)) if left else None


#: Clauses whose arguments are expressions evaluated where the pragma is.
_SIZED = frozenset({"gang", "worker", "vector", "num_gangs", "num_workers", "vector_length",
                    "tile", "if", "self"})
#: Words of those arguments that are no variables (``gang(num: n, static: *)``,
#: ``num_gangs(n / (int) sizeof(double))``).
_ARG_WORDS = frozenset({"num", "static", "dim", "length", "true", "false", "sizeof", "int",
                        "long", "short", "char", "unsigned", "signed", "float", "double",
                        "size_t", "const"})


def visible_names(p, facts, notes: list[str]):
    """``p`` without clause items that are not variables at the pragma: a name declared
    inside the loop (its scope starts after the pragma), and, with a C file known, a name the
    function and the file do not declare (a macro constant, another loop's variable).  C
    requires a declared variable there; gcc rejects the pragma ("undeclared", "lvalue
    required").  Likewise, with a C file known, an expression argument (``gang(...)``,
    ``num_gangs(...)``, ``vector_length(...)``, ``tile``, ``if``) that names an undeclared
    lower-case name (a form another loop was written with): ``gang``/``worker``/``vector``
    keep their level without it, the other clauses go."""
    from accellium.dataset.analysis.library import is_macro_name
    from accellium.dataset.pragma import Clause, Pragma

    visible = set(facts.visible)
    inner = set(facts.locals) | set(getattr(facts, "declared_indices", ()))

    def ok(name: str) -> bool:
        base = re.split(r"\.|->", name, maxsplit=1)[0]
        # a qualified name (`Grid::count`) is a class's or namespace's: not indexed
        return base not in inner and (not visible or base in visible or "::" in base)

    out, gone = [], []
    for c in p.clauses:
        if c.name.lower() in _SIZED and c.args and visible:
            # an expression (`gang((end+127)/128)`) may name only what is declared here
            unknown = [n for n in _IDENTS.findall(c.args) if n not in visible and
                       n not in _ARG_WORDS and not is_macro_name(n)]
            if unknown:
                gone += unknown
                if c.name.lower() in ("gang", "worker", "vector"):
                    out.append(Clause(c.name))
                continue
        if c.name.lower() not in _NAMING or not c.args:
            out.append(c)
            continue
        kept = _kept_items(c, ok)
        gone += [v for v in c.variables() if not ok(v)]
        reduced = {v for _, v in getattr(facts, "reductions", ())}
        if c.name.lower() == "reduction" and any(not ok(v) and v in reduced
                                                 for v in c.variables()):
            # without its clause a reduction's variable (one the loop updates) is shared by
            # the iterations that all update it (OpenACC 3.3, 2.5.15): a race, so no
            # construct rather than that; a name the loop does not reduce just goes
            lost = ", ".join(f"`{v}`" for v in c.variables() if not ok(v) and v in reduced)
            notes.append(f"no pragma: the reduction of {lost} names no variable declared where "
                         "the pragma goes, and without it the iterations would race on it")
            return None
        if kept is not None:
            out.append(kept)
    if not gone:
        return p
    notes.append(", ".join(f"`{v}`" for v in dict.fromkeys(gone)) + ": not a variable "
                 "declared where the pragma goes (declared in the loop, a macro, or another "
                 "loop's name); left out of the clauses")
    return Pragma(p.directive, tuple(out))


def inherited_items(p, facts, notes: list[str]):
    """No pragma where a clause maps a data member of a base class (``copy(this->a[0:n])`` in
    a member function of a class derived from the one declaring ``a``): g++ 12, the compiler
    the tools check with, rejects it ("cannot take the address of 'this', which is an rvalue
    expression"), spelled bare or through ``this``, and without the clause the device would
    dereference the host's pointer.  (A member in a section's bound, ``this->n``, builds.)"""
    from accellium.dataset.analysis.classes import inherited_item

    inherited = set(getattr(facts, "inherited_members", ()))
    if p is None or not inherited:
        return p
    named = inherited_item((v for c in p.clauses if c.args and c.name.lower() in _NAMING
                            for v in c.variables()), inherited)
    if named is None:
        return p
    notes.append(f"`{named}`: a member of a base class in a clause — g++ rejects it "
                 "(\"cannot take the address of 'this'\"), and without it the device reads "
                 "the host's pointer; no pragma (copy the member into a local before the loop "
                 "and use that, and the loop can take one)")
    return None


def in_every_build(p, facts, notes: list[str]):
    """None when a clause of ``p`` names a variable declared only in a preprocessor group that
    does not hold the loop (``facts.conditional``, :mod:`accellium.dataset.analysis.
    conditional`): a build that skips the group has no such variable and rejects the clause
    (gcc: "undeclared"), while one that keeps it needs the clause for the loop's use of it; no
    one pragma fits both builds.  ``p`` otherwise."""
    if p is None or not facts.conditional:
        return p
    named = {n for c in p.clauses if c.args for n in _IDENTS.findall(c.args)}
    found = sorted(n for n in named if n in facts.conditional)
    if not found:
        return p
    shown = ", ".join(f"`{n}` (the group of line {facts.conditional[n]})" for n in found[:3])
    one = len(found) == 1
    notes.append(f"no pragma: a clause would name {shown}, declared only in a preprocessor "
                 "group that does not hold the loop: a build that skips the group has no such "
                 f"variable and rejects the clause (gcc: undeclared), one that keeps it needs "
                 f"the clause for the loop's use of {'it' if one else 'them'}; no one pragma "
                 "fits both builds")
    return None


def pointers_with_sections(p, facts, notes: list[str]):
    """With the file known: a pointer named without a section in ``present``/``no_create``,
    or in a copy-family clause while an enclosing data region maps what it points to, maps
    the pointer variable itself, not its elements (OpenACC 3.3, 2.7.1): ``present(a)`` aborts
    on a GPU ("not present": the region mapped ``a[0:n]``, not ``a``), ``copy(a)`` gives the
    device code the host's address.  Each such item gets the section the enclosing region
    maps (or, for ``present``, the loop reaches).  A true array (``double t[100]``) named
    alone is the whole array, and stays.  A ``present``/``no_create`` item the loop does not use
    is left out: its check cannot help the loop, and fails for a pointer named alone."""
    from accellium.dataset.pragma import Clause, Pragma

    if not facts.scoped or p.directive not in _COMPUTE or facts.in_region:
        return p

    def section(name: str) -> str | None:
        sec = facts.sections.get(name) or ""
        if name not in facts.arrays or "[" not in sec:
            return None  # not dereferenced here, or a true array (its name is all of it)
        outer = facts.present.get(name) or ""
        return outer if "[" in outer else sec

    used = {_head(n) for n in (*facts.variables, *facts.sections, *facts.deref_heads,
                                *facts.parents, *facts.parents.values(),
                                *(h.name for h in facts.held))}
    out, fixed, unused = [], [], []
    for c in p.clauses:
        k = c.name.lower()
        if c.args and (k in ("present", "no_create") or k in _MOVES):
            items = []
            for a in c.arg_list():
                name = a.strip()
                if k in ("present", "no_create") and _head(name) not in used:
                    unused.append(f"{c.name}({name})")
                    continue
                sec = section(name) if name.isidentifier() and (
                    k in ("present", "no_create") or name in facts.present) else None
                if sec:
                    fixed.append(f"`{c.name}({name})` maps the pointer itself: `{sec}`")
                items.append(sec or a)
            if not items:
                continue
            c = Clause(c.name, ", ".join(items))
        out.append(c)
    if not fixed and not unused:
        return p
    if fixed:
        notes.append("; ".join(fixed) + " (a pointer named without a section is the pointer "
                     "variable, not what it points to, OpenACC 3.3, 2.7.1)")
    if unused:
        notes.append(", ".join(f"`{u}`" for u in unused) + " left out: the loop does not use "
                     "it, and the check can only fail (a pointer named alone is the pointer "
                     "variable itself)")
    return Pragma(p.directive, tuple(out))


def justified_device_data(p, facts, notes: list[str]):
    """With the file known: ``present(x)`` where nothing puts ``x`` on the device (no
    enclosing data region holds it, no data directive of the file names it) aborts on a GPU
    ("not found on device", OpenACC 3.3 2.7.5); ``no_create(x)`` then leaves the device code
    the host's address (2.7.11), and ``attach(x)`` needs what ``x`` points to present
    (2.7.13); ``default(present)`` asserts that of every
    array; ``deviceptr(x)`` claims ``x`` holds a device address, which only a device
    allocation or mapping call or ``host_data use_device`` gives (2.7.4).  Such items are
    left out, and :func:`complete_data` maps the arrays with the copy family instead."""
    from accellium.dataset.pragma import Pragma

    if not facts.scoped or p.directive not in _COMPUTE or facts.in_region:
        return p
    mapped = set(facts.mapped_in_file) | set(facts.present)

    def ok_present(name: str) -> bool:
        return name in mapped or name not in facts.arrays

    out, gone = [], []
    for c in p.clauses:
        k = c.name.lower()
        if k == "default" and (c.args or "").strip().lower() == "present" and not mapped:
            gone.append("default(present)")
            continue
        if k in ("present", "no_create", "attach", "deviceptr") and c.args:
            check = ok_present if k != "deviceptr" else \
                (lambda n: facts.device_pointers or n not in facts.arrays)
            kept = _kept_items(c, check)
            gone += [f"{k}({v})" for v in c.variables() if not check(v)]
            if kept is not None:
                out.append(kept)
            continue
        out.append(c)
    if not gone:
        return p
    notes.append(", ".join(f"`{g}`" for g in gone) + ": nothing in this file puts that data "
                 "on the device (a GPU aborts on `present` and `attach`, faults on a host "
                 "address in `deviceptr` and on `no_create`'s); mapped with copy clauses "
                 "instead")
    return Pragma(p.directive, tuple(out))


def device_addresses(p, facts, notes: list[str]):
    """``p`` with every pointer the loop uses that holds a device address
    (``facts.device_addresses``) in ``deviceptr`` and in no data clause (OpenACC 3.3, 2.7.4,
    3.2.24: a data clause would take the device address for host memory); None when the loop
    uses a pointer that holds one on some paths only (``facts.device_mixed``): neither a data
    clause nor ``deviceptr`` is right on every path (the module doc)."""
    from accellium.dataset.pragma import Pragma

    if p is None or p.directive not in _COMPUTE or facts.in_region:
        return p
    named = {v for c in p.clauses for v in c.variables()}
    used = set(facts.arrays) | set(facts.sections) | set(getattr(facts, "deref_heads", []))
    mixed = [v for v in facts.device_mixed if v in used or v in named]
    if mixed:
        notes.append("no pragma: " + ", ".join(f"`{v}`" for v in mixed) + " holds a device "
                     "address (acc_malloc) on some paths and host memory on others: "
                     "`deviceptr` faults on host memory, a data clause on device memory "
                     "(OpenACC 3.3, 2.7.4); the loop stays on the host")
        return None
    dev = [v for v in facts.device_addresses if v in used or v in named]
    if not dev:
        return p
    out, moved = [], []
    for c in p.clauses:
        k = c.name.lower()
        if k in _MOVES or (k in _OTHER_DATA and k != "deviceptr") or k in ("create", "pcreate",
                                                                           "present_or_create"):
            kept = _kept_items(c, lambda n: n not in dev)
            moved += [v for v in c.variables() if v in dev]
            if kept is not None:
                out.append(kept)
            continue
        if k == "deviceptr":
            continue
        out.append(c)
    have = [v for c in p.clauses if c.name.lower() == "deviceptr" for v in c.variables()]
    out.append(Clause("deviceptr", ", ".join(dict.fromkeys(have + dev))))
    added = [v for v in dev if v not in have]
    if added or moved:
        notes.append(", ".join(f"`{v}`" for v in dict.fromkeys(added + moved)) + ": holds a "
                     "device address (acc_malloc's value, or passed one by every call): "
                     "`deviceptr`, no data clause (a data clause would take it for host "
                     "memory, OpenACC 3.3, 2.7.4)")
    return Pragma(p.directive, tuple(out))


def default_none(p, facts, notes: list[str]):
    """``default(none)`` requires a clause for every variable the construct uses that is not
    predetermined (OpenACC 3.3, 2.5.16): a scalar it only reads (``n``) or an array no clause
    names makes the pragma a compile error (gcc: "not specified in enclosing OpenACC
    construct").  Unless every one is named, the clause is left out."""
    from accellium.dataset.pragma import Pragma

    if p.directive not in _COMPUTE or not any(
            c.name.lower() == "default" and (c.args or "").strip().lower() == "none"
            for c in p.clauses):
        return p
    named = {v for c in p.clauses for v in c.variables()}
    used = set(facts.arrays) | set(facts.scalars_read) | set(facts.private_arrays) | \
        {v for _, v in facts.reductions} | set(facts.live_out) | \
        facts.bound_names
    missing = sorted(v for v in used - named - set(facts.index_vars) if v.isidentifier())
    if not missing:
        return p
    notes.append("`default(none)` left out: " + ", ".join(f"`{v}`" for v in missing[:4])
                 + (" and more" if len(missing) > 4 else "") + " would need a clause of "
                 "their own")
    return Pragma(p.directive, tuple(c for c in p.clauses if c.name.lower() != "default"))


def complete_data(p, facts, notes: list[str]):
    """``p`` with the data clauses its loop needs (see the module doc); notes say what
    changed.  ``p`` unchanged when it is not a compute construct outside a compute region;
    None when no compute construct can map what the loop uses (the module doc)."""
    from accellium.dataset.pragma import DIRECTIVES, Clause, Pragma

    if p.directive not in _COMPUTE or facts.in_region:
        return p
    if getattr(facts, "hidden_macros", None):
        notes.append(_hidden(p.directive, facts.hidden_macros))
        return None
    allowed = DIRECTIVES.get(p.directive, frozenset())
    if "copy" not in allowed:
        return p
    keep, family, named = _items(p)
    placed: dict[str, list[str]] = {}
    changed: list[str] = []
    seen, bare = _fixed_items(family, facts, placed, changed)
    missing_extent, unmapped = _added_arrays(facts, bool(family), seen | named, placed,
                                             changed)
    members = _added_members(facts, bool(family), placed, changed)
    _added_objects(facts, bool(family), seen | named, placed, changed)
    missing_extent += bare + members
    if facts.scoped:  # only the pointer of these reaches the device
        unmapped += [n for n in bare if n not in facts.mapped_in_file] + members
        # a chain is not mapped by this pragma's copy of its first object (`copy(rows[0:n])`
        # copies the host addresses `rows[r].val` holds): only what other clauses name
        unmapped += _unmapped_chains(facts, placed, named)
    _returned_scalars(p, facts, seen | named, placed, changed)
    # a name both the loop and the predicted clauses leave without an extent is one name
    missing_extent, unmapped = list(dict.fromkeys(missing_extent)), list(dict.fromkeys(unmapped))
    if unmapped:
        notes.append(_unmappable(p.directive, unmapped, facts.member_writes,
                                 getattr(facts, "class_objects", ())))
        return None
    if changed:
        notes.append("data clauses completed: " + "; ".join(changed))
    if missing_extent:
        notes.append(", ".join(f"`{n}`" for n in missing_extent) + ": not on the device and "
                     "its extent is unknown here: map it in an enclosing data region (or add "
                     "a section)")
    if not changed:
        return p
    order: list[str] = [k for k in ("copyin", "copyout", "copy", "create") if k in placed]
    order += [k for k in placed if k not in order]
    data = [Clause(k, ", ".join(dict.fromkeys(placed[k]))) for k in order]
    return Pragma(p.directive, tuple(keep) + tuple(data))


def passed_alike(p, facts, notes: list[str]):
    """``p`` with the arrays a call of the file passes one array for, or that the function
    points one at the other (``facts.passed_alike``), mapped alike: a construct maps each clause on its own, the second finds the memory present
    and only the exit action dropping the last reference acts — a ``copyin``'s discards what
    the loop wrote through the other name — and nothing orders one construct's exit actions
    (OpenACC 3.3, 2.6.7, 2.7.2).  So with any of them written: both ``copy`` (equal sections),
    or no pragma (different sections: the second could be partly present).  The rule and its
    facts: :mod:`accellium.dataset.offload.passed_alike`."""
    from accellium.dataset.offload.passed_alike import shared_clauses
    from accellium.dataset.pragma import Clause, Pragma

    pairs = getattr(facts, "passed_alike", None)
    if p is None or not pairs or p.directive not in _COMPUTE or facts.in_region:
        return p
    keep, family, _ = _items(p)
    clauses: dict[str, str] = {}
    sections: dict[str, str] = {}
    for k, items in family.items():
        for it in items:
            b = _base(it)
            if b is None or b in clauses:
                continue
            clauses[b], sections[b] = k, it.replace(" ", "")
    before = dict(clauses)
    problem = shared_clauses(clauses, sections, frozenset(frozenset(q) for q in pairs),
                             frozenset(frozenset(q) for q in getattr(facts, "passed_apart", ())))
    if problem:
        notes.append(problem + "; no pragma, the loop stays on the host")
        return None
    moved = [n for n in clauses if clauses[n] != before[n]]
    if not moved:
        return p
    alike = " and ".join(f"`{n}`" for n in sorted(
        {m for q in pairs for m in q if set(q) & set(moved)} & set(clauses)))
    notes.append(", ".join(f"`{n}`" for n in moved) + f": {alike} may be one array (a call "
                 "of this file passes it for both, or the function points one at the other), "
                 "which the loop writes: `copy` for each, so that whichever clause's exit "
                 "comes last copies the results back (OpenACC 3.3, 2.6.7, 2.7.2)")
    placed: dict[str, list[str]] = {}
    for k, items in family.items():
        for it in items:
            b = _base(it)
            placed.setdefault("copy" if b in moved else k, []).append(it)
    order: list[str] = [k for k in ("copyin", "copyout", "copy", "create") if k in placed]
    order += [k for k in placed if k not in order]
    data = [Clause(k, ", ".join(dict.fromkeys(placed[k]))) for k in order]
    return Pragma(p.directive, tuple(keep) + tuple(data))


def pointed_pairs(p, facts, notes: list[str]):
    """None when ``p``'s data clauses map a pointer and a variable its function may point it
    into at an offset the analysis does not know (``facts.pointed``, e.g. ``p = n > 5 ? a :
    c;``): one memory under two names, whose second section would be partly present when
    the two differ (OpenACC 3.3, 2.7.2: a runtime error), and whose exit actions race for the
    copy back (2.6.7) — no clause pair is right for every value the pointer may hold.  Inside
    a data region the loop's clauses only find what the region mapped."""
    pairs = getattr(facts, "pointed", None)
    if p is None or not pairs or p.directive not in _COMPUTE or facts.in_region:
        return p
    _, family, _ = _items(p)
    mapped = {b for items in family.values() for it in items if (b := _base(it)) is not None}
    for view, base, line in pairs:
        if view in mapped and base in mapped:
            notes.append(f"`{view}` may point into `{base}` (line {line}) at an offset not "
                         f"known here, and the data clauses map both: one memory under two "
                         "names, whose second section may be partly present (OpenACC 3.3, "
                         "2.7.2); no pragma — map the memory once in a data region around "
                         f"the loop, or give `{view}` one value before it")
            return None
    return p


def reassigned_pointers(p, facts, notes: list[str]):
    """None for a compute construct (outside a compute region) around a loop that assigns a
    pointer declared outside it and dereferences it (``facts.reassigned``: ``t = a; a = b; b =
    t;`` in a time loop), unless an enclosing data construct maps the pointer: the construct
    evaluates its data clauses once, where it starts (OpenACC 3.3, 2.7.1), so after the
    assignment the pointer reaches memory they do not describe — the other buffer of a swap,
    mapped with another section or not at all — and its device code reads or writes there."""
    moved = [(n, line) for n, line in getattr(facts, "reassigned", None) or []
             if n not in facts.present]
    if p is None or not moved or p.directive not in _COMPUTE or facts.in_region:
        return p
    name, line = moved[0]
    notes.append(f"`{name}` is changed in the loop (line {line}) and dereferenced there: "
                 f"`{p.directive}` evaluates its data clauses once, where it starts (OpenACC "
                 f"3.3, 2.7.1), and after the assignment `{name}` reaches memory they do not "
                 "describe; no pragma — map every buffer it can hold in a data region around "
                 "the loop (\"Offload this function\", `accellium suggest --offload`, follows "
                 "pointer swaps)")
    return None


def held_region(held) -> str:
    """The data construct that puts the members ``held`` (:class:`HeldMember`) on the device
    attached to their struct variables: the objects first, then each section, ``copy`` when
    the loop writes it (``#pragma acc data copyin(s) copy(s.x[0:n])``)."""
    by: dict[str, list[str]] = {}
    for h in held:
        by.setdefault("copy" if h.written else "copyin", []).append(
            h.section or f"{h.name}[0:N]")
    by = objects_first(by, [h.obj for h in held])
    return "#pragma acc data " + " ".join(
        f"{k}({', '.join(dict.fromkeys(v))})" for k, v in by.items())


def held_members(p, facts, notes: list[str]):
    """A compute construct outside any compute region on a loop that dereferences a member of
    a struct variable ``s`` that may hold a host pointer (``s.x[i]``,
    :mod:`accellium.dataset.analysis.held`), with ``s`` in no enclosing data region: the
    construct copies ``s`` with the host address in it, and no clause of its own can attach
    the member (gcc rejects ``s`` beside ``s.x``), so on a GPU the loop faults.  The note gives
    the data construct that goes directly above the compute construct, and the compute
    construct under it.  With the file known and no data directive of the file naming ``s``:
    no compute construct (None; the host runs the loop correctly), as for an array no clause
    can map — for a member its struct declares a pointer, and for one whose struct the file
    does not define (a header's: it may be a pointer, and a wrong guess faults); a loop seen
    alone keeps the pragma (it leaves the data environment to the code around it) with the
    note."""
    from accellium.dataset.pragma import Pragma

    if p.directive not in _COMPUTE or facts.in_region:
        return p
    held = [h for h in facts.held if h.obj not in facts.present
            and not (facts.scoped and h.obj in facts.mapped_in_file)]
    if not held:
        return p
    objs = {h.obj for h in held}

    def keep(name: str) -> bool:
        return _head(name) not in objs

    clauses = []
    for c in p.clauses:
        kept = _kept_items(c, keep) if c.name.lower() in _NAMING and c.args else c
        if kept is not None:
            clauses.append(kept)
    inner = Pragma(p.directive, tuple(clauses)).render()
    names = ", ".join(f"`{h.name}`" for h in held)
    one = len(held) == 1
    extent = "" if all(h.section for h in held) else " (N the member's length)"
    fix = (f"put `{held_region(held)}`{extent} directly above `{inner}` (the data construct's "
           "block is the compute construct with its loop), or use \"Offload this function\" "
           "(`accellium suggest --offload`), which maps it")
    obj_list = ", ".join(f"`{o}`" for o in dict.fromkeys(h.obj for h in held))
    if facts.scoped:
        if all(h.pointer for h in held):
            what = "is a pointer member" if one else "are pointer members"
        else:  # the struct is defined elsewhere (a header): the member may be a pointer
            what = "may be a pointer member" if one else "may be pointer members"
        notes.append(f"no pragma: {names} {what} of {obj_list}, which `{p.directive}` copies to "
                     "the device with the host address inside, and no clause of one compute "
                     f"construct attaches the member to it (gcc rejects {obj_list} beside its "
                     f"member): on a GPU the loop would fault; {fix}")
        return None
    what = "it is a pointer member" if one else "these are pointer members"
    notes.append(f"{names}: if {what} of {obj_list} (a struct variable), `{p.directive}` "
                 f"copies {obj_list} to the device with the host address inside and the loop "
                 f"faults on a GPU unless a data region around it maps {obj_list} and then the "
                 f"member; none is visible here: {fix}")
    return p
