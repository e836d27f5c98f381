"""The facts object: what the analysis sees in one loop nest (:class:`LoopFacts`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

from accellium.dataset.pragma import Clause

__all__ = ["DepKind", "Dependence", "LoopFacts"]


class DepKind(StrEnum):
    """What carries a dependence from one iteration to another."""

    ARRAY = "array"  # elements of an array that another iteration writes
    SCALAR = "scalar"  # a scalar whose value crosses iterations


@dataclass(frozen=True)
class Dependence:
    """A dependence carried by the analysed loop."""

    var: str
    line: int  # 1-based line in the analysed code
    message: str
    kind: DepKind = DepKind.ARRAY


@dataclass
class LoopFacts:
    """What :func:`accellium.dataset.analysis.analyze` sees in one loop nest."""

    parsed: bool = False
    index_vars: list[str] = field(default_factory=list)  # the perfect nest, outermost first
    bounds: list[tuple[str, str]] = field(default_factory=list)  # (lo, hi) exclusive, per index
    perfect_depth: int = 0
    loop_depth: int = 0
    collapse: int = 1  # how many loops of the nest collapse may cover (1 = none)
    carried: list[Dependence] = field(default_factory=list)
    reductions: list[tuple[str, str]] = field(default_factory=list)  # (op, var)
    private: list[str] = field(default_factory=list)
    # arrays every iteration writes before it reads them (also in ``private``): a parallel
    # pragma must name them in ``private`` (the safety guard adds it)
    private_arrays: list[str] = field(default_factory=list)
    locals: list[str] = field(default_factory=list)
    indirect_writes: list[str] = field(default_factory=list)
    early_exits: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    arrays: dict[str, str] = field(default_factory=dict)  # name -> in | out | inout
    sections: dict[str, str] = field(default_factory=dict)  # name -> clause argument
    scalars_read: list[str] = field(default_factory=list)
    in_region: bool = False  # inside a compute construct or an annotated loop
    present: dict[str, str] = field(default_factory=dict)  # array -> argument in enclosing
    notes: list[str] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        """No carried dependence and no early exit: the iterations may run in parallel."""
        return not self.carried and not self.early_exits

    @property
    def variables(self) -> set[str]:
        return (set(self.index_vars) | set(self.arrays) | {v for _, v in self.reductions}
                | set(self.private) | set(self.scalars_read) | set(self.locals))

    def copy(self) -> LoopFacts:
        """A copy whose lists and dicts the caller may edit."""
        return LoopFacts(**{f.name: _copied(getattr(self, f.name)) for f in fields(self)})

    def data_clauses(self, present_style: bool = True) -> list[Clause]:
        """Data clauses for a compute construct on this loop: ``present`` for arrays an
        enclosing region names, ``copyin``/``copyout``/``copy`` for the others."""
        out: dict[str, list[str]] = {}
        for name, mode in self.arrays.items():
            if name in self.present:
                if present_style:
                    out.setdefault("present", []).append(self.present[name])
                continue
            kind = {"in": "copyin", "out": "copyout"}.get(mode, "copy")
            out.setdefault(kind, []).append(self.sections.get(name, name))
        return [Clause(k, ", ".join(v)) for k, v in out.items() if v]


def _copied(v: object) -> object:
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return dict(v)
    return v
