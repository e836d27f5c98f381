/* covariance in the PolyBench-ACC layout: a CPU reference and an OpenACC version in one file. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define M 240
#define N 260
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


static void init_arrays(int m, int n, DATA_TYPE *float_n, DATA_TYPE POLYBENCH_2D(data, N, M, n, m),
                        DATA_TYPE POLYBENCH_2D(data_gpu, N, M, n, m))
{
    int i, j;
    *float_n = (DATA_TYPE)n;
    for (i = 0; i < n; i++)
        for (j = 0; j < m; j++) {
            data[i][j] = ((DATA_TYPE)i * j) / M;
            data_gpu[i][j] = data[i][j];
        }
}

static void covariance_cpu(int m, int n, DATA_TYPE float_n, DATA_TYPE POLYBENCH_2D(data, N, M, n, m),
                           DATA_TYPE POLYBENCH_2D(cov, M, M, m, m), DATA_TYPE POLYBENCH_1D(mean, M, m))
{
    int i, j, k;
    for (j = 0; j < _PB_M; j++) {
        mean[j] = 0.0;
        for (i = 0; i < _PB_N; i++)
            mean[j] += data[i][j];
        mean[j] /= float_n;
    }
    for (i = 0; i < _PB_N; i++)
        for (j = 0; j < _PB_M; j++)
            data[i][j] -= mean[j];
    for (i = 0; i < _PB_M; i++)
        for (j = i; j < _PB_M; j++) {
            cov[i][j] = 0.0;
            for (k = 0; k < _PB_N; k++)
                cov[i][j] += data[k][i] * data[k][j];
            cov[i][j] /= (float_n - 1.0);
            cov[j][i] = cov[i][j];
        }
}

static void covariance_acc(int m, int n, DATA_TYPE float_n, DATA_TYPE POLYBENCH_2D(data, N, M, n, m),
                           DATA_TYPE POLYBENCH_2D(cov, M, M, m, m), DATA_TYPE POLYBENCH_1D(mean, M, m))
{
    int i, j, k;
#pragma scop
    #pragma acc data copy(data[0:N][0:M]) copyout(cov[0:M][0:M]) create(mean[0:M])
    {
        #pragma acc parallel loop
        for (j = 0; j < _PB_M; j++) {
            mean[j] = 0.0;
            #pragma acc loop seq
            for (i = 0; i < _PB_N; i++)
                mean[j] += data[i][j];
            mean[j] /= float_n;
        }
        #pragma acc parallel loop collapse(2)
        for (i = 0; i < _PB_N; i++)
            for (j = 0; j < _PB_M; j++)
                data[i][j] -= mean[j];
        #pragma acc parallel loop
        for (i = 0; i < _PB_M; i++) {
            #pragma acc loop
            for (j = i; j < _PB_M; j++) {
                cov[i][j] = 0.0;
                #pragma acc loop seq
                for (k = 0; k < _PB_N; k++)
                    cov[i][j] += data[k][i] * data[k][j];
                cov[i][j] /= (float_n - 1.0);
                cov[j][i] = cov[i][j];
            }
        }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int m = M, n = N;
    DATA_TYPE float_n;
    POLYBENCH_2D_ARRAY_DECL(data, DATA_TYPE, N, M, n, m);
    POLYBENCH_2D_ARRAY_DECL(data_gpu, DATA_TYPE, N, M, n, m);
    POLYBENCH_2D_ARRAY_DECL(cov, DATA_TYPE, M, M, m, m);
    POLYBENCH_2D_ARRAY_DECL(cov_gpu, DATA_TYPE, M, M, m, m);
    POLYBENCH_1D_ARRAY_DECL(mean, DATA_TYPE, M, m);
    POLYBENCH_1D_ARRAY_DECL(mean_gpu, DATA_TYPE, M, m);
    init_arrays(m, n, &float_n, POLYBENCH_ARRAY(data), POLYBENCH_ARRAY(data_gpu));
    covariance_acc(m, n, float_n, POLYBENCH_ARRAY(data_gpu), POLYBENCH_ARRAY(cov_gpu),
                   POLYBENCH_ARRAY(mean_gpu));
    covariance_cpu(m, n, float_n, POLYBENCH_ARRAY(data), POLYBENCH_ARRAY(cov),
                   POLYBENCH_ARRAY(mean));
    int i, j, fail = 0;
    for (i = 0; i < m; i++)
        for (j = 0; j < m; j++)
            if (percentDiff((*cov)[i][j], (*cov_gpu)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
    printf("Non-Matching CPU-GPU Outputs Beyond Error Threshold of %4.2f Percent: %d\n",
           PERCENT_DIFF_ERROR_THRESHOLD, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(data);
    POLYBENCH_FREE_ARRAY(data_gpu);
    POLYBENCH_FREE_ARRAY(cov);
    POLYBENCH_FREE_ARRAY(cov_gpu);
    POLYBENCH_FREE_ARRAY(mean);
    POLYBENCH_FREE_ARRAY(mean_gpu);
    return fail != 0;
}
