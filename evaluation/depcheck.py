"""An independent, conservative dependence check for the benchmark's ``unsafe_parallel`` figure.

The safety guard (``server/safety.py``) and the engines use the tree-sitter analysis of
``server/engines/analysis.py``.  A figure that counts unsafe answers with the guard's own
analysis can only ever say "0"; this module shares no code with either: it reads the loop as a
token stream with its own tokenizer and applies simple syntactic tests, erring on the side of
"unsafe" where it cannot tell.  What it counts, per loop (general facts about C and OpenACC):

``carried``        an array written at one subscript and read at another that differs in a
                   dimension using a parallel index (``x[i]`` written, ``x[i-1]`` read): the
                   iterations communicate through memory.
``same_element``   an array element written with no subscript that uses a parallel index
                   (``w[j] -= ...`` under ``for i``): every iteration writes it.
``indirect_write`` a write through a subscript that comes from data (``h[idx[i]]++``, or a local
                   assigned from an array read): two iterations may hit one element.
``recurrence``     a scalar declared outside the loop, read in an iteration before it is
                   assigned there (``s = s * a[i] + b``, not a reduction form).
``reduction_missing`` a reduction form (``s += e``, ``s = max(s, e)``, ``if (e > m) m = e``)
                   on a scalar the pragma does not name in ``reduction``.
``exit``           ``return``, ``goto``, ``break`` of the annotated loop, ``exit()``/``abort()``/
                   ``longjmp()``: a compute construct cannot be left early.
``call_effects``   a call to a C library function with effects (I/O, ``rand``, allocation,
                   ``memcpy``...).

And two kinds that are only *possible* problems (reported, not in ``unsafe``):
``call_unknown`` (a call to a function whose effects the loop does not show) and ``live_out``
(a scalar declared outside the loop, assigned in it and never read in it: it is used after the
loop, and in a compute construct a scalar is private/firstprivate by default, so the host
never sees the value).

What it does not count (general facts, each with a test next to the dependence it must still
see): a variable declared in the loop body, and an array the pragma names in ``private`` /
``firstprivate``, is each iteration's own; a scalar assigned before every read in the same (or
an enclosing) conditional block is not carried; ``s[j].x[i]`` is an element indexed by all its
subscripts, and ``c->x[k]`` after ``c = &a[i]`` is the iteration's own element; a read and a
write never name one element when a dimension pins them to one iteration (the same ``c*i + e``
on both sides, or ``i*s + r`` with rests less than ``s`` apart by the loop bounds) or keeps them
apart for all iterations (constants apart, or value ranges that do not meet by the loop bounds;
:mod:`evaluation.depaffine`).

A pragma *asserts parallelism* when it has ``independent``, a level clause (``gang``,
``worker``, ``vector``) or is ``parallel loop`` / ``loop`` outside a ``kernels`` construct, and
has no ``seq``/``auto``; ``kernels`` and ``kernels loop`` leave the decision to the compiler.
``collapse(n)`` makes the next ``n - 1`` nested loops parallel too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from accellium.dataset.pragma import IDENT
from accellium.evaluation.depaffine import Poly, at_least_one, const, minus, names, plus, poly, span
from accellium.evaluation.depscan import (
    Access,
    bounds,
    declared,
    element,
    for_at,
    nest,
    scan,
    tokens,
)

__all__ = ["DEFINITE", "POSSIBLE", "LoopIssues", "check_loop", "asserts_parallel", "unsafe_kinds"]

DEFINITE = ("carried", "same_element", "indirect_write", "recurrence", "reduction_missing",
            "exit", "call_effects")
POSSIBLE = ("call_unknown", "live_out")
_PER_ARRAY = ("carried", "same_element", "indirect_write")

_RED_OPS = {"+=", "-=", "*=", "&=", "|=", "^="}
_PURE = set("""sqrt sqrtf fabs fabsf abs labs exp expf exp2 log logf log2 log10 log1p pow powf sin
 sinf cos cosf tan tanf asin acos atan atan2 sinh cosh tanh floor floorf ceil ceilf round roundf
 trunc fmod fmodf fmax fmaxf fmin fminf max min MAX MIN Max Min cbrt hypot erf erfc copysign
 rsqrt fma fmaf isnan isinf std::sqrt std::abs std::fabs std::exp std::log std::pow std::sin
 std::cos std::max std::min std::floor std::ceil dmax dmin imax imin""".split())
_MAXMIN = {"max", "min", "fmax", "fmin", "fmaxf", "fminf", "MAX", "MIN", "Max", "Min",
           "std::max", "std::min", "dmax", "dmin", "imax", "imin"}
_EFFECTS = set("""printf fprintf sprintf snprintf puts fputs putchar fputc putc fwrite fread
 fscanf scanf sscanf fopen fclose fflush fseek getchar getc fgets rand srand rand_r drand48
 srand48 random malloc calloc realloc free memcpy memset memmove strcpy strncpy strcat
 time clock gettimeofday MPI_Send MPI_Recv MPI_Allreduce""".split())


@dataclass
class LoopIssues:
    """What :func:`check_loop` sees in one loop (``kinds``: kind -> short reasons)."""

    parsed: bool = False
    nest: list[str] = field(default_factory=list)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    reductions: dict[str, str] = field(default_factory=dict)  # scalar -> op
    # kind -> the variable each reason is about (in the order of ``kinds``)
    subjects: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, why: str, subject: str = "") -> None:
        self.kinds.setdefault(kind, []).append(why)
        self.subjects.setdefault(kind, []).append(subject)


@dataclass
class _Space:
    """What the subscript arithmetic may assume: the closed ranges of the loop indices whose
    bounds do not change in the loop, each loop's trip count, and the names that vary."""

    ranges: dict[str, tuple[Poly, Poly]]
    counts: dict[str, Poly]
    varying: set[str]


