"""Request and response models of the HTTP API v1 (DESIGN §4), with their documented limits.

Limits (also in the OpenAPI schema): ``code`` at most :data:`MAX_CODE_BYTES` (64 KiB, counted as
UTF-8 bytes), at most :data:`MAX_BATCH` requests per batch, at most :data:`MAX_EXAMPLES` workspace
examples, at most :data:`MAX_ENCLOSING` enclosing directives. Every text field is valid Unicode
(no lone surrogates) and C text nests brackets at most :data:`MAX_NESTING` levels deep
(:mod:`server.text_checks`); ``alternatives`` is a strict integer (``true`` is not 1).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from accellium.dataset.prompt import MAX_EXAMPLES
from accellium.server.text_checks import MAX_NESTING, nesting_problem, surrogate_problem

__all__ = [
    "MAX_CODE_BYTES", "MAX_SCOPE_BYTES", "MAX_BATCH", "MAX_DEFINES", "MAX_DEFINE_CHARS",
    "MAX_DEFINES_CHARS", "MAX_EXAMPLES", "MAX_PROGRAM_FILES", "MAX_PROGRAM_BYTES", "MAX_ENCLOSING", "MAX_ALTERNATIVES",
    "MAX_NESTING", "Text", "CText", "check_defines",
    "ADAPTER_NAME_PATTERN", "CommandLineModel", "ExampleModel", "ScopeModel", "ContextModel", "SuggestRequest", "SuggestResponse",
    "BatchItemError", "AdapterLoad", "AdapterInfo", "AdapterList", "Health", "ErrorBody",
    "SUGGEST_EXAMPLE", "SUGGEST_RESPONSE_EXAMPLE",
]

MAX_CODE_BYTES = 64 * 1024
#: the file around the loop (``context.scope.source``); the whole request body is at most 1 MiB
MAX_SCOPE_BYTES = 768 * 1024
MAX_BATCH = 64
#: the macros of the buffer's headers (``context.scope.defines``): entries, chars each, chars in all
MAX_DEFINES = 512
MAX_DEFINE_CHARS = 4096
MAX_DEFINES_CHARS = 128 * 1024
MAX_ENCLOSING = 16
#: the program's other files of ``/v1/offload`` (``program``): how many, their text together
MAX_PROGRAM_FILES = 64
MAX_PROGRAM_BYTES = MAX_SCOPE_BYTES
MAX_ALTERNATIVES = 8
MAX_PRAGMA_CHARS = 4096
MAX_FIRST_LINE = 1 << 30
ADAPTER_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

SUGGEST_EXAMPLE: dict[str, Any] = {
    "code": "for (int i = 0; i < n; i++) s += a[i];",
    "language": "c",
    "context": {
        "enclosing": ["#pragma acc data copyin(a[0:n])"],
        "examples": [{"pragma": "#pragma acc parallel loop present(x[0:m])",
                      "loop": "for (int j = 0; j < m; j++) x[j] *= 2;",
                      "enclosing": ["#pragma acc data copy(x[0:m])"], "same_file": True}],
    },
    "adapter": None,
    "alternatives": 0,
}
SUGGEST_RESPONSE_EXAMPLE: dict[str, Any] = {
    "pragma": "#pragma acc parallel loop present(a[0:n]) reduction(+:s)",
    "directive": "parallel loop",
    "clauses": ["present(a[0:n])", "reduction(+:s)"],
    "alternatives": [],
    "engine": "analysis",
    "adapter": None,
    "valid": True,
    "notes": ["s is a sum reduction"],
    "fallback": None,
    "elapsed_ms": 1.7,
    "confidence": 0.62,
}


def _unicode(v: Any) -> Any:
    problem = surrogate_problem(v, "text") if isinstance(v, str) else None
    if problem:
        raise ValueError(problem)
    return v


def _shallow(v: str) -> str:
    problem = nesting_problem(v, "text")
    if problem:
        raise ValueError(problem)
    return v


#: any text field: valid Unicode (a lone surrogate is refused with its position, before
#: pydantic's own string checks, which would refuse some fields with a vaguer message)
Text = Annotated[str, BeforeValidator(_unicode)]
#: C/C++ or pragma text: valid Unicode and brackets nested at most MAX_NESTING deep
CText = Annotated[str, BeforeValidator(_unicode), AfterValidator(_shallow)]


def _check_directives(v: list[str] | None) -> list[str] | None:
    for e in v or ():
        if len(e) > MAX_PRAGMA_CHARS:
            raise ValueError(f"an enclosing directive is longer than {MAX_PRAGMA_CHARS} chars")
    return v


def check_defines(v: list[str], where: str) -> list[str]:
    """The length limits of a list of ``#define`` lines (``where``: the field's name in the
    message, with the index of the entry over the limit)."""
    for k, d in enumerate(v):
        if len(d) > MAX_DEFINE_CHARS:
            raise ValueError(f"{where}[{k}] is longer than {MAX_DEFINE_CHARS} chars")
    if sum(len(d) for d in v) > MAX_DEFINES_CHARS:
        raise ValueError(f"{where} has more than {MAX_DEFINES_CHARS} chars in all")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExampleModel(_Strict):
    """A pragma–loop pair already in the user's project (few-shot / retrieval example)."""

    pragma: CText = Field(max_length=MAX_PRAGMA_CHARS, examples=["#pragma acc parallel loop"])
    loop: CText = Field(max_length=MAX_CODE_BYTES,
                        examples=["for (int j = 0; j < m; j++) x[j] *= 2;"])
    enclosing: list[CText] | None = Field(
        default=None, max_length=MAX_ENCLOSING,
        description="Optional: the directives enclosing the example's loop, outermost first "
                    "([] = none). Engines then tell an orphaned `loop` from one inside a "
                    "region and prefer examples from the same region; null = not known.")
    same_file: bool | None = Field(
        default=None, description="Optional: the example is in the same file as the loop "
                                  "asked about (its style weighs a little more); null = not known.")

    @field_validator("enclosing")
    @classmethod
    def _enclosing_short(cls, v: list[str] | None) -> list[str] | None:
        return _check_directives(v)


