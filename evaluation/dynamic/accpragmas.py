"""``#pragma acc`` lines of a C file as the translator needs them: where each one is, its parsed
form (the one parser, :func:`accellium.dataset.pragma.parse`), and its data-clause items as
calls into the emulation runtime (``runtime/accrt.h``)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from accellium.dataset.pragma import IDENT, Clause, Pragma, PragmaError, parse, split_top_level

__all__ = ["AccLine", "find_acc_lines", "strip_acc_keep_lines", "data_calls", "update_calls",
           "exit_calls", "DATA_KINDS", "c_string"]

_PRAGMA_START = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+(\w+)", re.MULTILINE)


@dataclass
class AccLine:
    start: int  # byte offset of the line start
    end: int  # byte offset of the end of its last (continued) line, newline excluded
    line: int  # 1-based line number of the first line
    text: str  # the pragma, continuations joined
    pragma: Pragma | None  # None when it cannot be parsed
    kind: str  # "acc", "omp" or other pragma namespace

    @property
    def directive(self) -> str:
        return self.pragma.directive if self.pragma else ""


def _logical_end(src: bytes, pos: int) -> int:
    """End of the line at ``pos`` and of the lines it continues onto with a backslash."""
    while True:
        nl = src.find(b"\n", pos)
        if nl < 0:
            return len(src)
        line = src[pos:nl].rstrip(b"\r").rstrip()
        if not line.endswith(b"\\"):
            return nl if src[nl - 1:nl] != b"\r" else nl - 1
        pos = nl + 1


def find_acc_lines(src: bytes) -> list[AccLine]:
    """Every ``#pragma`` line (acc, omp and others) in order; acc ones parsed."""
    out: list[AccLine] = []
    for m in _PRAGMA_START.finditer(src):
        if out and m.start() < out[-1].end:
            continue  # inside a continued pragma
        end = _logical_end(src, m.start())
        raw = src[m.start():end].decode("utf-8", "replace")
        text = re.sub(r"\\[ \t]*\r?\n", " ", raw)
        ns = m.group(1).decode("ascii", "replace").lower()
        prag = None
        if ns == "acc":
            try:
                prag = parse(text)
            except PragmaError:
                prag = None
        out.append(AccLine(m.start(), end, src.count(b"\n", 0, m.start()) + 1, text, prag, ns))
    return out


def strip_acc_keep_lines(src: bytes) -> bytes:
    """DESIGN §8: remove each ``#pragma acc`` line with its continuations, keeping line numbers
    (the lines stay, empty)."""
    out = bytearray(src)
    for a in reversed(find_acc_lines(src)):
        if a.kind == "acc":
            out[a.start:a.end] = re.sub(rb"[^\r\n]", b"", src[a.start:a.end])
    return bytes(out)


def c_string(text: str) -> str:
    """A C string literal of ``text`` (one line)."""
    t = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{t[:120]}"'


DATA_KINDS = {
    "copy": "ACCRT_COPY", "pcopy": "ACCRT_COPY", "present_or_copy": "ACCRT_COPY",
    "copyin": "ACCRT_COPYIN", "pcopyin": "ACCRT_COPYIN", "present_or_copyin": "ACCRT_COPYIN",
    "copyout": "ACCRT_COPYOUT", "pcopyout": "ACCRT_COPYOUT", "present_or_copyout": "ACCRT_COPYOUT",
    "create": "ACCRT_CREATE", "pcreate": "ACCRT_CREATE", "present_or_create": "ACCRT_CREATE",
    "present": "ACCRT_PRESENT", "no_create": "ACCRT_NO_CREATE", "deviceptr": "ACCRT_DEVICEPTR",
    "delete": "ACCRT_DELETE", "device_resident": "ACCRT_CREATE", "link": "ACCRT_CREATE",
}

_MODIFIER = re.compile(r"^\s*(readonly|zero|always\w*)\s*:(?!:)")


