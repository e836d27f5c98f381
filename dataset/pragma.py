"""The one OpenACC pragma model: parse, validate, render, compare (DESIGN §3).

``parse`` is lenient: it splits any ``#pragma acc`` line into a directive and clauses and only
raises :class:`PragmaSyntaxError` when the text cannot be split at all (not an acc pragma,
unbalanced parentheses).  ``validate`` checks the parsed pragma against the OpenACC 3.3
directive and clause tables and returns precise problems.  ``parse_valid`` does both and raises
on the first error, for callers that must only ever see valid pragmas (the server).

The tables live in :mod:`~accellium.dataset.pragma_tables`, the text helpers in
:mod:`~accellium.dataset.pragma_text` and the validator in
:mod:`~accellium.dataset.pragma_validate`; this module re-exports their public names, so
``accellium.dataset.pragma`` stays the one import for the pragma model.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from accellium.dataset.pragma_tables import (
    _LEGACY_DATA,
    _LEVELS,
    CLAUSE_DOCS,
    COMPUTE_DIRECTIVES,
    COPY_CLAUSES,
    DATA_CLAUSES,
    DIRECTIVE_DOCS,
    DIRECTIVES,
    IDENT,
    IDENT_RE,
    LABEL_DIRECTIVES,
    LOOP_DIRECTIVES,
    STANDALONE_DIRECTIVES,
)
from accellium.dataset.pragma_text import (
    _ACC_RE,
    is_acc_pragma,
    join_continuations,
    normalize_text,
    split_top_level,
    strip_comments,
)
from accellium.dataset.pragma_validate import Problem, validate

__all__ = [
    "Clause",
    "Pragma",
    "PragmaError",
    "PragmaSyntaxError",
    "Problem",
    "DIRECTIVES",
    "LOOP_DIRECTIVES",
    "COMPUTE_DIRECTIVES",
    "STANDALONE_DIRECTIVES",
    "LABEL_DIRECTIVES",
    "CLAUSE_DOCS",
    "DIRECTIVE_DOCS",
    "parse",
    "parse_valid",
    "validate",
    "is_acc_pragma",
    "normalize_text",
    "split_top_level",
    "join_continuations",
    "DATA_CLAUSES",
    "COPY_CLAUSES",
    "IDENT",
    "IDENT_RE",
]


class PragmaError(ValueError):
    """A pragma that is not acceptable; ``str(e)`` is a one-line, precise reason."""


class PragmaSyntaxError(PragmaError):
    """The text cannot be split into directive and clauses at all."""


@dataclass(frozen=True)
class Clause:
    name: str
    args: str | None = None  # raw text inside the parentheses, whitespace-collapsed

    def render(self) -> str:
        return self.name if self.args is None else f"{self.name}({self.args})"

    @property
    def canonical_name(self) -> str:
        """Name with legacy aliases mapped to their OpenACC 3 spelling."""
        n = self.name.lower()
        return _LEGACY_DATA.get(n, "device_type" if n == "dtype" else n)

    def arg_list(self) -> list[str]:
        """Top-level comma-separated arguments, normalised; ``reduction(+:a,b)`` gives
        ``['+:a', '+:b']`` so that each variable carries its operator."""
        if self.args is None:
            return []
        args = self.args
        prefix = ""
        if self.name.lower() == "reduction" and ":" in args:
            op, _, rest = args.partition(":")
            prefix = normalize_text(op) + ":"
            args = rest
        elif self.name.lower() in {"gang", "collapse", "copyin", "copyout", "create"}:
            m = re.match(r"\s*(num|static|dim|force|readonly|zero)\s*:(?!:)", args)
            if m:
                prefix = m.group(1) + ":"
                args = args[m.end():]
        return [prefix + normalize_text(a) for a in split_top_level(args)]

    def variables(self) -> list[str]:
        """Base variable names in a data/privatisation/reduction clause (``a[0:n]`` → ``a``)."""
        out = []
        for a in self.arg_list():
            a = a.split(":", 1)[1] if self.name.lower() == "reduction" and ":" in a else a
            m = re.match(rf"\s*({IDENT}(?:\s*(?:\.|->)\s*{IDENT})*)", a)
            if m:
                out.append(re.sub(r"\s+", "", m.group(1)))
        return out

    def reduction_op(self) -> str | None:
        if self.name.lower() != "reduction" or not self.args or ":" not in self.args:
            return None
        return normalize_text(self.args.split(":", 1)[0])


@dataclass(frozen=True)
class Pragma:
    directive: str
    clauses: tuple[Clause, ...] = field(default_factory=tuple)

    # -- rendering ------------------------------------------------------------------------
    def render(self) -> str:
        clauses = list(self.clauses)
        head = self.directive
        if clauses and clauses[0].name == self.directive:
            head = clauses.pop(0).render()
        return " ".join(["#pragma acc", head] + [c.render() for c in clauses])

    __str__ = render

    @property
    def clause_texts(self) -> list[str]:
        return [c.render() for c in self.clauses]

    def clause(self, name: str) -> Clause | None:
        for c in self.clauses:
            if c.name == name or c.canonical_name == name:
                return c
        return None

    def has(self, name: str) -> bool:
        return self.clause(name) is not None

    def without(self, *names: str) -> Pragma:
        return Pragma(self.directive,
                      tuple(c for c in self.clauses
                            if c.name not in names and c.canonical_name not in names))

    def with_clauses(self, *clauses: Clause) -> Pragma:
        return Pragma(self.directive, self.clauses + tuple(clauses))

    # -- comparison -----------------------------------------------------------------------
    def normalized(self) -> str:
        return normalize_text(self.render())

    def same_exact(self, other: Pragma) -> bool:
        return self.normalized() == other.normalized()

    def clause_items(self) -> Counter[tuple[str, str]]:
        """Multiset of (clause, argument) pairs, order-insensitive."""
        items: Counter[tuple[str, str]] = Counter()
        for c in self.clauses:
            args = c.arg_list()
            if not args:
                items[(c.name.lower(), "")] += 1
            for a in args:
                items[(c.name.lower(), a)] += 1
        return items

    def same_set(self, other: Pragma) -> bool:
        """Same directive, same clause names and same argument multisets, any order."""
        return (self.directive == other.directive
                and self.clause_items() == other.clause_items())

    @property
    def level(self) -> str | None:
        for c in self.clauses:
            if c.name in _LEVELS:
                return c.name
        return None


_CLAUSE_RE = re.compile(r"\s*([A-Za-z_][\w]*(?:\[[^\]]*\])?)\s*")


def _scan_clauses(text: str) -> list[Clause]:
    clauses: list[Clause] = []
    i = 0
    n = len(text)
    while i < n:
        if text[i] in " \t,":
            i += 1
            continue
        m = _CLAUSE_RE.match(text, i)
        if not m:
            raise PragmaSyntaxError(f"unexpected {text[i]!r} at column {i + 1} of the clauses")
        name = m.group(1)
        i = m.end()
        args: str | None = None
        if i < n and text[i] == "(":
            depth = 0
            j = i
            while j < n:
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if depth != 0:
                raise PragmaSyntaxError(f"unbalanced parentheses in clause '{name}'")
            args = re.sub(r"\s+", " ", text[i + 1:j]).strip()
            i = j + 1
        elif i < n and text[i] == ")":
            raise PragmaSyntaxError(f"unbalanced parentheses: ')' after '{name}'")
        clauses.append(Clause(name, args))
    return clauses


def parse(text: str) -> Pragma:
    """Split a ``#pragma acc`` line (continuations and comments allowed) into a :class:`Pragma`.

    Lenient: unknown directives and clauses are kept (``validate`` reports them).
    """
    if not isinstance(text, str):
        raise PragmaSyntaxError("pragma must be a string")
    line = strip_comments(join_continuations(text)).strip()
    m = _ACC_RE.match(line)
    if not m:
        raise PragmaSyntaxError("not an OpenACC pragma (expected '#pragma acc ...')")
    rest = re.sub(r"\s+", " ", line[m.end():]).strip()
    if not rest:
        raise PragmaSyntaxError("missing directive after '#pragma acc'")
    if rest.count("(") != rest.count(")"):
        raise PragmaSyntaxError("unbalanced parentheses")
    words = rest.split(" ")
    # Multi-word directives first; a directive never carries parentheses except cache/wait/routine.
    directive = None
    for cand in ("parallel loop", "kernels loop", "serial loop", "enter data", "exit data"):
        cw = cand.split(" ")
        if [w.lower() for w in words[: len(cw)]] == cw:
            directive = cand
            rest = " ".join(words[len(cw):])
            break
    if directive is None:
        dm = IDENT_RE.match(rest)
        if not dm:
            raise PragmaSyntaxError(f"missing directive after '#pragma acc' (found {rest[:1]!r})")
        directive = dm.group(0).lower()
        rest = rest[dm.end():]
        if rest.lstrip().startswith("("):
            # Directive arguments (``cache(a[i])``, ``wait(1)``, ``routine(f) seq``) are kept
            # as a first pseudo-clause named like the directive.
            return Pragma(directive, tuple(_scan_clauses(directive + rest.lstrip())))
    return Pragma(directive, tuple(_scan_clauses(rest)))



def parse_valid(text: str) -> Pragma:
    """Parse and validate; raise :class:`PragmaError` with the first error's message."""
    p = parse(text)
    errors = [x for x in validate(p) if x.severity == "error"]
    if errors:
        raise PragmaError(errors[0].message)
    return p
