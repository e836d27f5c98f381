/* trisolv in the PolyBench/C 4.2 layout: forward substitution L x = b with L lower
 * triangular.  Row i needs every earlier unknown, so the row loop is sequential and stays
 * on the host, inside the kernel's data region: per row one parallel reduction over the
 * known part (j < i) and one serial kernel that finishes x[i] on the device.  A CPU
 * reference in the same file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define N 400
#define DATA_TYPE double
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int n, DATA_TYPE POLYBENCH_2D(L, N, N, n, n),
                       DATA_TYPE POLYBENCH_1D(x, N, n), DATA_TYPE POLYBENCH_1D(b, N, n))
{
    int i, j;
    for (i = 0; i < n; i++) {
        x[i] = -999;
        b[i] = i;
        for (j = 0; j <= i; j++)
            L[i][j] = (DATA_TYPE)(i + n - j + 1) * 2 / n;
        for (j = i + 1; j < n; j++)
            L[i][j] = 0.0;
        L[i][i] += n;
    }
}

static void trisolv_cpu(int n, DATA_TYPE POLYBENCH_2D(L, N, N, n, n),
                        DATA_TYPE POLYBENCH_1D(x, N, n), DATA_TYPE POLYBENCH_1D(b, N, n))
{
    int i, j;
    for (i = 0; i < _PB_N; i++) {
        x[i] = b[i];
        for (j = 0; j < i; j++)
            x[i] -= L[i][j] * x[j];
        x[i] = x[i] / L[i][i];
    }
}

static void kernel_trisolv(int n, DATA_TYPE POLYBENCH_2D(L, N, N, n, n),
                           DATA_TYPE POLYBENCH_1D(x, N, n), DATA_TYPE POLYBENCH_1D(b, N, n))
{
    int i, j;
    DATA_TYPE s;
#pragma scop
    #pragma acc data copyin(L[0:N][0:N], b[0:N]) copyout(x[0:N])
    {
        for (i = 0; i < _PB_N; i++) {
            s = 0.0;
            #pragma acc parallel loop reduction(+:s) present(L[0:N][0:N], x[0:N])
            for (j = 0; j < i; j++)
                s += L[i][j] * x[j];
            #pragma acc serial present(L[0:N][0:N], x[0:N], b[0:N])
            x[i] = (b[i] - s) / L[i][i];
        }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int n = N;
    POLYBENCH_2D_ARRAY_DECL(L, DATA_TYPE, N, N, n, n);
    POLYBENCH_1D_ARRAY_DECL(x, DATA_TYPE, N, n);
    POLYBENCH_1D_ARRAY_DECL(x_ref, DATA_TYPE, N, n);
    POLYBENCH_1D_ARRAY_DECL(b, DATA_TYPE, N, n);
    init_array(n, POLYBENCH_ARRAY(L), POLYBENCH_ARRAY(x), POLYBENCH_ARRAY(b));
    kernel_trisolv(n, POLYBENCH_ARRAY(L), POLYBENCH_ARRAY(x), POLYBENCH_ARRAY(b));
    trisolv_cpu(n, POLYBENCH_ARRAY(L), POLYBENCH_ARRAY(x_ref), POLYBENCH_ARRAY(b));
    int i, fail = 0;
    double sum = 0.0;
    for (i = 0; i < n; i++) {
        sum += (*x)[i];
        if (percentDiff((*x_ref)[i], (*x)[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
    }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(L);
    POLYBENCH_FREE_ARRAY(x);
    POLYBENCH_FREE_ARRAY(x_ref);
    POLYBENCH_FREE_ARRAY(b);
    return fail != 0;
}