def _mentions(text: str, names: set[str]) -> bool:
    return bool(set(re.findall(IDENT, text)) & names)


def check_loop(code: str, depth: int = 1) -> LoopIssues:
    """The issues visible in the first ``for`` loop of ``code`` when its first ``depth``
    perfectly nested loops run in parallel."""
    return _check_cached(code, depth)


@lru_cache(maxsize=32768)
def _check_cached(code: str, depth: int) -> LoopIssues:
    toks = tokens(code)
    try:
        k = toks.index("for")
    except ValueError:
        return LoopIssues()
    loop = for_at(toks, k)
    if loop is None or loop.index is None:
        return LoopIssues()
    out = LoopIssues(parsed=True, nest=nest(toks, loop))
    a, b = loop.body
    local = declared(toks, a, b) | {x for x in out.nest if x}
    for j in range(a, b):  # every inner loop's index is its own
        if toks[j] == "for":
            inner = for_at(toks, j)
            if inner and inner.index:
                local.add(inner.index)
    accs, calls, exits = scan(toks, a, b)
    _check_exits(out, exits)
    _check_calls(out, calls)
    _check_scalars(out, accs, local)
    par = {x for x in out.nest[:max(depth, 1)] if x}
    _check_arrays(out, accs, local, par, _space(toks, k, b, accs, par))
    return out


def _space(toks: list[str], k: int, b: int, accs: list[Access], par: set[str]) -> _Space:
    """The loop indices of the nest at ``k`` whose range is known for the whole loop: one
    unit-step header per name, no other assignment of it, bounds that no iteration changes."""
    varying = {x.base for x in accs if x.write and not x.subs} | set(par)
    heads: dict[str, list[tuple[str, str] | None]] = {}
    spans: list[tuple[int, int]] = []
    for j in range(k, b):
        if toks[j] == "for" and (lp := for_at(toks, j)) and lp.index:
            varying.add(lp.index)
            heads.setdefault(lp.index, []).append(bounds(toks, lp))
            spans.append(lp.header)
    assigned = {x.base for x in accs if x.write and not x.subs
                and not any(s <= x.pos <= e for s, e in spans)}
    ranges: dict[str, tuple[Poly, Poly]] = {}
    counts: dict[str, Poly] = {}
    for v, hs in heads.items():
        if len(set(hs)) != 1 or hs[0] is None or v in assigned:
            continue
        lo, hi = poly(hs[0][0]), poly(hs[0][1])
        if lo is None or hi is None or (names(lo) | names(hi)) & varying:
            continue
        ranges[v] = (lo, hi)
        counts[v] = plus(minus(hi, lo), {(): 1})
    return _Space(ranges, counts, varying)


