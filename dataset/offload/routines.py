"""Functions a device loop calls and where their ``#pragma acc routine seq`` line goes.

A function called in a compute region must be compiled for the device: ``#pragma acc routine``
before its definition or a prototype (OpenACC 3.3, 2.15.1), or the GPU link fails.  Used by the
offload planner and by ``accellium suggest --apply`` (which adds the line with the loop's
pragma)."""

from __future__ import annotations

import re

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import is_macro_name, library_function
from accellium.dataset.analysis.macros import macro_calls, visible_at
from accellium.dataset.analysis.scope import FileIndex, function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, kept_with_tree, named, text, unparen
from accellium.dataset.labels import foreign_pragma_above
from accellium.dataset.loops import LineIndex
from accellium.dataset.offload.nodes import callee_name

__all__ = ["callees", "file_variables", "undeclared_use", "has_compute_line", "may_call", "routines_needed", "routine_row", "routine_sites", "without_device_version", "undeclared_in_routines",
           "holds_compute_construct", "with_compute_construct"]

#: A compute construct's directive line (OpenACC 3.3, 2.5: ``parallel``, ``serial``,
#: ``kernels``, alone or combined with ``loop``).
_COMPUTE_LINE = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+acc[ \t]+(?:parallel|serial|kernels)\b",
                           re.MULTILINE)


def holds_compute_construct(source: bytes, defn: Node) -> bool:
    """Does the function definition (a node of a parse of ``source``, whose ``#pragma`` lines
    the analysis' own parse may have blanked) hold a compute construct?  Such a function cannot become
    an ``acc routine``: a routine's body is device code, run inside its callers' compute
    constructs, where no compute construct may appear (OpenACC 3.3, 2.5 and 2.15.1; gcc:
    "OpenACC region inside of OpenACC routine, nested parallelism not supported yet")."""
    return has_compute_line(source[defn.start_byte:defn.end_byte])


def has_compute_line(text: bytes) -> bool:
    """Does ``text`` hold a ``#pragma acc parallel``/``serial``/``kernels`` line (a compute
    construct, combined ones included)?"""
    return _COMPUTE_LINE.search(text) is not None


def with_compute_construct(source: str, lang: str, start_byte: int, end_byte: int
                           ) -> list[str]:
    """For a compute construct on the loop at ``[start_byte, end_byte)`` of ``source``: the
    functions of the file it calls (directly or through the file's functions and macros)
    that hold a compute construct of their own (:func:`holds_compute_construct`): each would
    need ``#pragma acc routine seq``, which it cannot take."""
    if "acc" not in source:
        return []
    got = _callees_at(source, lang, start_byte, end_byte)
    if got is None:
        return []
    index, need, _ = got
    raw = source.encode("utf-8", "surrogateescape")
    return [n for n in need if (d := _definition(index, n)) is not None
            and holds_compute_construct(raw, d)]


def may_call(code: bytes | str, lang: str) -> bool:
    """Can ``code`` call a function?  In C only with a ``(``; in C++ an operator, a
    definition or an object's end of life may call one (:mod:`.implicit_calls`)."""
    return lang == "cpp" or ("(" in code if isinstance(code, str) else b"(" in code)


def callees(node: Node) -> list[str]:
    """Functions called under ``node`` (by name), in order: a qualified name as written
    (``util::sq``, ``K::f``; ``::f`` is the global ``f``)."""
    out: list[str] = []
    for n in iter_nodes(node):
        if is_call(n):
            callee = callee_name(n) or _qualified_callee(n)
            if callee is not None and callee not in out:
                out.append(callee)
    return out


def _qualified_callee(call: Node) -> str | None:
    f = unparen(_field(call, "function"))
    if f is not None and f.type == "template_function":
        f = _field(f, "name")
    if f is None or f.type != "qualified_identifier":
        return None
    name = "".join(text(f).split())
    return name[2:] if name.startswith("::") else name


def _definition(index: FileIndex, name: str) -> Node | None:
    """The definition of the function ``name`` in the file: by its name as the file
    indexes it, or a qualified name's in the namespaces it names (``util::sq``)."""
    got = index.definitions.get(name)
    if got is None and "::" in name:
        got = next((n for n in _namespace_items(index.tree.root_node, name)[0]
                    if n.type == "function_definition"
                    and function_name(n)[0] == name.rsplit("::", 1)[1]), None)
    return got


