"""The one OpenACC pragma model: parse, validate, render, compare (DESIGN §3).

``parse`` is lenient: it splits any ``#pragma acc`` line into a directive and clauses and only
raises :class:`PragmaSyntaxError` when the text cannot be split at all (not an acc pragma,
unbalanced parentheses).  ``validate`` checks the parsed pragma against the OpenACC 3.3
directive and clause tables and returns precise problems.  ``parse_valid`` does both and raises
on the first error, for callers that must only ever see valid pragmas (the server).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = [
    "Clause",
    "Pragma",
    "PragmaError",
    "PragmaSyntaxError",
    "Problem",
    "DIRECTIVES",
    "DATA_CLAUSES",
    "COPY_CLAUSES",
    "IDENT",
    "IDENT_RE",
    "LOOP_DIRECTIVES",
    "COMPUTE_DIRECTIVES",
    "STANDALONE_DIRECTIVES",
    "CLAUSE_DOCS",
    "DIRECTIVE_DOCS",
    "parse",
    "parse_valid",
    "validate",
    "is_acc_pragma",
    "normalize_text",
    "split_top_level",
    "join_continuations",
]


class PragmaError(ValueError):
    """A pragma that is not acceptable; ``str(e)`` is a one-line, precise reason."""


class PragmaSyntaxError(PragmaError):
    """The text cannot be split into directive and clauses at all."""


# ----------------------------------------------------------------------------------------------
# OpenACC 3.3 tables
# ----------------------------------------------------------------------------------------------

_DATA_CLAUSES = {"copy", "copyin", "copyout", "create", "no_create", "present", "deviceptr", "attach"}
# Pre-3.0 spellings; OpenACC 3.3 still accepts them as aliases (section 2.7).
_LEGACY_DATA = {
    "pcopy": "copy",
    "present_or_copy": "copy",
    "pcopyin": "copyin",
    "present_or_copyin": "copyin",
    "pcopyout": "copyout",
    "present_or_copyout": "copyout",
    "pcreate": "create",
    "present_or_create": "create",
}
#: Every data clause name (OpenACC 3.3, 2.7), the pre-3.0 aliases included.
DATA_CLAUSES: frozenset[str] = frozenset(_DATA_CLAUSES | set(_LEGACY_DATA))
#: The clauses that copy (``copy``, ``copyin``, ``copyout``), the aliases included.
COPY_CLAUSES: frozenset[str] = frozenset({"copy", "copyin", "copyout"} | {
    k for k, v in _LEGACY_DATA.items() if v in ("copy", "copyin", "copyout")})
#: A C identifier, as a pattern to compose (``rf"({IDENT})\s*\["``) and compiled.
IDENT = r"[A-Za-z_]\w*"
IDENT_RE = re.compile(IDENT)
_ASYNC = {"async", "wait", "device_type", "dtype", "if"}
_PARALLEL = (
    _DATA_CLAUSES
    | set(_LEGACY_DATA)
    | _ASYNC
    | {"num_gangs", "num_workers", "vector_length", "self", "reduction", "private",
       "firstprivate", "default"}
)
_SERIAL = _PARALLEL - {"num_gangs", "num_workers", "vector_length"}
_KERNELS = (_PARALLEL - {"reduction", "private", "firstprivate"})
_LOOP = {"collapse", "gang", "worker", "vector", "seq", "independent", "auto", "tile",
         "device_type", "dtype", "private", "reduction"}

DIRECTIVES: dict[str, frozenset[str]] = {
    "parallel": frozenset(_PARALLEL),
    "serial": frozenset(_SERIAL),
    "kernels": frozenset(_KERNELS),
    "data": frozenset(_DATA_CLAUSES | set(_LEGACY_DATA) | _ASYNC | {"default"}),
    "host_data": frozenset({"use_device", "if", "if_present"}),
    "loop": frozenset(_LOOP),
    "parallel loop": frozenset(_PARALLEL | _LOOP),
    "serial loop": frozenset(_SERIAL | _LOOP),
    "kernels loop": frozenset(_KERNELS | _LOOP),
    "atomic": frozenset({"read", "write", "update", "capture", "if"}),
    "cache": frozenset(),
    "enter data": frozenset({"if", "async", "wait", "copyin", "create", "attach", "pcopyin",
                             "present_or_copyin", "pcreate", "present_or_create"}),
    "exit data": frozenset({"if", "async", "wait", "copyout", "delete", "detach", "finalize",
                            "pcopyout", "present_or_copyout"}),
    "update": frozenset({"async", "wait", "device_type", "dtype", "if", "if_present", "self",
                         "host", "device"}),
    "wait": frozenset({"async", "if"}),
    "declare": frozenset({"copy", "copyin", "copyout", "create", "present", "deviceptr",
                          "device_resident", "link"} | set(_LEGACY_DATA)),
    "routine": frozenset({"gang", "worker", "vector", "seq", "bind", "device_type", "dtype",
                          "nohost"}),
    "init": frozenset({"device_type", "dtype", "device_num", "if"}),
    "shutdown": frozenset({"device_type", "dtype", "device_num", "if"}),
    "set": frozenset({"default_async", "device_num", "device_type", "dtype", "if"}),
}

#: Directives whose construct owns the ``for`` statement that follows them.
LOOP_DIRECTIVES = frozenset({"loop", "parallel loop", "kernels loop", "serial loop"})
#: Compute constructs: a ``loop`` directive inside one of these is legal.
COMPUTE_DIRECTIVES = frozenset({"parallel", "kernels", "serial", "parallel loop", "kernels loop",
                                "serial loop"})
#: Directives that are not constructs (they own no statement).
STANDALONE_DIRECTIVES = frozenset({"enter data", "exit data", "update", "wait", "cache", "init",
                                   "shutdown", "set", "declare", "routine", "atomic"})
#: Directives that may sit directly above a ``for`` statement and own it.
LABEL_DIRECTIVES = frozenset(DIRECTIVES) - STANDALONE_DIRECTIVES

# Clauses that take no argument, may take one, or must take one.
_NO_ARGS = {"seq", "independent", "auto", "finalize", "if_present", "nohost", "read", "write",
            "update", "capture"}
_OPTIONAL_ARGS = {"gang", "worker", "vector", "async", "wait", "self"}
_REQUIRED_ARGS = {
    "collapse", "tile", "device_type", "dtype", "private", "firstprivate", "reduction",
    "num_gangs", "num_workers", "vector_length", "if", "default", "use_device", "bind",
    "device_num", "default_async", "host", "device", "delete", "detach", "device_resident",
    "link",
} | _DATA_CLAUSES | set(_LEGACY_DATA)
_KNOWN_CLAUSES = _NO_ARGS | _OPTIONAL_ARGS | _REQUIRED_ARGS
_REDUCTION_OPS = {"+", "*", "max", "min", "&", "|", "^", "&&", "||"}
_ARG_DIRECTIVES = {"cache", "wait", "routine"}
_LEVELS = ("gang", "worker", "vector", "seq", "auto")

DIRECTIVE_DOCS: dict[str, str] = {
    "parallel": "compute region: gangs run the region redundantly until a loop shares the work",
    "serial": "compute region run by one gang of one worker with vector length 1",
    "kernels": "compute region: the compiler decides which loops to parallelise",
    "data": "data region: arrays stay on the device for the enclosed block",
    "host_data": "makes device addresses of the listed arrays available on the host",
    "loop": "shares the iterations of this loop among the enclosing region's parallelism",
    "parallel loop": "parallel region containing exactly this loop, whose iterations are shared",
    "kernels loop": "kernels region containing exactly this loop, parallelised by the compiler",
    "serial loop": "serial region containing exactly this loop (runs on one device thread)",
    "atomic": "makes the next update of a memory location atomic",
    "cache": "caches the listed array elements in fast memory",
    "enter data": "copies/allocates data on the device until a matching exit data",
    "exit data": "copies back/deletes data created by enter data",
    "update": "copies data between host and device",
    "wait": "waits for asynchronous work",
    "declare": "gives variables device copies for the scope of a function or file",
    "routine": "compiles a function for the device",
    "init": "initialises the device runtime",
    "shutdown": "shuts the device runtime down",
    "set": "sets runtime defaults",
}

CLAUSE_DOCS: dict[str, str] = {
    "gang": "iterations shared among gangs (thread blocks)",
    "worker": "iterations shared among workers within a gang",
    "vector": "iterations run in SIMD/vector lanes",
    "seq": "loop runs sequentially on each device thread",
    "independent": "asserts the iterations are data-independent",
    "auto": "the compiler decides whether the loop is independent",
    "collapse": "the next N perfectly nested loops are merged into one iteration space",
    "tile": "loops are split into tiles of the given sizes",
    "reduction": "each thread keeps a private copy combined with the operator at the end",
    "private": "each iteration gets its own copy of the variables",
    "firstprivate": "private copies initialised from the host value",
    "copy": "copied to the device on entry and back to the host on exit",
    "copyin": "copied to the device on entry only (read-only on the device)",
    "copyout": "allocated on the device, copied back to the host on exit",
    "create": "allocated on the device, never copied",
    "no_create": "used on the device if present, else the host address is used",
    "present": "already on the device (an enclosing data region or enter data put it there)",
    "deviceptr": "the pointers are device addresses",
    "attach": "attaches device pointers inside structures",
    "async": "runs asynchronously on the given queue",
    "wait": "waits for the given async queues first",
    "num_gangs": "number of gangs to launch",
    "num_workers": "number of workers per gang",
    "vector_length": "vector length per worker",
    "if": "runs on the device only when the condition holds",
    "self": "runs on the host when the condition holds",
    "default": "default data attribute for variables not named in clauses",
    "device_type": "the following clauses apply to the named device type",
    "dtype": "the following clauses apply to the named device type",
}
for _legacy, _modern in _LEGACY_DATA.items():
    CLAUSE_DOCS[_legacy] = f"legacy spelling of {_modern}: " + CLAUSE_DOCS[_modern]


# ----------------------------------------------------------------------------------------------
# Text helpers
# ----------------------------------------------------------------------------------------------

_ACC_RE = re.compile(r"^\s*#\s*pragma\s+acc\b", re.IGNORECASE)
_NORM_PUNCT = re.compile(r" ?([^\w\s]) ?")


def is_acc_pragma(line: str) -> bool:
    """True when the line starts an OpenACC pragma (``#pragma acc`` with any spacing)."""
    return bool(_ACC_RE.match(line))


def join_continuations(text: str) -> str:
    """Join backslash-continued lines into one line."""
    return re.sub(r"\\[ \t]*\r?\n", " ", text)


def normalize_text(text: str) -> str:
    """The comparison normal form: whitespace collapsed, no space around punctuation."""
    return _NORM_PUNCT.sub(r"\1", re.sub(r"\s+", " ", text).strip())


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    return re.sub(r"//.*", "", text)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside (), [] and {}; pieces are stripped, empty pieces kept."""
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return out


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A validation finding. ``severity`` is ``error`` (gcc would reject it) or ``warning``."""

    message: str
    severity: str = "error"
    clause: str | None = None


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
    line = _strip_comments(join_continuations(text)).strip()
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


def validate(p: Pragma) -> list[Problem]:
    """Problems of a parsed pragma under the OpenACC 3.3 tables (empty list = valid)."""
    problems: list[Problem] = []
    allowed = DIRECTIVES.get(p.directive)
    if allowed is None:
        return [Problem(f"unknown directive '{p.directive}'")]
    seen_levels: list[str] = []
    seen_names: Counter[str] = Counter()
    for c in p.clauses:
        name = c.name
        lname = name.lower()
        if p.directive in _ARG_DIRECTIVES and name == p.directive:
            continue
        if lname not in _KNOWN_CLAUSES:
            problems.append(Problem(f"unknown clause '{name}'", clause=name))
            continue
        if lname not in allowed:
            problems.append(Problem(f"clause '{name}' is not allowed on '{p.directive}'",
                                    clause=name))
            continue
        seen_names[lname] += 1
        if c.args is None and lname in _REQUIRED_ARGS:
            problems.append(Problem(f"clause '{name}' needs an argument list", clause=name))
            continue
        if c.args is not None and lname in _NO_ARGS:
            problems.append(Problem(f"clause '{name}' takes no arguments", clause=name))
            continue
        if c.args is not None and (c.args.strip() == "" or any(
                a == "" for a in split_top_level(c.args))):
            problems.append(Problem(f"empty argument in clause '{name}'", clause=name))
            continue
        if lname == "reduction":
            op = c.reduction_op()
            if op is None:
                problems.append(Problem("malformed reduction: expected 'reduction(op:var,...)'",
                                        clause=name))
            elif op not in _REDUCTION_OPS:
                problems.append(Problem(f"unknown reduction operator '{op}'", clause=name))
            elif not c.args.split(":", 1)[1].strip():
                problems.append(Problem("reduction has no variables", clause=name))
        if lname == "collapse":
            arg = re.sub(r"^\s*force\s*:", "", c.args or "").strip()
            if not re.fullmatch(r"\d+", arg) or int(arg) < 1:
                problems.append(Problem(f"collapse needs a positive integer, got '{c.args}'",
                                        clause=name))
        if lname == "default" and (c.args or "").strip().lower() not in {"none", "present"}:
            problems.append(Problem(f"default must be 'none' or 'present', got '{c.args}'",
                                    clause=name))
        if lname in _LEVELS:
            seen_levels.append(lname)
    if "seq" in seen_levels and len(seen_levels) > 1:
        problems.append(Problem("'seq' conflicts with " +
                                ", ".join(f"'{x}'" for x in seen_levels if x != "seq")))
    if "auto" in seen_levels and "independent" in seen_names:
        problems.append(Problem("'auto' conflicts with 'independent'"))
    if "seq" in seen_levels and "independent" in seen_names:
        problems.append(Problem("'seq' conflicts with 'independent'"))
    for lvl in ("gang", "worker", "vector", "collapse"):
        if seen_names[lvl] > 1 and not seen_names["device_type"] and not seen_names["dtype"]:
            problems.append(Problem(f"clause '{lvl}' appears more than once"))
    # The same variable in two reductions or two privatisations: gcc rejects it.
    seen_vars: Counter[str] = Counter()
    for c in p.clauses:
        if c.name.lower() in {"reduction", "private", "firstprivate"}:
            for v in c.variables():
                seen_vars[v] += 1
    for v, k in seen_vars.items():
        if k > 1:
            problems.append(Problem(f"'{v}' appears more than once in reduction/private clauses"))
    return problems


def parse_valid(text: str) -> Pragma:
    """Parse and validate; raise :class:`PragmaError` with the first error's message."""
    p = parse(text)
    errors = [x for x in validate(p) if x.severity == "error"]
    if errors:
        raise PragmaError(errors[0].message)
    return p
