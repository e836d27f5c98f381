/* Independent reference: the same scheme on a structured [y][x][var] array with the
 * neighbours found by coordinates, the physical flux as a function of a direction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "euler.h"

static double pres(const double *u)
{
    double q2 = (u[1] * u[1] + u[2] * u[2] + u[3] * u[3]) / (u[0] * u[0]);
    return (GAMMA - 1.0) * (u[4] - 0.5 * u[0] * q2);
}

/* physical flux of state u through direction d (0: x, 1: y, 2: z) */
static void phys(const double *u, int d, double *f)
{
    double p = pres(u), v = u[1 + d] / u[0];
    f[0] = u[1 + d];
    for (int m = 0; m < 3; m++) f[1 + m] = v * u[1 + m] + (m == d ? p : 0.0);
    f[4] = v * (u[4] + p);
}

static void speeds(const double *u, double *speed, double *c)
{
    double q2 = (u[1] * u[1] + u[2] * u[2] + u[3] * u[3]) / (u[0] * u[0]);
    *speed = sqrt(q2);
    *c = sqrt(GAMMA * pres(u) / u[0]);
}

int check_euler(int nx, int ny, int iterations, const double *ff, const double *result)
{
    int n = nx * ny;
    double (*u)[NVAR] = malloc(sizeof(double[NVAR]) * n);
    double (*u0)[NVAR] = malloc(sizeof(double[NVAR]) * n);
    double (*fl)[NVAR] = malloc(sizeof(double[NVAR]) * n);
    double *sf = malloc(sizeof(double) * n);
    static const int dx[NNB] = {1, -1, 0, 0}, dy[NNB] = {0, 0, 1, -1};
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            double rx = x - nx / 3.0, ry = y - ny / 2.0;
            double b = 1.0 + 0.1 * exp(-(rx * rx + ry * ry) / 16.0);
            for (int v = 0; v < NVAR; v++) u[y * nx + x][v] = ff[v] * b;
        }
    for (int it = 0; it < iterations; it++) {
        memcpy(u0, u, sizeof(double[NVAR]) * n);
        for (int i = 0; i < n; i++) {
            double s, c;
            speeds(u[i], &s, &c);
            sf[i] = 0.5 / (s + c);
        }
        for (int stage = 0; stage < RK; stage++) {
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++) {
                    int i = y * nx + x;
                    double si, ci, acc[NVAR] = {0, 0, 0, 0, 0};
                    speeds(u[i], &si, &ci);
                    for (int j = 0; j < NNB; j++) {
                        int xx = x + dx[j], yy = y + dy[j];
                        double nrm[3] = {-dx[j], -dy[j], 0.0};
                        double fi[NVAR], fo[NVAR];
                        if (xx < 0 || xx >= nx) {
                            for (int d = 0; d < 2; d++) {
                                if (nrm[d] == 0.0) continue;
                                phys(u[i], d, fi);
                                phys(ff, d, fo);
                                for (int v = 0; v < NVAR; v++) acc[v] += 0.5 * nrm[d] * (fi[v] + fo[v]);
                            }
                        } else if (yy < 0 || yy >= ny) {
                            double p = pres(u[i]);
                            for (int d = 0; d < 3; d++) acc[1 + d] += nrm[d] * p;
                        } else {
                            const double *un = u[yy * nx + xx];
                            double sn, cn;
                            speeds(un, &sn, &cn);
                            double visc = -0.2 * 0.5 * (si + sn + ci + cn);
                            for (int v = 0; v < NVAR; v++) acc[v] += visc * (u[i][v] - un[v]);
                            for (int d = 0; d < 2; d++) {
                                if (nrm[d] == 0.0) continue;
                                phys(u[i], d, fi);
                                phys(un, d, fo);
                                for (int v = 0; v < NVAR; v++) acc[v] += 0.5 * nrm[d] * (fi[v] + fo[v]);
                            }
                        }
                    }
                    for (int v = 0; v < NVAR; v++) fl[i][v] = acc[v];
                }
            for (int i = 0; i < n; i++)
                for (int v = 0; v < NVAR; v++)
                    u[i][v] = u0[i][v] + sf[i] / (RK + 1 - stage) * fl[i][v];
        }
    }
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int v = 0; v < NVAR; v++) {
            double r = result[i + v * n];
            bad += !(fabs(r - u[i][v]) <= 1e-8 * (1.0 + fabs(u[i][v])));
        }
    free(u);
    free(u0);
    free(fl);
    free(sf);
    return bad;
}
