/* trmm in the PolyBench/C 4.2 layout: B := alpha*A^T*B with A unit lower triangular,
 * computed in place on B (row i reads the rows k > i that are still unchanged).
 * The row loop therefore stays on the host: one kernel per row, parallel over the
 * columns, inside the kernel's own data region.  A CPU reference on a copy of B in the
 * same file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define M 200
#define N 240
#define DATA_TYPE double
#define _PB_M POLYBENCH_LOOP_BOUND(M, m)
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int m, int n, DATA_TYPE *alpha,
                       DATA_TYPE POLYBENCH_2D(A, M, M, m, m),
                       DATA_TYPE POLYBENCH_2D(B, M, N, m, n),
                       DATA_TYPE POLYBENCH_2D(B_ref, M, N, m, n))
{
    int i, j;
    *alpha = 1.5;
    for (i = 0; i < m; i++) {
        for (j = 0; j < i; j++)
            A[i][j] = (DATA_TYPE)((i + j) % m) / m;
        A[i][i] = 1.0;
        for (j = i + 1; j < m; j++)
            A[i][j] = 0.0;
        for (j = 0; j < n; j++) {
            B[i][j] = (DATA_TYPE)((n + (i - j)) % n) / n;
            B_ref[i][j] = B[i][j];
        }
    }
}

static void trmm_cpu(int m, int n, DATA_TYPE alpha, DATA_TYPE POLYBENCH_2D(A, M, M, m, m),
                     DATA_TYPE POLYBENCH_2D(B, M, N, m, n))
{
    int i, j, k;
    for (i = 0; i < _PB_M; i++)
        for (j = 0; j < _PB_N; j++) {
            for (k = i + 1; k < _PB_M; k++)
                B[i][j] += A[k][i] * B[k][j];
            B[i][j] = alpha * B[i][j];
        }
}

static void kernel_trmm(int m, int n, DATA_TYPE alpha, DATA_TYPE POLYBENCH_2D(A, M, M, m, m),
                        DATA_TYPE POLYBENCH_2D(B, M, N, m, n))
{
    int i, j, k;
#pragma scop
    #pragma acc data copyin(A[0:M][0:M]) copy(B[0:M][0:N])
    {
        for (i = 0; i < _PB_M; i++) {
            #pragma acc parallel loop present(A[0:M][0:M], B[0:M][0:N])
            for (j = 0; j < _PB_N; j++) {
                #pragma acc loop seq
                for (k = i + 1; k < _PB_M; k++)
                    B[i][j] += A[k][i] * B[k][j];
                B[i][j] = alpha * B[i][j];
            }
        }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int m = M, n = N;
    DATA_TYPE alpha;
    POLYBENCH_2D_ARRAY_DECL(A, DATA_TYPE, M, M, m, m);
    POLYBENCH_2D_ARRAY_DECL(B, DATA_TYPE, M, N, m, n);
    POLYBENCH_2D_ARRAY_DECL(B_ref, DATA_TYPE, M, N, m, n);
    init_array(m, n, &alpha, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(B), POLYBENCH_ARRAY(B_ref));
    kernel_trmm(m, n, alpha, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(B));
    trmm_cpu(m, n, alpha, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(B_ref));
    int i, j, fail = 0;
    double sum = 0.0;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            sum += (*B)[i][j];
            if (percentDiff((*B_ref)[i][j], (*B)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
        }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(A);
    POLYBENCH_FREE_ARRAY(B);
    POLYBENCH_FREE_ARRAY(B_ref);
    return fail != 0;
}
