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

__all__ = ["DEFINITE", "POSSIBLE", "LoopIssues", "check_loop", "asserts_parallel", "unsafe_kinds"]

DEFINITE = ("carried", "same_element", "indirect_write", "recurrence", "reduction_missing",
            "exit", "call_effects")
POSSIBLE = ("call_unknown", "live_out")

_TOK = re.compile(r"""[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*|\d[\w.]*|->|\+\+|--|<<=|>>=|[-+*/%&|^<>!=]=
                      |&&|\|\||<<|>>|[^\s\w]""", re.VERBOSE)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", re.S)
_PP = re.compile(r"^[ \t]*#[^\n]*", re.M)
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}
_RED_OPS = {"+=", "-=", "*=", "&=", "|=", "^="}
_TYPES = {"int", "long", "short", "char", "float", "double", "unsigned", "signed", "const",
          "size_t", "auto", "bool", "register", "static", "struct", "real", "float2",
          "float3", "float4", "double2", "double3", "complex", "volatile", "restrict"}
_KEYWORDS = {"for", "while", "do", "if", "else", "switch", "case", "default", "return", "break",
             "continue", "goto", "sizeof", "typedef"} | _TYPES
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
_EXITS = {"exit", "abort", "_exit", "quick_exit", "longjmp", "siglongjmp"}


def _tokens(code: str) -> list[str]:
    code = _COMMENT.sub(lambda m: " " if m.group(0)[0] == "/" else '""', code)
    return _TOK.findall(_PP.sub(" ", code))


