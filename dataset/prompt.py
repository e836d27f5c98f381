"""The one prompt template (DESIGN §5). Training and serving both import it.

Bump :data:`PROMPT_VERSION` whenever the rendered text changes: adapters record the version they
were trained with and the server refuses a mismatch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from accellium.dataset.pragma import is_acc_pragma, join_continuations

__all__ = ["PROMPT_VERSION", "Example", "build_prompt", "build_completion", "first_pragma_line",
           "MAX_EXAMPLES"]

PROMPT_VERSION = "accellium-prompt-v1"
MAX_EXAMPLES = 8
_LANG_NAMES = {"c": "C", "cpp": "C++"}


@dataclass(frozen=True)
class Example:
    """A pragma–loop pair from the user's project (a few-shot example), with the directives
    enclosing that loop and whether it is in the same file as the query, when the sender knows
    them (None: not known).  The prompt shows neither; the embedded engines use them to tell an
    orphaned ``loop`` from one inside a region and to prefer the closest style."""

    pragma: str
    loop: str
    enclosing: tuple[str, ...] | None = None
    same_file: bool | None = None


def _clip(text: str, limit: int | None) -> str:
    text = text.strip("\n")
    if limit is None or len(text) <= limit:
        return text
    return text[:limit].rstrip() + "\n/* ... */"


def build_prompt(
    loop: str,
    lang: str = "c",
    enclosing: Sequence[str] = (),
    examples: Sequence[Example] = (),
    *,
    max_loop_chars: int | None = 3000,
    max_example_chars: int = 600,
) -> str:
    """Render the model input. The completion is :func:`build_completion` of the pragma."""
    parts = [
        f"### Task: write the OpenACC pragma for the {_LANG_NAMES.get(lang, 'C')} for-loop below.",
        "### Answer with exactly one line that starts with #pragma acc.",
    ]
    for ex in list(examples)[:MAX_EXAMPLES]:
        parts.append("### Example loop:")
        parts.append(_clip(ex.loop, max_example_chars))
        parts.append("### Example pragma:")
        parts.append(" ".join(ex.pragma.split()))
    parts.append("### Enclosing directives:")
    parts.append("\n".join(" ".join(e.split()) for e in enclosing) if enclosing else "(none)")
    parts.append("### Loop:")
    parts.append(_clip(loop, max_loop_chars))
    parts.append("### Pragma:")
    return "\n".join(parts) + "\n"


def build_completion(pragma: str) -> str:
    """The training target for a gold pragma: one normalised line and a newline."""
    return " ".join(join_continuations(pragma).split()) + "\n"


def first_pragma_line(text: str) -> str | None:
    """The first ``#pragma acc`` line of a model answer (continuations joined), or None."""
    lines = join_continuations(text).splitlines()
    for line in lines:
        if is_acc_pragma(line):
            return " ".join(line.split())
    return None
