/* A 3x3 smoothing filter applied tsteps times with two buffers, in the layout of a
 * benchmark suite's OpenACC kernels: the common header found through -I, sizes and
 * macro variants chosen by -D, pointer-to-array buffers allocated by the suite's allocator
 * in another translation unit, and no self check: the program prints its result array and
 * the run is compared with the serial build's output. */
#include <stdio.h>
#include <benchcfg.h>
#include "conv2d.h"

static void init_array(int n, DATA_TYPE BENCH_2D(A, N, N, n, n))
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            A[i][j] = (DATA_TYPE)((i * (j + 2) + 3 * j) % 17) / 17.0;
}

static void print_array(int n, DATA_TYPE BENCH_2D(A, N, N, n, n))
{
    int i, j;
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++)
            printf(DATA_PRINTF_MODIFIER, A[i][j]);
        printf("\n");
    }
}

static void kernel_conv2d(int tsteps, int n,
                          DATA_TYPE BENCH_2D(A, N, N, n, n),
                          DATA_TYPE BENCH_2D(B, N, N, n, n))
{
    int t, i, j;
    const DATA_TYPE c11 = 0.05, c12 = 0.1, c13 = 0.05;
    const DATA_TYPE c21 = 0.1, c22 = 0.4, c23 = 0.1;
    const DATA_TYPE c31 = 0.05, c32 = 0.1, c33 = 0.05;

    #pragma acc data copy(A[0:N][0:N]) create(B[0:N][0:N])
    {
        for (t = 0; t < _PB_TSTEPS; t++) {
            #pragma acc parallel loop collapse(2) present(A[0:N][0:N], B[0:N][0:N])
            for (i = 1; i < _PB_N - 1; i++)
                for (j = 1; j < _PB_N - 1; j++)
                    B[i][j] = c11 * A[i - 1][j - 1] + c12 * A[i - 1][j] + c13 * A[i - 1][j + 1]
                            + c21 * A[i][j - 1] + c22 * A[i][j] + c23 * A[i][j + 1]
                            + c31 * A[i + 1][j - 1] + c32 * A[i + 1][j] + c33 * A[i + 1][j + 1];
            #pragma acc parallel loop collapse(2) present(A[0:N][0:N], B[0:N][0:N])
            for (i = 1; i < _PB_N - 1; i++)
                for (j = 1; j < _PB_N - 1; j++)
                    A[i][j] = B[i][j];
        }
    }
}

int main(int argc, char **argv)
{
    int n = N;
    int tsteps = TSTEPS;
    BENCH_2D_DECL(A, DATA_TYPE, N, N, n, n);
    BENCH_2D_DECL(B, DATA_TYPE, N, N, n, n);

    init_array(n, BENCH_ARRAY(A));
    kernel_conv2d(tsteps, n, BENCH_ARRAY(A), BENCH_ARRAY(B));
    print_array(n, BENCH_ARRAY(A));

    BENCH_FREE(A);
    BENCH_FREE(B);
    return 0;
}
