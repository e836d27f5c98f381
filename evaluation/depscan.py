"""The token-level reading of a loop for :mod:`evaluation.depcheck` (its own tokenizer and
statement scanner; nothing shared with the analysis the engines and the safety guard use)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Access", "Loop", "element", "tokens", "match", "for_at", "nest", "declared", "scan", "split_args",
           "stmt_end", "bounds", "split_args_by", "ATOMIC", "KEYWORDS", "TYPES"]

_TOK = re.compile(r"""[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*|\d[\w.]*|->|\+\+|--|<<=|>>=|[-+*/%&|^<>!=]=
                      |&&|\|\||<<|>>|[^\s\w]""", re.VERBOSE)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", re.S)
_PP = re.compile(r"^[ \t]*#[^\n]*", re.M)
_ATOMIC_LINE = re.compile(r"[ \t]*#\s*pragma\s+acc\s+atomic\b")
ATOMIC = "__acc_atomic__"  # the token an ``acc atomic`` directive line becomes
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}
TYPES = {"int", "long", "short", "char", "float", "double", "unsigned", "signed", "const",
          "size_t", "auto", "bool", "register", "static", "struct", "real", "float2",
          "float3", "float4", "double2", "double3", "complex", "volatile", "restrict",
         "constexpr"}
KEYWORDS = {"for", "while", "do", "if", "else", "switch", "case", "default", "return", "break",
             "continue", "goto", "sizeof", "typedef", ATOMIC} | TYPES
_EXITS = {"exit", "abort", "_exit", "quick_exit", "longjmp", "siglongjmp"}


def tokens(code: str) -> list[str]:
    code = _COMMENT.sub(lambda m: " " if m.group(0)[0] == "/" else '""', code)
    return _TOK.findall(_PP.sub(lambda m: f" {ATOMIC} " if _ATOMIC_LINE.match(m.group(0)) else " ",
                                code))


def match(toks: list[str], k: int) -> int:
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
class Loop:
    index: str | None
    body: tuple[int, int]  # token range of the body
    header: tuple[int, int]


def for_at(toks: list[str], k: int) -> Loop | None:
    """The ``for`` whose keyword is at ``k``: its index and the token range of its body."""
    if k + 1 >= len(toks) or toks[k + 1] != "(":
        return None
    close = match(toks, k + 1)
    head = toks[k + 2:close]
    index = None
    for j, t in enumerate(head):
        if t in ("=", ";", ":") and j > 0 and re.match(r"[A-Za-z_]", head[j - 1]):
            index = head[j - 1]
            break
    start = close + 1
    if start < len(toks) and toks[start] == "{":
        end = match(toks, start)
        return Loop(index, (start + 1, end), (k, close))
    depth, j = 0, start
    while j < len(toks):  # a single statement: up to its ';' (a nested for/if included)
        if toks[j] in "([{":
            j = match(toks, j)
        elif toks[j] == "for":
            inner = for_at(toks, j)
            if inner is None:
                break
            j = inner.body[1]
            if j < len(toks) and toks[j] == "}":
                break
            continue
        elif toks[j] == ";" and depth == 0:
            break
        j += 1
    return Loop(index, (start, min(j + 1, len(toks))), (k, close))


def bounds(toks: list[str], loop: Loop) -> tuple[str, str] | None:
    """(first, last) value of a unit-step loop's index as text (``for (i = a; i < b; i++)``:
    ``a`` and ``(b)-1``; a loop counting down the other way round), or None."""
    k, close = loop.header
    parts = split_args_by(toks, k + 1, ";")
    if loop.index is None or len(parts) != 3:
        return None
    v = loop.index
    init = re.fullmatch(rf"(?:.*\s)?{re.escape(v)}\s=\s(.+)", parts[0])
    if not init:
        return None
    step = parts[2].replace(" ", "")
    up = step in (f"{v}++", f"++{v}", f"{v}+=1", f"{v}={v}+1")
    down = step in (f"{v}--", f"--{v}", f"{v}-=1", f"{v}={v}-1")
    test = re.fullmatch(rf"{re.escape(v)}\s(<=|<|>=|>)\s(.+)", parts[1])
    if not test or not (up or down):
        return None
    op, lim = test.group(1), test.group(2)
    first = init.group(1)
    if up and op in ("<", "<="):
        return first, (f"({lim})-1" if op == "<" else lim)
    if down and op in (">", ">="):
        return (f"({lim})+1" if op == ">" else lim), first
    return None


def split_args_by(toks: list[str], k: int, sep: str) -> list[str]:
    """The top-level ``sep``-separated parts of the parenthesis at ``k``, tokens joined by one
    space."""
    out: list[list[str]] = [[]]
    depth = 0
    for t in toks[k + 1:match(toks, k)]:
        if t == sep and depth == 0:
            out.append([])
            continue
        depth += t in "([{" and 1 or (t in ")]}" and -1 or 0)
        out[-1].append(t)
    return [" ".join(x) for x in out]


def nest(toks: list[str], loop: Loop) -> list[str]:
    """Indices of the perfectly nested loops, the annotated one first."""
    out = [loop.index or ""]
    lp = loop
    while True:
        a, b = lp.body
        if a < b and toks[a] == "for":
            inner = for_at(toks, a)
            if inner is None:
                break
            out.append(inner.index or "")
            lp = inner
            continue
        break
    return out


_OPENER = {"]": "[", ")": "("}


def _group_start(toks: list[str], j: int) -> int:
    """Index of the token that opens the bracket group ``toks[j]`` closes (-1: unbalanced)."""
    close, open_ = toks[j], _OPENER[toks[j]]
    depth = 0
    while j >= 0:
        depth += toks[j] == close
        depth -= toks[j] == open_
        if depth == 0:
            break
        j -= 1
    return j


def _lhs_start(toks: list[str], k: int) -> int:
    """Start of the postfix expression that ends just before ``k``."""
    j = k - 1
    while j >= 0:
        t = toks[j]
        if t in _OPENER:  # a subscript, or (*p) or a cast: take the group
            j = _group_start(toks, j) - 1
            continue
        if re.match(r"[A-Za-z_]", t) and t not in KEYWORDS:
            if j > 0 and toks[j - 1] in (".", "->"):
                j -= 2
                continue
            if j > 0 and toks[j - 1] == "*" and (j < 2 or toks[j - 2] in (";", "{", "}", ")", ",")):
                j -= 1
            return j
        return j + 1
    return 0


@dataclass
class Access:
    base: str
    subs: list[str]
    write: bool
    op: str
    pos: int
    cond: bool
    rhs: str = ""  # the assigned expression of a plain `=` write
    conds: str = ""  # the conditions it is under
    scopes: frozenset[tuple[int, int]] = frozenset()  # the conditional blocks it is in
    atomic: bool = False  # in the statement (or block) of an ``acc atomic`` directive


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
    subs: list[str] = []
    marked = 0
    while j < end and toks[j] == "[":
        c = match(toks, j)
        subs.append("".join(toks[j + 1:c]))
        j = c + 1
        # a member of an element (``s[j].x[i]``, base ``s[].x``): one path, every subscript
        # on it counts
        if j + 1 < end and toks[j] in (".", "->") and re.match(r"[A-Za-z_]", toks[j + 1]):
            base.append("[]" * (len(subs) - marked))
            marked = len(subs)
            while j + 1 < end and toks[j] in (".", "->") and re.match(r"[A-Za-z_]", toks[j + 1]):
                base += toks[j:j + 2]
                j += 2
    return "".join(base), subs, j


def element(base: str, subs: list[str]) -> str:
    """The access ``base`` + ``subs`` as written (``s[].x``, ``[j, i]``: ``s[j].x[i]``)."""
    out, rest = "", list(subs)
    for part in re.split(r"(\[\])", base):
        out += f"[{rest.pop(0)}]" if part == "[]" and rest else part
    return out + "".join(f"[{x}]" for x in rest)


def declared(toks: list[str], a: int, b: int) -> set[str]:
    out = _declared_builtin(toks, a, b)
    for j in range(a, b - 2):  # `T x = ...;` / `T *x;` / `T x[4];` with a user type T
        if (j == a or toks[j - 1] in (";", "{", "}")) and re.match(r"[A-Za-z_]", toks[j]) \
                and toks[j] not in KEYWORDS:
            m = j + 1
            while m < b and toks[m] in ("*", "&"):
                m += 1
            if m + 1 < b and re.match(r"[A-Za-z_]", toks[m]) and toks[m] not in KEYWORDS \
                    and toks[m + 1] in ("=", ";", ",", "["):
                out |= _declarators(toks, m, b)
    return out


def _declarators(toks: list[str], m: int, b: int) -> set[str]:
    """The names of a declaration whose first declarator starts at ``m`` (``T x, *y = e, z[4];``:
    every name after a top-level comma up to the ``;``)."""
    out = {toks[m]}
    depth, n = 0, m + 1
    while n < b and not (depth == 0 and toks[n] == ";"):
        if toks[n] in "([{":
            depth += 1
        elif toks[n] in ")]}":
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and toks[n] == ",":
            k = n + 1
            while k < b and toks[k] in ("*", "&"):
                k += 1
            if k < b and re.match(r"[A-Za-z_]", toks[k]) and toks[k] not in KEYWORDS:
                out.add(toks[k])
        n += 1
    return out


def _declared_builtin(toks: list[str], a: int, b: int) -> set[str]:
    out: set[str] = set()
    for j in range(a, b):
        t = toks[j]
        if (t in TYPES or t.endswith("_t")) and j + 1 < b:
            prev = toks[j - 1] if j > a else ";"
            # after a statement's start, a type word, or an attribute macro that opens the
            # statement (``UNUSED real e, de;``)
            attribute = re.match(r"[A-Za-z_]", prev) is not None and prev not in KEYWORDS \
                and (j - 1 == a or toks[j - 2] in (";", "{", "}"))
            if prev not in (";", "{", "}", "(", ")") and prev not in TYPES \
                    and not prev.endswith("_t") and not attribute:
                continue
            m = j + 1
            while m < b and (toks[m] in TYPES or toks[m] in ("*", "&")):
                m += 1
            if m < b and re.match(r"[A-Za-z_]", toks[m]):
                out |= _declarators(toks, m, b)
    return out


def scan(toks: list[str], a: int, b: int) -> tuple[list[Access], list[tuple[str, int]],
                                                   list[tuple[str, int]]]:
    """Accesses (array and scalar, reads and writes, in order), calls and exits in the body."""
    accs: list[Access] = []
    calls: list[tuple[str, int]] = []
    exits: list[tuple[str, int]] = []
    written_at = _write_starts(toks, a, b)
    # (where a conditional scope starts, where it ends, its condition)
    cond_depth: list[tuple[int, int, str]] = []
    loops: list[int] = []
    switches: list[int] = []
    atomic_end = -1
    j = a
    while j < b:
        t = toks[j]
        if t == ATOMIC and j + 1 < b:
            atomic_end = match(toks, j + 1) if toks[j + 1] == "{" else stmt_end(toks, j + 1, b)
        conds = " ".join(c for _, e, c in cond_depth if e > j)
        cond = any(e > j for _, e, _ in cond_depth)
        scopes = frozenset((s, e) for s, e, _ in cond_depth if e > j)
        if t in ("if", "?", "else", "case"):
            # the rest of the statement (or block) runs conditionally
            k, text = j + 1, ""
            if k < b and toks[k] == "(":
                text = " ".join(toks[k:match(toks, k) + 1])
                k = match(toks, k) + 1
            end = match(toks, k) if k < b and toks[k] == "{" else stmt_end(toks, k, b)
            cond_depth.append((j, end, text))
        if t in ("for", "while", "do"):
            lp = for_at(toks, j) if t == "for" else None
            end = lp.body[1] if lp else (match(toks, j + 1) if j + 1 < b and toks[j + 1] == "("
                                         else j)
            if t != "for" and end + 1 < b and toks[end + 1] == "{":
                end = match(toks, end + 1)
            loops.append(end)
        if t == "switch":
            k = match(toks, j + 1) + 1 if j + 1 < b and toks[j + 1] == "(" else j + 1
            switches.append(match(toks, k) if k < b and toks[k] == "{" else k)
        if t in ("return", "goto"):
            exits.append((t, j))
        elif t == "break" and not any(e > j for e in loops) and not any(e > j for e in switches):
            exits.append(("break", j))
        elif re.match(r"[A-Za-z_]", t) and j + 1 < b and toks[j + 1] == "(" \
                and t not in KEYWORDS:
            (exits if t in _EXITS else calls).append((t, j))
        if t in _ASSIGN or t in ("++", "--"):
            w = _write(toks, j, a, b)
            if w is not None:
                w.cond, w.conds, w.scopes, w.atomic = cond, conds, scopes, j <= atomic_end
                accs.append(w)
        if re.match(r"[A-Za-z_]", t) and t not in KEYWORDS and j not in written_at and \
                (j == a or toks[j - 1] not in (".", "->")) and not (j + 1 < b and toks[j + 1] == "("):
            base, subs, _ = _subs(toks, j, b)
            accs.append(Access(base.lstrip("*"), subs, False, "", j, cond, scopes=scopes))
        j += 1
    return accs, calls, exits


def _write(toks: list[str], j: int, a: int, b: int) -> Access | None:
    """The store of the assignment or ``++``/``--`` at ``j`` (None: no operand found)."""
    s = _lhs_of(toks, j, a, b)
    if s is None:
        return None
    base, subs, after = _subs(toks, s, b)
    if after < b and toks[after] == "(":  # a macro that names an element
        subs = split_args(toks, after)
    end = stmt_end(toks, j + 1, b)
    if not base:
        return None
    # the store happens after the right-hand side is read
    return Access(base, subs, True, toks[j], end, False, " ".join(toks[j + 1:end])
                  if toks[j] == "=" else "")


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


def split_args(toks: list[str], k: int) -> list[str]:
    """The top-level comma-separated arguments of the parenthesis at ``k``, as text."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for t in toks[k + 1:match(toks, k)]:
        if t == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        depth += t in "([{" and 1 or (t in ")]}" and -1 or 0)
        cur.append(t)
    return [*out, "".join(cur)]


def stmt_end(toks: list[str], k: int, b: int) -> int:
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
