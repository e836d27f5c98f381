"""Cheap, linear checks on text that enters the HTTP API, before any parser sees it.

- :func:`lone_surrogate`: JSON can carry ``"\\ud800"``, a code point no UTF-8 encoder accepts;
  every text field is refused with the position rather than mangled later.
- :func:`bracket_depth`: how deeply ``( [ {`` nest, outside comments and string/char literals,
  in one left-to-right pass. The API refuses text nested deeper than :data:`MAX_NESTING`: the
  deepest loop in the 4,069 mined pairs nests 11 levels, so 64 leaves room for any real loop
  while keeping every later tree walk (loop finding, analysis, pragma parsing) bounded, whatever
  its own complexity in the depth.
"""

from __future__ import annotations

import re

__all__ = ["MAX_NESTING", "bracket_depth", "lone_surrogate", "nesting_problem",
           "surrogate_problem"]

#: deepest bracket nesting the API accepts (see the module docstring)
MAX_NESTING = 64

# comments and literals are skipped whole; a lone quote (broken code) matches nothing special
_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*.*?(?:\*/|\Z)'
                    r"|[()\[\]{}]", re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPEN = frozenset("([{")


def bracket_depth(text: str, stop_above: int | None = None) -> int:
    """The deepest nesting of brackets in ``text`` (comments and literals skipped). Stops early
    once the depth exceeds ``stop_above``. Unbalanced closers never make the depth negative."""
    depth = deepest = 0
    for m in _TOKEN.finditer(text):
        c = m.group()
        if len(c) != 1:
            continue
        if c in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        elif depth:
            depth -= 1
    return deepest


def nesting_problem(text: str, what: str, limit: int = MAX_NESTING) -> str | None:
    """A reason when ``text`` nests brackets deeper than ``limit``, else None."""
    if bracket_depth(text, stop_above=limit) > limit:
        return (f"{what} nests brackets/parentheses/braces more than {limit} levels deep "
                f"(the API's limit; real loops nest far less)")
    return None


def lone_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate code point in ``text``, or None."""
    m = _SURROGATE.search(text)
    return m.start() if m else None


def surrogate_problem(text: str, what: str) -> str | None:
    """A reason when ``text`` holds a lone surrogate (not valid Unicode), else None."""
    i = lone_surrogate(text)
    if i is None:
        return None
    return (f"{what} contains a lone surrogate (U+{ord(text[i]):04X} at character {i}); "
            "send valid Unicode text")