def _split_item(item: str) -> tuple[str, list[tuple[str | None, str | None, bool]]]:
    """``a[0:n][1:m]`` -> ("a", [("0", "n", True), ("1", "m", True)]); ``a[i]`` -> element."""
    item = item.strip()
    secs: list[tuple[str | None, str | None, bool]] = []
    while item.endswith("]"):
        depth = 0
        j = len(item) - 1
        while j >= 0:
            if item[j] == "]":
                depth += 1
            elif item[j] == "[":
                depth -= 1
                if depth == 0:
                    break
            j -= 1
        if j <= 0:
            break
        inner = item[j + 1:-1]
        parts = split_top_level(inner, ":")
        if len(parts) >= 2:
            lo = parts[0] or "0"
            ln = ":".join(parts[1:]) or None
            secs.insert(0, (lo, ln, True))
        else:
            secs.insert(0, (inner, None, False))
        item = item[:j].rstrip()
    return item, secs


def _item_range(item: str) -> tuple[str, str, str | None]:
    """C expressions (start address, byte count, rows call args or None) for one data item."""
    base, secs = _split_item(item)
    if not secs:
        return f"(void *)&({base})", f"sizeof({base})", None
    if not any(s[2] for s in secs):
        idx = "".join(f"[{s[0]}]" for s in secs)
        return f"(void *)&({base}){idx}", f"sizeof(({base}){idx})", None
    lo = [s[0] if s[2] else s[0] for s in secs]
    ln = [s[1] if s[2] else "1" for s in secs]
    first = "".join(f"[{x}]" for x in lo)
    if len(secs) == 1:
        if ln[0] is None:
            return (f"(void *)&({base}){first}",
                    f"(sizeof({base}) - (size_t)({lo[0]}) * sizeof(({base})[0]))", None)
        return f"(void *)&({base}){first}", f"((size_t)({ln[0]}) * sizeof(({base})[0]))", None
    last = "".join(f"[({x}) + ({n or 1}) - 1]" for x, n in zip(lo, ln, strict=True))
    start = f"(void *)&({base}){first}"
    nbytes = f"(size_t)((char *)(&({base}){last} + 1) - (char *)&({base}){first})"
    rows = None
    if len(secs) == 2:
        rows = (f"(void **)&({base})[{lo[0]}], (long)({ln[0] or 1}), "
                f"(size_t)({lo[1]}) * sizeof(({base})[0][0]), "
                f"(size_t)({ln[1] or 1}) * sizeof(({base})[0][0])")
    return start, nbytes, rows


def _items(c: Clause) -> list[str]:
    if not c.args:
        return []
    args = _MODIFIER.sub("", c.args)
    return [a for a in split_top_level(args) if a]


#: C++'s ``this`` is a pointer prvalue, no variable ([expr.prim.this]): a section of it
#: (``this[0:1]``) maps the object, but the pointer has no address to attach or bind
_PRVALUE = "this"


def _obj_check(base: str, secs: list, start: str, nbytes: str, txt: str, line: int,
               unsized: Collection[str] = ()) -> str:
    """A section of an array (not a pointer: stack, global, an array member) must lie inside
    the array: ``sizeof`` gives its extent (heap blocks are checked by the runtime); an array
    of unknown size (``unsized``: ``extern double E[];``, an incomplete type ``sizeof``
    cannot measure, C11 6.5.3.4p1) is not checked."""
    if not secs or base == _PRVALUE or base in unsized:
        return ""
    return (f"if (!ACCRT_ISPTR({base})) accrt_bounds_obj({start}, {nbytes}, (void *)&({base}), "
            f"sizeof({base}), {txt}, {line}); ")