def _match(toks: list[str], k: int) -> int:
    """Index of the bracket closing the one at ``k`` (or len(toks))."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    open_, close, depth = toks[k], pairs[toks[k]], 0
    for j in range(k, len(toks)):
        if toks[j] == open_:
            depth += 1
        elif toks[j] == close:
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


@dataclass
class _Loop:
    index: str | None
    body: tuple[int, int]  # token range of the body
    header: tuple[int, int]


def _for_at(toks: list[str], k: int) -> _Loop | None:
    """The ``for`` whose keyword is at ``k``: its index and the token range of its body."""
    if k + 1 >= len(toks) or toks[k + 1] != "(":
        return None
    close = _match(toks, k + 1)
    head = toks[k + 2:close]
    index = None
    for j, t in enumerate(head):
        if t in ("=", ";", ":") and j > 0 and re.match(r"[A-Za-z_]", head[j - 1]):
            index = head[j - 1]
            break
    start = close + 1
    if start < len(toks) and toks[start] == "{":
        end = _match(toks, start)
        return _Loop(index, (start + 1, end), (k, close))
    depth, j = 0, start
    while j < len(toks):  # a single statement: up to its ';' (a nested for/if included)
        if toks[j] in "([{":
            j = _match(toks, j)
        elif toks[j] == "for":
            inner = _for_at(toks, j)
            if inner is None:
                break
            j = inner.body[1]
            if j < len(toks) and toks[j] == "}":
                break
            continue
        elif toks[j] == ";" and depth == 0:
            break
        j += 1
    return _Loop(index, (start, min(j + 1, len(toks))), (k, close))


def _nest(toks: list[str], loop: _Loop) -> list[str]:
    """Indices of the perfectly nested loops, the annotated one first."""
    out = [loop.index or ""]
    lp = loop
    while True:
        a, b = lp.body
        if a < b and toks[a] == "for":
            inner = _for_at(toks, a)
            if inner is None:
                break
            out.append(inner.index or "")
            lp = inner
            continue
        break
    return out


def _lhs_start(toks: list[str], k: int) -> int:
    """Start of the postfix expression that ends just before ``k``."""
    j = k - 1
    while j >= 0:
        t = toks[j]
        if t == "]":
            depth = 0
            while j >= 0:
                depth += toks[j] == "]"
                depth -= toks[j] == "["
                if depth == 0:
                    break
                j -= 1
            j -= 1
            continue
        if t == ")":  # (*p) or a cast: take the group
            depth = 0
            while j >= 0:
                depth += toks[j] == ")"
                depth -= toks[j] == "("
                if depth == 0:
                    break
                j -= 1
            j -= 1
            continue
        if re.match(r"[A-Za-z_]", t) and t not in _KEYWORDS:
            if j > 0 and toks[j - 1] in (".", "->"):
                j -= 2
                continue
            if j > 0 and toks[j - 1] == "*" and (j < 2 or toks[j - 2] in (";", "{", "}", ")", ",")):
                j -= 1
            return j
        return j + 1
    return 0


@dataclass
class _Access:
    base: str
    subs: list[str]
    write: bool
    op: str
    pos: int
    cond: bool
    rhs: str = ""  # the assigned expression of a plain `=` write
    conds: str = ""  # the conditions it is under


def _subs(toks: list[str], k: int, end: int) -> tuple[str, list[str], int]:
    """(base text, subscripts, index after) of the access starting at ``k``."""
    j, base = k, []
    while j < end and toks[j] == "*":  # a dereference in front
        base.append("*")
        j += 1
    if j < end and re.match(r"[A-Za-z_]", toks[j]):
        base.append(toks[j])
        j += 1
    while j + 1 < end and toks[j] in (".", "->") and re.match(r"[A-Za-z_]", toks[j + 1]):
        base += toks[j:j + 2]
        j += 2
    subs = []
    while j < end and toks[j] == "[":
        c = _match(toks, j)
        subs.append("".join(toks[j + 1:c]))
        j = c + 1
    return "".join(base), subs, j


@dataclass
class LoopIssues:
    """What :func:`check_loop` sees in one loop (``kinds``: kind -> short reasons)."""

    parsed: bool = False
    nest: list[str] = field(default_factory=list)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    reductions: dict[str, str] = field(default_factory=dict)  # scalar -> op

    def add(self, kind: str, why: str) -> None:
        self.kinds.setdefault(kind, []).append(why)


def _declared(toks: list[str], a: int, b: int) -> set[str]:
    out = _declared_builtin(toks, a, b)
    for j in range(a, b - 2):  # `T x = ...;` / `T *x;` / `T x[4];` with a user type T
        if (j == a or toks[j - 1] in (";", "{", "}")) and re.match(r"[A-Za-z_]", toks[j]) \
                and toks[j] not in _KEYWORDS:
            m = j + 1
            while m < b and toks[m] in ("*", "&"):
                m += 1
            if m + 1 < b and re.match(r"[A-Za-z_]", toks[m]) and toks[m] not in _KEYWORDS \
                    and toks[m + 1] in ("=", ";", ",", "["):
                out.add(toks[m])
    return out


def _declared_builtin(toks: list[str], a: int, b: int) -> set[str]:
    out: set[str] = set()
    for j in range(a, b):
        t = toks[j]
        if (t in _TYPES or t.endswith("_t")) and j + 1 < b:
            prev = toks[j - 1] if j > a else ";"
            if prev not in (";", "{", "}", "(", ")") and prev not in _TYPES \
                    and not prev.endswith("_t"):
                continue
            m = j + 1
            while m < b and (toks[m] in _TYPES or toks[m] in ("*", "&")):
                m += 1
            while m < b and re.match(r"[A-Za-z_]", toks[m]):
                out.add(toks[m])
                n = m + 1
                depth = 0
                while n < b:  # skip the initialiser up to ',' or ';'
                    if toks[n] in "([{":
                        depth += 1
                    elif toks[n] in ")]}":
                        depth -= 1
                        if depth < 0:
                            break
                    elif depth == 0 and toks[n] in (",", ";"):
                        break
                    n += 1
                if n < b and toks[n] == ",":
                    m = n + 1
                    while m < b and toks[m] in ("*", "&"):
                        m += 1
                    continue
                break
    return out


def _scan(toks: list[str], a: int, b: int) -> tuple[list[_Access], list[tuple[str, int]],
                                                   list[tuple[str, int]]]:
    """Accesses (array and scalar, reads and writes, in order), calls and exits in the body."""
    accs: list[_Access] = []
    calls: list[tuple[str, int]] = []
    exits: list[tuple[str, int]] = []
    written_at = _write_starts(toks, a, b)
    cond_depth: list[tuple[int, str]] = []  # (where a conditional scope ends, its condition)
    loops: list[int] = []
    switches: list[int] = []
    j = a
    while j < b:
        t = toks[j]
        conds = " ".join(c for e, c in cond_depth if e > j)
        cond = any(e > j for e, _ in cond_depth)
        if t in ("if", "?", "else", "case"):
            # the rest of the statement (or block) runs conditionally
            k, text = j + 1, ""
            if k < b and toks[k] == "(":
                text = " ".join(toks[k:_match(toks, k) + 1])
                k = _match(toks, k) + 1
            end = _match(toks, k) if k < b and toks[k] == "{" else _stmt_end(toks, k, b)
            cond_depth.append((end, text))
        if t in ("for", "while", "do"):
            lp = _for_at(toks, j) if t == "for" else None
            end = lp.body[1] if lp else (_match(toks, j + 1) if j + 1 < b and toks[j + 1] == "("
                                         else j)
            if t != "for" and end + 1 < b and toks[end + 1] == "{":
                end = _match(toks, end + 1)
            loops.append(end)
        if t == "switch":
            k = _match(toks, j + 1) + 1 if j + 1 < b and toks[j + 1] == "(" else j + 1
            switches.append(_match(toks, k) if k < b and toks[k] == "{" else k)
        if t in ("return", "goto"):
            exits.append((t, j))
        elif t == "break" and not any(e > j for e in loops) and not any(e > j for e in switches):
            exits.append(("break", j))
        elif re.match(r"[A-Za-z_]", t) and j + 1 < b and toks[j + 1] == "(" \
                and t not in _KEYWORDS:
            (exits if t in _EXITS else calls).append((t, j))
        if t in _ASSIGN or t in ("++", "--"):
            s = _lhs_of(toks, j, a, b)
            if s is not None:
                base, subs, after = _subs(toks, s, b)
                if after < b and toks[after] == "(":  # a macro that names an element
                    subs = _split_args(toks, after)
                end = _stmt_end(toks, j + 1, b)
                if base:  # the store happens after the right-hand side is read
                    rhs = " ".join(toks[j + 1:end]) if t == "=" else ""
                    accs.append(_Access(base, subs, True, t, end, cond, rhs, conds))
        if re.match(r"[A-Za-z_]", t) and t not in _KEYWORDS and j not in written_at and \
                (j == a or toks[j - 1] not in (".", "->")) and not (j + 1 < b and toks[j + 1] == "("):
            base, subs, _ = _subs(toks, j, b)
            accs.append(_Access(base.lstrip("*"), subs, False, "", j, cond))
        j += 1
    return accs, calls, exits


def _lhs_of(toks: list[str], j: int, a: int, b: int) -> int | None:
    """Where the operand written by the assignment or ``++``/``--`` at ``j`` starts."""
    t = toks[j]
    if t in ("++", "--") and j + 1 < b and re.match(r"[A-Za-z_*(]", toks[j + 1]) and \
            (j == a or not re.match(r"[\w\])]", toks[j - 1])):
        return j + 1  # prefix
    s = _lhs_start(toks, j)
    return s if s < j else None


def _write_starts(toks: list[str], a: int, b: int) -> set[int]:
    return {s for j in range(a, b) if toks[j] in _ASSIGN or toks[j] in ("++", "--")
            for s in [_lhs_of(toks, j, a, b)] if s is not None}


def _split_args(toks: list[str], k: int) -> list[str]:
    """The top-level comma-separated arguments of the parenthesis at ``k``, as text."""
    out, cur, depth = [], [], 0
    for t in toks[k + 1:_match(toks, k)]:
        if t == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        depth += t in "([{" and 1 or (t in ")]}" and -1 or 0)
        cur.append(t)
    return [*out, "".join(cur)]


def _stmt_end(toks: list[str], k: int, b: int) -> int:
    depth = 0
    while k < b:
        if toks[k] in "([{":
            depth += 1
        elif toks[k] in ")]}":
            depth -= 1
            if depth < 0:
                return k
        elif toks[k] == ";" and depth == 0:
            return k
        k += 1
    return b


def _mentions(text: str, names: set[str]) -> bool:
    return bool(set(re.findall(r"[A-Za-z_]\w*", text)) & names)


def check_loop(code: str, depth: int = 1) -> LoopIssues:
    """The issues visible in the first ``for`` loop of ``code`` when its first ``depth``
    perfectly nested loops run in parallel."""
    return _check_cached(code, depth)


@lru_cache(maxsize=32768)
def _check_cached(code: str, depth: int) -> LoopIssues:
    toks = _tokens(code)
    try:
        k = toks.index("for")
    except ValueError:
        return LoopIssues()
    loop = _for_at(toks, k)
    if loop is None or loop.index is None:
        return LoopIssues()
    out = LoopIssues(parsed=True, nest=_nest(toks, loop))
    a, b = loop.body
    local = _declared(toks, a, b) | {x for x in out.nest if x}
    for j in range(a, b):  # every inner loop's index is its own
        if toks[j] == "for":
            inner = _for_at(toks, j)
            if inner and inner.index:
                local.add(inner.index)
    accs, calls, exits = _scan(toks, a, b)
    _check_exits(out, exits)
    _check_calls(out, calls)
    _check_scalars(out, accs, local)
    _check_arrays(out, accs, local, {x for x in out.nest[:max(depth, 1)] if x})
    return out


def _check_exits(out: LoopIssues, exits: list[tuple[str, int]]) -> None:
    for name, _ in exits:
        out.add("exit", f"`{name}` leaves the loop")


def _check_calls(out: LoopIssues, calls: list[tuple[str, int]]) -> None:
    for name, _ in calls:
        if name in _PURE:
            continue
        out.add("call_effects" if name in _EFFECTS else "call_unknown", f"calls `{name}`")


def _reduction_op(accs: list[_Access], name: str) -> str | None:
    """The reduction operator when every write of ``name`` is a reduction form."""
    writes = [x for x in accs if x.base == name and x.write]
    ops = set()
    for w in writes:
        if w.op in _RED_OPS:
            ops.add({"-=": "+=", }.get(w.op, w.op))
        elif w.op in ("++", "--"):
            ops.add("+=")
        elif w.op == "=" and _self_update(w.rhs, name):
            ops.add(_self_update(w.rhs, name))
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


def _check_scalars(out: LoopIssues, accs: list[_Access], local: set[str]) -> None:
    names = {x.base for x in accs if x.write and not x.subs and x.base not in local
             and re.fullmatch(r"[A-Za-z_]\w*", x.base)}
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
        if any(r.pos < first_w.pos for r in reads) or first_w.op != "=" or first_w.cond:
            if not reads and first_w.cond:
                out.add("live_out", f"`{name}` is set in the loop and never read in it")
                continue
            out.add("recurrence", f"`{name}` is read before it is assigned in an iteration")
        elif not any(r.pos > first_w.pos for r in reads):
            out.add("live_out", f"`{name}` is set in the loop and never read in it")


def _minmax_form(mine: list[_Access]) -> str | None:
    """``m = max(m, e)`` (the write is followed by a read of m inside max) or
    ``if (e > m) m = e`` (a conditional write after a read)."""
    writes = [x for x in mine if x.write]
    name = writes[0].base if writes else ""
    if all(w.cond and w.op == "=" and re.search(rf"[<>]=?[^<>]*\b{re.escape(name)}\b|"
                                               rf"\b{re.escape(name)}\b[^<>]*[<>]", w.conds)
           for w in writes):
        return "max"
    return None


def _check_arrays(out: LoopIssues, accs: list[_Access], local: set[str], par: set[str]
                  ) -> None:
    # scalars computed from data (``j = idx[i]``) and from a parallel index (``k = i*n + j``)
    from_data: set[str] = set()
    derived = set(par)
    for x in accs:
        if x.write and not x.subs and x.op == "=":
            if "[" in x.rhs or _mentions(x.rhs, from_data):
                from_data.add(x.base)
            elif _mentions(x.rhs, derived):
                derived.add(x.base)
    arrays = {x.base for x in accs if x.subs and x.write}
    for name in sorted(arrays):
        if name in local:
            continue
        ws = [x for x in accs if x.base == name and x.subs and x.write]
        rs = [x for x in accs if x.base == name and x.subs and not x.write]
        for w in ws:
            if any("[" in s for s in w.subs) or any(_mentions(s, from_data) for s in w.subs):
                out.add("indirect_write", f"`{name}[{']['.join(w.subs)}]` is written through "
                        "an index read from data")
                continue
            if not any(_mentions(s, derived) for s in w.subs):
                out.add("same_element", f"`{name}[{']['.join(w.subs)}]` is written by every "
                        "iteration")
                continue
        wkeys = {tuple(w.subs) for w in ws}
        for r in rs:
            for wk in wkeys:
                if tuple(r.subs) == wk:
                    continue
                if len(r.subs) != len(wk) or any(
                        rs_ != ws_ and _mentions(rs_ + ws_, par)
                        for rs_, ws_ in zip(r.subs, wk, strict=True)):
                    out.add("carried", f"`{name}[{']['.join(r.subs)}]` read, "
                            f"`{name}[{']['.join(wk)}]` written")
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
        out |= set(re.findall(r"[A-Za-z_]\w*", args))
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
    out = {k: list(v) for k, v in iss.kinds.items()}
    named = _named(pragma, "reduction")
    priv = _named(pragma, "private") | _named(pragma, "firstprivate")
    for name, op in iss.reductions.items():
        if name not in named and name not in priv:
            out.setdefault("reduction_missing", []).append(f"`{name}` is a {op} reduction")
    return out
