"""Names in a C file that are not variables: macros, enumerators, functions, typedefs and the
names only preprocessor conditionals and the groups the build skips hold.

The translator renames every free variable of a compute region; these names must be left
alone (``&N`` of a macro constant does not compile).  They come from the preprocessor run with
the program's own ``-I``/``-D`` flags (``gcc -dM -E`` and ``gcc -E``), so that headers count;
if it fails, from the file's own ``#define`` and ``enum`` text.

A declared name (function, typedef, enumerator: ``y1`` and ``j0`` of ``<math.h>``) is not a
variable only where no declaration of an object hides it (C11 6.2.1p4: a parameter or a
block-scope declaration of the same name hides the file-scope one within its scope); the
translator asks :meth:`NonVars.at` with the objects in scope where it looks.  A macro name and a
name only a skipped group holds are never variables, whatever the unpreprocessed text declares
(the preprocessor replaces the one and drops the other before any declaration is read).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node

from accellium.dataset.loops import parse_tree
from accellium.dataset.pragma import IDENT

__all__ = ["preprocessor_flags", "NonVars", "nonvar_names", "program_functions", "emulated_cpp",
           "routine_marks", "marked_routine"]

_COMMENTS = re.compile(rb"/\*.*?\*/|//[^\n]*", re.DOTALL)
_KEEP = ("-I", "-D", "-U", "-include", "-std", "-iquote", "-isystem")


def preprocessor_flags(command: str) -> list[str]:
    """The preprocessor flags of a compile command (``-I``, ``-D``, ``-U``, ``-include`` ...)."""
    try:
        toks = shlex.split(command)
    except ValueError:
        toks = command.split()
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ("-I", "-D", "-U", "-include", "-iquote", "-isystem") and i + 1 < len(toks):
            out += [t, toks[i + 1]]
            i += 2
            continue
        if t.startswith(_KEEP):
            out.append(t)
        i += 1
    return out


def emulated_cpp(flags: list[str], path: Path | None = None, lang: str = "c") -> list[str]:
    """The compiler command that preprocesses as the emulated build does (``_OPENACC``
    defined, OpenMP on, the build's preprocessor ``flags``), with ``path``'s folder searched
    for headers; the caller adds ``-E`` and what to read.  ``lang`` ``cpp``: as the C++
    compiler does (``__cplusplus`` defined, a header read as C++ whatever its suffix)."""
    return ["g++" if lang == "cpp" else "gcc", "-D_OPENACC=201711", "-fopenmp", *flags,
            *(["-I", str(path.parent)] if path is not None else []),
            *(["-x", "c++"] if lang == "cpp" else [])]


@dataclass(frozen=True)
class NonVars:
    """The names of a C file that are not variables (see the module doc)."""

    declared: frozenset[str] = frozenset()  # functions, typedefs, enumerators
    fixed: frozenset[str] = frozenset()  # macros, names of skipped groups

    @property
    def names(self) -> frozenset[str]:
        """Every name that is not a variable where no object declaration hides it."""
        return self.declared | self.fixed

    def at(self, objects: Iterable[str]) -> set[str]:
        """The names that are not variables where ``objects`` (the names declared as objects
        in scope there) are in scope: a declared name an object declaration hides is a
        variable (C11 6.2.1p4); a macro stays one."""
        return set(self.fixed | (self.declared - set(objects)))


def _text_macros(src: str) -> set[str]:
    return set(re.findall(rf"^\s*#\s*define\s+({IDENT})", src, re.MULTILINE))


def _text_enumerators(src: str) -> set[str]:
    names: set[str] = set()
    for body in re.findall(r"\benum\b[^{;]*\{([^}]*)\}", src):
        names.update(re.findall(rf"(?:^|,)\s*({IDENT})", body))
    return names


def _declared_nonvars(code: bytes, lang: str = "c") -> set[str]:
    tree = parse_tree(code, lang)
    out: set[str] = set()
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        t = n.type
        if t == "enumerator":
            name = n.child_by_field_name("name")
            if name is not None:
                out.add((name.text or b"").decode("utf-8", "replace"))
        elif t == "function_declarator":
            d = n.child_by_field_name("declarator")
            if d is not None and d.type == "identifier":
                out.add((d.text or b"").decode("utf-8", "replace"))
        elif t == "type_definition":
            for d in n.children_by_field_name("declarator"):
                while d is not None and d.type not in ("type_identifier", "identifier"):
                    d = d.child_by_field_name("declarator")
                if d is not None:
                    out.add((d.text or b"").decode("utf-8", "replace"))
        if t not in ("compound_statement",):
            stack.extend(n.children)
    return out


def _preprocessed_away(text: str, preprocessed: bytes) -> set[str]:
    """The file's identifiers that its preprocessed text no longer holds: names a conditional
    tests (``#ifdef DEBUG_T``, ``#if TIMERS > 1``) and names used only in the groups the
    build skips (C11 6.10.1: a skipped group is not compiled).  None of them is a variable of
    the compiled program."""
    kept = set(re.findall(rb"[A-Za-z_]\w*", preprocessed))
    return {n for n in set(re.findall(r"[A-Za-z_]\w*", _COMMENTS.sub(b"", text.encode(
        "utf-8", "surrogateescape")).decode("utf-8", "replace"))) if n.encode() not in kept}


def nonvar_names(path: Path, flags: list[str], cwd: Path, timeout: float = 60,
                 lang: str = "c") -> NonVars:
    """Macro, enumerator, function and typedef names visible in ``path`` (read as ``lang``)."""
    declared: set[str] = set()
    fixed: set[str] = set()
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        text = ""
    headers = [text]
    for h in sorted(cwd.rglob("*.h"))[:500]:  # headers of the program (make-driven builds)
        try:
            headers.append(h.read_text("utf-8", "replace"))
        except OSError:
            continue
    for src in headers:
        fixed |= _text_macros(src)
        declared |= _text_enumerators(src)
    base = emulated_cpp(flags, path, lang)
    try:
        dm = subprocess.run([*base, "-dM", "-E", str(path)], cwd=cwd, capture_output=True,
                            timeout=timeout)
        if dm.returncode == 0:
            fixed.update(m.decode() for m in re.findall(rb"^#define ([A-Za-z_]\w*)",
                                                        dm.stdout, re.MULTILINE))
        pp = subprocess.run([*base, "-E", "-P", str(path)], cwd=cwd, capture_output=True,
                            timeout=timeout)
        if pp.returncode == 0:
            declared |= _declared_nonvars(pp.stdout, lang)
            fixed |= _preprocessed_away(text, pp.stdout)
        else:
            declared |= _declared_nonvars(text.encode(), lang)
    except (OSError, subprocess.TimeoutExpired):
        declared |= _declared_nonvars(text.encode(), lang)
    return NonVars(frozenset(declared), frozenset(fixed))


def _function_name(node) -> str | None:
    d = node.child_by_field_name("declarator")
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator")
    d = d.child_by_field_name("declarator") if d is not None else None
    return d.text.decode("utf-8", "replace") if d is not None and d.type == "identifier" else None


_GROUPS = ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef",
           "linkage_specification", "declaration_list")


def _file_scope(root: Node) -> list[Node]:
    """The file-scope items of a tree, those inside conditional groups (a header's include
    guard, ``#ifdef`` ... ``#endif``) and ``extern "C" { }`` included."""
    out: list[Node] = []
    stack = list(reversed(root.named_children))
    while stack:
        n = stack.pop()
        if n.type in _GROUPS:
            stack.extend(reversed(n.named_children))
        else:
            out.append(n)
    return out


def routine_marks(src: bytes) -> list[int]:
    """The end offsets of ``src``'s ``#pragma acc routine`` lines that name no function: each
    applies to the declaration or definition right after it."""
    from accellium.evaluation.dynamic.accpragmas import find_acc_lines

    return sorted(a.end for a in find_acc_lines(src) if a.kind == "acc"
                  and a.directive == "routine" and a.pragma is not None
                  and not any(c.name == "routine" and c.args for c in a.pragma.clauses))


def marked_routine(src: bytes, marks: list[int], start: int) -> bool:
    """Does one of the ``marks`` (:func:`routine_marks`) stand right above byte ``start`` of
    ``src`` (only blanks, comments and ``;`` between)?"""
    return any(e <= start and not _COMMENTS.sub(b"", src[e:start]).strip(b" \t\r\n;")
               for e in marks)


def program_functions(sources: dict[str, bytes], langs: dict[str, str] | None = None
                      ) -> tuple[set[str], set[str]]:
    """(functions defined in the program's C files, functions marked ``#pragma acc routine``:
    on the next declaration or definition, or named as ``routine(f)``); ``langs``: the
    language a source is read in (``cpp`` for C++; C where not given)."""
    from accellium.evaluation.dynamic.accpragmas import find_acc_lines

    defined: set[str] = set()
    routines: set[str] = set()
    for key, src in sources.items():
        tree = parse_tree(src, (langs or {}).get(key, "c"))
        marks = [a for a in find_acc_lines(src) if a.kind == "acc" and a.directive == "routine"]
        for a in marks:
            clauses = a.pragma.clauses if a.pragma is not None else ()
            named = next((c.args for c in clauses if c.name == "routine" and c.args), None)
            if named:
                routines.add(named.strip())
        starts = routine_marks(src)
        for n in _file_scope(tree.root_node):
            if n.type not in ("function_definition", "declaration"):
                continue
            name = _function_name(n)
            if name is None:
                continue
            if n.type == "function_definition":
                defined.add(name)
            if marked_routine(src, starts, n.start_byte):
                routines.add(name)
    return defined, routines