def _apart(rs: list[str], ws: list[str], par: set[str], sp: _Space) -> bool:
    """Whether the element read at ``rs`` by one iteration can never be the element written
    at ``ws`` by another (general facts of integer arithmetic):

    * a dimension whose two subscripts are one and the same ``c*p + e`` (``c`` a non-zero
      integer, ``e`` unchanged by the loop) for every parallel index ``p``: two iterations
      differ in some ``p``, so they name different elements there;
    * a dimension whose two subscripts are unchanged by the loop and differ by a non-zero
      constant (``a[k][j]`` and ``a[k-1][j]``);
    * a dimension whose two subscripts take values in ranges that do not meet, by the bounds
      of the loops whose indices they use (``a[j]`` for ``j`` from ``k+1`` and ``a[k]``;
      ``a[x + 2*n]`` and ``a[x + n]`` for ``x`` below ``n``);
    * a dimension ``p*s + r`` on both sides (the same stride ``s``) whose rests ``r`` differ by
      less than ``s`` by the loop bounds (``c[x*n + y]`` and ``c[x*n + y-1]`` for ``y`` from 1
      below ``n``): two elements ``s`` or more apart need two values of ``p``, so one
      iteration's elements are not another's;
    * dimensions that each fix one side's ``p`` (``c*p + e`` on one side, an expression
      unchanged by the loop on the other: ``p = (other - e) / c``): where the read's and the
      write's ``p`` are fixed to one and the same value, they meet only within one iteration
      (``s[k][j]`` written, ``s[j][k]`` read: both ``j`` must be ``k``)."""
    if len(rs) != len(ws):
        return False
    pinned: set[str] = set()
    fixed: tuple[dict[str, list[Poly]], dict[str, list[Poly]]] = ({}, {})
    for r, w in zip(rs, ws, strict=True):
        pr, pw = poly(r), poly(w)
        if pr is None or pw is None:
            continue
        for p in par:
            for side, (mine, other) in enumerate(((pr, pw), (pw, pr))):
                value = _fixed(mine, other, p, sp)
                if value is not None:
                    fixed[side].setdefault(p, []).append(value)
        if r == w:
            for p in par:
                rest = {m: c for m, c in pr.items() if m != (p,)}
                if pr.get((p,)) and not names(rest) & sp.varying:
                    pinned.add(p)
            continue
        pinned |= {p for p in par if _strided(pr, pw, p, sp)}
        if not (names(pr) | names(pw)) & sp.varying and const(minus(pr, pw)) not in (None, 0):
            return True
        # the loops of both accesses run (an element is shared only where both happen)
        counts = [sp.counts[v] for v in (names(pr) | names(pw) | par) if v in sp.counts]
        a, z = span(pr, sp.ranges, counts), span(pw, sp.ranges, counts)
        if a is None or z is None or (names(a[0]) | names(a[1]) | names(z[0]) | names(z[1])) \
                & sp.varying:
            continue
        if at_least_one(minus(z[0], a[1]), counts) or at_least_one(minus(a[0], z[1]), counts):
            return True
    for p in par:
        seen = fixed[0].get(p, []) + fixed[1].get(p, [])
        if fixed[0].get(p) and fixed[1].get(p) and all(v == seen[0] for v in seen):
            pinned.add(p)
    return bool(par) and par <= pinned


