"""What the analysis knows about functions it cannot see: the C and C++ library.

Each name here states a fact of the C/C++ standard library (or of a common macro spelling of
it): pure functions compute a value from their arguments only; exit functions end the program.
"""

from __future__ import annotations

import re

__all__ = ["PURE_CALLS", "EXIT_CALLS", "MAX_NAMES", "MIN_NAMES", "is_macro_name"]

#: Math and utility functions whose result depends on their arguments only.
PURE_CALLS = frozenset(
    "sqrt sqrtf sqrtl fabs fabsf fabsl abs labs llabs exp expf expl exp2 log logf log2 log10 "
    "log1p pow powf powl sin sinf cos cosf tan tanf asin acos atan atan2 sinh cosh tanh floor "
    "floorf ceil ceilf round roundf trunc fmod fmodf fmax fmaxf fmin fminf max min cbrt hypot "
    "erf erfc copysign rsqrt exp10 sizeof std::sqrt std::abs std::fabs std::exp std::log "
    "std::pow std::sin std::cos std::max std::min std::fmax std::fmin std::floor std::ceil "
    "MAX MIN max_ min_ fma fmaf isnan isinf".split()
)
#: Functions that end the program.
EXIT_CALLS = frozenset({"exit", "abort", "_exit", "quick_exit"})
MAX_NAMES = frozenset({"max", "fmax", "fmaxf", "fmaxl", "std::max", "std::fmax", "MAX", "Max",
                       "dmax", "max_"})
MIN_NAMES = frozenset({"min", "fmin", "fminf", "fminl", "std::min", "std::fmin", "MIN", "Min",
                       "dmin", "min_"})

_MACRO = re.compile(r"[A-Z][A-Z0-9_]*")


def is_macro_name(name: str) -> bool:
    """An all-capitals name: by C convention a macro (``MAX``, ``IDX``), expanded in place."""
    return _MACRO.fullmatch(name) is not None
