/* seidel-2d in the PolyBench/C 4.2 layout: tsteps Gauss-Seidel sweeps of a 9-point
 * average, in place on A.  Within a sweep, point (i,j) needs the new values of
 * (i-1,j-1), (i-1,j), (i-1,j+1), (i,j-1) and the old ones of (i,j+1), (i+1,*), so the
 * points of one anti-diagonal 2*i + j = d are independent: the OpenACC version walks
 * the sweeps and the diagonals on the host and runs one kernel per diagonal inside the
 * kernel's data region.  It computes exactly the serial sweep, checked against the
 * CPU reference (the plain PolyBench loop nest) by percentDiff. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define TSTEPS 8
#define N 100
#define DATA_TYPE double
#define _PB_TSTEPS POLYBENCH_LOOP_BOUND(TSTEPS, tsteps)
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n),
                       DATA_TYPE POLYBENCH_2D(A_ref, N, N, n, n))
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            A[i][j] = (DATA_TYPE)((i * i * (j + 2) + 3 * j * j + 1) % n) / n;
            A_ref[i][j] = A[i][j];
        }
}

static void seidel_cpu(int tsteps, int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n))
{
    int t, i, j;
    for (t = 0; t <= _PB_TSTEPS - 1; t++)
        for (i = 1; i <= _PB_N - 2; i++)
            for (j = 1; j <= _PB_N - 2; j++)
                A[i][j] = (A[i - 1][j - 1] + A[i - 1][j] + A[i - 1][j + 1]
                           + A[i][j - 1] + A[i][j] + A[i][j + 1]
                           + A[i + 1][j - 1] + A[i + 1][j] + A[i + 1][j + 1]) / SCALAR_VAL(9.0);
}

static void kernel_seidel_2d(int tsteps, int n, DATA_TYPE POLYBENCH_2D(A, N, N, n, n))
{
    int t, d, i;
#pragma scop
    #pragma acc data copy(A[0:N][0:N])
    {
        for (t = 0; t <= _PB_TSTEPS - 1; t++)
            for (d = 3; d <= 3 * (_PB_N - 2); d++) {
                /* the interior points with 2*i + j == d, 1 <= j <= n-2 */
                int ilo = MAX(1, (d - (_PB_N - 2) + 1) / 2);
                int ihi = MIN(_PB_N - 2, (d - 1) / 2);
                #pragma acc parallel loop present(A[0:N][0:N])
                for (i = ilo; i <= ihi; i++) {
                    int j = d - 2 * i;
                    A[i][j] = (A[i - 1][j - 1] + A[i - 1][j] + A[i - 1][j + 1]
                               + A[i][j - 1] + A[i][j] + A[i][j + 1]
                               + A[i + 1][j - 1] + A[i + 1][j] + A[i + 1][j + 1]) / SCALAR_VAL(9.0);
                }
            }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int tsteps = TSTEPS, n = N;
    POLYBENCH_2D_ARRAY_DECL(A, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(A_ref, DATA_TYPE, N, N, n, n);
    init_array(n, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(A_ref));
    kernel_seidel_2d(tsteps, n, POLYBENCH_ARRAY(A));
    seidel_cpu(tsteps, n, POLYBENCH_ARRAY(A_ref));
    int i, j, fail = 0;
    double sum = 0.0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            sum += (*A)[i][j];
            if (percentDiff((*A_ref)[i][j], (*A)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
        }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(A);
    POLYBENCH_FREE_ARRAY(A_ref);
    return fail != 0;
}