def _fixed(mine: Poly, other: Poly, p: str, sp: _Space) -> Poly | None:
    """The value ``mine`` (``c*p + e``) needs ``p`` to take to equal ``other`` (no name the
    loop changes in ``other`` or ``e``, ``c`` a constant dividing ``other - e``), or None."""
    got = _stride(mine, p)
    if got is None or names(got[0]) or names(other) & sp.varying or names(got[1]) & sp.varying:
        return None
    c = const(got[0])
    diff = minus(other, got[1])
    if not c or any(v % c for v in diff.values()):
        return None
    return {m: v // c for m, v in diff.items() if v}


def _check_exits(out: LoopIssues, exits: list[tuple[str, int]]) -> None:
    for name, _ in exits:
        out.add("exit", f"`{name}` leaves the loop")


def _check_calls(out: LoopIssues, calls: list[tuple[str, int]]) -> None:
    for name, _ in calls:
        if name in _PURE:
            continue
        out.add("call_effects" if name in _EFFECTS else "call_unknown", f"calls `{name}`")


def _reduction_op(accs: list[Access], name: str) -> str | None:
    """The reduction operator when every write of ``name`` is a reduction form."""
    writes = [x for x in accs if x.base == name and x.write]
    ops = set()
    for w in writes:
        if w.op in _RED_OPS:
            ops.add({"-=": "+=", }.get(w.op, w.op))
        elif w.op in ("++", "--"):
            ops.add("+=")
        elif w.op == "=" and (upd := _self_update(w.rhs, name)):
            ops.add(upd)
        else:
            return None
    return next(iter(ops)) if len(ops) == 1 else None


_PREC = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "+": 6, "-": 6, "*": 7, "/": 7, "%": 7}


def _self_update(rhs: str, name: str) -> str | None:
    """``name op e`` / ``e op name`` (op + * & | ^ && ||) or ``max(name, e)``: the operator."""
    t = rhs.split()
    top, depth = [], 0
    for x in t:
        depth += x in ("(", "[") and 1 or (x in (")", "]") and -1 or 0)
        if depth == 0 and x in _PREC:
            top.append(x)
    for op in ((t[1] if len(t) >= 3 and t[0] == name else None),
               (t[-2] if len(t) >= 3 and t[-1] == name and t[-2] != "-" else None)):
        if op in _PREC and all(_PREC[x] > _PREC[op] or _PREC[x] == _PREC[op] for x in top):
            return {"-": "+"}.get(op, op) + "="
    if t and t[0] in _MAXMIN and name in t:
        return ("max" if "max" in t[0].lower() else "min") + "="
    return None


def _stride(p: Poly, v: str) -> tuple[Poly, Poly] | None:
    """``p`` as ``v * s + r`` (``v`` in neither ``s`` nor ``r``), or None."""
    s: Poly = {}
    r: Poly = {}
    for m, c in p.items():
        if m.count(v) > 1:
            return None
        if v in m:
            s[tuple(x for x in m if x != v)] = c
        else:
            r[m] = c
    return (s, r) if s else None


def _strided(pr: Poly, pw: Poly, p: str, sp: _Space) -> bool:
    """Whether ``pr`` and ``pw`` are ``p*s + r`` with one stride ``s`` and rests that stay less
    than ``s`` apart: then they name one element only for one value of ``p``."""
    a, z = _stride(pr, p), _stride(pw, p)
    if a is None or z is None or a[0] != z[0] or names(a[0]) & sp.varying:
        return False
    counts = [sp.counts[v] for v in (names(pr) | names(pw) | {p}) if v in sp.counts]
    ra, rz = span(a[1], sp.ranges, counts), span(z[1], sp.ranges, counts)
    if ra is None or rz is None or (names(ra[0]) | names(ra[1]) | names(rz[0]) | names(rz[1])) \
            & sp.varying:
        return False
    stride = a[0]
    return at_least_one(stride, counts) \
        and at_least_one(minus(stride, minus(rz[1], ra[0])), counts) \
        and at_least_one(minus(stride, minus(ra[1], rz[0])), counts)


