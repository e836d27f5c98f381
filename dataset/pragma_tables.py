"""The OpenACC 3.3 directive and clause tables, with one-line docs for hover (DESIGN §3).

Which clauses each directive accepts, which clauses take no, optional or required arguments,
the reduction operators and the loop levels; :mod:`accellium.dataset.pragma` re-exports the
public names.
"""

from __future__ import annotations

import re

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