def _macro_name(k: str) -> str:
    """``NAME`` or ``NAME(params)`` of a ``command_line.defines`` key, checked; blanks in the
    parameter list dropped (``IDX(i, j)`` -> ``IDX(i,j)``, as gcc reads them)."""
    from accellium.dataset.analysis.conditions import given_define

    name, paren, params = k.partition("(")
    spec = name + paren + "".join(params.split())
    if "=" in k or given_define(f"{spec}=1") is None:
        raise ValueError(f"command_line.defines key {k[:80]!r} is not NAME or NAME(params)")
    return spec


def _names(v: list[str], where: str) -> list[str]:
    """``v`` when each entry is a C identifier (of at most ``MAX_DEFINE_CHARS``); else a
    ValueError naming the field and index (a 422)."""
    import re

    from accellium.dataset.pragma import IDENT

    for k, name in enumerate(v):
        if len(name) > MAX_DEFINE_CHARS or not re.fullmatch(IDENT, name):
            raise ValueError(f"{where}[{k}] {name[:80]!r} is not a name")
    return v


class CommandLineModel(_Strict):
    """The compile command's ``-D``/``-U`` for the code (as gcc's, ``-D`` first)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"defines": {"PADDED": None, "N": "1024", "IDX(i, j)": "((i) * m + (j))"},
         "undefines": ["DEBUG"], "complete": False}]})

    defines: dict[Text, CText | None] = Field(
        default_factory=dict, max_length=MAX_DEFINES,
        description="Macros defined before the first line, as `-D NAME=VALUE` (`NAME` or "
                    "`NAME(params)` -> its replacement; null: `1`).  The header macros "
                    "of `defines` are read after them (a header's definition overrides "
                    f"one).  At most {MAX_DEFINES} entries of {MAX_DEFINE_CHARS} chars.")
    undefines: list[Text] = Field(
        default_factory=list, max_length=MAX_DEFINES,
        description="Names that are not macros before the first line, as `-U NAME`.")
    complete: bool = Field(
        False, strict=True,
        description="These are all the build's -D/-U: a name they leave out is undefined in "
                    "the `#if` groups of the headers read (else such a group is undecided "
                    "and the macros it defines stay unknown).")

    @field_validator("defines")
    @classmethod
    def _defines_ok(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        for k, body in v.items():
            _macro_name(k)
            if len(k) + len(body or "") > MAX_DEFINE_CHARS:
                raise ValueError(f"command_line.defines[{k[:80]!r}] is longer than "
                                 f"{MAX_DEFINE_CHARS} chars")
        return v

    @field_validator("undefines")
    @classmethod
    def _undefines_ok(cls, v: list[str]) -> list[str]:
        return _names(v, "command_line.undefines")

    def words(self) -> list[str]:
        """The command line's words: ``-DNAME=VALUE`` ... then ``-UNAME`` ... (a name in both:
        undefined, as gcc reads ``-D A -U A``)."""
        return [f"-D{_macro_name(k)}={'1' if b is None else b}"
                for k, b in self.defines.items()] + \
            [f"-U{u}" for u in self.undefines]


class ScopeModel(_Strict):
    """The buffer the loop is in, so that the analysis sees what the loop alone cannot show:
    whether a scalar the loop assigns is read after it, and what the functions it calls (defined
    in the same buffer) read and write."""

    source: CText = Field(
        min_length=1, max_length=MAX_SCOPE_BYTES,
        description=f"The whole file or buffer (at most {MAX_SCOPE_BYTES} bytes UTF-8).")
    offset: int = Field(ge=0, strict=True,
                        description="UTF-8 byte offset in `source` of the loop's `for` keyword; "
                                    "the loop there must be the loop in `code`.")
    defines: list[CText] = Field(
        default_factory=list, max_length=MAX_DEFINES,
        description="Optional: the macros the buffer's local headers define before the loop, "
                    "one `#define` line each (`#define IDX(i, j) ((i) * n + (j))`), read as "
                    "defined before the first line of `source` (its own definitions and "
                    f"`#undef` lines override them); at most {MAX_DEFINES} lines of "
                    f"{MAX_DEFINE_CHARS} chars, {MAX_DEFINES_CHARS} chars in all.")

    command_line: CommandLineModel | None = Field(
        None,
        description="Optional: the compile command's -D/-U (`defines` are macros defined "
                    "before the first line of `source`, under the header macros of "
                    "`defines`); null = not known.")

    types: list[Text] = Field(
        default_factory=list, max_length=MAX_DEFINES,
        description="Optional: the names the `typedef` declarations of the buffer's headers "
                    "declare before the loop: type names there, so `(real)(x)` is a cast, "
                    "not a call of `real` (C11 6.7.8p3, 6.5.4).")
    routines: list[Text] = Field(
        default_factory=list, max_length=MAX_DEFINES,
        description="Optional: the functions the buffer's headers declare after a "
                    "`#pragma acc routine` line (or name in `routine(name)`) before the loop: "
                    "they have a device version (OpenACC 3.3, 2.15.1).")

    declarations: list[CText] = Field(
        default_factory=list, max_length=MAX_DEFINES,
        description="Optional: the file-scope declarations of objects in the buffer's headers "
                    "included before the loop, one declaration each (`extern double "
                    "u[NN][NN], f[NN][NN];`): `#include` puts them in the buffer (C11 "
                    "6.10.2p3), so the loop's globals include what they declare; macros they "
                    "use go in `defines`.  At most "
                    f"{MAX_DEFINES} of {MAX_DEFINE_CHARS} chars, {MAX_DEFINES_CHARS} chars "
                    "in all; one that is not a declaration of objects is a 422.")

    @field_validator("defines")
    @classmethod
    def _defines_short(cls, v: list[str]) -> list[str]:
        return check_defines(v, "scope.defines")

    @field_validator("declarations")
    @classmethod
    def _declarations_short(cls, v: list[str]) -> list[str]:
        for k, d in enumerate(v):
            if len(d) > MAX_DEFINE_CHARS:
                raise ValueError(f"scope.declarations[{k}] is longer than {MAX_DEFINE_CHARS} "
                                 "chars")
        if sum(len(d) for d in v) > MAX_DEFINES_CHARS:
            raise ValueError(f"scope.declarations: more than {MAX_DEFINES_CHARS} chars in all")
        return v

    @field_validator("types", "routines")
    @classmethod
    def _names_ok(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _names(v, f"scope.{info.field_name}")

    @field_validator("source")
    @classmethod
    def _source_bytes(cls, v: str) -> str:
        if len(v.encode("utf-8")) > MAX_SCOPE_BYTES:
            raise ValueError(f"scope.source is larger than {MAX_SCOPE_BYTES} bytes")
        return v


class ContextModel(_Strict):
    enclosing: list[CText] = Field(
        default_factory=list, max_length=MAX_ENCLOSING,
        description="OpenACC directives whose scope contains the loop, outermost first.")
    examples: list[ExampleModel] = Field(
        default_factory=list, max_length=MAX_EXAMPLES,
        description=f"Workspace pragma–loop pairs, nearest first (at most {MAX_EXAMPLES}).")
    scope: ScopeModel | None = Field(
        default=None,
        description="Optional: the buffer the loop is in and where (safety: scalars read after "
                    "the loop, effects of calls to functions defined there).")

    @field_validator("enclosing")
    @classmethod
    def _enclosing_short(cls, v: list[str]) -> list[str]:
        return _check_directives(v) or []


class SuggestRequest(_Strict):
    """One ``for`` loop to annotate."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SUGGEST_EXAMPLE]})

    code: CText = Field(
        min_length=1, max_length=MAX_CODE_BYTES,
        description="Exactly one top-level C/C++ `for` statement with its body "
                    f"(at most {MAX_CODE_BYTES} bytes UTF-8, brackets nested at most "
                    f"{MAX_NESTING} levels deep).")
    language: Text = Field("c", max_length=16,
                           description="`c` or `cpp` (also `c++`, `cxx`, ...).")
    context: ContextModel = Field(default_factory=ContextModel)
    adapter: Text | None = Field(
        None, max_length=64, description="Name of a loaded LoRA adapter (model engines only).")
    alternatives: int = Field(0, ge=0, le=MAX_ALTERNATIVES, strict=True,
                              description="How many alternative pragmas to return at most "
                                          "(an integer; `true` is refused).")
    engine: Text | None = Field(
        None, max_length=32,
        description="Optional: answer with this engine instead of the server's default "
                    "(the server's engine or an embedded one: auto, analysis, retrieval).")
    first_line: int = Field(
        1, ge=1, le=MAX_FIRST_LINE, strict=True,
        description="Optional: the line number of `code`'s first line in the user's file "
                    "(the line of `context.scope.offset` when a scope is sent): the lines "
                    "the notes name count from it (default 1: lines of `code`).")

    @field_validator("code")
    @classmethod
    def _code_bytes(cls, v: str) -> str:
        if len(v.encode("utf-8")) > MAX_CODE_BYTES:  # valid Unicode by now (CText)
            raise ValueError(f"code is larger than {MAX_CODE_BYTES} bytes")
        return v


class SuggestResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SUGGEST_RESPONSE_EXAMPLE]})

    pragma: str | None = Field(description="One `#pragma acc` line, or null: advise no pragma.")
    directive: str | None
    clauses: list[str]
    alternatives: list[str] = Field(
        default_factory=list,
        description="The engine's next-ranked pragmas, best first (at most the request's "
                    "`alternatives`; each parsed and validated like `pragma`).")
    engine: str
    adapter: str | None = None
    valid: bool = True
    notes: list[str] = Field(default_factory=list)
    fallback: str | None = Field(
        None, description="Set when the engine's answer was rejected and `auto` answered; says why.")
    elapsed_ms: float
    confidence: float | None = Field(
        None,
        description="From 0 to 1: the engine's calibrated probability that `pragma` is the pragma the "
                    "project would write (the `auto` engine's ranker); null when the engine "
                    "has none or advises no pragma.")


class BatchItemError(BaseModel):
    """A batch item that failed; the other items are answered."""

    error: str = Field(description="The reason, as the single-request endpoint would give it.")
    status: int = Field(description="The status code the single-request endpoint would return.")


class AdapterLoad(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "mylab", "path": "/srv/adapters/mylab-2026-05"}]})

    name: str = Field(pattern=ADAPTER_NAME_PATTERN, description="The name requests will use.")
    path: Text = Field(min_length=1, max_length=4096,
                       description="Adapter folder on the server (with accellium.json), under "
                                   "one of the server's --adapter-root folders.")


