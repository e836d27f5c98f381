/* mvt in the PolyBench-ACC layout with static global arrays: x1 += A*y1 and x2 += A^T*y2.
 * main opens the data region around the OpenACC kernel call (the kernel says present and
 * runs its two loops on two async queues); a CPU reference on copies of x1/x2 in the same
 * file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 500
#define DATA_TYPE double
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static DATA_TYPE a[N][N];
static DATA_TYPE x1[N];
static DATA_TYPE x2[N];
static DATA_TYPE y_1[N];
static DATA_TYPE y_2[N];
static DATA_TYPE x1_outputFromGpu[N];
static DATA_TYPE x2_outputFromGpu[N];

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int n)
{
    int i, j;
    for (i = 0; i < n; i++) {
        x1[i] = (DATA_TYPE)(i % n) / n;
        x2[i] = (DATA_TYPE)((i + 1) % n) / n;
        x1_outputFromGpu[i] = x1[i];
        x2_outputFromGpu[i] = x2[i];
        y_1[i] = (DATA_TYPE)((i + 3) % n) / n;
        y_2[i] = (DATA_TYPE)((i + 4) % n) / n;
        for (j = 0; j < n; j++)
            a[i][j] = (DATA_TYPE)(i * j % n) / n;
    }
}

static void runMvt(int n)
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            x1[i] = x1[i] + a[i][j] * y_1[j];
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            x2[i] = x2[i] + a[j][i] * y_2[j];
}

static void mvt_OpenACC(int n, DATA_TYPE A[N][N], DATA_TYPE X1[N], DATA_TYPE X2[N],
                        DATA_TYPE Y1[N], DATA_TYPE Y2[N])
{
    int i, j;
    #pragma acc parallel loop present(A[0:N][0:N], X1[0:N], Y1[0:N]) async(1)
    for (i = 0; i < n; i++) {
        DATA_TYPE sum = X1[i];
        #pragma acc loop seq
        for (j = 0; j < n; j++)
            sum += A[i][j] * Y1[j];
        X1[i] = sum;
    }
    #pragma acc parallel loop present(A[0:N][0:N], X2[0:N], Y2[0:N]) async(2)
    for (i = 0; i < n; i++) {
        DATA_TYPE sum = X2[i];
        #pragma acc loop seq
        for (j = 0; j < n; j++)
            sum += A[j][i] * Y2[j];
        X2[i] = sum;
    }
    #pragma acc wait
}

static int compareResults(int n)
{
    int i, fail = 0;
    for (i = 0; i < n; i++) {
        if (percentDiff(x1[i], x1_outputFromGpu[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
        if (percentDiff(x2[i], x2_outputFromGpu[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
    }
    printf("Non-Matching CPU-GPU Outputs Beyond Error Threshold of %4.2f Percent: %d\n",
           PERCENT_DIFF_ERROR_THRESHOLD, fail);
    return fail;
}

int main(int argc, char **argv)
{
    int n = N;
    init_array(n);
    #pragma acc data copyin(a, y_1, y_2) copy(x1_outputFromGpu, x2_outputFromGpu)
    {
        mvt_OpenACC(n, a, x1_outputFromGpu, x2_outputFromGpu, y_1, y_2);
    }
    runMvt(n);
    int fail = compareResults(n);
    if (fail == 0)
        printf("VERIFIED\n");
    return fail != 0;
}
