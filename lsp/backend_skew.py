"""Version skew: a backend older than this language server.

The request models of the HTTP API are strict (``extra="forbid"``), so a backend released
before an optional field this server sends answers ``422`` with pydantic's error list, each
error of type ``extra_forbidden`` at the field's location (``["body", "first_line"]``).  Such
an answer is not "the backend refused this input": :func:`refused_fields` tells it from any
other ``422`` — every error of the list must be ``extra_forbidden`` at a field of
:data:`NEWER_FIELDS` — and :class:`OlderBackends` remembers, per backend URL, the fields it
does not take, so that later requests do without them at once (no round trip that is bound to
fail).  What doing without a field means is the caller's: ``/v1/suggest`` goes without
``first_line`` (the pragma does not depend on it), ``/v1/offload`` with ``command_line`` or
``path`` is planned in-process (the plan does).
"""

from __future__ import annotations

from typing import Any

from .backend import BackendError, parse_json

__all__ = ["NEWER_FIELDS", "WITHOUT", "OlderBackends", "refused_fields", "carried", "without"]

#: the optional fields this server sends that backends before them refuse, by endpoint
#: (dotted: their place in the request body); docs/lsp.md says what each costs
NEWER_FIELDS: dict[str, tuple[str, ...]] = {
    "/v1/suggest": ("first_line",),
    "/v1/offload": ("command_line", "path"),
}
#: what the language server does for a request that would carry a field the backend refuses
#: (the message that tells the user says it)
WITHOUT: dict[str, str] = {
    "/v1/suggest": "loops are sent without it (the backend's notes then count lines from the "
                   "loop's first line)",
    "/v1/offload": "functions whose build -D/-U or program files the backend would need are "
                   "planned in-process",
}
MAX_ERRORS = 64  # more than any request of ours can draw for unknown fields


def refused_fields(endpoint: str, body: bytes) -> frozenset[str] | None:
    """The fields of :data:`NEWER_FIELDS` ``[endpoint]`` that a ``422`` answer's ``body`` says
    the backend does not know; None unless its ``detail`` is a non-empty list whose every
    error is ``extra_forbidden`` at one of them (any other 422 keeps its meaning)."""
    known = NEWER_FIELDS.get(endpoint, ())
    try:
        obj = parse_json(body[:65536])  # bounded and depth-checked, as every answer
    except BackendError:
        return None
    errors = obj.get("detail") if isinstance(obj, dict) else None
    if not isinstance(errors, list) or not 0 < len(errors) <= MAX_ERRORS:
        return None
    out: set[str] = set()
    for e in errors:
        loc = e.get("loc") if isinstance(e, dict) else None
        if not (isinstance(e, dict) and e.get("type") == "extra_forbidden" and
                isinstance(loc, list) and len(loc) > 1 and loc[0] == "body" and
                all(isinstance(x, str) for x in loc)):
            return None
        name = ".".join(loc[1:])
        if name not in known:
            return None
        out.add(name)
    return frozenset(out)


def _has(body: dict, dotted: str) -> bool:
    *parents, last = dotted.split(".")
    for p in parents:
        body = body.get(p) if isinstance(body, dict) else None  # type: ignore[assignment]
    return isinstance(body, dict) and last in body


def carried(body: dict, fields: frozenset[str]) -> frozenset[str]:
    """Those of ``fields`` that the request ``body`` carries."""
    return frozenset(f for f in fields if _has(body, f))


def without(body: dict, fields: frozenset[str]) -> dict:
    """``body`` without ``fields`` (a copy where one is removed; ``body`` is not changed)."""
    out: dict[str, Any] = dict(body)
    for f in fields:
        *parents, last = f.split(".")
        node = out
        for p in parents:
            child = node.get(p)
            if not isinstance(child, dict):
                break
            copy = dict(child)
            node[p] = copy
            node = copy
        else:
            node.pop(last, None)
    return out


class OlderBackends:
    """The fields each backend URL was seen to refuse, by endpoint (for the session, or until
    the backend settings change: :meth:`clear`)."""

    def __init__(self) -> None:
        self._refused: dict[tuple[str, str], frozenset[str]] = {}

    def refused(self, url: str, endpoint: str) -> frozenset[str]:
        return self._refused.get((url, endpoint), frozenset())

    def learn(self, url: str, endpoint: str, fields: frozenset[str]) -> frozenset[str]:
        """Remember that ``url`` refuses ``fields`` at ``endpoint``; the ones not known
        before (none: nothing new to tell the user)."""
        old = self.refused(url, endpoint)
        self._refused[(url, endpoint)] = old | fields
        return fields - old

    def clear(self) -> None:
        self._refused.clear()