class AdapterInfo(BaseModel):
    name: str
    path: str
    base_model: str | None = None
    base_fingerprint: str | None = None
    prompt_version: str | None = None
    rank: int | None = None
    data_hash: str | None = None
    loaded_at: float
    version: int = Field(description="How many times this name was (re)loaded.")
    meta: dict[str, Any] = Field(default_factory=dict)
    served_by: list[str] | None = Field(
        None, description="Gateway (`--engine openai`) only: the upstreams that serve it.")
    upstreams: dict[str, str] | None = Field(
        None, description="Gateway only, after a load: each upstream's outcome (`loaded`, "
                          "`failed: ...`, `down: loads it when it is back`).")


class AdapterList(BaseModel):
    engine: str
    supports_adapters: bool
    max_loras: int | None = None
    max_lora_rank: int | None = None
    adapters: list[AdapterInfo]
    upstreams: list[dict[str, Any]] | None = Field(
        None, description="Gateway (`--engine openai`) only: each upstream's URL, health, "
                          "requests outstanding, base model and the models it serves.")


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    engine: str
    engine_loaded: bool
    adapters: list[str]
    prompt_version: str
    version: str
    uptime_s: float
    error: str | None = Field(None, description="Why the engine did not load, if it did not.")
    stats: dict[str, Any] = Field(default_factory=dict, description="Engine counters.")


class ErrorBody(BaseModel):
    detail: Any = Field(description="The reason (a string, or pydantic's error list for 422).")
