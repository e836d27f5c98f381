/* Array, size and loop-bound macros in the shape of a benchmark suite's common header: every
 * choice is a preprocessor group decided by the compile command (-D), and the header lives in
 * a folder of its own that the build names with -I. */
#ifndef BENCHCFG_H
#define BENCHCFG_H
#include <stdlib.h>

#ifndef BENCH_PADDING
# define BENCH_PADDING 0
#endif

/* Array parameters: the static sizes, or the run-time ones (C99 variably modified). */
#ifdef BENCH_USE_C99_PROTO
# define BENCH_DIM(x, y) y
#else
# define BENCH_DIM(x, y) x
#endif

/* Loop bounds: the run-time sizes, or the static ones. */
#ifdef BENCH_USE_SCALAR_LB
# define BENCH_LOOP_BOUND(x, y) x
#else
# define BENCH_LOOP_BOUND(x, y) y
#endif

#define BENCH_2D(var, d1, d2, dd1, dd2) \
    var[BENCH_DIM(d1, dd1) + BENCH_PADDING][BENCH_DIM(d2, dd2) + BENCH_PADDING]
#define BENCH_ALLOC_2D(n1, n2, type) \
    (type(*)[n1 + BENCH_PADDING][n2 + BENCH_PADDING]) \
    bench_alloc((n1 + BENCH_PADDING) * (n2 + BENCH_PADDING), sizeof(type))
#define BENCH_2D_DECL(var, type, d1, d2, dd1, dd2) \
    type BENCH_2D((*var), d1, d2, dd1, dd2); var = BENCH_ALLOC_2D(d1, d2, type);
#define BENCH_ARRAY(x) *x
#define BENCH_FREE(x) free((void *)x);

void *bench_alloc(unsigned long long n, int elt_size);

#endif
