/* fdtd-2d in the PolyBench/C 4.2 layout, checked against a CPU reference in the file. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define TMAX 30
#define NX 200
#define NY 240
#define DATA_TYPE double
#define _PB_TMAX POLYBENCH_LOOP_BOUND(TMAX, tmax)
#define _PB_NX POLYBENCH_LOOP_BOUND(NX, nx)
#define _PB_NY POLYBENCH_LOOP_BOUND(NY, ny)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05
static double percentDiff(double a, double b)
{
    if (fabs(a) < 0.01 && fabs(b) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(a - b) / fabs(a + 0.00000001));
}


static void init_array(int tmax, int nx, int ny, DATA_TYPE POLYBENCH_2D(ex, NX, NY, nx, ny),
                       DATA_TYPE POLYBENCH_2D(ey, NX, NY, nx, ny), DATA_TYPE POLYBENCH_2D(hz, NX, NY, nx, ny),
                       DATA_TYPE POLYBENCH_1D(_fict_, TMAX, tmax))
{
    int i, j;
    for (i = 0; i < tmax; i++)
        _fict_[i] = (DATA_TYPE)i;
    for (i = 0; i < nx; i++)
        for (j = 0; j < ny; j++) {
            ex[i][j] = ((DATA_TYPE)i * (j + 1)) / nx;
            ey[i][j] = ((DATA_TYPE)i * (j + 2)) / ny;
            hz[i][j] = ((DATA_TYPE)i * (j + 3)) / nx;
        }
}

static void kernel_fdtd_2d(int tmax, int nx, int ny, DATA_TYPE POLYBENCH_2D(ex, NX, NY, nx, ny),
                           DATA_TYPE POLYBENCH_2D(ey, NX, NY, nx, ny),
                           DATA_TYPE POLYBENCH_2D(hz, NX, NY, nx, ny),
                           DATA_TYPE POLYBENCH_1D(_fict_, TMAX, tmax))
{
    int t, i, j;
#pragma scop
    #pragma acc data copy(ex[0:NX][0:NY], ey[0:NX][0:NY], hz[0:NX][0:NY]) copyin(_fict_[0:TMAX])
    for (t = 0; t < _PB_TMAX; t++) {
        #pragma acc parallel loop
        for (j = 0; j < _PB_NY; j++)
            ey[0][j] = _fict_[t];
        #pragma acc parallel loop collapse(2)
        for (i = 1; i < _PB_NX; i++)
            for (j = 0; j < _PB_NY; j++)
                ey[i][j] = ey[i][j] - SCALAR_VAL(0.5) * (hz[i][j] - hz[i - 1][j]);
        #pragma acc parallel loop collapse(2)
        for (i = 0; i < _PB_NX; i++)
            for (j = 1; j < _PB_NY; j++)
                ex[i][j] = ex[i][j] - SCALAR_VAL(0.5) * (hz[i][j] - hz[i][j - 1]);
        #pragma acc parallel loop collapse(2)
        for (i = 0; i < _PB_NX - 1; i++)
            for (j = 0; j < _PB_NY - 1; j++)
                hz[i][j] = hz[i][j] - SCALAR_VAL(0.7) * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
    }
#pragma endscop
}

static void fdtd_cpu(int tmax, int nx, int ny, DATA_TYPE POLYBENCH_2D(ex, NX, NY, nx, ny),
                     DATA_TYPE POLYBENCH_2D(ey, NX, NY, nx, ny), DATA_TYPE POLYBENCH_2D(hz, NX, NY, nx, ny),
                     DATA_TYPE POLYBENCH_1D(_fict_, TMAX, tmax))
{
    int t, i, j;
    for (t = 0; t < tmax; t++) {
        for (j = 0; j < ny; j++)
            ey[0][j] = _fict_[t];
        for (i = 1; i < nx; i++)
            for (j = 0; j < ny; j++)
                ey[i][j] = ey[i][j] - 0.5 * (hz[i][j] - hz[i - 1][j]);
        for (i = 0; i < nx; i++)
            for (j = 1; j < ny; j++)
                ex[i][j] = ex[i][j] - 0.5 * (hz[i][j] - hz[i][j - 1]);
        for (i = 0; i < nx - 1; i++)
            for (j = 0; j < ny - 1; j++)
                hz[i][j] = hz[i][j] - 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
    }
}

int main(int argc, char **argv)
{
    int tmax = TMAX, nx = NX, ny = NY;
    POLYBENCH_2D_ARRAY_DECL(ex, DATA_TYPE, NX, NY, nx, ny);
    POLYBENCH_2D_ARRAY_DECL(ey, DATA_TYPE, NX, NY, nx, ny);
    POLYBENCH_2D_ARRAY_DECL(hz, DATA_TYPE, NX, NY, nx, ny);
    POLYBENCH_2D_ARRAY_DECL(ex_ref, DATA_TYPE, NX, NY, nx, ny);
    POLYBENCH_2D_ARRAY_DECL(ey_ref, DATA_TYPE, NX, NY, nx, ny);
    POLYBENCH_2D_ARRAY_DECL(hz_ref, DATA_TYPE, NX, NY, nx, ny);
    POLYBENCH_1D_ARRAY_DECL(_fict_, DATA_TYPE, TMAX, tmax);
    init_array(tmax, nx, ny, POLYBENCH_ARRAY(ex), POLYBENCH_ARRAY(ey), POLYBENCH_ARRAY(hz),
               POLYBENCH_ARRAY(_fict_));
    init_array(tmax, nx, ny, POLYBENCH_ARRAY(ex_ref), POLYBENCH_ARRAY(ey_ref),
               POLYBENCH_ARRAY(hz_ref), POLYBENCH_ARRAY(_fict_));
    kernel_fdtd_2d(tmax, nx, ny, POLYBENCH_ARRAY(ex), POLYBENCH_ARRAY(ey), POLYBENCH_ARRAY(hz),
                   POLYBENCH_ARRAY(_fict_));
    fdtd_cpu(tmax, nx, ny, POLYBENCH_ARRAY(ex_ref), POLYBENCH_ARRAY(ey_ref),
             POLYBENCH_ARRAY(hz_ref), POLYBENCH_ARRAY(_fict_));
    int fail = 0;
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++)
            if (percentDiff((*hz)[i][j], (*hz_ref)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD ||
                percentDiff((*ex)[i][j], (*ex_ref)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
    printf("fail %d\n", fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(ex);
    POLYBENCH_FREE_ARRAY(ey);
    POLYBENCH_FREE_ARRAY(hz);
    POLYBENCH_FREE_ARRAY(ex_ref);
    POLYBENCH_FREE_ARRAY(ey_ref);
    POLYBENCH_FREE_ARRAY(hz_ref);
    POLYBENCH_FREE_ARRAY(_fict_);
    return fail != 0;
}
