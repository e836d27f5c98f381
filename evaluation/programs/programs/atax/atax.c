/* y = A^T (A x) in the PolyBench atax shape, one file, single precision: flat malloc'd
 * arrays read through an index macro, the first product row-wise into tmp, the second
 * transposed (each y[j] sums a column, the split form of the original's y[j] += ... array
 * "reduction" over i).  The data region is in main around the kernel call; the kernel
 * says present. */
#include <stdio.h>
#include <stdlib.h>

#define M 1900
#define N 2100
#define DATA_TYPE float
#define IDX(i, j) ((i) * N + (j))

int check_atax(int m, int n, const float *y);

static void init_array(int m, int n, DATA_TYPE *A, DATA_TYPE *x)
{
    for (int j = 0; j < n; j++)
        x[j] = 1.0f + (DATA_TYPE)j / n;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            A[IDX(i, j)] = (DATA_TYPE)((i + j) % n) / (5.0f * m);
}

static void kernel_atax(int m, int n, DATA_TYPE *A, DATA_TYPE *x, DATA_TYPE *y,
                        DATA_TYPE *tmp)
{
    #pragma acc parallel loop gang present(A[0:m*n], x[0:n], tmp[0:m])
    for (int i = 0; i < m; i++) {
        DATA_TYPE s = 0.0f;
        #pragma acc loop vector reduction(+:s)
        for (int j = 0; j < n; j++)
            s += A[IDX(i, j)] * x[j];
        tmp[i] = s;
    }
    #pragma acc parallel loop gang vector present(A[0:m*n], tmp[0:m], y[0:n])
    for (int j = 0; j < n; j++) {
        DATA_TYPE s = 0.0f;
        for (int i = 0; i < m; i++)
            s += A[IDX(i, j)] * tmp[i];
        y[j] = s;
    }
}

static double checksum(int n, const DATA_TYPE *y)
{
    double s = 0.0;
    for (int j = 0; j < n; j++)
        s += y[j] * ((j % 5) + 1);
    return s;
}

int main(void)
{
    int m = M, n = N;
    DATA_TYPE *A = malloc(sizeof(DATA_TYPE) * M * N);
    DATA_TYPE *x = malloc(sizeof(DATA_TYPE) * N);
    DATA_TYPE *y = malloc(sizeof(DATA_TYPE) * N);
    DATA_TYPE *tmp = malloc(sizeof(DATA_TYPE) * M);
    init_array(m, n, A, x);
    #pragma acc data copyin(A[0:m*n], x[0:n]) create(tmp[0:m]) copyout(y[0:n])
    kernel_atax(m, n, A, x, y, tmp);
    printf("checksum %.4f\n", checksum(n, y));
    int bad = check_atax(m, n, y);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(A), free(x), free(y), free(tmp);
    return 0;
}
