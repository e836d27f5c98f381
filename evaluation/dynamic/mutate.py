"""Planted mutations of correct original pragmas (the power of the checker): a ``reduction``
removed, ``private`` of a written scalar or array removed, ``independent`` put on a loop the
authors marked ``seq`` (a carried dependence), a ``copyout`` dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from accellium.dataset.loops import find_loops
from accellium.dataset.pragma import IDENT, Clause, Pragma, PragmaError, parse, split_top_level
from accellium.evaluation.dynamic.accpragmas import AccLine, find_acc_lines

__all__ = ["Mutation", "mutations", "KINDS"]

KINDS = ("reduction_removed", "private_removed", "independent_on_carried", "copyout_dropped")


@dataclass
class Mutation:
    kind: str
    file: str
    line: int
    before: str
    after: str
    data: bytes  # the mutated file


def _written(var: str, loop_text: str) -> bool:
    """``var`` is assigned in the loop (not as a loop variable)."""
    v = re.escape(var)
    if re.search(rf"for\s*\(\s*(?:\w+\s+)?{v}\s*=", loop_text):
        return False
    return bool(re.search(rf"(?<![\w.>]){v}\s*(\[[^;]*?\])*\s*([-+*/%&|^]?=(?!=)|\+\+|--)",
                          loop_text) or re.search(rf"(\+\+|--){v}\b", loop_text))


def _replace_line(src: bytes, a: AccLine, new: Pragma) -> bytes:
    old = src[a.start:a.end]
    indent = old[: len(old) - len(old.lstrip())]
    text = indent + new.render().encode() + b"\n" * old.count(b"\n")
    return src[:a.start] + text + src[a.end:]


def _without_item(p: Pragma, idx: int, name: str, item: str) -> Pragma:
    c = p.clauses[idx]
    items = [x for x in split_top_level(c.args or "") if x]
    rest = [x for x in items if x != item]
    clauses = list(p.clauses)
    if rest:
        prefix = ""
        if c.name == "reduction" and ":" in (c.args or ""):
            prefix = (c.args or "").split(":", 1)[0] + ":"
        clauses[idx] = Clause(name, prefix + ", ".join(rest))
    else:
        clauses.pop(idx)
    return Pragma(p.directive, tuple(clauses))


def _runs_sequentially(p: Pragma, enclosing: list[str]) -> bool:
    """A loop OpenACC runs as ``auto`` or ``seq``: removing its reduction plants no race."""
    from accellium.dataset.analysis import compute_construct

    if p.has("seq") or p.has("auto"):
        return True
    kernels = p.directive == "kernels loop" or (p.directive == "loop" and
                                                compute_construct(tuple(enclosing)) == "kernels")
    return kernels and not p.has("independent")


def _inside_vector_loop(enclosing: list[str]) -> bool:
    """An enclosing loop is vector-partitioned: no parallelism level is left for a nested loop
    (OpenACC 3.3 2.9.3: a vector loop's region contains no gang, worker or vector loop), so an
    ``independent`` there still runs sequentially in each lane and plants no race."""
    for text in enclosing:
        try:
            if parse(text).has("vector"):
                return True
        except PragmaError:
            continue
    return False


def _candidates(src: bytes, loops_by_line: dict[int, tuple[str, list[str]]]):
    for a in find_acc_lines(src):
        p = a.pragma
        if a.kind != "acc" or p is None:
            continue
        loop, enclosing = loops_by_line.get(a.line, ("", []))
        for i, c in enumerate(p.clauses):
            name = c.name.lower()
            if name == "reduction" and _runs_sequentially(p, enclosing):
                continue
            if name == "reduction":
                yield "reduction_removed", a, Pragma(p.directive, p.clauses[:i] + p.clauses[i + 1:])
            elif name == "private":
                for item in split_top_level(c.args or ""):
                    var = re.match(rf"\s*({IDENT})", item)
                    if var and loop and _written(var.group(1), loop):
                        yield "private_removed", a, _without_item(p, i, c.name, item)
                        break
            elif (name == "seq" and p.directive in ("loop", "parallel loop", "kernels loop")
                  and not _inside_vector_loop(enclosing)):
                clauses = list(p.clauses)
                clauses[i] = Clause("independent")
                yield "independent_on_carried", a, Pragma(p.directive, tuple(clauses))
            elif name in ("copyout", "pcopyout", "present_or_copyout"):
                first = next((x for x in split_top_level(c.args or "") if x), None)
                if first:
                    yield "copyout_dropped", a, _without_item(p, i, c.name, first)
            elif name in ("copy", "pcopy", "present_or_copy") and p.directive != "declare":
                clauses = list(p.clauses)
                clauses[i] = Clause("copyin", c.args)
                yield "copyout_dropped", a, Pragma(p.directive, tuple(clauses))


def mutations(files: dict[str, bytes], per_kind: int = 1) -> list[Mutation]:
    """At most ``per_kind`` mutations of each kind over the annotated files, in file order."""
    out: list[Mutation] = []
    count = dict.fromkeys(KINDS, 0)
    for rel, src in files.items():
        loops = find_loops(src, "c")
        by_line: dict[int, tuple[str, list[str]]] = {}
        for lp in loops:
            for pl in [lp.pragma, *lp.stacked]:
                if pl is not None:
                    by_line[pl.start_line + 1] = (lp.text, list(lp.enclosing))
        for kind, a, new in _candidates(src, by_line):
            if count[kind] >= per_kind:
                continue
            count[kind] += 1
            out.append(Mutation(kind, rel, a.line, a.text.strip(), new.render(),
                                _replace_line(src, a, new)))
    return out
