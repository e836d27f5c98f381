/* Initial fields and an independent serial rerun of the ADI steps on flat arrays, each line
 * solved by the Thomas algorithm with separate diagonal arrays. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "sp.h"

#define AT(a, k, j, i) a[((size_t)(k) * NY + (j)) * NX + (i)]

void init_fields(double u[NZ][NY][NX], double forcing[NZ][NY][NX])
{
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++) {
                double x = (double)i / (NX - 1), y = (double)j / (NY - 1), z = (double)k / (NZ - 1);
                u[k][j][i] = sin(3.0 * x) * cos(2.0 * y) * (1.0 + z);
                forcing[k][j][i] = 0.5 * cos(x + 2.0 * y - z);
            }
}

/* solve along the line of n points start + s*stride of r, diagonal from u */
static void line_solve(const double *u, double *r, size_t start, size_t stride, int n)
{
    double b[32], c[32];
    for (int p = 0; p < n; p++) {
        double v = u[start + p * stride];
        b[p] = 1.0 + 2.0 * R + 0.01 * v * v;
        c[p] = -R;
    }
    for (int p = 1; p < n; p++) {
        double m = -R / b[p - 1];
        b[p] -= m * c[p - 1];
        r[start + p * stride] -= m * r[start + (p - 1) * stride];
    }
    r[start + (n - 1) * stride] /= b[n - 1];
    for (int p = n - 2; p >= 0; p--)
        r[start + p * stride] = (r[start + p * stride] - c[p] * r[start + (p + 1) * stride]) / b[p];
}

int check_sp(double ru[NZ][NY][NX], const double norms[NSTEPS / NPRINT])
{
    size_t len = (size_t)NX * NY * NZ;
    double *u = malloc(len * sizeof(double)), *f = malloc(len * sizeof(double));
    double *r = malloc(len * sizeof(double));
    double worst = 0.0;
    if (!u || !f || !r)
        return 0;
    init_fields((double (*)[NY][NX])u, (double (*)[NY][NX])f);
    for (int step = 1; step <= NSTEPS; step++) {
        for (int k = 0; k < NZ; k++)
            for (int j = 0; j < NY; j++)
                for (int i = 0; i < NX; i++) {
                    double c = AT(u, k, j, i);
                    AT(r, k, j, i) = (k == 0 || k == NZ - 1 || j == 0 || j == NY - 1 || i == 0 ||
                                      i == NX - 1) ? 0.0 :
                        DT * (AT(f, k, j, i) + AT(u, k, j, i + 1) + AT(u, k, j, i - 1)
                              + AT(u, k, j + 1, i) + AT(u, k, j - 1, i) + AT(u, k + 1, j, i)
                              + AT(u, k - 1, j, i) - 6.0 * c - 0.1 * c * c * c);
                }
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                line_solve(u, r, ((size_t)k * NY + j) * NX, 1, NX);
        for (int k = 1; k < NZ - 1; k++)
            for (int i = 1; i < NX - 1; i++)
                line_solve(u, r, (size_t)k * NY * NX + i, NX, NY);
        for (int j = 1; j < NY - 1; j++)
            for (int i = 1; i < NX - 1; i++)
                line_solve(u, r, (size_t)j * NX + i, (size_t)NX * NY, NZ);
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++)
                    AT(u, k, j, i) += AT(r, k, j, i);
        if (step % NPRINT == 0) {
            double s = 0.0;
            for (size_t e = 0; e < len; e++)
                s += r[e] * r[e];
            s = sqrt(s / len);
            double d = fabs(s - norms[step / NPRINT - 1]) / (s + 1e-30);
            if (!(d <= worst)) /* NaN counts as a difference */
                worst = d;
        }
    }
    for (size_t e = 0; e < len; e++) {
        double d = fabs(u[e] - ((double *)ru)[e]) / (fabs(u[e]) + 1e-12);
        if (!(d <= worst)) /* NaN counts as a difference */
            worst = d;
    }
    printf("max relative difference %.3e\n", worst);
    free(u);
    free(f);
    free(r);
    return worst < 1e-9;
}
