"""Is a variable's value at a loop's end overwritten before anything can read it?

Two kinds of variable of a C function, whose readers the file shows (C11 6.2.2, 6.2.4):

* a local (automatic, its address never taken): only the function's own code names it, so
  only a read of its name — or of a macro of the file whose body names it — reads it; calls
  cannot, and it dies with the function;
* a ``static`` (file scope or function) whose address the file never takes: visible to this
  file only, so besides such reads a call of a function other than a standard library one may
  read it (library functions read their arguments and their own state; ``exit``, which runs
  ``atexit`` handlers, and ``longjmp`` are not among them), and so may the next call of this
  file's functions once the function ends.

The value a loop leaves is dead when, on every path from the loop's end, the function assigns
the variable before any of those reads may happen.  ``return``, ``goto``, a ``break`` or
``continue`` out of the code read so far, a ``switch``, a label or a preprocessor branch count
as a read.  The path back to the loop through an enclosing loop counts as overwritten when the
loop assigns the variable before reading it in every iteration (then the value is overwritten
there, or the loop runs no iteration and the value reaches the same point again: a cycle adds
no read).  A loop or branch that assigns first whenever it runs its body overwrites or passes
the value unchanged.

A dead value needs no copy back from a compute construct: the variable is private to the loop
like any scratch scalar.  Not for C++ (a reference binds to a variable without ``&``), a
``volatile``, or a name other files may see.  A statement nest deeper than Python's stack counts
as read.
"""

from __future__ import annotations

import re
from enum import Enum

from tree_sitter import Node

from accellium.dataset.analysis.library import Effect, library_function
from accellium.dataset.analysis.scope import FileIndex, FunctionContext
from accellium.dataset.analysis.tree import field, iter_nodes, named, op, text

__all__ = ["overwritten_first"]

_LOOPS = ("for_statement", "while_statement", "do_statement")
_BREAK_TARGETS = (*_LOOPS, "for_range_loop", "switch_statement")
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)((?:[^\n]*\\\n)*[^\n]*)", re.MULTILINE)


class _Effect(Enum):
    WRITE = "assigns it first"
    CLEAN = "neither reads nor leaves"
    OTHER = "may read it or leave"


class _Scan:
    """The questions asked of the code after the loop, for one name."""

    def __init__(self, ctx: FunctionContext, name: str, aliases: set[str], calls_read: bool):
        self.ctx = ctx
        self.names = {name} | aliases
        self.name = name
        self.calls_read = calls_read  # a static: a call may read it

    def clean(self, node: Node | None) -> bool:
        """No read of the name, no call that may read it, no jump out of ``node``."""
        if node is None:
            return True
        for n in iter_nodes(node):
            t = n.type
            if t == "identifier" and text(n) in self.names:
                return False
            if t == "call_expression" and self.calls_read:
                fn = field(n, "function")
                lib = library_function(text(fn)) if fn is not None and \
                    fn.type == "identifier" else None
                if lib is None or lib.effect in (Effect.EXIT, Effect.JUMP):
                    return False
            elif t in ("return_statement", "goto_statement", "gnu_asm_expression",
                       "labeled_statement", "case_statement"):
                return False
            elif t in ("break_statement", "continue_statement") and not self._inside(n, node):
                return False
        return True

    def _inside(self, jump: Node, root: Node) -> bool:
        """Does the ``break``/``continue`` target a loop or switch inside ``root``?"""
        targets = _LOOPS + ("for_range_loop",) if jump.type == "continue_statement" \
            else _BREAK_TARGETS
        p = self.ctx.parent(jump)
        while p is not None and root.start_byte <= p.start_byte and p.end_byte <= root.end_byte:
            if p.type in targets:
                return True
            if p.id == root.id:
                return False
            p = self.ctx.parent(p)
        return False

    def effect(self, stmt: Node) -> _Effect:
        if stmt.type == "expression_statement":
            kids = named(stmt)
            e = kids[0] if kids else None
            if e is not None and e.type == "assignment_expression" and op(e) == "=":
                left = field(e, "left")
                if left is not None and left.type == "identifier" and text(left) == self.name:
                    return _Effect.WRITE if self.clean(field(e, "right")) else _Effect.OTHER
        if self.clean(stmt):
            return _Effect.CLEAN
        # a loop or branch that assigns first whenever it runs its body: the value is
        # overwritten there, or passes unchanged (no iteration, the branch not taken)
        if stmt.type in _LOOPS and all(
                self.clean(field(stmt, f)) for f in ("initializer", "condition", "update")):
            body = field(stmt, "body")
            if body is not None and self.sequence([body]) is _Effect.WRITE:
                return _Effect.WRITE if stmt.type == "do_statement" else _Effect.CLEAN
        elif stmt.type == "if_statement" and self.clean(field(stmt, "condition")):
            alt = field(stmt, "alternative")
            if alt is not None and alt.type == "else_clause":
                kids = named(alt)
                alt = kids[0] if kids else None
            parts = [self.sequence([b]) if b is not None else _Effect.CLEAN
                     for b in (field(stmt, "consequence"), alt)]
            if _Effect.OTHER not in parts:
                return _Effect.WRITE if all(p is _Effect.WRITE for p in parts) else _Effect.CLEAN
        return _Effect.OTHER

    def sequence(self, stmts: list[Node]) -> _Effect:
        """The effect of statements run in order (blocks opened in place)."""
        work = list(reversed(stmts))
        while work:
            s = work.pop()
            if s.type == "compound_statement":
                work.extend(reversed(named(s)))
                continue
            e = self.effect(s)
            if e is not _Effect.CLEAN:
                return e
        return _Effect.CLEAN

    def to_loop(self, body: Node, loop: Node, write_first: bool) -> bool:
        """From the start of an enclosing loop's body to the loop again: is the value
        overwritten (or the loop reached, where ``write_first`` overwrites it)?"""
        cur: Node | None = body
        while cur is not None:
            if cur.id == loop.id:
                return write_first
            if cur.type != "compound_statement":
                return False
            nxt: Node | None = None
            for c in named(cur):
                if c.start_byte <= loop.start_byte < c.end_byte:
                    nxt = c
                    break
                e = self.sequence([c])
                if e is not _Effect.CLEAN:
                    return e is _Effect.WRITE
            cur = nxt
        return False