def _namespace_items(root: Node, name: str) -> tuple[list[Node], str]:
    """For ``a::b::f``: the declarations of namespace ``b`` of namespace ``a`` at file
    scope, and ``f`` ([], the name: no such namespace)."""
    *path, last = name.split("::")
    items = named(root)
    for part in path:
        body = next((_field(n, "body") for n in items if n.type == "namespace_definition"
                     and text(_field(n, "name")) == part), None)
        if body is None:
            return [], name
        items = named(body)
    return items, last


def routines_needed(node: Node, index: FileIndex) -> tuple[list[str], str | None]:
    """Program functions the loop calls (transitively) that need ``routine seq``; or why the
    loop cannot call them on the device."""
    need: list[str] = []
    todo = _called(node, index)
    seen: set[str] = set()
    macros = visible_at(index.tree.root_node, node.start_byte)  # the headers' too
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        lib = library_function(name)
        if lib is not None:
            if not lib.pure:
                return [], f"calls `{name}` ({lib.effect.value if lib.effect else 'writes'})"
            continue
        defn = _definition(index, name)
        if defn is None and name in macros:  # expanded in place: what its body calls
            todo.extend(macro_calls(macros[name]))
            continue
        if defn is None and "::" in name:  # a class's member, or a namespace's not here
            return [], (f"calls `{name}`, which has no definition at file or namespace "
                        "scope here (outside any class, where gcc takes a `#pragma acc "
                        "routine seq` line): it needs one with the line above it")
        if defn is None:
            return [], (f"calls `{name}`, whose definition is not in this file: it needs "
                        "`#pragma acc routine seq` where it is defined")
        if name not in index.routines:
            need.append(name)
        todo.extend(_called(defn, index))
    return need, None


def undeclared_use(need: list[str], index: FileIndex) -> str | None:
    """Why the functions ``need`` (:func:`routines_needed`) cannot be made ``routine seq`` as
    they are: one names a variable of file scope no ``declare`` directive puts on the device
    (:func:`file_variables`; None: none does).  OpenACC lets a routine name one only then
    (OpenACC 3.3, 2.15.1); gcc refuses the file otherwise ("requires a 'declare' directive"),
    a ``static const`` table too."""
    for name in need:
        defn = _definition(index, name)
        named = file_variables(defn, index) if defn is not None else []
        if named:
            return (f"calls `{name}`, which names `{named[0]}`, a variable of file scope: a "
                    "function compiled for the device (`#pragma acc routine seq`) may name one "
                    "only when a `declare` directive puts it there (OpenACC 3.3, 2.15.1; gcc: "
                    "\"requires a 'declare' directive\"): add `#pragma acc declare "
                    f"copyin({named[0]})` after its declaration, and `#pragma acc update "
                    f"device({named[0]})` after the host changes it")
    return None


def file_variables(defn: Node, index: FileIndex) -> list[str]:
    """The variables of file scope (the file's and its headers') the function ``defn`` names
    that no ``data``/``enter data``/``declare`` directive of the file names
    (``index.data_names``), in order: a parameter or a declaration of its body hides a
    file-scope name (C11 6.2.1p4; a block's own declaration is taken to hide it everywhere
    in the body)."""
    from accellium.dataset.offload.global_uses import declared_in

    params, declared = declared_in(defn)
    out: list[str] = []
    for n in iter_nodes(_field(defn, "body") or defn):
        name = text(n) if n.type == "identifier" else None
        if name is None or name in out or name not in index.globals or name in params or \
                name in declared or name in index.data_names:
            continue
        out.append(name)
    return out


def _called(node: Node, index: FileIndex) -> list[str]:
    """The functions the code under ``node`` calls by name (:func:`callees`) and, in C++,
    without naming them: operators, constructors, destructors
    (:func:`.implicit_calls.implicit_callees`)."""
    from accellium.dataset.analysis.implicit_calls import implicit_callees

    named = callees(node)
    return named + [n for n in implicit_callees(node, index) if n not in named]



