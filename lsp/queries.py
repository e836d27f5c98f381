"""A :class:`LoopQuery` as the language server sends it (``POST /v1/suggest``, DESIGN §4, with
``context.scope``) and as its answer cache keys it."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from accellium.server.api_models import MAX_DEFINE_CHARS, MAX_DEFINES, MAX_DEFINES_CHARS
from accellium.server.engines import LoopQuery

from .actions import MAX_ALTERNATIVES
from .headers import words_of

__all__ = ["query_key", "request_body", "scope_declarations"]


def _example_json(e: Any) -> dict:
    out = {"pragma": e.pragma, "loop": e.loop}
    if getattr(e, "enclosing", None) is not None:
        out["enclosing"] = list(e.enclosing)
    if getattr(e, "same_file", None) is not None:
        out["same_file"] = bool(e.same_file)
    return out


def query_key(q: LoopQuery) -> tuple:
    return (q.lang, q.code, tuple(q.enclosing),
            tuple((e.pragma, e.loop, e.enclosing, e.same_file) for e in q.examples), q.adapter,
            _scope_key(q.scope), q.first_line)  # first_line: the lines the notes name


def _scope_key(scope: Any) -> tuple | None:
    """The scope in a cache key: its offset, a digest of its text and its header macros (the
    answer may depend on any of it: what follows the loop, the functions it calls, what a
    macro of a header means)."""
    if scope is None:
        return None
    return (scope.offset, _digest(scope.source), tuple(getattr(scope, "defines", ())),
            tuple(sorted(getattr(scope, "routines", ()))),
            tuple(sorted(getattr(scope, "types", ()))),
            tuple((at, _digest_bytes(data)) for at, data in getattr(scope, "headers", ())))


@lru_cache(maxsize=16)
def _digest(source: str) -> str:
    return _digest_bytes(source.encode("utf-8", "surrogateescape"))


@lru_cache(maxsize=64)
def _digest_bytes(data: bytes) -> str:
    """A text's digest (once per text: a document's headers are keyed for each of its loops)."""
    return hashlib.sha1(data).hexdigest()


def scope_declarations(headers: tuple[tuple[int, bytes], ...], lang: str, source: bytes
                       ) -> tuple[str, ...]:
    """The file-scope declarations of objects in the ``headers`` read before a loop that name
    an identifier the document ``source`` writes (:func:`~accellium.dataset.offload.shapes.
    object_declarations`): what a backend needs of them (``context.scope.declarations``);
    none when they would not fit a request."""
    from accellium.dataset.offload.shapes import object_declarations

    if not headers:
        return ()
    got = object_declarations(headers, lang, words_of(source))
    ok = len(got) <= MAX_DEFINES and all(len(d) <= MAX_DEFINE_CHARS for d in got) and \
        sum(len(d) for d in got) <= MAX_DEFINES_CHARS
    return got if ok else ()


def request_body(q: LoopQuery, scope: bool = True) -> dict:
    """The ``/v1/suggest`` body: the loop, its context (the document as ``context.scope``
    unless ``scope`` is False) and the alternatives the quick fixes offer."""
    context: dict[str, Any] = {"enclosing": list(q.enclosing),
                               "examples": [_example_json(e) for e in q.examples]}
    if scope and q.scope is not None:
        context["scope"] = {"source": q.scope.source, "offset": q.scope.offset}
        if q.scope.defines:  # the macros of the document's headers (docs/server.md)
            context["scope"]["defines"] = [m.directive() for m in q.scope.defines]
        if q.scope.routines:  # the headers' device routines and type names
            context["scope"]["routines"] = sorted(q.scope.routines)
        if q.scope.types:
            context["scope"]["types"] = sorted(q.scope.types)
        decls = scope_declarations(q.scope.headers, q.lang,
                                   q.scope.source.encode("utf-8", "surrogateescape"))
        if decls:  # the headers' objects the document names (their texts are not sent)
            context["scope"]["declarations"] = list(decls)
    body = {
        "code": q.code,
        "language": q.lang,
        "context": context,
        "adapter": q.adapter,
        "alternatives": MAX_ALTERNATIVES,
    }
    if q.first_line != 1:  # the notes then name lines of the document, as the embedded ones
        body["first_line"] = q.first_line
    return body
