/* heat-3d in the PolyBench/C 4.2 shape with static global arrays: tsteps of two 3-D
 * 7-point stencils, A -> B then B -> A.  main opens the data region around the kernel
 * call, the kernel's loops say present and collapse(3); a CPU reference on a second
 * pair of global arrays in the same file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define TSTEPS 20
#define N 40
#define DATA_TYPE double
#define _PB_TSTEPS POLYBENCH_LOOP_BOUND(TSTEPS, tsteps)
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static DATA_TYPE A[N][N][N];
static DATA_TYPE B[N][N][N];
static DATA_TYPE A_ref[N][N][N];
static DATA_TYPE B_ref[N][N][N];

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int n, DATA_TYPE POLYBENCH_3D(A, N, N, N, n, n, n),
                       DATA_TYPE POLYBENCH_3D(B, N, N, N, n, n, n))
{
    int i, j, k;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            for (k = 0; k < n; k++)
                A[i][j][k] = B[i][j][k] = (DATA_TYPE)((i * i + 3 * j * k + (n - k) * 7) % (2 * n)) * 10 / n;
}

static void heat3d_cpu(int tsteps, int n, DATA_TYPE POLYBENCH_3D(A, N, N, N, n, n, n),
                       DATA_TYPE POLYBENCH_3D(B, N, N, N, n, n, n))
{
    int t, i, j, k;
    for (t = 1; t <= tsteps; t++) {
        for (i = 1; i < n - 1; i++)
            for (j = 1; j < n - 1; j++)
                for (k = 1; k < n - 1; k++)
                    B[i][j][k] = 0.125 * (A[i + 1][j][k] - 2.0 * A[i][j][k] + A[i - 1][j][k])
                               + 0.125 * (A[i][j + 1][k] - 2.0 * A[i][j][k] + A[i][j - 1][k])
                               + 0.125 * (A[i][j][k + 1] - 2.0 * A[i][j][k] + A[i][j][k - 1])
                               + A[i][j][k];
        for (i = 1; i < n - 1; i++)
            for (j = 1; j < n - 1; j++)
                for (k = 1; k < n - 1; k++)
                    A[i][j][k] = 0.125 * (B[i + 1][j][k] - 2.0 * B[i][j][k] + B[i - 1][j][k])
                               + 0.125 * (B[i][j + 1][k] - 2.0 * B[i][j][k] + B[i][j - 1][k])
                               + 0.125 * (B[i][j][k + 1] - 2.0 * B[i][j][k] + B[i][j][k - 1])
                               + B[i][j][k];
    }
}

static void kernel_heat_3d(int tsteps, int n, DATA_TYPE POLYBENCH_3D(A, N, N, N, n, n, n),
                           DATA_TYPE POLYBENCH_3D(B, N, N, N, n, n, n))
{
    int t, i, j, k;
#pragma scop
    for (t = 1; t <= _PB_TSTEPS; t++) {
        #pragma acc parallel loop collapse(3) present(A[0:N][0:N][0:N], B[0:N][0:N][0:N])
        for (i = 1; i < _PB_N - 1; i++)
            for (j = 1; j < _PB_N - 1; j++)
                for (k = 1; k < _PB_N - 1; k++)
                    B[i][j][k] = SCALAR_VAL(0.125) * (A[i + 1][j][k] - SCALAR_VAL(2.0) * A[i][j][k] + A[i - 1][j][k])
                               + SCALAR_VAL(0.125) * (A[i][j + 1][k] - SCALAR_VAL(2.0) * A[i][j][k] + A[i][j - 1][k])
                               + SCALAR_VAL(0.125) * (A[i][j][k + 1] - SCALAR_VAL(2.0) * A[i][j][k] + A[i][j][k - 1])
                               + A[i][j][k];
        #pragma acc parallel loop collapse(3) present(A[0:N][0:N][0:N], B[0:N][0:N][0:N])
        for (i = 1; i < _PB_N - 1; i++)
            for (j = 1; j < _PB_N - 1; j++)
                for (k = 1; k < _PB_N - 1; k++)
                    A[i][j][k] = SCALAR_VAL(0.125) * (B[i + 1][j][k] - SCALAR_VAL(2.0) * B[i][j][k] + B[i - 1][j][k])
                               + SCALAR_VAL(0.125) * (B[i][j + 1][k] - SCALAR_VAL(2.0) * B[i][j][k] + B[i][j - 1][k])
                               + SCALAR_VAL(0.125) * (B[i][j][k + 1] - SCALAR_VAL(2.0) * B[i][j][k] + B[i][j][k - 1])
                               + B[i][j][k];
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int tsteps = TSTEPS, n = N;
    init_array(n, A, B);
    init_array(n, A_ref, B_ref);
    #pragma acc data copy(A, B)
    {
        kernel_heat_3d(tsteps, n, A, B);
    }
    heat3d_cpu(tsteps, n, A_ref, B_ref);
    int i, j, k, fail = 0;
    double sum = 0.0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            for (k = 0; k < n; k++) {
                sum += A[i][j][k];
                if (percentDiff(A_ref[i][j][k], A[i][j][k]) > PERCENT_DIFF_ERROR_THRESHOLD ||
                    percentDiff(B_ref[i][j][k], B[i][j][k]) > PERCENT_DIFF_ERROR_THRESHOLD)
                    fail++;
            }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    return fail != 0;
}
