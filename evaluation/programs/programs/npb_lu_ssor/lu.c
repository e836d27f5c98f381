/* SSOR iteration in the NPB LU shape: 3-D grids of 5-component vectors (file-scope static
 * u and frct, a malloc'd rsd reached through double (*)[NY][NX][5]), rhs() as several 3-D
 * nests (the forcing copy, then the x, y and z flux differences each with a small local
 * flux[5] and fourth-order dissipation), a lower then an upper triangular sweep over k
 * (sequential in k, parallel in j and i), the update of u, and the l2 norm of rsd over the
 * five components written as five scalar reductions.  The time-step loop in main runs in
 * one data region; every INORM steps the norms are printed and u's centre line is read on
 * the host after an update self. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "lu.h"

static double u[NZ][NY][NX][5];
static double frct[NZ][NY][NX][5];

static void rhs(double (*rsd)[NY][NX][5])
{
    int i, j, k;
    double flux[5];
    #pragma acc parallel loop collapse(3) present(rsd[0:NZ], frct)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++)
                for (int m = 0; m < 5; m++)
                    rsd[k][j][i][m] = -frct[k][j][i][m];

    /* xi direction */
    #pragma acc parallel loop collapse(3) present(rsd[0:NZ], u) private(flux)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                for (int m = 0; m < 5; m++)
                    flux[m] = 0.0;
                for (int s = -1; s <= 1; s += 2) {
                    double r0 = u[k][j][i + s][0], r1 = u[k][j][i + s][1];
                    double r2 = u[k][j][i + s][2], r3 = u[k][j][i + s][3];
                    double r4 = u[k][j][i + s][4];
                    double q = 0.5 * (r1 * r1 + r2 * r2 + r3 * r3) / r0;
                    double w = r1 / r0;
                    flux[0] += s * r1;
                    flux[1] += s * (r1 * w + C2 * (r4 - q));
                    flux[2] += s * r2 * w;
                    flux[3] += s * r3 * w;
                    flux[4] += s * (C1 * r4 - C2 * q) * w;
                }
                for (int m = 0; m < 5; m++) {
                    double d = u[k][j][i + 1][m] - 2.0 * u[k][j][i][m] + u[k][j][i - 1][m];
                    if (i >= 2 && i <= NX - 3)
                        d = -(u[k][j][i + 2][m] - 4.0 * u[k][j][i + 1][m] + 6.0 * u[k][j][i][m]
                              - 4.0 * u[k][j][i - 1][m] + u[k][j][i - 2][m]) * 0.25;
                    rsd[k][j][i][m] += -TX2 * flux[m] + DSSP * d;
                }
            }

    /* eta direction */
    #pragma acc parallel loop collapse(3) present(rsd[0:NZ], u)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                double fl[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
                for (int s = -1; s <= 1; s += 2) {
                    double r0 = u[k][j + s][i][0], r1 = u[k][j + s][i][1];
                    double r2 = u[k][j + s][i][2], r3 = u[k][j + s][i][3];
                    double r4 = u[k][j + s][i][4];
                    double q = 0.5 * (r1 * r1 + r2 * r2 + r3 * r3) / r0;
                    double w = r2 / r0;
                    fl[0] += s * r2;
                    fl[1] += s * r1 * w;
                    fl[2] += s * (r2 * w + C2 * (r4 - q));
                    fl[3] += s * r3 * w;
                    fl[4] += s * (C1 * r4 - C2 * q) * w;
                }
                for (int m = 0; m < 5; m++)
                    rsd[k][j][i][m] += -TX2 * fl[m]
                        + DSSP * (u[k][j + 1][i][m] - 2.0 * u[k][j][i][m] + u[k][j - 1][i][m]);
            }

    /* zeta direction */
    #pragma acc parallel loop collapse(2) present(rsd[0:NZ], u) private(flux)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++) {
            #pragma acc loop seq
            for (i = 1; i < NX - 1; i++) {
                for (int m = 0; m < 5; m++)
                    flux[m] = 0.0;
                for (int s = -1; s <= 1; s += 2) {
                    double r0 = u[k + s][j][i][0], r1 = u[k + s][j][i][1];
                    double r2 = u[k + s][j][i][2], r3 = u[k + s][j][i][3];
                    double r4 = u[k + s][j][i][4];
                    double q = 0.5 * (r1 * r1 + r2 * r2 + r3 * r3) / r0;
                    double w = r3 / r0;
                    flux[0] += s * r3;
                    flux[1] += s * r1 * w;
                    flux[2] += s * r2 * w;
                    flux[3] += s * (r3 * w + C2 * (r4 - q));
                    flux[4] += s * (C1 * r4 - C2 * q) * w;
                }
                for (int m = 0; m < 5; m++)
                    rsd[k][j][i][m] += -TX2 * flux[m]
                        + DSSP * (u[k + 1][j][i][m] - 2.0 * u[k][j][i][m] + u[k - 1][j][i][m]);
            }
        }
}

