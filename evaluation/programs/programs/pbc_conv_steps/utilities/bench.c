/* The suite's allocator, in a translation unit of its own: aligned, checked. */
#include <stdio.h>
#include <stdlib.h>
#include "benchcfg.h"

void *bench_alloc(unsigned long long n, int elt_size)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, (size_t)(n * (unsigned long long)elt_size)) != 0 || p == NULL) {
        fprintf(stderr, "bench_alloc: cannot allocate %llu elements\n", n);
        exit(1);
    }
    return p;
}
