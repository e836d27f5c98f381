/* symm in the PolyBench/C 4.2 algorithm with malloc'd flat arrays and index macros:
 * C := alpha*A*B + beta*C with A symmetric, only its lower triangle read.  Row i adds
 * into the rows k < i of C, so the authors interchange the nest and make the column
 * loop the parallel one (columns are independent); main opens the data region around
 * the kernel call and the kernel says present.  A CPU reference (the plain i-j-k nest)
 * on a copy of C in the same file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define M 160
#define N 200
#define DATA_TYPE double
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05
#define IDX_A(i, j) ((i) * M + (j))
#define IDX_C(i, j) ((i) * N + (j))

static void init_array(int m, int n, DATA_TYPE *alpha, DATA_TYPE *beta, DATA_TYPE *C,
                       DATA_TYPE *C_ref, DATA_TYPE *A, DATA_TYPE *B)
{
    int i, j;
    *alpha = 1.5;
    *beta = 1.2;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            C[IDX_C(i, j)] = (DATA_TYPE)((i + j) % 100) / m;
            C_ref[IDX_C(i, j)] = C[IDX_C(i, j)];
            B[IDX_C(i, j)] = (DATA_TYPE)((n + i - j) % 100) / m;
        }
    for (i = 0; i < m; i++) {
        for (j = 0; j <= i; j++)
            A[IDX_A(i, j)] = (DATA_TYPE)((i + j) % 100) / m;
        for (j = i + 1; j < m; j++)
            A[IDX_A(i, j)] = -999; /* never read */
    }
}

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void symm_cpu(int m, int n, DATA_TYPE alpha, DATA_TYPE beta, DATA_TYPE *C,
                     const DATA_TYPE *A, const DATA_TYPE *B)
{
    int i, j, k;
    DATA_TYPE temp2;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            temp2 = 0;
            for (k = 0; k < i; k++) {
                C[IDX_C(k, j)] += alpha * B[IDX_C(i, j)] * A[IDX_A(i, k)];
                temp2 += B[IDX_C(k, j)] * A[IDX_A(i, k)];
            }
            C[IDX_C(i, j)] = beta * C[IDX_C(i, j)] + alpha * B[IDX_C(i, j)] * A[IDX_A(i, i)] + alpha * temp2;
        }
}

static void kernel_symm(int m, int n, DATA_TYPE alpha, DATA_TYPE beta, DATA_TYPE *C,
                        const DATA_TYPE *A, const DATA_TYPE *B)
{
    int i, j, k;
    #pragma acc parallel loop present(C[0:M*N], A[0:M*M], B[0:M*N])
    for (j = 0; j < n; j++) {
        #pragma acc loop seq
        for (i = 0; i < m; i++) {
            DATA_TYPE temp2 = 0;
            #pragma acc loop seq
            for (k = 0; k < i; k++) {
                C[IDX_C(k, j)] += alpha * B[IDX_C(i, j)] * A[IDX_A(i, k)];
                temp2 += B[IDX_C(k, j)] * A[IDX_A(i, k)];
            }
            C[IDX_C(i, j)] = beta * C[IDX_C(i, j)] + alpha * B[IDX_C(i, j)] * A[IDX_A(i, i)] + alpha * temp2;
        }
    }
}

int main(int argc, char **argv)
{
    int m = M, n = N;
    DATA_TYPE alpha, beta;
    DATA_TYPE *C = malloc(sizeof(DATA_TYPE) * M * N);
    DATA_TYPE *C_ref = malloc(sizeof(DATA_TYPE) * M * N);
    DATA_TYPE *A = malloc(sizeof(DATA_TYPE) * M * M);
    DATA_TYPE *B = malloc(sizeof(DATA_TYPE) * M * N);
    init_array(m, n, &alpha, &beta, C, C_ref, A, B);
    #pragma acc data copy(C[0:M*N]) copyin(A[0:M*M], B[0:M*N])
    {
        kernel_symm(m, n, alpha, beta, C, A, B);
    }
    symm_cpu(m, n, alpha, beta, C_ref, A, B);
    int i, fail = 0;
    double sum = 0.0;
    for (i = 0; i < m * n; i++) {
        sum += C[i];
        if (percentDiff(C_ref[i], C[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
    }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    free(C);
    free(C_ref);
    free(A);
    free(B);
    return fail != 0;
}