def _check_scalars(out: LoopIssues, accs: list[Access], local: set[str]) -> None:
    names = {x.base for x in accs if x.write and not x.subs and x.base not in local
             and re.fullmatch(IDENT, x.base)}
    # a scalar only ever updated in ``atomic`` constructs is no race and needs no reduction
    names &= {x.base for x in accs if x.write and not x.subs and not x.atomic}
    for name in sorted(names):
        mine = [x for x in accs if x.base == name and not x.subs]
        op = _reduction_op(accs, name)
        reads = [x for x in mine if not x.write]
        writes = [x for x in mine if x.write]
        if op is not None:
            # a reduction when the scalar is read only by its own updates
            if len(reads) <= len(writes) or all(any(w.pos > r.pos for w in writes)
                                                for r in reads):
                out.reductions[name] = op[:-1]
                continue
        first_w = min(writes, key=lambda x: x.pos)
        minmax = _minmax_form(mine)
        if minmax:
            out.reductions[name] = minmax
            continue
        # ``p->x`` and ``s.y`` (read or written) read the pointer or object itself
        reads = reads + [x for x in accs if x.base != name and re.split(r"\W", x.base)[0] == name]
        # a read (or an update such as ``x /= 2``) sees this iteration's value when a plain
        # assignment before it runs whenever it runs: in no conditional block it is not in
        uses = reads + [w for w in writes if w.op != "="]
        if any(not any(w.op == "=" and w.pos < u.pos and w.scopes <= u.scopes for w in writes)
               for u in uses):
            if not reads and first_w.cond:
                out.add("live_out", f"`{name}` is set in the loop and never read in it")
                continue
            out.add("recurrence", f"`{name}` is read before it is assigned in an iteration",
                    name)
        elif not any(r.pos > first_w.pos for r in reads):
            out.add("live_out", f"`{name}` is set in the loop and never read in it")


def _minmax_form(mine: list[Access]) -> str | None:
    """``m = max(m, e)`` (the write is followed by a read of m inside max) or
    ``if (e > m) m = e`` (a conditional write after a read)."""
    writes = [x for x in mine if x.write]
    name = writes[0].base if writes else ""
    if all(w.cond and w.op == "=" and re.search(rf"[<>]=?[^<>]*\b{re.escape(name)}\b|"
                                               rf"\b{re.escape(name)}\b[^<>]*[<>]", w.conds)
           for w in writes):
        return "max"
    return None


def _index_sources(accs: list[Access], par: set[str]) -> tuple[set[str], set[str], set[str]]:
    """(scalars computed from data, from a parallel index, pointers to the iteration's own
    element) among the loop's scalar assignments."""
    # scalars computed from data (``j = idx[i]``) and from a parallel index (``k = i*n + j``)
    from_data: set[str] = set()
    derived = set(par)
    # pointers to an element a parallel index picks (``c = &(m->cell[i])``): ``c->u[k]`` is
    # that iteration's own element (every assignment of the pointer in the loop is such an
    # address)
    own: set[str] = set()
    not_own: set[str] = set()
    for x in accs:
        if not x.write or x.subs:
            continue
        if x.op == "=" and x.rhs.startswith("&") and x.rhs.count("[") <= 1 \
                and _mentions(x.rhs, derived):
            own.add(x.base)
        else:
            not_own.add(x.base)
        if x.op == "=":
            if "[" in x.rhs or _mentions(x.rhs, from_data):
                from_data.add(x.base)
            elif _mentions(x.rhs, derived):
                derived.add(x.base)
    return from_data, derived, own - not_own


def _check_arrays(out: LoopIssues, accs: list[Access], local: set[str], par: set[str],
                  sp: _Space) -> None:
    from_data, derived, own = _index_sources(accs, par)
    arrays = {x.base for x in accs if x.subs and x.write}
    for name in sorted(arrays):
        if name in local:
            continue
        ws = [x for x in accs if x.base == name and x.subs and x.write]
        rs = [x for x in accs if x.base == name and x.subs and not x.write]
        for w in ws:
            if w.atomic:  # an update in an ``atomic`` construct is no race
                continue
            if any("[" in s for s in w.subs) or any(_mentions(s, from_data) for s in w.subs):
                out.add("indirect_write", f"`{element(name, w.subs)}` is written through "
                        "an index read from data", name)
                continue
            if not any(_mentions(s, derived) for s in w.subs) \
                    and re.split(r"\W", name)[0] not in own:
                out.add("same_element", f"`{element(name, w.subs)}` is written by every "
                        "iteration", name)
                continue
        wkeys = {tuple(w.subs) for w in ws}
        for r in rs:
            for wk in wkeys:
                if tuple(r.subs) == wk:
                    continue
                # a subscript that differs and uses a parallel index or a local computed
                # from one (``up = i > 0 ? c - n : c``) reaches another iteration's element
                if (len(r.subs) != len(wk) or any(
                        rs_ != ws_ and _mentions(f"{rs_} {ws_}", derived)
                        for rs_, ws_ in zip(r.subs, wk, strict=True))) \
                        and not _apart(r.subs, list(wk), par, sp):
                    out.add("carried", f"`{element(name, r.subs)}` read, "
                            f"`{element(name, list(wk))}` written", name)
                    break


