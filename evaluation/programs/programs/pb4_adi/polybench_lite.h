/* The array and loop-bound macros of PolyBench/C 4.2's polybench.h (C99 prototypes off). */
#ifndef POLYBENCH_LITE_H
#define POLYBENCH_LITE_H
#include <stdlib.h>
#define POLYBENCH_PADDING_FACTOR 0
#define POLYBENCH_LOOP_BOUND(x, y) y
#define POLYBENCH_2D(var, dim1, dim2, ddim1, ddim2) var[dim1 + POLYBENCH_PADDING_FACTOR][dim2 + POLYBENCH_PADDING_FACTOR]
#define POLYBENCH_3D(var, dim1, dim2, dim3, ddim1, ddim2, ddim3) var[dim1 + POLYBENCH_PADDING_FACTOR][dim2 + POLYBENCH_PADDING_FACTOR][dim3 + POLYBENCH_PADDING_FACTOR]
#define POLYBENCH_1D(var, dim1, ddim1) var[dim1 + POLYBENCH_PADDING_FACTOR]
#define POLYBENCH_ALLOC_2D_ARRAY(n1, n2, type) (type(*)[n1 + POLYBENCH_PADDING_FACTOR][n2 + POLYBENCH_PADDING_FACTOR])polybench_alloc_data ((n1 + POLYBENCH_PADDING_FACTOR) * (n2 + POLYBENCH_PADDING_FACTOR), sizeof(type))
#define POLYBENCH_2D_ARRAY_DECL(var, type, dim1, dim2, ddim1, ddim2) type POLYBENCH_2D(POLYBENCH_DECL_VAR(var), dim1, dim2, ddim1, ddim2); var = POLYBENCH_ALLOC_2D_ARRAY(dim1, dim2, type);
#define POLYBENCH_1D_ARRAY_DECL(var, type, dim1, ddim1) type POLYBENCH_1D(POLYBENCH_DECL_VAR(var), dim1, ddim1); var = POLYBENCH_ALLOC_1D_ARRAY(dim1, type);
#define POLYBENCH_ALLOC_1D_ARRAY(n1, type) (type(*)[n1 + POLYBENCH_PADDING_FACTOR])polybench_alloc_data (n1 + POLYBENCH_PADDING_FACTOR, sizeof(type))
#define POLYBENCH_DECL_VAR(x) (*x)
#define POLYBENCH_ARRAY(x) *x
#define POLYBENCH_FREE_ARRAY(x) free((void*)x);
#define SCALAR_VAL(x) x
static void *polybench_alloc_data(unsigned long long n, int elt_size)
{
    void *p = malloc(n * elt_size);
    if (!p) exit(1);
    return p;
}
#endif
