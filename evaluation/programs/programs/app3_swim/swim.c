/* Shallow-water model in the SPEC swim shape (Sadourny's scheme on a periodic M x N grid):
 * file-scope static 2-D arrays, a time loop in main around calc1 (mass fluxes, vorticity,
 * height), calc2 (new fields) and calc3 (Robert-Asselin time filter and copy), each a
 * collapsed interior kernel followed by the periodic-boundary copies as small kernels.
 * One data region in main; every kernel uses present.  Every 20 steps the diagnostics
 * (sums of p, u, v) are reduced on the device and printed.  check.c reruns the scheme. */
#include <math.h>
#include <stdio.h>
#include "swim.h"

static double u[M_LEN][N_LEN], v[M_LEN][N_LEN], p[M_LEN][N_LEN];
static double unew[M_LEN][N_LEN], vnew[M_LEN][N_LEN], pnew[M_LEN][N_LEN];
static double uold[M_LEN][N_LEN], vold[M_LEN][N_LEN], pold[M_LEN][N_LEN];
static double cu[M_LEN][N_LEN], cv[M_LEN][N_LEN], z[M_LEN][N_LEN], h[M_LEN][N_LEN];
static double fsdx, fsdy, tdt;

static void calc1(void)
{
    int i, j;
    #pragma acc parallel loop collapse(2) present(u, v, p, cu, cv, z, h)
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            cu[i + 1][j] = .5 * (p[i + 1][j] + p[i][j]) * u[i + 1][j];
            cv[i][j + 1] = .5 * (p[i][j + 1] + p[i][j]) * v[i][j + 1];
            z[i + 1][j + 1] = (fsdx * (v[i + 1][j + 1] - v[i][j + 1]) -
                               fsdy * (u[i + 1][j + 1] - u[i + 1][j])) /
                              (p[i][j] + p[i + 1][j] + p[i + 1][j + 1] + p[i][j + 1]);
            h[i][j] = p[i][j] + .25 * (u[i + 1][j] * u[i + 1][j] + u[i][j] * u[i][j] +
                                       v[i][j + 1] * v[i][j + 1] + v[i][j] * v[i][j]);
        }
    /* periodic continuation */
    #pragma acc parallel loop present(cu, cv, z, h)
    for (j = 0; j < N; j++) {
        cu[0][j] = cu[M][j];
        cv[M][j + 1] = cv[0][j + 1];
        z[0][j + 1] = z[M][j + 1];
        h[M][j] = h[0][j];
    }
    #pragma acc parallel loop present(cu, cv, z, h)
    for (i = 0; i < M; i++) {
        cu[i + 1][N] = cu[i + 1][0];
        cv[i][0] = cv[i][N];
        z[i + 1][0] = z[i + 1][N];
        h[i][N] = h[i][0];
    }
    #pragma acc serial present(cu, cv, z, h)
    {
        cu[0][N] = cu[M][0];
        cv[M][0] = cv[0][N];
        z[0][0] = z[M][N];
        h[M][N] = h[0][0];
    }
}

