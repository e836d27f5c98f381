/* Spectral time evolution in the NPB FT shape: a complex type (struct of re, im), the field
 * u0 and its transform u1 as file-scope static 3-D arrays of it, a malloc'd real twiddle
 * table of exponentials exp(-4 alpha pi^2 |k|^2 t); per iteration evolve multiplies the
 * spectrum by the twiddle, then an inverse 3-D transform as 1-D DFTs along x, y and z (each
 * line gathered into a private scratch line, transformed by a root-of-unity table, scattered
 * back; parallel over the other two dimensions), then a checksum over a strided subset
 * (re and im as two scalar reductions) printed on the host.  The iteration loop in main
 * runs in one data region. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "ft.h"

static dcomplex u0[NZ][NY][NX], u1[NZ][NY][NX];
static dcomplex wx[NX], wy[NY], wz[NZ];

static void roots(dcomplex *w, int n, double sign)
{
    for (int k = 0; k < n; k++) {
        w[k].re = cos(2.0 * PI * k / n);
        w[k].im = sign * sin(2.0 * PI * k / n);
    }
}

static void compute_twiddle(double *twiddle)
{
    for (int k = 0; k < NZ; k++) {
        int kk = k < NZ / 2 ? k : k - NZ;
        for (int j = 0; j < NY; j++) {
            int jj = j < NY / 2 ? j : j - NY;
            for (int i = 0; i < NX; i++) {
                int ii = i < NX / 2 ? i : i - NX;
                twiddle[(k * NY + j) * NX + i] =
                    exp(-4.0 * ALPHA * PI * PI * (ii * ii + jj * jj + kk * kk));
            }
        }
    }
}

/* the spectrum damped once more, and the copy the inverse transform works on */
static void evolve(const double *twiddle)
{
    int i, j, k;
    #pragma acc parallel loop collapse(3) present(u0, u1, twiddle[0:NZ*NY*NX])
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++) {
                double t = twiddle[(k * NY + j) * NX + i];
                u0[k][j][i].re *= t;
                u0[k][j][i].im *= t;
                u1[k][j][i] = u0[k][j][i];
            }
}

static void dft_x(dcomplex u[NZ][NY][NX])
{
    int j, k;
    dcomplex line[NX];
    #pragma acc parallel loop collapse(2) present(u[0:NZ], wx) private(line)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++) {
            for (int i = 0; i < NX; i++)
                line[i] = u[k][j][i];
            for (int i = 0; i < NX; i++) {
                double re = 0.0, im = 0.0;
                for (int l = 0; l < NX; l++) {
                    dcomplex w = wx[(i * l) % NX];
                    re += line[l].re * w.re - line[l].im * w.im;
                    im += line[l].re * w.im + line[l].im * w.re;
                }
                u[k][j][i].re = re;
                u[k][j][i].im = im;
            }
        }
}

static void dft_y(dcomplex u[NZ][NY][NX])
{
    int i, k;
    #pragma acc parallel loop collapse(2) present(u[0:NZ], wy)
    for (k = 0; k < NZ; k++)
        for (i = 0; i < NX; i++) {
            dcomplex line[NY];
            for (int j = 0; j < NY; j++)
                line[j] = u[k][j][i];
            for (int j = 0; j < NY; j++) {
                double re = 0.0, im = 0.0;
                for (int l = 0; l < NY; l++) {
                    dcomplex w = wy[(j * l) % NY];
                    re += line[l].re * w.re - line[l].im * w.im;
                    im += line[l].re * w.im + line[l].im * w.re;
                }
                u[k][j][i].re = re;
                u[k][j][i].im = im;
            }
        }
}

static void dft_z(dcomplex u[NZ][NY][NX])
{
    int i, j;
    dcomplex line[NZ];
    #pragma acc parallel loop collapse(2) present(u[0:NZ], wz) private(line)
    for (j = 0; j < NY; j++)
        for (i = 0; i < NX; i++) {
            for (int k = 0; k < NZ; k++) {
                line[k].re = u[k][j][i].re;
                line[k].im = u[k][j][i].im;
            }
            for (int k = 0; k < NZ; k++) {
                double re = 0.0, im = 0.0;
                for (int l = 0; l < NZ; l++) {
                    dcomplex w = wz[(k * l) % NZ];
                    re += line[l].re * w.re - line[l].im * w.im;
                    im += line[l].re * w.im + line[l].im * w.re;
                }
                u[k][j][i].re = re;
                u[k][j][i].im = im;
            }
        }
}

static void checksum(int it, double sums[NITER][2])
{
    double cre = 0.0, cim = 0.0;
    #pragma acc parallel loop reduction(+:cre, cim) present(u1)
    for (int j = 1; j <= NCHK; j++) {
        int q = j % NZ, r = (3 * j) % NY, s = (5 * j) % NX;
        cre += u1[q][r][s].re;
        cim += u1[q][r][s].im;
    }
    sums[it][0] = cre / (NX * NY * NZ);
    sums[it][1] = cim / (NX * NY * NZ);
}

int main(void)
{
    static double sums[NITER][2];
    double *twiddle = malloc(sizeof(double) * NZ * NY * NX);
    if (!twiddle)
        return 1;
    init_field(u0);
    compute_twiddle(twiddle);
    #pragma acc data copyin(u0, twiddle[0:NZ*NY*NX]) create(u1, wx, wy, wz)
    {
        roots(wx, NX, -1.0);
        roots(wy, NY, -1.0);
        roots(wz, NZ, -1.0);
        #pragma acc update device(wx, wy, wz)
        /* the forward transform of the initial field */
        dft_x(u0);
        dft_y(u0);
        dft_z(u0);
        roots(wx, NX, 1.0);
        roots(wy, NY, 1.0);
        roots(wz, NZ, 1.0);
        #pragma acc update device(wx, wy, wz)
        for (int it = 0; it < NITER; it++) {
            evolve(twiddle);
            dft_x(u1);
            dft_y(u1);
            dft_z(u1);
            checksum(it, sums);
            printf("T = %d  checksum %.10e %.10e\n", it + 1, sums[it][0], sums[it][1]);
        }
        #pragma acc update self(u1[0:1])
        printf("u1(0,0,0) = %.10e %+.10ei\n", u1[0][0][0].re, u1[0][0][0].im);
    }
    free(twiddle);
    int ok = check_ft((const double (*)[2])sums);
    printf(ok ? "VERIFIED\n" : "FAILED\n");
    return ok ? 0 : 1;
}