def _device_callees(node: Node, index: FileIndex) -> tuple[list[str], list[str]]:
    """The functions beside the standard library that a compute construct on ``node`` calls,
    directly or through the functions the file defines and the macros visible there: (those
    the file defines that are not ``acc routine`` yet, those that have no device version here:
    neither defined in the file nor named by its ``#pragma acc routine``)."""
    need: list[str] = []
    missing: list[str] = []
    todo = _called(node, index)
    seen: set[str] = set()
    macros = visible_at(index.tree.root_node, node.start_byte)
    while todo:
        name = todo.pop(0)
        if name in seen or library_function(name) is not None:
            continue
        seen.add(name)
        defn = _definition(index, name)
        if defn is None and name in macros:
            todo.extend(macro_calls(macros[name]))
        elif defn is None:
            # an all-capitals name the file does not declare is a macro of a header (as the
            # analysis reads it), expanded in place
            if name not in index.routines and not (is_macro_name(name)
                                                   and name not in index.prototypes):
                missing.append(name)
        else:
            if name not in index.routines:
                need.append(name)
            todo.extend(_called(defn, index))
    return need, missing + [m for m in member_callees(node) if m not in missing]


def member_callees(node: Node) -> list[str]:
    """The calls under ``node`` of a member of an object (``v.data()``, ``p->f(x)``), as
    written: a C++ member function or a pointer to a function held in a structure.  A compute
    construct needs a device version of what it calls (OpenACC 3.3, 2.15.1), and no
    ``#pragma acc routine`` line of the file names a member function of a class it does not
    define (a library container's ``data()``) or the target of a function pointer."""
    out: list[str] = []
    for n in iter_nodes(node):
        if is_call(n):
            f = unparen(_field(n, "function"))
            if f is not None and f.type == "field_expression":
                name = "".join(text(f).split())
                if name not in out:
                    out.append(name)
    return out


def _line_index(index: FileIndex) -> LineIndex:
    """The lines of ``index``'s file, read once per file (its loops each ask)."""
    got = index.memo.get("lines")
    if not isinstance(got, LineIndex):
        got = index.memo["lines"] = LineIndex(index.src)
    return got


def _callees_at(source: str, lang: str, start_byte: int, end_byte: int
                ) -> tuple[FileIndex, list[str], list[str]] | None:
    """The file's index and :func:`_device_callees` of the loop at ``[start_byte, end_byte)``
    of ``source`` (None: no loop there)."""
    from accellium.dataset.analysis.scope import file_index

    index = file_index(source, lang)
    node = _loop_node(index, start_byte, end_byte)
    return None if node is None else (index, *_device_callees(node, index))


def _loop_node(index: FileIndex, start_byte: int, end_byte: int) -> Node | None:
    node: Node | None = index.tree.root_node.descendant_for_byte_range(start_byte, end_byte)
    while node is not None and node.start_byte > start_byte:
        node = node.parent
    return node


def without_device_version(source: str, lang: str, start_byte: int, end_byte: int
                           ) -> list[str]:
    """For a compute construct on the loop at ``[start_byte, end_byte)`` of ``source`` (the
    file's text): the functions it calls (transitively, as :func:`routine_sites` follows them)
    that no ``#pragma acc routine seq`` line of this file can give a device version: defined
    elsewhere and not named by a ``#pragma acc routine`` here, or defined here where no line
    can go above them (:func:`routine_row`).  A GPU build of such a construct does not link
    (OpenACC 3.3, 2.15.1)."""
    got = _callees_at(source, lang, start_byte, end_byte)
    if got is None:
        return []
    index, need, missing = got
    if need:
        lines = _line_index(index)
        root = index.tree.root_node
        missing += [n for n in need if routine_row(lines, root, n) is None]
    return missing


def undeclared_in_routines(source: str, lang: str, start_byte: int, end_byte: int
                           ) -> list[str]:
    """For a compute construct on the loop at ``[start_byte, end_byte)`` of ``source``: why
    the functions it calls cannot be made ``routine seq`` as they are (:func:`undeclared_use`:
    one names a file-scope variable no ``declare`` puts on the device), as a one-item list;
    empty when they can."""
    got = _callees_at(source, lang, start_byte, end_byte)
    if got is None or not got[1]:
        return []
    why = undeclared_use(got[1], got[0])
    return [why] if why else []


def _first_declaration(root: Node, name: str) -> Node | None:
    """The first declaration or definition of function ``name`` at file scope, or of a
    qualified name's in the namespace it names (a ``routine`` line may go there too)."""
    items, last = _namespace_items(root, name) if "::" in name else ([], name)
    found = [n for n in (_declaration_in(named(root), name), _declaration_in(items, last))
             if n is not None]
    # the earlier of the two: a `routine` directive must come before the function's first
    # use (OpenACC 3.3, 2.15.1), and a declaration in the namespace precedes the uses of an
    # out-of-line definition `double q::cube(...)`
    return min(found, key=lambda n: n.start_byte) if found else None


