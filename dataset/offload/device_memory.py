"""Pointers that hold a device address (:func:`device_origins`).

OpenACC 3.3, 3.2.24: ``acc_malloc`` returns the address of memory on the device, with no host
copy; so do ``acc_deviceptr`` (3.2.32: the device address of present host data),
``omp_target_alloc`` (OpenMP 5.2, 18.8.1), and ``cudaMalloc``/``hipMalloc`` (which store it
through their first argument).  A compute construct uses such a pointer only through
``deviceptr`` (2.7.4: the construct takes the address as it is); a data clause (``copy``,
``copyin``, ``present``, ...) treats the address as host memory, which a GPU runtime then reads
or writes (a fault, or another object's bytes).  So a pointer that holds a device address must
get ``deviceptr`` and no data clause, from the per-loop guard and from the planner alike.

What the file (and the program's other files, when given) shows, per function:

* a variable assigned (or initialised) from one of those calls — through casts and
  parentheses — or from another such variable (``q = d + k``) holds a device address;
* a variable assigned both that way and from anything else holds one on some paths only
  (*mixed*); assignments in a preprocessor group an OpenACC compilation skips (the ``#else``
  of ``#ifdef _OPENACC``: ``_OPENACC`` is defined there, OpenACC 3.3, 2.2) do not count;
* a pointer parameter holds a device address when every call of its function is seen (a fixed
  point over the call graph, :class:`.callgraph.CallGraph`) and every call passes one; when
  some call passes one and another call passes host memory, or the function may be called
  from elsewhere, it is *mixed*: no one pragma fits both (``deviceptr`` faults on host memory,
  a data clause on device memory), and the loops using it get no compute construct;
* a global pointer assigned from such a call anywhere in the file holds a device address in
  every function (mixed where it is also assigned otherwise).

A pointer read from memory (an element ``w[k]``, a member ``s->p``) or returned by a function
of the program is not followed (its origin is not known here)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, text, unparen
from accellium.dataset.pragma import Clause, Pragma

__all__ = ["DeviceOrigins", "device_origins", "with_deviceptr", "DEVICE_API"]

# calls whose value is a device address, and calls that store one through their first argument
_RETURNS = re.compile(r"^(?:acc_malloc|acc_deviceptr|omp_target_alloc)$")
_STORES = re.compile(r"^(?:cudaMalloc\w*|hipMalloc\w*)$")
DEVICE_API = re.compile(r"\b(?:acc_malloc|acc_deviceptr|omp_target_alloc|cudaMalloc\w*|"
                        r"hipMalloc\w*)\b")
_ROUNDS = 8
_DEVICE, _HOST, _MIXED = "device", "host", "mixed"


@dataclass
class DeviceOrigins:
    """Per function name: its variables (locals, parameters and the globals it sees) that hold
    a device address on every path (``device``) or only on some (``mixed``)."""

    device: dict[str, set[str]] = field(default_factory=dict)
    mixed: dict[str, set[str]] = field(default_factory=dict)
    api: bool = False  # the file or program calls one of the device-address functions

    def of(self, fn: str) -> tuple[set[str], set[str]]:
        return self.device.get(fn, set()), self.mixed.get(fn, set())


def _skipped_under_openacc(root: Node) -> list[tuple[int, int]]:
    """The byte spans of the conditional groups an OpenACC compilation certainly skips
    (``_OPENACC`` defined, every other name unknown)."""
    from accellium.dataset.analysis.conditions import (
        CONDITIONAL,
        Defines,
        chain,
        given_define,
        kept,
    )

    m = given_define("_OPENACC=201711")
    if m is None:
        return []
    d = Defines(known={"_OPENACC": m})
    out: list[tuple[int, int]] = []
    for n in iter_nodes(root):
        if n.type not in CONDITIONAL or "_OPENACC" not in text(n)[:200]:
            continue
        groups = chain(n)
        read = {id(g) for g, _ in kept(groups, d)}
        for g, span in zip(groups, _group_spans(n), strict=False):
            if id(g) not in read:
                out.append(span)
    return out


def _group_spans(n: Node) -> list[tuple[int, int]]:
    """The byte span of each group's text in the chain that starts at ``n``: from the end of
    its directive line's condition (or ``#else``) to the next group's directive."""
    out: list[tuple[int, int]] = []
    cur: Node | None = n
    while cur is not None:
        alt = _field(cur, "alternative")
        head = _field(cur, "condition") or _field(cur, "name") or \
            (cur.children[0] if cur.children else cur)
        out.append((head.end_byte, alt.start_byte if alt is not None else cur.end_byte))
        cur = alt
    return out


def _base(value: Node | None) -> Node | None:
    """The value without casts and parentheses."""
    v = unparen(value) if value is not None else None
    while v is not None and v.type == "cast_expression":
        v = unparen(_field(v, "value"))
    return v


def _callee(call: Node) -> str:
    f = _field(call, "function")
    return text(f) if f is not None and f.type == "identifier" else ""


def _declared_name(d: Node | None) -> str | None:
    from accellium.dataset.offload.shapes import walk_declarator

    return walk_declarator(d)[0] if d is not None else None


def _assignments(fn: Node, skipped: list[tuple[int, int]]) -> list[tuple[str, Node | str]]:
    """(name, value node, or "device" for a store through ``cudaMalloc(&x, ...)``) of every
    plain assignment and initialisation of a variable in ``fn``."""
    out: list[tuple[str, Node | str]] = []
    for n in iter_nodes(fn):
        if any(a <= n.start_byte < b for a, b in skipped):
            continue
        if n.type == "assignment_expression":
            left = unparen(_field(n, "left"))
            if left is not None and left.type == "identifier":
                right = _field(n, "right")
                out.append((text(left), right if text(_field(n, "operator")) == "=" and right
                            is not None else _HOST))
        elif n.type == "init_declarator":
            name, value = _declared_name(_field(n, "declarator")), _field(n, "value")
            if name and value is not None:
                out.append((name, value))
        elif is_call(n) and _STORES.match(_callee(n)):
            args = [a for a in named(_field(n, "arguments")) if a.type != "comment"]
            a = _base(args[0]) if args else None
            if a is not None and a.type == "pointer_expression" and text(a).startswith("&"):
                target = _base(_field(a, "argument"))
                if target is not None and target.type == "identifier":
                    out.append((text(target), _DEVICE))
    return out


def _value_origin(value: Node | str, device: set[str], mixed: set[str]) -> str:
    if isinstance(value, str):
        return value
    from accellium.dataset.offload.passed_alike import argument_array

    v = _base(value)
    if v is None:
        return _HOST
    if is_call(v) and _RETURNS.match(_callee(v)):
        return _DEVICE
    name = argument_array(v) if not is_call(v) else None
    if name in mixed:
        return _MIXED
    if name in device:
        return _DEVICE
    return _HOST


def _combine(kinds: set[str]) -> str | None:
    if not kinds or kinds == {_HOST}:
        return None
    return _DEVICE if kinds == {_DEVICE} else _MIXED


def device_origins(root: Node, others: list[Node] | None = None) -> DeviceOrigins:
    """The module's facts for the file ``root`` (and the program's other units ``others``)."""
    units = [root, *(others or [])]
    out = DeviceOrigins(api=any(DEVICE_API.search(text(u)) for u in units))
    if out.api:
        _Solver(root, others, out).run()
    return out


class _Solver:
    """The fixed point of :func:`device_origins` over the program's functions."""

    def __init__(self, root: Node, others: list[Node] | None, out: DeviceOrigins):
        from accellium.dataset.offload.callgraph import declared_names, graph_of, param_names

        self.out = out
        self.g = graph_of(root, others)
        self.fns = {name: fn for name, fn in self.g.fns.items() if name not in self.g.twice}
        self.assigns: dict[str, list[tuple[str, Node | str]]] = {}
        for u in [root, *(others or [])]:
            skipped = _skipped_under_openacc(u)
            for n in iter_nodes(u):
                name = function_name(n)[0] if n.type == "function_definition" else None
                if name in self.fns and self.fns[name].id == n.id:
                    self.assigns[name] = _assignments(n, skipped)
        self.params = {name: param_names(fn) for name, fn in self.fns.items()}
        self.local = {name: declared_names(fn) for name, fn in self.fns.items()}
        self.glob_dev: set[str] = set()
        self.glob_mixed: set[str] = set()

    def seen(self, fn: str) -> tuple[set[str], set[str]]:
        """What ``fn`` sees holding a device address: its own variables and the globals."""
        loc = self.local.get(fn, set())
        return (self.out.device.get(fn, set()) | (self.glob_dev - loc),
                self.out.mixed.get(fn, set()) | (self.glob_mixed - loc))

    def _size(self) -> tuple[int, ...]:
        return (sum(len(v) for v in self.out.device.values()),
                sum(len(v) for v in self.out.mixed.values()),
                len(self.glob_dev), len(self.glob_mixed))

    def _passed(self, name: str, k: int) -> set[str]:
        """What the seen calls of ``name`` pass for its parameter ``k``."""
        passed = set()
        for caller, call in self.g.calls.get(name, ()):
            cdev, cmix = self.seen(function_name(caller)[0] or "")
            args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
            if k < len(args):
                passed.add(_value_origin(args[k], cdev, cmix))
        if (_DEVICE in passed or _MIXED in passed) and not self.g.every_call_seen(name):
            passed.add(_MIXED)  # a call not seen may pass host memory
        return passed if passed & {_DEVICE, _MIXED} else set()

    def _round(self) -> None:
        gkinds: dict[str, set[str]] = {}
        for name in self.fns:
            dev = self.out.device.setdefault(name, set())
            mix = self.out.mixed.setdefault(name, set())
            seen_dev, seen_mix = self.seen(name)
            kinds: dict[str, set[str]] = {}
            for var, value in self.assigns.get(name, []):
                kind = _value_origin(value, seen_dev, seen_mix)
                (kinds if var in self.local[name] else gkinds).setdefault(var, set()).add(kind)
            for k, p in enumerate(self.params[name]):
                if p:
                    kinds.setdefault(p, set()).update(self._passed(name, k))
            _settle(kinds, dev, mix)
        _settle(gkinds, self.glob_dev, self.glob_mixed)

    def run(self) -> None:
        for _ in range(_ROUNDS):
            before = self._size()
            self._round()
            if self._size() == before:
                break
        for name in self.fns:
            dev, mixed = self.seen(name)
            self.out.device[name] = dev - mixed
            self.out.mixed[name] = mixed


def _settle(kinds: dict[str, set[str]], dev: set[str], mix: set[str]) -> None:
    """Record each variable's combined origin in ``dev`` / ``mix`` (mixed stays mixed)."""
    for var, ks in kinds.items():
        got = _combine(ks)
        if got == _DEVICE and var not in mix:
            dev.add(var)
        elif got == _MIXED:
            dev.discard(var)
            mix.add(var)


def with_deviceptr(pragma: Pragma, loop: Node, addresses: Collection[str]) -> Pragma:
    """``pragma`` with ``deviceptr`` for each pointer of ``addresses`` (holding a device
    address) the loop uses that it does not name there yet: the per-loop engine, asked about
    the loop in its file alone, may not know where a parameter's memory comes from (a call
    from another file)."""
    from accellium.dataset.offload.uses import array_uses

    have = {v for c in pragma.clauses if c.canonical_name == "deviceptr" for v in c.variables()}
    used = {u.name for u in array_uses(loop)}
    missing = [n for n in sorted(addresses) if n in used and n not in have]
    return pragma.with_clauses(Clause("deviceptr", ", ".join(missing))) if missing else pragma
