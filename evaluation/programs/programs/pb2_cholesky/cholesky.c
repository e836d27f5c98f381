/* cholesky in the PolyBench-GPU flat-array layout: malloc'd N*N buffers indexed
 * A[i * N + j], a CPU reference (the row-oriented PolyBench loop nest) and an OpenACC
 * version in one file.  The OpenACC version factors column by column: the host walks
 * j, a serial kernel finishes the diagonal A[j][j], then a parallel kernel computes the
 * column below it from the columns already done, inside the kernel's own data region.
 * Every element sees the same operations in the same order as the reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 180
#define DATA_TYPE double
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_arrays(DATA_TYPE *A, DATA_TYPE *A_gpu)
{
    int i, j;
    /* symmetric and strongly diagonally dominant, hence positive definite */
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            A[i * N + j] = 1.0 / (1.0 + abs(i - j)) + (DATA_TYPE)((i + j) % 7) / 14.0;
            if (i == j)
                A[i * N + j] += N;
            A_gpu[i * N + j] = A[i * N + j];
        }
}

static void cholesky(DATA_TYPE *A)
{
    int i, j, k;
    for (i = 0; i < N; i++) {
        for (j = 0; j < i; j++) {
            for (k = 0; k < j; k++)
                A[i * N + j] -= A[i * N + k] * A[j * N + k];
            A[i * N + j] /= A[j * N + j];
        }
        for (k = 0; k < i; k++)
            A[i * N + i] -= A[i * N + k] * A[i * N + k];
        A[i * N + i] = sqrt(A[i * N + i]);
    }
}

static void cholesky_OpenACC(DATA_TYPE *A)
{
    int i, j, k;
    #pragma acc data copy(A[0:N*N])
    {
        for (j = 0; j < N; j++) {
            #pragma acc serial present(A[0:N*N])
            {
                for (k = 0; k < j; k++)
                    A[j * N + j] -= A[j * N + k] * A[j * N + k];
                A[j * N + j] = sqrt(A[j * N + j]);
            }
            #pragma acc parallel loop present(A[0:N*N])
            for (i = j + 1; i < N; i++) {
                #pragma acc loop seq
                for (k = 0; k < j; k++)
                    A[i * N + j] -= A[i * N + k] * A[j * N + k];
                A[i * N + j] /= A[j * N + j];
            }
        }
    }
}

static int compareResults(DATA_TYPE *A, DATA_TYPE *A_outputFromGpu)
{
    int i, j, fail = 0;
    for (i = 0; i < N; i++)
        for (j = 0; j <= i; j++)
            if (percentDiff(A[i * N + j], A_outputFromGpu[i * N + j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
    printf("Non-Matching CPU-GPU Outputs Beyond Error Threshold of %4.2f Percent: %d\n",
           PERCENT_DIFF_ERROR_THRESHOLD, fail);
    return fail;
}

int main(int argc, char **argv)
{
    DATA_TYPE *A = (DATA_TYPE *)malloc(N * N * sizeof(DATA_TYPE));
    DATA_TYPE *A_outputFromGpu = (DATA_TYPE *)malloc(N * N * sizeof(DATA_TYPE));
    init_arrays(A, A_outputFromGpu);
    cholesky_OpenACC(A_outputFromGpu);
    cholesky(A);
    int fail = compareResults(A, A_outputFromGpu);
    if (fail == 0)
        printf("VERIFIED\n");
    free(A);
    free(A_outputFromGpu);
    return fail != 0;
}