def _declaration_in(items: list[Node], name: str) -> Node | None:
    for n in items:
        if n.type == "function_definition" and function_name(n)[0] == name:
            return n
        if n.type == "declaration" and name in _declared_functions(n):
            return n
    return None


def _declared_functions(declaration: Node) -> list[str]:
    """The functions a declaration declares (``double sq(double), *row(int);``)."""
    out = []
    for decl in declaration.children_by_field_name("declarator"):
        d: Node | None = decl
        while d is not None and d.type == "pointer_declarator":
            d = _field(d, "declarator")
        inner = _field(d, "declarator") if d is not None else None
        if d is not None and d.type == "function_declarator" and inner is not None:
            out.append(text(inner))
    return out


def routine_row(lines: LineIndex, root: Node, name: str) -> int | None:
    """The row above which ``#pragma acc routine seq`` for function ``name`` goes: its first
    declaration at file or namespace scope (None where no line can go: the declaration also
    declares another name — the directive must be followed by a single function's, gcc "not
    immediately followed by a single function declaration or definition" —, a function body
    declares it before that, so the directive would come after a use, or the line cannot
    start there).  Attribute lines directly above the declaration belong to it: the line
    goes above them."""
    node = _first_declaration(root, name)
    if node is None or (node.type == "declaration" and
                        len(node.children_by_field_name("declarator")) > 1) or \
            _declared_in_a_body_before(root, name, node.start_byte):
        return None
    prev = node.prev_named_sibling
    while prev is not None and _attribute(prev) and prev.end_point[0] >= node.start_point[0] - 1:
        node, prev = prev, prev.prev_named_sibling
    row, col = node.start_point
    if not lines.starts_line(row, col) or foreign_pragma_above(lines, row) is not None:
        return None
    if row > 0 and lines.line_bytes(row - 1).rstrip(b" \t").endswith(b"\\"):
        return None
    return row


def _attribute(node: Node) -> bool:
    """An attribute of the declaration after it (``__attribute__((noinline))``,
    ``__declspec(...)``, ``[[nodiscard]]``), on its own or not parsed."""
    return "attribute" in node.type or "declspec" in node.type or \
        node.type == "ERROR" and text(node).lstrip().startswith(("__attribute__", "__declspec",
                                                                 "[["))


def _declared_in_a_body_before(root: Node, name: str, before: int) -> bool:
    """Does a function body declare function ``name`` (``double sq(double);`` in a block)
    before byte ``before``?"""
    first = _block_declarations(root).get(name.rsplit("::", 1)[-1])
    return first is not None and first < before


def _block_declarations(root: Node) -> dict[str, int]:
    """Each function name a declaration in a function body declares -> the first such
    declaration's byte (once per tree: :func:`~accellium.dataset.analysis.tree.kept_with_tree`)."""
    def make() -> dict[str, int]:
        out: dict[str, int] = {}
        for fn in named(root):
            body = _field(fn, "body") if fn.type == "function_definition" else None
            for n in iter_nodes(body) if body is not None else ():
                for name in _declared_functions(n) if n.type == "declaration" else ():
                    out.setdefault(name, n.start_byte)
        return out

    return kept_with_tree(root, "routines.block-declarations", root.start_byte, make)


def routine_sites(source: bytes, lang: str, start_byte: int, end_byte: int
                  ) -> list[tuple[int, int, int]]:
    """For a compute construct on the loop at ``[start_byte, end_byte)`` of ``source``: the
    program functions it calls (transitively) that need ``#pragma acc routine seq``, each as
    (0-based row its line goes above, definition start byte, definition end byte).  Empty
    when the loop calls none, or calls one that has no device version here
    (:func:`without_device_version`: the safety guard gives such a loop no compute
    construct).  Standard library calls are the guard's to judge (printing on the standard
    output runs in a ``serial`` construct): they do not stop the lines."""
    from accellium.dataset.analysis.scope import file_index, source_text

    if not may_call(source[start_byte:end_byte], lang):
        return []
    index = file_index(source_text(source), lang)
    root = index.tree.root_node
    node = _loop_node(index, start_byte, end_byte)
    if node is None:
        return []
    need, missing = _device_callees(node, index)
    if missing or not need:
        return []
    lines = _line_index(index)
    out = []
    for name in need:
        row, defn = routine_row(lines, root, name), _definition(index, name)
        if row is not None and defn is not None:
            out.append((row, defn.start_byte, defn.end_byte))
    return out
