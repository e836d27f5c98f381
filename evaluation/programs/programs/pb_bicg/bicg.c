/* bicg in the PolyBench-ACC layout: a CPU reference and an OpenACC version in one file. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define NX 400
#define NY 360
#define DATA_TYPE double
#define _PB_NX POLYBENCH_LOOP_BOUND(NX, nx)
#define _PB_NY POLYBENCH_LOOP_BOUND(NY, ny)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05
static double percentDiff(double a, double b)
{
    if (fabs(a) < 0.01 && fabs(b) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(a - b) / fabs(a + 0.00000001));
}


static void init_array(int nx, int ny, DATA_TYPE POLYBENCH_2D(A, NX, NY, nx, ny),
                       DATA_TYPE POLYBENCH_1D(r, NX, nx), DATA_TYPE POLYBENCH_1D(p, NY, ny))
{
    int i, j;
    for (i = 0; i < ny; i++)
        p[i] = i * 3.14159;
    for (i = 0; i < nx; i++) {
        r[i] = i * 3.14159;
        for (j = 0; j < ny; j++)
            A[i][j] = ((DATA_TYPE)i * j) / nx;
    }
}

static void bicg_cpu(int nx, int ny, DATA_TYPE POLYBENCH_2D(A, NX, NY, nx, ny),
                     DATA_TYPE POLYBENCH_1D(r, NX, nx), DATA_TYPE POLYBENCH_1D(s, NY, ny),
                     DATA_TYPE POLYBENCH_1D(p, NY, ny), DATA_TYPE POLYBENCH_1D(q, NX, nx))
{
    int i, j;
    for (i = 0; i < _PB_NY; i++)
        s[i] = 0.0;
    for (i = 0; i < _PB_NX; i++) {
        q[i] = 0.0;
        for (j = 0; j < _PB_NY; j++) {
            s[j] = s[j] + r[i] * A[i][j];
            q[i] = q[i] + A[i][j] * p[j];
        }
    }
}

static void bicg_acc(int nx, int ny, DATA_TYPE POLYBENCH_2D(A, NX, NY, nx, ny),
                     DATA_TYPE POLYBENCH_1D(r, NX, nx), DATA_TYPE POLYBENCH_1D(s, NY, ny),
                     DATA_TYPE POLYBENCH_1D(p, NY, ny), DATA_TYPE POLYBENCH_1D(q, NX, nx))
{
    int i, j;
#pragma scop
    #pragma acc data copyin(A[0:NX][0:NY], r[0:NX], p[0:NY]) copyout(s[0:NY], q[0:NX])
    {
        #pragma acc parallel loop
        for (j = 0; j < _PB_NY; j++) {
            s[j] = 0.0;
            #pragma acc loop seq
            for (i = 0; i < _PB_NX; i++)
                s[j] = s[j] + r[i] * A[i][j];
        }
        #pragma acc parallel loop
        for (i = 0; i < _PB_NX; i++) {
            q[i] = 0.0;
            #pragma acc loop seq
            for (j = 0; j < _PB_NY; j++)
                q[i] = q[i] + A[i][j] * p[j];
        }
    }
#pragma endscop
}

static int compareResults(int nx, int ny, DATA_TYPE POLYBENCH_1D(s, NY, ny),
                          DATA_TYPE POLYBENCH_1D(s_gpu, NY, ny), DATA_TYPE POLYBENCH_1D(q, NX, nx),
                          DATA_TYPE POLYBENCH_1D(q_gpu, NX, nx))
{
    int i, fail = 0;
    for (i = 0; i < nx; i++)
        if (percentDiff(q[i], q_gpu[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
    for (i = 0; i < ny; i++)
        if (percentDiff(s[i], s_gpu[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
    return fail;
}

int main(int argc, char **argv)
{
    int nx = NX, ny = NY;
    POLYBENCH_2D_ARRAY_DECL(A, DATA_TYPE, NX, NY, nx, ny);
    POLYBENCH_1D_ARRAY_DECL(s, DATA_TYPE, NY, ny);
    POLYBENCH_1D_ARRAY_DECL(q, DATA_TYPE, NX, nx);
    POLYBENCH_1D_ARRAY_DECL(p, DATA_TYPE, NY, ny);
    POLYBENCH_1D_ARRAY_DECL(r, DATA_TYPE, NX, nx);
    POLYBENCH_1D_ARRAY_DECL(s_gpu, DATA_TYPE, NY, ny);
    POLYBENCH_1D_ARRAY_DECL(q_gpu, DATA_TYPE, NX, nx);
    init_array(nx, ny, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(r), POLYBENCH_ARRAY(p));
    bicg_acc(nx, ny, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(r), POLYBENCH_ARRAY(s_gpu),
             POLYBENCH_ARRAY(p), POLYBENCH_ARRAY(q_gpu));
    bicg_cpu(nx, ny, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(r), POLYBENCH_ARRAY(s),
             POLYBENCH_ARRAY(p), POLYBENCH_ARRAY(q));
    int fail = compareResults(nx, ny, POLYBENCH_ARRAY(s), POLYBENCH_ARRAY(s_gpu),
                              POLYBENCH_ARRAY(q), POLYBENCH_ARRAY(q_gpu));
    printf("Non-Matching CPU-GPU Outputs Beyond Error Threshold of %4.2f Percent: %d\n",
           PERCENT_DIFF_ERROR_THRESHOLD, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(A);
    POLYBENCH_FREE_ARRAY(s);
    POLYBENCH_FREE_ARRAY(q);
    POLYBENCH_FREE_ARRAY(p);
    POLYBENCH_FREE_ARRAY(r);
    POLYBENCH_FREE_ARRAY(s_gpu);
    POLYBENCH_FREE_ARRAY(q_gpu);
    return fail != 0;
}
