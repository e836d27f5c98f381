"""What the generated translation unit of the compile check declares before the loop.

A tiny prelude instead of the system headers (a header costs 10-30x the compile itself), the
standard headers for C++ loops that use ``std::``, and the names all of them already declare
(never re-declared as free identifiers).
"""

from __future__ import annotations

import re

from accellium.dataset.pragma import IDENT

__all__ = ["PRELUDE_C", "PRELUDE_CPP", "STD_HEADERS", "KNOWN", "KNOWN_CPP", "C_KEYWORDS"]

# A tiny prelude instead of the system headers (a header costs 10-30x the compile itself):
# the constants, types and I/O functions loops use; everything else that is called is declared
# as an unknown function.  C++ loops that use ``std::`` get the real headers.
PRELUDE_COMMON = """typedef unsigned long size_t; typedef long ptrdiff_t;
typedef signed char int8_t; typedef short int16_t; typedef int int32_t; typedef long int64_t;
typedef unsigned char uint8_t; typedef unsigned short uint16_t; typedef unsigned int uint32_t;
typedef unsigned long uint64_t; typedef long intptr_t; typedef unsigned long uintptr_t;
typedef long clock_t; typedef long time_t; typedef struct __acc_FILE FILE;
extern FILE *stdout, *stderr, *stdin;
int printf(const char *, ...); int fprintf(FILE *, const char *, ...);
int sprintf(char *, const char *, ...); int snprintf(char *, size_t, const char *, ...);
int puts(const char *);
#define M_PI 3.14159265358979323846
#define M_E 2.7182818284590452354
#define M_SQRT2 1.41421356237309504880
#define M_SQRT1_2 0.70710678118654752440
#define M_PI_2 1.57079632679489661923
#define M_PI_4 0.78539816339744830962
#define M_1_PI 0.31830988618379067154
#define M_2_PI 0.63661977236758134308
#define M_LN2 0.69314718055994530942
#define M_LN10 2.30258509299404568402
#define M_LOG2E 1.4426950408889634074
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define HUGE_VAL (__builtin_huge_val())
#define DBL_MAX 1.79769313486231570815e+308
#define DBL_MIN 2.22507385850720138309e-308
#define DBL_EPSILON 2.22044604925031308085e-16
#define FLT_MAX 3.40282346638528859812e+38F
#define FLT_MIN 1.17549435082228750797e-38F
#define FLT_EPSILON 1.19209289550781250000e-7F
#define INT_MAX 2147483647
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX 4294967295U
#define LONG_MAX 9223372036854775807L
#define LONG_MIN (-LONG_MAX - 1L)
#define RAND_MAX 2147483647
#define EXIT_FAILURE 1
#define EXIT_SUCCESS 0
#define EOF (-1)
"""
PRELUDE_C = PRELUDE_COMMON + """#define NULL ((void *)0)
#define bool _Bool
#define true 1
#define false 0
"""
PRELUDE_CPP = PRELUDE_COMMON + "#define NULL 0\n"
STD_HEADERS = ("#include <cmath>\n#include <cstdlib>\n#include <cstring>\n#include <vector>\n"
                "#include <algorithm>\n#include <complex>\n#include <string>\n#include <utility>\n"
                "#include <limits>\n#include <numeric>\n#include <array>\n#include <cstdio>\n"
                "#include <cstdint>\n#include <cfloat>\n#include <climits>\n#include <ctime>\n")
KNOWN = set(re.findall(rf"\b({IDENT})\b", PRELUDE_C + PRELUDE_CPP)) | {
    "sizeof", "offsetof", "__builtin_inff", "__builtin_nanf", "__builtin_huge_val",
}
KNOWN_CPP = {"std", "this", "nullptr", "new", "delete", "true", "false"}
C_KEYWORDS = set("""
auto break case char const continue default do double else enum extern float for goto if inline
int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Bool bool typedef define
""".split())
