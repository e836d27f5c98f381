"""The macros a callee's sections name, as a caller's clause may spell them.

A callee's summary (:class:`~.calls.Summary`) keeps its sections in its parameters' names and
in names its file declares nowhere — object-like macros (``a[0:N]`` with ``#define N 512``).
A caller's region copies the section into its own ``data`` clause, so the clause is compiled
in the caller's translation unit at the caller's position: a macro name is replaced only after
its definition in the same translation unit, by that unit's definition (C11 6.10.3, 6.10.1p1;
another file's ``#define`` means nothing there), and the section of a clause is an expression
of the construct's own scope (OpenACC 3.3, 2.7.1).  The name may stay when the caller sees it
with the same meaning — the same tokens after the preprocessor, or the same integer value, at
the top of the caller's function and at the call; else a macro whose expansion is an integer constant is replaced by
its value (a number means the same in every unit); else the call joins no region (a barrier,
as any call whose sections the caller cannot name).  A name that is no such macro of the
callee's file (an enumerator, a macro of a header not read, a macro whose expansion names
other identifiers) is known to mean the same only in the callee's own file
(:func:`foreign_names`: a caller in another file does not hoist the call)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.macros import Macro, expand, tokens, visible_at
from accellium.dataset.analysis.tree import root_of
from accellium.dataset.offload import poly
from accellium.dataset.offload.size_values import constant_value

if TYPE_CHECKING:
    from accellium.dataset.offload.calls import ParamUse, Summary

__all__ = ["SectionMacro", "section_macros", "in_callers_macros", "foreign_names"]


@dataclass(frozen=True)
class SectionMacro:
    """An object-like macro of the callee's file that one of its sections names."""

    expansion: tuple[str, ...]  # its tokens after the preprocessor, where the callee uses it
    value: poly.Poly | None  # their value, when an integer constant (no name left)


def _expansion(name: str, table: dict[str, Macro]) -> tuple[str, ...] | None:
    """The tokens of the object-like macro ``name`` after the preprocessor (None: no such
    macro in ``table``, or given up)."""
    m = table.get(name)
    got = expand(name, table) if m is not None and m.params is None else None
    return tuple(tokens(got)) if got is not None else None


def _constant(name: str, table: dict[str, Macro]) -> poly.Poly | None:
    """The value of ``name`` after the preprocessor, when an integer constant
    (:func:`.size_values.constant_value`)."""
    value = constant_value(name, table)
    return poly.const(value) if value is not None else None


def _same(name: str, m: SectionMacro, table: dict[str, Macro]) -> bool:
    """Does ``name`` mean in ``table`` what ``m`` means: the same tokens after the
    preprocessor, or the same integer value?"""
    if _expansion(name, table) == m.expansion:
        return True
    return m.value is not None and _constant(name, table) == m.value


def _uses(s: Summary) -> list[ParamUse]:
    return [*s.arrays.values(), *s.globals.values(), *s.file_pointers.values()]


def _section_names(s: Summary) -> set[str]:
    """Every name the summary's sections, column bounds and host elements use."""
    polys = [p for u in _uses(s) for p in (u.lo, u.hi, *u.cols, *(b for lv in u.inner for b in lv))]
    polys += [e for elems in s.host_reads.values() for e in elems]
    return {n for p in polys for n in poly.names(p)} | _row_names(s)


def _row_names(s: Summary) -> set[str]:
    """The identifiers of the row sizes of the summary's parameters (``M`` of ``T a[][M]``)."""
    return {t for u in _uses(s) for r in u.rows for t in tokens(r)
            if t[0].isalpha() or t[0] == "_"}


def section_macros(s: Summary, fn: Node, at: int, own: set[str]) -> dict[str, SectionMacro]:
    """The object-like macros of the callee's file (its headers' included) visible at byte
    ``at`` that the summary's sections name, except the names ``own`` (the parameters, the
    globals its file binds)."""
    table = visible_at(root_of(fn), at, constants=True)
    out = {}
    for n in sorted(_section_names(s) - own):
        got = _expansion(n, table)
        if got is not None:
            out[n] = SectionMacro(got, _constant(n, table))
    return out


def foreign_names(s: Summary, own: set[str]) -> list[str]:
    """The names of the summary's sections that a caller in another file may see with
    another meaning or not at all: neither ``own`` (parameters, bound globals) nor a macro
    whose expansion names no identifier (whose meaning :func:`in_callers_macros` checks)."""
    closed = {n for n, m in s.macros.items()
              if not any(t[0].isalpha() or t[0] == "_" for t in m.expansion)}
    return sorted(_section_names(s) - own - closed)


def in_callers_macros(call: Node, fn: Node, s: Summary) -> Summary | str:
    """``s`` as the caller's clause may write it at ``call`` (in ``fn``): each macro the
    caller sees with another expansion (or not at all) replaced by its integer value; or why
    the call cannot join a region (such a macro that is not an integer constant, or a row
    size: the row types are compared through the caller's macros, :mod:`.size_values`)."""
    if not s.macros:
        return s
    root = root_of(call)
    tables = [visible_at(root, at, constants=True) for at in (fn.start_byte, call.start_byte)]
    values: dict[str, poly.Poly] = {}
    rows = _row_names(s)
    for n, m in s.macros.items():
        if all(_same(n, m, t) for t in tables):
            continue
        if m.value is None or n in rows:
            return (f"a section of `{s.function}` (line {call.start_point[0] + 1}) names "
                    f"`{n}`, a macro of its file that this one does not define the same way "
                    + ("(a row size: the row types would differ)" if n in rows else
                       "and whose value is no integer constant"))
        values[n] = m.value
    return _substituted(s, values) if values else s


def _subst(p: poly.Poly, values: dict[str, poly.Poly]) -> poly.Poly | None:
    out: poly.Poly | None = p
    for n, v in values.items():
        out = poly.subst(out, n, v) if out is not None else None
    return out


def _use_substituted(u: ParamUse, values: dict[str, poly.Poly]) -> ParamUse | None:
    lo, hi = _subst(u.lo, values), _subst(u.hi, values)
    cols = [_subst(c, values) for c in u.cols]
    inner = [(_subst(a, values), _subst(b, values)) for a, b in u.inner]
    if lo is None or hi is None or any(c is None for c in cols) or \
            any(a is None or b is None for a, b in inner):
        return None
    return replace(u, lo=lo, hi=hi, cols=tuple(c for c in cols if c is not None),
                   inner=tuple((a, b) for a, b in inner if a is not None and b is not None))


def _substituted(s: Summary, values: dict[str, poly.Poly]) -> Summary | str:
    arrays = {k: _use_substituted(u, values) for k, u in s.arrays.items()}
    globs = {g: _use_substituted(u, values) for g, u in s.globals.items()}
    ptrs = {g: _use_substituted(u, values) for g, u in s.file_pointers.items()}
    reads = {k: tuple(_subst(e, values) for e in elems) for k, elems in s.host_reads.items()}
    if any(u is None for u in [*arrays.values(), *globs.values(), *ptrs.values()]) or \
            any(e is None for elems in reads.values() for e in elems):
        return f"a section of `{s.function}` does not translate with its macros' values"
    return replace(s, arrays={k: u for k, u in arrays.items() if u is not None},
                   globals={g: u for g, u in globs.items() if u is not None},
                   file_pointers={g: u for g, u in ptrs.items() if u is not None},
                   host_reads={k: tuple(e for e in elems if e is not None)
                               for k, elems in reads.items()},
                   macros={})
