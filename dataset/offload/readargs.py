"""Arrays passed whole to a function of the file that only reads them (:func:`read_only_args`).

Host code inside a data region that passes an array to a function (``pick(n, d, best)``)
reaches the array's elements through the parameter, unseen by the caller, so the planner
counts the argument as a read and a write of the whole array: ``update self`` before the
statement and ``update device`` after it.  When the callee is defined in the file, the
parameter is a pointer to an arithmetic type (``const float *d``, ``double d[]``: an element
is a number, never a row or a member array that would decay into a pointer, C11 6.3.2.1p3)
and every use of it in the callee's body reads an element through it (``d[i]``, ``*d``: never
the bare name, so the pointer is not assigned, copied into another name, offset or passed
on), the call writes none of the array's elements through that parameter; a callee that assigns no
global and calls no function the file does not define (the engine's summary of it,
:func:`accellium.dataset.analysis.summaries.summary`) has no other way to them (the other
arguments are uses of their own).  The host copy is then what the device already holds, and the ``update device``
would only send the same bytes again (OpenACC 3.3, 2.6: the copies differ only after one side
writes).  A recursive callee, one that calls a function of another file, or a ``const``
parameter alone never qualify (a ``const`` pointer may be cast to a plain one and written
through when the object itself is not ``const``, C11 6.7.3p6)."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import Declared, FileIndex
from accellium.dataset.analysis.summaries import summary
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, text
from accellium.dataset.offload.uses import array_uses

__all__ = ["read_only_args"]


def read_only_args(fn: Node, index: FileIndex) -> frozenset[int]:
    """The ids of the identifiers in ``fn``'s body that are a whole argument of a call of a
    function of the file that only reads what that parameter points to."""
    out: set[int] = set()
    for call in iter_nodes(_field(fn, "body") or fn):
        if not is_call(call):
            continue
        callee = _field(call, "function")
        if callee is None or callee.type != "identifier":
            continue
        name = text(callee)
        defn = index.definitions.get(name)
        got = summary(index, name)
        if defn is None or got is None or got.unknown or got.globals_written or got.shared:
            continue
        for k, arg in enumerate(named(_field(call, "arguments"))):
            if arg.type == "identifier" and k < len(got.params) and \
                    _reads_only(defn, got.params[k]):
                out.add(arg.id)
    return frozenset(out)


#: The words of C's arithmetic types (C11 6.2.5).
_ARITHMETIC = frozenset({"char", "short", "int", "long", "float", "double", "signed",
                         "unsigned", "_Bool"})


def _reads_only(defn: Node, param: Declared) -> bool:
    """Is ``param`` a pointer to numbers whose every use in the body of ``defn`` reads an
    element through it?"""
    if not (param.pointer and param.levels == 1 and not param.references and param.name
            and param.type_name and set(param.type_name.split()) <= _ARITHMETIC):
        return False
    uses = [u for u in array_uses(_field(defn, "body")) if u.name == param.name]
    return all(u.subs and u.read and not u.write and not u.whole for u in uses)