def _one_call(kind: str, item: str, dynamic: int, line: int, unsized: Collection[str] = ()
              ) -> str:
    start, nbytes, rows = _item_range(item)
    txt = c_string(item)
    base, secs = _split_item(item)
    plain = "{ " + _obj_check(base, secs, start, nbytes, txt, line, unsized) + \
        f"accrt_data({kind}, {start}, {nbytes}, {dynamic}, {txt}, {line});"
    if secs and any(s[2] for s in secs) and base != _PRVALUE:
        if kind != "ACCRT_PRESENT":
            # a section of a pointer stored in device memory (a row, a struct member): attach
            # (biased where the section starts after what the pointer points to)
            plain += f" if (ACCRT_ISPTR({base})) accrt_attach((void **)&({base}), {start});"
        # the pointer is translated relative to the section (a variable in accrt_var, a
        # member's biased attachment in accrt_member_ptr)
        plain += (f" if (ACCRT_ISPTR({base})) accrt_bind_ptr((void **)&({base}), {start}, "
                  f"{nbytes});")
    plain += " }"  # one statement: it may be the else branch of the rows test below
    if rows is None:
        return plain
    bind = ""
    if re.fullmatch(IDENT, base) and secs[0][2] and base != _PRVALUE:
        # the pointer variable is translated relative to its pointer-array section, also where
        # that section starts after what it points to (w[1:n][..]: a biased pointer); w[k][..]
        # is a section of the row pointer w[k] only, not of w
        bind = (f" if (ACCRT_ISPTR({base})) accrt_bind_ptr((void **)&({base}), "
                f"(void *)&({base})[{secs[0][0]}], (size_t)1);")
    return (f"if (ACCRT_ISPTR(({base})[0])) {{ accrt_data_rows({kind}, {rows}, {dynamic}, 0, "
            f"{txt}, {line});{bind} }} else {plain}")


def data_calls(p: Pragma, line: int, dynamic: int = 0, unsized: Collection[str] = ()
               ) -> list[str]:
    """Calls for the data clauses of a construct (or enter data / declare when ``dynamic``).
    A parameter declared as an array (``double A[N][M]``) is a pointer (C11 6.7.6.3p7): named
    bare, the clause maps the pointer itself, as gcc does on a GPU.  ``unsized``: the arrays
    of unknown size (:func:`_obj_check`)."""
    out = []
    for c in p.clauses:
        kind = DATA_KINDS.get(c.name.lower())
        if kind is None or kind == "ACCRT_DELETE":
            continue
        for item in _items(c):
            out.append(_one_call(kind, item, dynamic, line, unsized))
    return out


def exit_calls(p: Pragma, line: int) -> list[str]:
    fin = 1 if p.has("finalize") else 0
    out = []
    for c in p.clauses:
        kind = DATA_KINDS.get(c.name.lower())
        if kind not in ("ACCRT_COPYOUT", "ACCRT_DELETE"):
            continue
        for item in _items(c):
            start, nbytes, rows = _item_range(item)
            txt = c_string(item)
            call = f"accrt_exit_data({kind}, {start}, {nbytes}, {fin}, {txt}, {line});"
            if rows is not None:
                base = _split_item(item)[0]
                call = (f"if (ACCRT_ISPTR(({base})[0])) accrt_data_rows(0, {rows}, 0, {kind}, "
                        f"{txt}, {line}); else {call}")
            out.append(call)
    return out


def update_calls(p: Pragma, line: int, unsized: Collection[str] = ()) -> list[str]:
    ifp = 1 if p.has("if_present") else 0
    out = []
    for c in p.clauses:
        name = c.name.lower()
        if name not in ("self", "host", "device"):
            continue
        to_dev = 1 if name == "device" else 0
        for item in _items(c):
            base, secs = _split_item(item)
            start, nbytes, rows = _item_range(item)
            txt = c_string(item)
            call = "{ " + _obj_check(base, secs, start, nbytes, txt, line, unsized) + \
                f"accrt_update({to_dev}, {start}, {nbytes}, {ifp}, {txt}, {line}); }}"
            if rows is not None:
                lo, ln = secs[0][0], secs[0][1] or "1"
                call = (f"if (ACCRT_ISPTR(({base})[0])) {{ for (long __acc_r = 0; __acc_r < "
                        f"(long)({ln}); __acc_r++) accrt_update({to_dev}, (void *)&({base})"
                        f"[({lo}) + __acc_r][{secs[1][0]}], (size_t)({secs[1][1] or 1}) * "
                        f"sizeof(({base})[0][0]), {ifp}, {txt}, {line}); }} else {call}")
            out.append(call)
    return out
