"""Calls of functions the planner does not see, with the file planned alone.

A data region's copy of an array is the one every construct inside the region uses: a
``copy``/``copyin``/``copyout``/``create`` clause of a compute construct the region holds
finds the array present and moves nothing (OpenACC 3.3, 2.7.1, "present or ...").  A
function another file defines may hold such constructs — its file offloaded by its own plan,
or written with OpenACC — and when it runs inside a region that maps an array it reaches,
its loops work on the region's copy while the host code around the call sees the host's:
the ``update self`` before the call and ``update device`` after it that serve a host helper
would then overwrite what its loops wrote (a stale read).  With the program's other files
unknown (the file planned alone), which of their functions offload is unknown, so no region
holds an array such a call may reach across the call: an array named in its arguments (an
array converts to a pointer to its first element, C11 6.3.2.1p3), or a global another file
may name (external linkage, 6.2.2p2).  A function-like macro's name visible there (the file's,
its headers') followed by ``(`` is no call: the preprocessor replaces it by the macro's body
(C11 6.10.3p10), whose code is the file's own.  The callee's own clauses then move them, which is
right whether it runs on the host or offloads.  With the program's other files known
(``--program``), their plans are seen and this does not apply; C library functions and the
OpenACC/OpenMP runtime routines hold no compute construct."""

from __future__ import annotations

from collections.abc import Collection

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.macros import file_macros
from accellium.dataset.analysis.tree import field, iter_nodes, text
from accellium.dataset.offload.global_uses import is_library
from accellium.dataset.offload.nodes import callee_name

__all__ = ["unseen_call_barriers"]


def unseen_call_barriers(body: Node, seen: Collection[str], reachable: frozenset[str]
                         ) -> list[tuple[Node, frozenset[str], str]]:
    """The calls under ``body`` of functions that are not in ``seen`` (the file's and its
    headers' functions, those whose plans are known) nor library functions, each with the
    names it may reach (those in its arguments, and ``reachable``: the globals another file
    may name) and why a region cannot hold them across it (the module's rule)."""
    out: list[tuple[Node, frozenset[str], str]] = []
    for call in iter_nodes(body):
        if not is_call(call):
            continue
        name = callee_name(call)
        if name is None or name in seen or is_library(name) or file_macros(call) is not None:
            continue  # a function-like macro's name and `(`: replaced by its body, no call
        args = field(call, "arguments")
        names = frozenset(text(n) for n in iter_nodes(args) if n.type == "identifier") \
            if args is not None else frozenset()
        out.append((call, names | reachable, (
            f"the call to `{name}` at line {call.start_point[0] + 1} runs a function of "
            "another file, which may offload loops of its own (planned too, or written with "
            "OpenACC): their data clauses would find the region's copy of what it reaches and "
            "the host code around the call would not see what they write (with the "
            "program's other files, `--program`, the plan sees it)")))
    return out
