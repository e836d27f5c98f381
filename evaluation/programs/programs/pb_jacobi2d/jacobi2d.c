/* jacobi-2d in the PolyBench/C 4.2 layout: tsteps sweeps between A and B. */
#include <stdio.h>
#include "polybench_lite.h"
#define TSTEPS 40
#define N 300
#define DATA_TYPE double
#define _PB_TSTEPS POLYBENCH_LOOP_BOUND(TSTEPS, tsteps)
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)

int check_jacobi(int tsteps, int n, const double *a);

static void init_array(int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n),
                       DATA_TYPE POLYBENCH_2D(B, N, N, n, n))
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            A[i][j] = ((DATA_TYPE)i * (j + 2) + 2) / n;
            B[i][j] = ((DATA_TYPE)i * (j + 3) + 3) / n;
        }
}

static void kernel_jacobi_2d(int tsteps, int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n),
                             DATA_TYPE POLYBENCH_2D(B, N, N, n, n))
{
    int t, i, j;
#pragma scop
    #pragma acc data copy(A[0:N][0:N], B[0:N][0:N])
    for (t = 0; t < _PB_TSTEPS; t++) {
        #pragma acc parallel loop collapse(2)
        for (i = 1; i < _PB_N - 1; i++)
            for (j = 1; j < _PB_N - 1; j++)
                B[i][j] = SCALAR_VAL(0.2) * (A[i][j] + A[i][j - 1] + A[i][1 + j] + A[1 + i][j]
                                             + A[i - 1][j]);
        #pragma acc parallel loop collapse(2)
        for (i = 1; i < _PB_N - 1; i++)
            for (j = 1; j < _PB_N - 1; j++)
                A[i][j] = SCALAR_VAL(0.2) * (B[i][j] + B[i][j - 1] + B[i][1 + j] + B[1 + i][j]
                                             + B[i - 1][j]);
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int n = N, tsteps = TSTEPS;
    POLYBENCH_2D_ARRAY_DECL(A, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(B, DATA_TYPE, N, N, n, n);
    init_array(n, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(B));
    kernel_jacobi_2d(tsteps, n, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(B));
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            sum += (*A)[i][j];
    printf("checksum %.6f\n", sum);
    int bad = check_jacobi(tsteps, n, &(*A)[0][0]);
    if (bad == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(A);
    POLYBENCH_FREE_ARRAY(B);
    return bad != 0;
}