/* lower triangular sweep: plane k uses the already-updated plane k-1 */
static void blts(double (*rsd)[NY][NX][5])
{
    int i, j, k;
    for (k = 1; k < NZ - 1; k++) {
        #pragma acc parallel loop collapse(2) present(rsd[0:NZ], u)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                double tmp[5];
                double diag = 1.0 + OMEGA * 0.3 / u[k][j][i][0];
                for (int m = 0; m < 5; m++)
                    tmp[m] = rsd[k][j][i][m] + OMEGA * 0.25 *
                             (rsd[k - 1][j][i][m] + 0.2 * rsd[k - 1][j][i][(m + 1) % 5]);
                for (int m = 0; m < 5; m++)
                    rsd[k][j][i][m] = tmp[m] / diag;
            }
    }
}

/* upper triangular sweep: plane k uses the already-updated plane k+1 */
static void buts(double (*rsd)[NY][NX][5])
{
    int i, j, k;
    for (k = NZ - 2; k >= 1; k--) {
        #pragma acc parallel loop collapse(2) present(rsd[0:NZ], u)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                double diag = 1.0 + OMEGA * 0.3 / u[k][j][i][0];
                for (int m = 0; m < 5; m++)
                    rsd[k][j][i][m] = (rsd[k][j][i][m] + OMEGA * 0.25 *
                                       (rsd[k + 1][j][i][m] - 0.1 * rsd[k + 1][j][i][4 - m])) / diag;
            }
    }
}

static void add(double (*rsd)[NY][NX][5])
{
    int i, j, k;
    #pragma acc parallel loop collapse(3) present(rsd[0:NZ], u)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++)
                for (int m = 0; m < 5; m++)
                    u[k][j][i][m] += TAU * rsd[k][j][i][m];
}

static void l2norm(double (*rsd)[NY][NX][5], double sum[5])
{
    int i, j, k;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0;
    #pragma acc parallel loop collapse(3) present(rsd[0:NZ]) reduction(+:s0, s1, s2, s3, s4)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                s0 += rsd[k][j][i][0] * rsd[k][j][i][0];
                s1 += rsd[k][j][i][1] * rsd[k][j][i][1];
                s2 += rsd[k][j][i][2] * rsd[k][j][i][2];
                s3 += rsd[k][j][i][3] * rsd[k][j][i][3];
                s4 += rsd[k][j][i][4] * rsd[k][j][i][4];
            }
    double n = (double)(NX - 2) * (NY - 2) * (NZ - 2);
    sum[0] = sqrt(s0 / n);
    sum[1] = sqrt(s1 / n);
    sum[2] = sqrt(s2 / n);
    sum[3] = sqrt(s3 / n);
    sum[4] = sqrt(s4 / n);
}

int main(void)
{
    static double norms[ITMAX / INORM][5];
    double rsdnm[5];
    double (*rsd)[NY][NX][5] = malloc(sizeof(double[NZ][NY][NX][5]));
    int istep, m;
    if (!rsd)
        return 1;
    init_fields(u, frct);
    #pragma acc data copy(u) copyin(frct) create(rsd[0:NZ])
    {
        for (istep = 1; istep <= ITMAX; istep++) {
            rhs(rsd);
            blts(rsd);
            buts(rsd);
            add(rsd);
            if (istep % INORM == 0) {
                rhs(rsd);
                l2norm(rsd, rsdnm);
                #pragma acc update self(u)
                printf("step %3d  rsdnm", istep);
                for (m = 0; m < 5; m++) {
                    printf(" %.6e", rsdnm[m]);
                    norms[istep / INORM - 1][m] = rsdnm[m];
                }
                printf("  u(centre) %.8f\n", u[NZ / 2][NY / 2][NX / 2][4]);
            }
        }
    }
    int ok = check_lu(u, norms);
    free(rsd);
    printf(ok ? "VERIFIED\n" : "FAILED\n");
    return ok ? 0 : 1;
}