# ----------------------------------------------------------------------------------------------
# The pragma side
# ----------------------------------------------------------------------------------------------


def _innermost_compute(enclosing: Sequence[str]) -> str:
    out = "none"
    for e in enclosing:
        m = re.match(r"\s*#\s*pragma\s+acc\s+(\w+)", e or "")
        if m and m.group(1) in ("parallel", "kernels", "serial"):
            out = m.group(1)
    return out


def asserts_parallel(pragma: str, enclosing: Sequence[str] = ()) -> tuple[bool, int]:
    """(does the pragma claim the loop's iterations are independent, how many loops of the
    nest it covers).  Read with a regex of this module's own, not the pragma model's."""
    text = " ".join(pragma.split())
    m = re.match(r"#\s*pragma\s+acc\s+(.*)$", text)
    if not m:
        return False, 0
    body = m.group(1)
    words = set(re.findall(r"\b([a-z_]+)\b(?!\s*:)", re.sub(r"\([^()]*\)", "()", body)))
    head = body.split("(")[0].split()
    directive = " ".join(head[:2]) if head[:2] in (["parallel", "loop"], ["kernels", "loop"],
                                                  ["serial", "loop"]) else (head[:1] or [""])[0]
    c = re.search(r"\bcollapse\s*\(\s*(?:force\s*:\s*)?(\d+)", body)
    n = int(c.group(1)) if c else 1
    if "seq" in words or "auto" in words:
        return False, 0
    if "independent" in words:
        return True, n
    if directive in ("kernels", "kernels loop", "serial loop", "serial", "parallel", "data") \
            or (directive == "loop" and _innermost_compute(enclosing) == "kernels"):
        return False, 0
    return directive in ("parallel loop", "loop"), n


def _named(pragma: str, clause: str) -> set[str]:
    out: set[str] = set()
    for m in re.finditer(rf"\b{clause}\s*\(([^()]*)\)", pragma):
        args = m.group(1).split(":", 1)[-1] if clause == "reduction" else m.group(1)
        out |= set(re.findall(IDENT, args))
    return out


def unsafe_kinds(code: str, pragma: str | None, enclosing: Sequence[str] = (),
                 issues: LoopIssues | None = None) -> dict[str, list[str]]:
    """The issue kinds that make ``pragma`` wrong on the loop ``code`` (empty: none seen)."""
    if not pragma:
        return {}
    par, n = asserts_parallel(pragma, enclosing)
    if not par:
        return {}
    iss = issues if issues is not None else check_loop(code, n)
    if not iss.parsed:
        return {}
    named = _named(pragma, "reduction")
    priv = _named(pragma, "private") | _named(pragma, "firstprivate")
    out: dict[str, list[str]] = {}
    for kind, whys in iss.kinds.items():
        subs = iss.subjects.get(kind, [""] * len(whys))
        for why, sub in zip(whys, subs, strict=True):
            # an array the pragma makes private is each iteration's own copy
            if kind in _PER_ARRAY and re.split(r"\W", sub)[0] in priv:
                continue
            out.setdefault(kind, []).append(why)
    for name, op in iss.reductions.items():
        if name not in named and name not in priv:
            out.setdefault("reduction_missing", []).append(f"`{name}` is a {op} reduction")
    return out
