/* syrk in the PolyBench/C 4.2 layout (lower triangle), checked against a CPU reference. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define M 180
#define N 200
#define DATA_TYPE double
#define _PB_M POLYBENCH_LOOP_BOUND(M, m)
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05
static double percentDiff(double a, double b)
{
    if (fabs(a) < 0.01 && fabs(b) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(a - b) / fabs(a + 0.00000001));
}


static void init_array(int n, int m, DATA_TYPE *alpha, DATA_TYPE *beta,
                       DATA_TYPE POLYBENCH_2D(C, N, N, n, n), DATA_TYPE POLYBENCH_2D(C_ref, N, N, n, n),
                       DATA_TYPE POLYBENCH_2D(A, N, M, n, m))
{
    int i, j;
    *alpha = 1.5;
    *beta = 1.2;
    for (i = 0; i < n; i++)
        for (j = 0; j < m; j++)
            A[i][j] = (DATA_TYPE)((i * j + 1) % n) / n;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            C[i][j] = (DATA_TYPE)((i * j + 2) % m) / m;
            C_ref[i][j] = C[i][j];
        }
}

static void kernel_syrk(int n, int m, DATA_TYPE alpha, DATA_TYPE beta,
                        DATA_TYPE POLYBENCH_2D(C, N, N, n, n), DATA_TYPE POLYBENCH_2D(A, N, M, n, m))
{
    int i, j, k;
#pragma scop
    #pragma acc parallel loop copy(C[0:N][0:N]) copyin(A[0:N][0:M])
    for (i = 0; i < _PB_N; i++) {
        #pragma acc loop
        for (j = 0; j <= i; j++)
            C[i][j] *= beta;
        #pragma acc loop seq
        for (k = 0; k < _PB_M; k++) {
            #pragma acc loop
            for (j = 0; j <= i; j++)
                C[i][j] += alpha * A[i][k] * A[j][k];
        }
    }
#pragma endscop
}

static void syrk_cpu(int n, int m, DATA_TYPE alpha, DATA_TYPE beta,
                     DATA_TYPE POLYBENCH_2D(C, N, N, n, n), DATA_TYPE POLYBENCH_2D(A, N, M, n, m))
{
    int i, j, k;
    for (i = 0; i < _PB_N; i++) {
        for (j = 0; j <= i; j++)
            C[i][j] *= beta;
        for (k = 0; k < _PB_M; k++)
            for (j = 0; j <= i; j++)
                C[i][j] += alpha * A[i][k] * A[j][k];
    }
}

int main(int argc, char **argv)
{
    int n = N, m = M;
    DATA_TYPE alpha, beta;
    POLYBENCH_2D_ARRAY_DECL(C, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(C_ref, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(A, DATA_TYPE, N, M, n, m);
    init_array(n, m, &alpha, &beta, POLYBENCH_ARRAY(C), POLYBENCH_ARRAY(C_ref), POLYBENCH_ARRAY(A));
    kernel_syrk(n, m, alpha, beta, POLYBENCH_ARRAY(C), POLYBENCH_ARRAY(A));
    syrk_cpu(n, m, alpha, beta, POLYBENCH_ARRAY(C_ref), POLYBENCH_ARRAY(A));
    int fail = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (percentDiff((*C)[i][j], (*C_ref)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
    printf("fail %d\n", fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(C);
    POLYBENCH_FREE_ARRAY(C_ref);
    POLYBENCH_FREE_ARRAY(A);
    return fail != 0;
}