class _FileWords:
    """What the file's text says of its names, read once per file: the names a declaration
    with ``volatile`` names (between the qualifier and the next ``;``, ``{`` or ``}``), the
    names whose address ``&`` takes, and each macro with the words of its body."""

    _VOLATILE = re.compile(r"\bvolatile\b([^;{}]*)")
    _ADDRESS = re.compile(r"(?<![&\w])&\s*(?:\(\s*)*(\w+)")
    _WORD = re.compile(r"\w+")

    def __init__(self, source: str) -> None:
        self.volatile = {w for m in self._VOLATILE.finditer(source)
                         for w in self._WORD.findall(m.group(1))}
        self.addressed = {m.group(1) for m in self._ADDRESS.finditer(source)}
        self.macros = [(m.group(1), set(self._WORD.findall(m.group(2))))
                       for m in _DEFINE.finditer(source)]


def _words(index: FileIndex) -> _FileWords:
    got = index.memo.get("overwritten.words")
    if not isinstance(got, _FileWords):
        got = index.memo["overwritten.words"] = _FileWords(
            index.src.decode("utf-8", "surrogateescape"))
    return got


def _eligible(ctx: FunctionContext, index: FileIndex, words: _FileWords, name: str) -> bool:
    if name in ctx.address_taken or name in words.volatile:
        return False
    d = ctx.declared.get(name)
    if d is not None and not d.static:  # a local
        return True
    if d is None:
        d = index.globals.get(name)
    # a static: its address taken anywhere in the file lets a pointer reach it
    return d is not None and d.static and not d.pointer and name not in words.addressed


def overwritten_first(index: FileIndex, ctx: FunctionContext, loop: Node, name: str,
                      write_first: bool) -> bool:
    """True when the value ``name`` holds at the end of ``loop`` (in the function of ``ctx``)
    is assigned again before anything may read it (the module's rule).  ``write_first``: the
    loop assigns ``name`` before reading it in every iteration."""
    if index.lang != "c":
        return False
    words = _words(index)
    if not _eligible(ctx, index, words, name):
        return False
    d = ctx.declared.get(name)
    local = d is not None and not d.static
    aliases = {macro for macro, body in words.macros if name in body}
    try:
        return _dead(_Scan(ctx, name, aliases, not local), loop, write_first, local)
    except RecursionError:
        return False


def _dead(scan: _Scan, loop: Node, write_first: bool, local: bool) -> bool:
    ctx = scan.ctx
    node = loop
    while True:
        p = ctx.parent(node)
        if p is None:
            return False
        if p.type == "compound_statement":
            kids = named(p)
            after = [c for c in kids if c.start_byte >= node.end_byte]
            e = scan.sequence(after)
            if e is not _Effect.CLEAN:
                return e is _Effect.WRITE
            up = ctx.parent(p)
            if up is None or up.type == "function_definition":
                return local  # the function ends: a local dies, a static may be read next
        elif p.type in _LOOPS:
            body = field(p, "body")
            if body is None or body.id != node.id:
                return False
            if not (scan.clean(field(p, "condition")) and scan.clean(field(p, "update"))):
                return False
            if not scan.to_loop(node, loop, write_first):
                return False
        elif p.type not in ("if_statement", "else_clause"):
            return False
        node = p
