/* ludcmp in the PolyBench/C 4.2 layout: LU factorisation of A in place (Doolittle, unit
 * lower L below the diagonal), then L y = b and U x = y.  The OpenACC version factors
 * right-looking: the host walks the pivot k, one kernel scales column k below the pivot,
 * one collapsed kernel updates the trailing block (every element sees the same
 * subtractions in the same k order as the row-oriented reference).  The substitutions are
 * sequential in i with a reduction over j inside, so each runs in one gang (loop seq) with a
 * vector reduction per row; y lives only on the device.  One data region holds it all; a
 * CPU reference on copies in the same file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define N 160
#define DATA_TYPE double
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n),
                       DATA_TYPE POLYBENCH_2D(A_ref, N, N, n, n),
                       DATA_TYPE POLYBENCH_1D(b, N, n), DATA_TYPE POLYBENCH_1D(x, N, n),
                       DATA_TYPE POLYBENCH_1D(y, N, n))
{
    int i, j;
    DATA_TYPE fn = (DATA_TYPE)n;
    for (i = 0; i < n; i++) {
        x[i] = 0;
        y[i] = 0;
        b[i] = (i + 1) / fn / 2.0 + 4;
    }
    /* diagonally dominant, so no pivoting is needed */
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            A[i][j] = (DATA_TYPE)((i * 3 + j * 7) % n) / fn - 0.5;
            if (i == j)
                A[i][j] += n;
            A_ref[i][j] = A[i][j];
        }
}

static void ludcmp_cpu(int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n), DATA_TYPE POLYBENCH_1D(b, N, n),
                       DATA_TYPE POLYBENCH_1D(x, N, n), DATA_TYPE POLYBENCH_1D(y, N, n))
{
    int i, j, k;
    DATA_TYPE w;
    for (i = 0; i < _PB_N; i++) {
        for (j = 0; j < i; j++) {
            w = A[i][j];
            for (k = 0; k < j; k++)
                w -= A[i][k] * A[k][j];
            A[i][j] = w / A[j][j];
        }
        for (j = i; j < _PB_N; j++) {
            w = A[i][j];
            for (k = 0; k < i; k++)
                w -= A[i][k] * A[k][j];
            A[i][j] = w;
        }
    }
    for (i = 0; i < _PB_N; i++) {
        w = b[i];
        for (j = 0; j < i; j++)
            w -= A[i][j] * y[j];
        y[i] = w;
    }
    for (i = _PB_N - 1; i >= 0; i--) {
        w = y[i];
        for (j = i + 1; j < _PB_N; j++)
            w -= A[i][j] * x[j];
        x[i] = w / A[i][i];
    }
}

static void kernel_ludcmp(int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n), DATA_TYPE POLYBENCH_1D(b, N, n),
                          DATA_TYPE POLYBENCH_1D(x, N, n), DATA_TYPE POLYBENCH_1D(y, N, n))
{
    int i, j, k;
    DATA_TYPE w;
#pragma scop
    #pragma acc data copy(A[0:N][0:N]) copyin(b[0:N]) create(y[0:N]) copyout(x[0:N])
    {
        for (k = 0; k < _PB_N; k++) {
            #pragma acc parallel loop present(A[0:N][0:N])
            for (i = k + 1; i < _PB_N; i++)
                A[i][k] = A[i][k] / A[k][k];
            #pragma acc parallel loop collapse(2) present(A[0:N][0:N])
            for (i = k + 1; i < _PB_N; i++)
                for (j = k + 1; j < _PB_N; j++)
                    A[i][j] -= A[i][k] * A[k][j];
        }
        #pragma acc parallel num_gangs(1) vector_length(128) present(A[0:N][0:N], b[0:N], x[0:N], y[0:N])
        {
            #pragma acc loop seq
            for (i = 0; i < _PB_N; i++) {
                w = 0.0;
                #pragma acc loop vector reduction(+:w)
                for (j = 0; j < i; j++)
                    w += A[i][j] * y[j];
                y[i] = b[i] - w;
            }
            #pragma acc loop seq
            for (i = _PB_N - 1; i >= 0; i--) {
                w = 0.0;
                #pragma acc loop vector reduction(+:w)
                for (j = i + 1; j < _PB_N; j++)
                    w += A[i][j] * x[j];
                x[i] = (y[i] - w) / A[i][i];
            }
        }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int n = N;
    POLYBENCH_2D_ARRAY_DECL(A, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(A_ref, DATA_TYPE, N, N, n, n);
    POLYBENCH_1D_ARRAY_DECL(b, DATA_TYPE, N, n);
    POLYBENCH_1D_ARRAY_DECL(x, DATA_TYPE, N, n);
    POLYBENCH_1D_ARRAY_DECL(y, DATA_TYPE, N, n);
    POLYBENCH_1D_ARRAY_DECL(x_ref, DATA_TYPE, N, n);
    POLYBENCH_1D_ARRAY_DECL(y_ref, DATA_TYPE, N, n);
    init_array(n, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(A_ref), POLYBENCH_ARRAY(b),
               POLYBENCH_ARRAY(x), POLYBENCH_ARRAY(y));
    for (int i = 0; i < n; i++)
        (*x_ref)[i] = (*y_ref)[i] = 0;
    kernel_ludcmp(n, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(b), POLYBENCH_ARRAY(x), POLYBENCH_ARRAY(y));
    ludcmp_cpu(n, POLYBENCH_ARRAY(A_ref), POLYBENCH_ARRAY(b), POLYBENCH_ARRAY(x_ref),
               POLYBENCH_ARRAY(y_ref));
    int i, j, fail = 0;
    double sum = 0.0;
    for (i = 0; i < n; i++) {
        sum += (*x)[i];
        if (percentDiff((*x_ref)[i], (*x)[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
        for (j = 0; j < n; j++)
            if (percentDiff((*A_ref)[i][j], (*A)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
    }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(A);
    POLYBENCH_FREE_ARRAY(A_ref);
    POLYBENCH_FREE_ARRAY(b);
    POLYBENCH_FREE_ARRAY(x);
    POLYBENCH_FREE_ARRAY(y);
    POLYBENCH_FREE_ARRAY(x_ref);
    POLYBENCH_FREE_ARRAY(y_ref);
    return fail != 0;
}
