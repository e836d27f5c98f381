/* Initial fields and an independent rerun of the swim scheme on flat arrays (periodic
 * indices by modulo instead of the boundary copies). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "swim.h"

void initial_fields(double u[M_LEN][N_LEN], double v[M_LEN][N_LEN], double p[M_LEN][N_LEN])
{
    static double psi[M_LEN][N_LEN];
    for (int i = 0; i < M_LEN; i++)
        for (int j = 0; j < N_LEN; j++) {
            psi[i][j] = A_SIZE * sin((i + .5) * DI) * sin((j + .5) * DJ);
            p[i][j] = PCF * (cos(2. * i * DI) + cos(2. * j * DJ)) + 50000.;
        }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            u[i + 1][j] = -(psi[i + 1][j + 1] - psi[i + 1][j]) / DY;
            v[i][j + 1] = (psi[i + 1][j + 1] - psi[i][j + 1]) / DX;
        }
    for (int j = 0; j < N; j++) {
        u[0][j] = u[M][j];
        v[M][j + 1] = v[0][j + 1];
    }
    for (int i = 0; i < M; i++) {
        u[i + 1][N] = u[i + 1][0];
        v[i][0] = v[i][N];
    }
    u[0][N] = u[M][0];
    v[M][0] = v[0][N];
}

/* periodic field on the M x N torus: element (i mod M, j mod N) */
#define F(a, i, j) a[(((i) % M + M) % M) * N + (((j) % N + N) % N)]

int check_swim(const double *ru, const double *rv, const double *rp)
{
    static double u0[M_LEN][N_LEN], v0[M_LEN][N_LEN], p0[M_LEN][N_LEN];
    initial_fields(u0, v0, p0);
    size_t sz = sizeof(double) * M * N;
    double *u = malloc(sz), *v = malloc(sz), *p = malloc(sz), *uo = malloc(sz), *vo = malloc(sz);
    double *po = malloc(sz), *un = malloc(sz), *vn = malloc(sz), *pn = malloc(sz);
    double *cu = malloc(sz), *cv = malloc(sz), *z = malloc(sz), *h = malloc(sz);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            F(u, i, j) = F(uo, i, j) = u0[i][j];
            F(v, i, j) = F(vo, i, j) = v0[i][j];
            F(p, i, j) = F(po, i, j) = p0[i][j];
        }
    double fsdx = 4. / DX, fsdy = 4. / DY, tdt = DT;
    for (int c = 1; c <= ITMAX; c++) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                F(cu, i + 1, j) = .5 * (F(p, i + 1, j) + F(p, i, j)) * F(u, i + 1, j);
                F(cv, i, j + 1) = .5 * (F(p, i, j + 1) + F(p, i, j)) * F(v, i, j + 1);
                F(z, i + 1, j + 1) = (fsdx * (F(v, i + 1, j + 1) - F(v, i, j + 1)) -
                                      fsdy * (F(u, i + 1, j + 1) - F(u, i + 1, j))) /
                                     (F(p, i, j) + F(p, i + 1, j) + F(p, i + 1, j + 1) + F(p, i, j + 1));
                F(h, i, j) = F(p, i, j) + .25 * (F(u, i + 1, j) * F(u, i + 1, j) + F(u, i, j) * F(u, i, j) +
                                                 F(v, i, j + 1) * F(v, i, j + 1) + F(v, i, j) * F(v, i, j));
            }
        double t8 = tdt / 8., tx = tdt / DX, ty = tdt / DY;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                F(un, i + 1, j) = F(uo, i + 1, j) + t8 * (F(z, i + 1, j + 1) + F(z, i + 1, j)) *
                    (F(cv, i + 1, j + 1) + F(cv, i, j + 1) + F(cv, i, j) + F(cv, i + 1, j)) -
                    tx * (F(h, i + 1, j) - F(h, i, j));
                F(vn, i, j + 1) = F(vo, i, j + 1) - t8 * (F(z, i + 1, j + 1) + F(z, i, j + 1)) *
                    (F(cu, i + 1, j + 1) + F(cu, i, j + 1) + F(cu, i, j) + F(cu, i + 1, j)) -
                    ty * (F(h, i, j + 1) - F(h, i, j));
                F(pn, i, j) = F(po, i, j) - tx * (F(cu, i + 1, j) - F(cu, i, j)) -
                              ty * (F(cv, i, j + 1) - F(cv, i, j));
            }
        for (int k = 0; k < M * N; k++) {
            if (c == 1) {
                uo[k] = u[k], vo[k] = v[k], po[k] = p[k];
            } else {
                uo[k] = u[k] + ALPHA * (un[k] - 2. * u[k] + uo[k]);
                vo[k] = v[k] + ALPHA * (vn[k] - 2. * v[k] + vo[k]);
                po[k] = p[k] + ALPHA * (pn[k] - 2. * p[k] + po[k]);
            }
            u[k] = un[k], v[k] = vn[k], p[k] = pn[k];
        }
        if (c == 1) tdt += tdt;
    }
    int bad = 0;
    double umax = 0.0;
    for (int k = 0; k < M * N; k++) umax = fmax(umax, fabs(u[k]));
    for (int i = 0; i < M_LEN; i++)
        for (int j = 0; j < N_LEN; j++) {
            double eu = fabs(ru[i * N_LEN + j] - F(u, i, j)), ev = fabs(rv[i * N_LEN + j] - F(v, i, j));
            double ep = fabs(rp[i * N_LEN + j] - F(p, i, j));
            if (eu > 1e-9 * umax + 1e-12 || ev > 1e-9 * umax + 1e-12 || ep > 1e-9 * fabs(F(p, i, j)))
                bad++;
        }
    if (bad) printf("swim: %d mismatches\n", bad);
    free(u), free(v), free(p), free(uo), free(vo), free(po), free(un), free(vn), free(pn);
    free(cu), free(cv), free(z), free(h);
    return bad;
}