static void calc2(void)
{
    int i, j;
    double tdts8 = tdt / 8., tdtsdx = tdt / DX, tdtsdy = tdt / DY;
    #pragma acc parallel loop collapse(2) present(uold, vold, pold, unew, vnew, pnew, cu, cv, z, h)
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            unew[i + 1][j] = uold[i + 1][j] +
                             tdts8 * (z[i + 1][j + 1] + z[i + 1][j]) *
                                 (cv[i + 1][j + 1] + cv[i][j + 1] + cv[i][j] + cv[i + 1][j]) -
                             tdtsdx * (h[i + 1][j] - h[i][j]);
            vnew[i][j + 1] = vold[i][j + 1] -
                             tdts8 * (z[i + 1][j + 1] + z[i][j + 1]) *
                                 (cu[i + 1][j + 1] + cu[i][j + 1] + cu[i][j] + cu[i + 1][j]) -
                             tdtsdy * (h[i][j + 1] - h[i][j]);
            pnew[i][j] = pold[i][j] - tdtsdx * (cu[i + 1][j] - cu[i][j]) -
                         tdtsdy * (cv[i][j + 1] - cv[i][j]);
        }
    #pragma acc parallel loop present(unew, vnew, pnew)
    for (j = 0; j < N; j++) {
        unew[0][j] = unew[M][j];
        vnew[M][j + 1] = vnew[0][j + 1];
        pnew[M][j] = pnew[0][j];
    }
    #pragma acc parallel loop present(unew, vnew, pnew)
    for (i = 0; i < M; i++) {
        unew[i + 1][N] = unew[i + 1][0];
        vnew[i][0] = vnew[i][N];
        pnew[i][N] = pnew[i][0];
    }
    #pragma acc serial present(unew, vnew, pnew)
    {
        unew[0][N] = unew[M][0];
        vnew[M][0] = vnew[0][N];
        pnew[M][N] = pnew[0][0];
    }
}

static void calc3(int first)
{
    int i, j;
    if (first) {
        /* the first step is a forward step: old := current, current := new */
        #pragma acc parallel loop collapse(2) present(u, v, p, unew, vnew, pnew, uold, vold, pold)
        for (i = 0; i < M_LEN; i++)
            for (j = 0; j < N_LEN; j++) {
                uold[i][j] = u[i][j];
                vold[i][j] = v[i][j];
                pold[i][j] = p[i][j];
                u[i][j] = unew[i][j];
                v[i][j] = vnew[i][j];
                p[i][j] = pnew[i][j];
            }
        return;
    }
    #pragma acc parallel loop collapse(2) present(u, v, p, unew, vnew, pnew, uold, vold, pold)
    for (i = 0; i < M_LEN; i++)
        for (j = 0; j < N_LEN; j++) {
            uold[i][j] = u[i][j] + ALPHA * (unew[i][j] - 2. * u[i][j] + uold[i][j]);
            vold[i][j] = v[i][j] + ALPHA * (vnew[i][j] - 2. * v[i][j] + vold[i][j]);
            pold[i][j] = p[i][j] + ALPHA * (pnew[i][j] - 2. * p[i][j] + pold[i][j]);
            u[i][j] = unew[i][j];
            v[i][j] = vnew[i][j];
            p[i][j] = pnew[i][j];
        }
}

int main(int argc, char **argv)
{
    int ncycle, i, j;
    fsdx = 4. / DX;
    fsdy = 4. / DY;
    initial_fields(u, v, p);
    for (i = 0; i < M_LEN; i++)
        for (j = 0; j < N_LEN; j++) {
            uold[i][j] = u[i][j];
            vold[i][j] = v[i][j];
            pold[i][j] = p[i][j];
        }
    tdt = DT;
    #pragma acc data copy(u, v, p) copyin(uold, vold, pold) \
        create(unew, vnew, pnew, cu, cv, z, h)
    {
        for (ncycle = 1; ncycle <= ITMAX; ncycle++) {
            calc1();
            calc2();
            calc3(ncycle == 1);
            if (ncycle == 1)
                tdt = tdt + tdt;
            if (ncycle % 20 == 0) {
                double pcheck = 0.0, ucheck = 0.0, vcheck = 0.0;
                #pragma acc parallel loop collapse(2) reduction(+:pcheck, ucheck, vcheck) \
                    present(u, v, p)
                for (i = 0; i < M; i++)
                    for (j = 0; j < N; j++) {
                        pcheck += fabs(p[i][j]);
                        ucheck += fabs(u[i][j]);
                        vcheck += fabs(v[i][j]);
                    }
                printf("cycle %d pcheck %.6e ucheck %.6e vcheck %.6e\n", ncycle, pcheck, ucheck,
                       vcheck);
            }
        }
    }
    int bad = check_swim(&u[0][0], &v[0][0], &p[0][0]);
    if (bad == 0)
        printf("VERIFIED\n");
    return bad != 0;
}
