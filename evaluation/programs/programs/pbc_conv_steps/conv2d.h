/* Sizes of the smoothing benchmark: one group per data set, chosen with -D on the compile
 * command; the default is the standard set. */
#ifndef CONV2D_H
#define CONV2D_H

#if !defined(MINI_SET) && !defined(SMALL_SET) && !defined(LARGE_SET)
# define STANDARD_SET
#endif

#if !defined(N) && !defined(TSTEPS)
# ifdef MINI_SET
#  define N 40
#  define TSTEPS 6
# endif
# ifdef SMALL_SET
#  define N 120
#  define TSTEPS 10
# endif
# ifdef STANDARD_SET
#  define N 1000
#  define TSTEPS 20
# endif
# ifdef LARGE_SET
#  define N 4000
#  define TSTEPS 50
# endif
#endif

#define _PB_N BENCH_LOOP_BOUND(N, n)
#define _PB_TSTEPS BENCH_LOOP_BOUND(TSTEPS, tsteps)

#ifndef DATA_TYPE
# define DATA_TYPE double
# define DATA_PRINTF_MODIFIER "%0.4lf "
#endif

#endif
