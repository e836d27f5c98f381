"""What one walk over a loop's body records (:func:`~accellium.dataset.analysis.walker.walk_body`
fills a :class:`BodyWalk`): array accesses with their index nodes, scalar uses in execution
order, inner loops, call sites, and how calls use the addresses they are given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from tree_sitter import Node

from accellium.dataset.analysis.affine import Affine
from accellium.dataset.analysis.facts import Exit
from accellium.dataset.analysis.tree import IDENT, ForHeader, text

__all__ = ["Use", "ScalarUse", "Access", "InnerLoop", "CallSite", "BodyWalk", "AddressUse", "ReferenceUse",
           "unknown_address_use"]


class Use(Enum):
    READ = "read"
    WRITE = "write"  # plain assignment
    RMW = "rmw"  # read-modify-write: ``+=``, ``++``


@dataclass(frozen=True)
class ScalarUse:
    kind: Use
    stmt: Node  # the statement (or expression) it belongs to
    order: int  # position in execution order


@dataclass
class Access:
    """One access to an array element (``a[i][j]``, a macro ``IDX(a, i, j)``)."""

    name: str
    index_nodes: list[Node]
    write: bool
    read: bool
    line: int
    text: str
    order: int
    indirect: bool  # an index reads data: a subscript, call or field (h[idx[i]])
    node: Node
    subs: list[Affine | None] = field(default_factory=list)  # resolved later
    # the subscript lists it may use, one per alternative of a conditional value (resolved
    # later; see .alternatives): the dependence test compares every one
    alts: list[list[Affine | None]] = field(default_factory=list)
    # signed terms added to the subscript of dimension ``shift_dim`` (an access through a
    # pointer: ``*(p + k)`` is ``p[k]``, and ``row[j]`` with ``row = A + i*m`` is
    # ``A[i*m + j]``, :mod:`.aliases`); a dimension past ``index_nodes`` is the shift alone
    shift: tuple[tuple[int, Node], ...] = ()
    shift_dim: int = -1
    _ids: frozenset[str] | None = None

    @property
    def nodes(self) -> list[Node]:
        """Every expression its element is computed from: the subscripts and the shift."""
        return [*self.index_nodes, *(n for _, n in self.shift)]

    @property
    def ids(self) -> frozenset[str]:
        """The names its subscripts use."""
        if self._ids is None:
            self._ids = frozenset(w for n in self.nodes for w in IDENT.findall(text(n)))
        return self._ids

    def reset_ids(self) -> None:
        self._ids = None


@dataclass(frozen=True)
class InnerLoop:
    node: Node
    header: ForHeader


@dataclass(frozen=True)
class CallSite:
    """A call of a function that is neither pure library code nor a macro."""

    node: Node
    name: str
    args: tuple[Node, ...]
    line: int
    discarded: bool  # the result is not used: the call is made for its effects
    receiver: Node | None = None  # the object of a method call (`v` in `v.push_back(x)`)


#: How a call uses the scalar whose address it is given: ``(function, argument position)`` →
#: WRITE (an out parameter), RMW (read and written, or unknown) or READ.
AddressUse = Callable[[str, int], "Use"]
#: how a callee uses the object an lvalue argument names, where the parameter (function,
#: position) is a C++ reference (None: not known to be one)
ReferenceUse = Callable[[str, int], "Use | None"]


def unknown_address_use(function: str, position: int) -> Use:
    """What a call does with an address it is given when nothing is known of the callee: it
    may read and write the memory (:attr:`Use.RMW`)."""
    return Use.RMW


@dataclass
class BodyWalk:
    accesses: list[Access] = field(default_factory=list)
    events: dict[str, list[ScalarUse]] = field(default_factory=dict)
    decls: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    # macros whose expansion reads or writes memory the walk does not follow (a body that is
    # not an element or arithmetic with elements: ``(w[idx[i]])``, ``(s->v[i])``, ``(*w)``)
    hidden_macros: list[str] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)
    call_sites: list[CallSite] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)  # labels inside the loop
    pointers: set[str] = field(default_factory=set)  # names dereferenced (`p->x`, `*p`)
    values: dict[str, list[Node]] = field(default_factory=dict)  # every value a name is given
    inner_vars: set[str] = field(default_factory=set)
    inner_loops: list[InnerLoop] = field(default_factory=list)
    assign_count: dict[str, int] = field(default_factory=dict)
    assign_value: dict[str, Node] = field(default_factory=dict)
    array_names: set[str] = field(default_factory=set)
    # `T *q = &a[e];` (or `= a + e`) declared in the loop: q names the element a[e]
    element_pointers: dict[str, tuple[str, list[Node]]] = field(default_factory=dict)
    # names declared in the loop as pointers (how many `*`), as arrays (`double b[8]`),
    # declared with a value, the block and line of each declaration; names assigned in it
    pointer_levels: dict[str, int] = field(default_factory=dict)
    array_decls: set[str] = field(default_factory=set)
    # names declared in the loop as objects of automatic storage that are no pointer, array or
    # reference (``double3 v;``): each iteration's own object
    own_objects: set[str] = field(default_factory=set)
    # names declared in the loop with static storage (``static``, ``extern``, thread storage)
    # and the line of each: one object every iteration shares (C11 6.2.4p3), not its own
    shared_decls: dict[str, int] = field(default_factory=dict)
    # `T &q = a[e];` declared in the loop: q is another name of the element a[e] (C++
    # [dcl.ref]p1), so `q.x` is a member of a[e]
    element_references: dict[str, tuple[str, list[Node]]] = field(default_factory=dict)
    # names declared in the loop as C++ references, with the expression each is bound to
    references: dict[str, Node] = field(default_factory=dict)
    decl_values: set[str] = field(default_factory=set)
    decl_blocks: dict[str, Node] = field(default_factory=dict)
    decl_lines: dict[str, int] = field(default_factory=dict)
    assigned: set[str] = field(default_factory=set)
    depth: int = 1  # nesting of for loops, the loop itself included
    # the parent of every named node inside the loop, by node id (``Node.parent`` costs the
    # depth of the tree: tree-sitter descends from the root to find it)
    parents: dict[int, Node] = field(default_factory=dict)

    def parent(self, node: Node) -> Node | None:
        return self.parents.get(node.id)
