/* Initial fields and an independent serial rerun of the SSOR scheme on flat arrays
 * (one point at a time: forcing, then the three directions' flux differences). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lu.h"

#define AT(a, k, j, i, m) a[((((size_t)(k) * NY + (j)) * NX + (i)) * 5) + (m)]

void init_fields(double u[NZ][NY][NX][5], double frct[NZ][NY][NX][5])
{
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++) {
                double x = (double)i / (NX - 1), y = (double)j / (NY - 1), z = (double)k / (NZ - 1);
                u[k][j][i][0] = 1.0 + 0.1 * sin(3.0 * x) * cos(2.0 * y) + 0.05 * z;
                u[k][j][i][1] = 0.2 * x * (1.0 - y) + 0.01 * z;
                u[k][j][i][2] = 0.1 * y * (1.0 - z) - 0.02 * x;
                u[k][j][i][3] = 0.15 * z * (1.0 - x) + 0.03 * y;
                u[k][j][i][4] = 2.5 + 0.2 * cos(x + y + z);
                for (int m = 0; m < 5; m++)
                    frct[k][j][i][m] = 0.01 * sin(1.0 + m + 2.0 * x - y + 0.5 * z);
            }
}

/* the flux of direction d (1: x, 2: y, 3: z) of the state q */
static void euler_flux(const double *q, int d, double *f)
{
    double qq = 0.5 * (q[1] * q[1] + q[2] * q[2] + q[3] * q[3]) / q[0];
    double w = q[d] / q[0];
    for (int m = 0; m < 4; m++)
        f[m] = (m == 0) ? q[d] : q[m] * w;
    f[d] += C2 * (q[4] - qq);
    f[4] = (C1 * q[4] - C2 * qq) * w;
}

static void ref_rhs(const double *u, const double *frct, double *rsd)
{
    for (size_t e = 0; e < (size_t)NZ * NY * NX * 5; e++)
        rsd[e] = -frct[e];
    for (int d = 1; d <= 3; d++)
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++) {
                    int di = d == 1, dj = d == 2, dk = d == 3;
                    double fp[5], fm[5];
                    euler_flux(&AT(u, k + dk, j + dj, i + di, 0), d, fp);
                    euler_flux(&AT(u, k - dk, j - dj, i - di, 0), d, fm);
                    for (int m = 0; m < 5; m++) {
                        double c = AT(u, k, j, i, m);
                        double p1 = AT(u, k + dk, j + dj, i + di, m);
                        double m1 = AT(u, k - dk, j - dj, i - di, m);
                        double dd = p1 - 2.0 * c + m1;
                        if (d == 1 && i >= 2 && i <= NX - 3)
                            dd = -(AT(u, k, j, i + 2, m) - 4.0 * p1 + 6.0 * c - 4.0 * m1
                                   + AT(u, k, j, i - 2, m)) * 0.25;
                        AT(rsd, k, j, i, m) += -TX2 * (fp[m] - fm[m]) + DSSP * dd;
                    }
                }
}

static void ref_norm(const double *rsd, double *sum)
{
    double n = (double)(NX - 2) * (NY - 2) * (NZ - 2);
    for (int m = 0; m < 5; m++) {
        double s = 0.0;
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++)
                    s += AT(rsd, k, j, i, m) * AT(rsd, k, j, i, m);
        sum[m] = sqrt(s / n);
    }
}

int check_lu(double ru[NZ][NY][NX][5], double norms[ITMAX / INORM][5])
{
    size_t len = (size_t)NZ * NY * NX * 5;
    double *u = malloc(len * sizeof(double)), *frct = malloc(len * sizeof(double));
    double *rsd = malloc(len * sizeof(double));
    double worst = 0.0;
    int ok = 1;
    if (!u || !frct || !rsd)
        return 0;
    init_fields((double (*)[NY][NX][5])u, (double (*)[NY][NX][5])frct);
    for (int step = 1; step <= ITMAX; step++) {
        ref_rhs(u, frct, rsd);
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++) {
                    double diag = 1.0 + OMEGA * 0.3 / AT(u, k, j, i, 0), t[5];
                    for (int m = 0; m < 5; m++)
                        t[m] = AT(rsd, k, j, i, m) + OMEGA * 0.25 *
                               (AT(rsd, k - 1, j, i, m) + 0.2 * AT(rsd, k - 1, j, i, (m + 1) % 5));
                    for (int m = 0; m < 5; m++)
                        AT(rsd, k, j, i, m) = t[m] / diag;
                }
        for (int k = NZ - 2; k >= 1; k--)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++) {
                    double diag = 1.0 + OMEGA * 0.3 / AT(u, k, j, i, 0);
                    for (int m = 0; m < 5; m++)
                        AT(rsd, k, j, i, m) = (AT(rsd, k, j, i, m) + OMEGA * 0.25 *
                            (AT(rsd, k + 1, j, i, m) - 0.1 * AT(rsd, k + 1, j, i, 4 - m))) / diag;
                }
        for (int k = 1; k < NZ - 1; k++)
            for (int j = 1; j < NY - 1; j++)
                for (int i = 1; i < NX - 1; i++)
                    for (int m = 0; m < 5; m++)
                        AT(u, k, j, i, m) += TAU * AT(rsd, k, j, i, m);
        if (step % INORM == 0) {
            double nm[5];
            ref_rhs(u, frct, rsd);
            ref_norm(rsd, nm);
            for (int m = 0; m < 5; m++) {
                double e = fabs(nm[m] - norms[step / INORM - 1][m]) / (fabs(nm[m]) + 1e-30);
                if (!(e <= worst)) /* NaN counts as a difference */
                    worst = e;
            }
        }
    }
    for (size_t e = 0; e < len; e++) {
        double d = fabs(u[e] - ((double *)ru)[e]) / (fabs(u[e]) + 1e-12);
        if (!(d <= worst)) /* NaN counts as a difference */
            worst = d;
    }
    if (!(worst < 1e-9))
        ok = 0;
    printf("max relative difference %.3e\n", worst);
    free(u);
    free(frct);
    free(rsd);
    return ok;
}
