"""What the analysis knows about functions it cannot see: the C and C++ standard library.

Each entry states a fact of the C/C++ standard library (or of a common macro spelling of it):
pure functions compute a value from their arguments only; I/O functions act on streams whose
order is the program's output; ``rand``-like functions keep hidden state that every call
advances; allocators change the heap every call shares; ``memcpy``-like functions write through
one argument; exit functions end the program and ``longjmp`` leaves the function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["PURE_CALLS", "EXIT_CALLS", "DEVICE_PRINT_CALLS", "MAX_NAMES", "MIN_NAMES",
           "is_macro_name", "Effect", "LibraryFunction", "library_function", "host_only",
           "assigns_reference"]

#: Math and utility functions whose result depends on their arguments only.
PURE_CALLS = frozenset(
    "sqrt sqrtf sqrtl fabs fabsf fabsl abs labs llabs exp expf expl exp2 log logf log2 log10 "
    "log1p pow powf powl sin sinf cos cosf tan tanf asin acos atan atan2 sinh cosh tanh floor "
    "floorf ceil ceilf round roundf trunc fmod fmodf fmax fmaxf fmin fminf max min cbrt hypot "
    "erf erfc copysign rsqrt exp10 sizeof std::sqrt std::abs std::fabs std::exp std::log "
    "std::pow std::sin std::cos std::max std::min std::fmax std::fmin std::floor std::ceil "
    "MAX MIN max_ min_ fma fmaf isnan isinf".split()
)
#: More pure functions of <math.h>, <string.h>, <stdlib.h>, <ctype.h> and <sys/time.h>: they read their
#: arguments (strings through their pointers) and return a value.
_MORE_PURE = frozenset(
    "sqrtl expm1 log1pf log2f log10f exp2f cbrtf hypotf asinf acosf atanf atan2f sinhf coshf "
    "tanhf erff lround lrint llround nearbyint rint roundl truncf fdim fmodl ldexp scalbn "
    "isfinite signbit fpclassify strlen strcmp strncmp memcmp strchr strrchr strstr atoi atol "
    "atof isdigit isalpha isalnum isspace isupper islower toupper tolower assert "
    "std::isnan std::isinf std::isfinite std::round std::trunc std::tan std::atan2 std::hypot "
    "std::fma std::exp2 std::log2 std::log10 std::cbrt std::tanh timercmp timerisset".split()
)
#: Functions that end the program.
EXIT_CALLS = frozenset({"exit", "abort", "_exit", "quick_exit", "_Exit"})
#: Functions that leave the calling function by a non-local jump.
_JUMP_CALLS = frozenset({"longjmp", "siglongjmp", "_longjmp", "std::longjmp"})
_IO_CALLS = frozenset(
    "printf fprintf vprintf vfprintf puts fputs putc fputc putchar fwrite fread fscanf scanf "
    "vscanf fopen fclose fflush fgets fgetc getc getchar gets perror fseek ftell rewind "
    "write read open close remove rename".split()
    # C++: a statement whose value is `a << b` / `a >> b` calls an overloaded operator — a
    # built-in shift's discarded value changes nothing — as a stream's insertion or
    # extraction does (`file << x`, `std::cin >> n`; :mod:`.walker`)
    + ["operator<<", "operator>>"]
)
#: The I/O calls a device can run: they print on the standard output or error, which the
#: device runtimes provide (gcc's nvptx newlib, NVHPC); in a ``serial`` construct they run in
#: order.  Every other I/O call reaches a host stream or file (``fprintf(fp, ...)``,
#: ``fwrite``, ``fopen``, ``scanf``; gcc's nvptx offload build fails to link them).
DEVICE_PRINT_CALLS = frozenset({"printf", "vprintf", "puts", "putchar", "perror"})
_STATE_CALLS = frozenset(
    "rand srand random srandom drand48 erand48 lrand48 nrand48 mrand48 jrand48 srand48 "
    "seed48 rand_r time clock gettimeofday clock_gettime getenv setenv strtok".split()
)
_ALLOC_CALLS = frozenset({"malloc", "calloc", "realloc", "free", "aligned_alloc",
                          "posix_memalign", "valloc"})
#: Functions that write through one argument (its position) and otherwise only read.
_WRITES_ARG = {"memcpy": 0, "memmove": 0, "memset": 0, "strcpy": 0, "strncpy": 0,
               "strcat": 0, "strncat": 0, "sprintf": 0, "snprintf": 0, "vsprintf": 0,
               "vsnprintf": 0, "sscanf": -1, "frexp": 1, "frexpf": 1, "modf": 1, "modff": 1,
               "std::copy": 2, "std::fill": 0,
               # <sys/time.h>'s arithmetic on ``struct timeval`` (BSD, glibc): macros that
               # store into the object their last (or only) argument points to
               "timersub": 2, "timeradd": 2, "timerclear": 0}
MAX_NAMES = frozenset({"max", "fmax", "fmaxf", "fmaxl", "std::max", "std::fmax", "MAX", "Max",
                       "dmax", "max_"})
MIN_NAMES = frozenset({"min", "fmin", "fminf", "fminl", "std::min", "std::fmin", "MIN", "Min",
                       "dmin", "min_"})

_MACRO = re.compile(r"[A-Z][A-Z0-9_]*")


def is_macro_name(name: str) -> bool:
    """An all-capitals name: by C convention a macro (``MAX``, ``IDX``), expanded in place."""
    return _MACRO.fullmatch(name) is not None


class Effect(Enum):
    """An effect a call has beyond its arguments and result."""

    IO = "I/O"  # reads or writes a stream: the order of the calls is the program's output
    STATE = "hidden state"  # every call reads and advances state all calls share (rand)
    ALLOC = "the heap"  # allocates or frees memory every call shares
    EXIT = "exit"  # ends the program
    JUMP = "a jump out of the function"  # longjmp


@dataclass(frozen=True)
class LibraryFunction:
    name: str
    effect: Effect | None = None  # None: only what ``writes_arg`` says
    writes_arg: int | None = None  # writes through this argument (-1: every pointer after the 1st)

    @property
    def pure(self) -> bool:
        return self.effect is None and self.writes_arg is None

    def writes(self, position: int) -> bool:
        """Does the function write through its argument ``position``?"""
        w = self.writes_arg
        return w is not None and (position == w or (w < 0 and position > 0))


#: C++ library functions that assign the objects some of their arguments are bound to by
#: reference: ``std::swap(a, b)`` exchanges the values of ``a`` and ``b`` ([utility.swap]).
_ASSIGNS_REFERENCE = {"std::swap": (0, 1)}


def assigns_reference(name: str, position: int) -> bool:
    """Does the library function ``name`` assign the object its argument ``position`` is
    bound to by reference?"""
    return position in _ASSIGNS_REFERENCE.get(name, ())


def library_function(name: str) -> LibraryFunction | None:
    """What the standard library says ``name`` does (None: not a library function we know)."""
    if name in PURE_CALLS or name in _MORE_PURE:
        return LibraryFunction(name)
    for names, effect in ((EXIT_CALLS, Effect.EXIT), (_JUMP_CALLS, Effect.JUMP),
                          (_IO_CALLS, Effect.IO), (_STATE_CALLS, Effect.STATE),
                          (_ALLOC_CALLS, Effect.ALLOC)):
        if name in names or name.removeprefix("std::") in names:
            return LibraryFunction(name, effect)
    if name in _WRITES_ARG:
        return LibraryFunction(name, None, _WRITES_ARG[name])
    if name in _ASSIGNS_REFERENCE:  # no effect but on its arguments' objects (walked apart)
        return LibraryFunction(name)
    return None


def host_only(name: str) -> bool:
    """True when a call of ``name`` needs what only the host has — a stream or file other than
    the standard output, the host's random state or clock, its heap — so no compute construct
    can run it: on the device it does not link or it acts on the device's own state, not the
    program's."""
    lib = library_function(name)
    if lib is None or lib.effect not in (Effect.IO, Effect.STATE, Effect.ALLOC):
        return False
    return lib.effect is not Effect.IO or name.removeprefix("std::") not in DEVICE_PRINT_CALLS
