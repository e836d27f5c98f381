/* adi in the PolyBench/C 4.2 layout: alternating-direction implicit steps on u, each a
 * column sweep into v then a row sweep back into u, both tridiagonal (Thomas) solves with
 * the forward coefficients in the scratch arrays p and q; the grid constants DX/DY/DT and
 * the solver coefficients are computed at the top of the kernel.  The OpenACC version
 * keeps the time loop on the host inside one data region (u copied, v/p/q device-only);
 * each sweep is a parallel loop over the independent lines with the carried forward and
 * backward passes loop seq inside.  A CPU reference on a copy of u in the same file is
 * compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define TSTEPS 20
#define N 120
#define DATA_TYPE double
#define _PB_TSTEPS POLYBENCH_LOOP_BOUND(TSTEPS, tsteps)
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int n, DATA_TYPE POLYBENCH_2D(u, N, N, n, n),
                       DATA_TYPE POLYBENCH_2D(u_ref, N, N, n, n))
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            u[i][j] = (DATA_TYPE)(i + n - j) / n;
            u_ref[i][j] = u[i][j];
        }
}

static void adi_cpu(int tsteps, int n, DATA_TYPE POLYBENCH_2D(u, N, N, n, n),
                    DATA_TYPE POLYBENCH_2D(v, N, N, n, n), DATA_TYPE POLYBENCH_2D(p, N, N, n, n),
                    DATA_TYPE POLYBENCH_2D(q, N, N, n, n))
{
    int t, i, j;
    DATA_TYPE DX, DY, DT, B1, B2, mul1, mul2, a, b, c, d, e, f;
    DX = 1.0 / (DATA_TYPE)_PB_N;
    DY = 1.0 / (DATA_TYPE)_PB_N;
    DT = 1.0 / (DATA_TYPE)_PB_TSTEPS;
    B1 = 2.0;
    B2 = 1.0;
    mul1 = B1 * DT / (DX * DX);
    mul2 = B2 * DT / (DY * DY);
    a = -mul1 / 2.0;
    b = 1.0 + mul1;
    c = a;
    d = -mul2 / 2.0;
    e = 1.0 + mul2;
    f = d;
    for (t = 1; t <= _PB_TSTEPS; t++) {
        for (i = 1; i < _PB_N - 1; i++) {
            v[0][i] = 1.0;
            p[i][0] = 0.0;
            q[i][0] = v[0][i];
            for (j = 1; j < _PB_N - 1; j++) {
                p[i][j] = -c / (a * p[i][j - 1] + b);
                q[i][j] = (-d * u[j][i - 1] + (1.0 + 2.0 * d) * u[j][i] - f * u[j][i + 1]
                           - a * q[i][j - 1]) / (a * p[i][j - 1] + b);
            }
            v[_PB_N - 1][i] = 1.0;
            for (j = _PB_N - 2; j >= 1; j--)
                v[j][i] = p[i][j] * v[j + 1][i] + q[i][j];
        }
        for (i = 1; i < _PB_N - 1; i++) {
            u[i][0] = 1.0;
            p[i][0] = 0.0;
            q[i][0] = u[i][0];
            for (j = 1; j < _PB_N - 1; j++) {
                p[i][j] = -f / (d * p[i][j - 1] + e);
                q[i][j] = (-a * v[i - 1][j] + (1.0 + 2.0 * a) * v[i][j] - c * v[i + 1][j]
                           - d * q[i][j - 1]) / (d * p[i][j - 1] + e);
            }
            u[i][_PB_N - 1] = 1.0;
            for (j = _PB_N - 2; j >= 1; j--)
                u[i][j] = p[i][j] * u[i][j + 1] + q[i][j];
        }
    }
}

static void kernel_adi(int tsteps, int n, DATA_TYPE POLYBENCH_2D(u, N, N, n, n),
                       DATA_TYPE POLYBENCH_2D(v, N, N, n, n), DATA_TYPE POLYBENCH_2D(p, N, N, n, n),
                       DATA_TYPE POLYBENCH_2D(q, N, N, n, n))
{
    int t, i, j;
    DATA_TYPE DX, DY, DT, B1, B2, mul1, mul2, a, b, c, d, e, f;
#pragma scop
    DX = 1.0 / (DATA_TYPE)_PB_N;
    DY = 1.0 / (DATA_TYPE)_PB_N;
    DT = 1.0 / (DATA_TYPE)_PB_TSTEPS;
    B1 = 2.0;
    B2 = 1.0;
    mul1 = B1 * DT / (DX * DX);
    mul2 = B2 * DT / (DY * DY);
    a = -mul1 / 2.0;
    b = 1.0 + mul1;
    c = a;
    d = -mul2 / 2.0;
    e = 1.0 + mul2;
    f = d;
    #pragma acc data copy(u[0:N][0:N]) create(v[0:N][0:N], p[0:N][0:N], q[0:N][0:N])
    {
        for (t = 1; t <= _PB_TSTEPS; t++) {
            /* column sweep */
            #pragma acc parallel loop present(u[0:N][0:N], v[0:N][0:N], p[0:N][0:N], q[0:N][0:N])
            for (i = 1; i < _PB_N - 1; i++) {
                v[0][i] = 1.0;
                p[i][0] = 0.0;
                q[i][0] = v[0][i];
                #pragma acc loop seq
                for (j = 1; j < _PB_N - 1; j++) {
                    p[i][j] = -c / (a * p[i][j - 1] + b);
                    q[i][j] = (-d * u[j][i - 1] + (1.0 + 2.0 * d) * u[j][i] - f * u[j][i + 1]
                               - a * q[i][j - 1]) / (a * p[i][j - 1] + b);
                }
                v[_PB_N - 1][i] = 1.0;
                #pragma acc loop seq
                for (j = _PB_N - 2; j >= 1; j--)
                    v[j][i] = p[i][j] * v[j + 1][i] + q[i][j];
            }
            /* row sweep */
            #pragma acc parallel loop present(u[0:N][0:N], v[0:N][0:N], p[0:N][0:N], q[0:N][0:N])
            for (i = 1; i < _PB_N - 1; i++) {
                u[i][0] = 1.0;
                p[i][0] = 0.0;
                q[i][0] = u[i][0];
                #pragma acc loop seq
                for (j = 1; j < _PB_N - 1; j++) {
                    p[i][j] = -f / (d * p[i][j - 1] + e);
                    q[i][j] = (-a * v[i - 1][j] + (1.0 + 2.0 * a) * v[i][j] - c * v[i + 1][j]
                               - d * q[i][j - 1]) / (d * p[i][j - 1] + e);
                }
                u[i][_PB_N - 1] = 1.0;
                #pragma acc loop seq
                for (j = _PB_N - 2; j >= 1; j--)
                    u[i][j] = p[i][j] * u[i][j + 1] + q[i][j];
            }
        }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int n = N, tsteps = TSTEPS;
    POLYBENCH_2D_ARRAY_DECL(u, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(u_ref, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(v, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(p, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(q, DATA_TYPE, N, N, n, n);
    init_array(n, POLYBENCH_ARRAY(u), POLYBENCH_ARRAY(u_ref));
    kernel_adi(tsteps, n, POLYBENCH_ARRAY(u), POLYBENCH_ARRAY(v), POLYBENCH_ARRAY(p),
               POLYBENCH_ARRAY(q));
    adi_cpu(tsteps, n, POLYBENCH_ARRAY(u_ref), POLYBENCH_ARRAY(v), POLYBENCH_ARRAY(p),
            POLYBENCH_ARRAY(q));
    int i, j, fail = 0;
    double sum = 0.0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            sum += (*u)[i][j];
            if (percentDiff((*u_ref)[i][j], (*u)[i][j]) > PERCENT_DIFF_ERROR_THRESHOLD)
                fail++;
        }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(u);
    POLYBENCH_FREE_ARRAY(u_ref);
    POLYBENCH_FREE_ARRAY(v);
    POLYBENCH_FREE_ARRAY(p);
    POLYBENCH_FREE_ARRAY(q);
    return fail != 0;
}
