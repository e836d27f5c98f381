/* The initial field (a linear congruential sequence, as NPB's randlc fills it) and an
 * independent check: the spectrum by a direct 3-D sum, then each iteration's checksum points
 * evaluated directly from the damped spectrum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "ft.h"

void init_field(dcomplex u[NZ][NY][NX])
{
    unsigned long long x = 314159265ULL;
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++) {
                x = (x * 1220703125ULL) % (1ULL << 46);
                u[k][j][i].re = (double)x / (double)(1ULL << 46);
                x = (x * 1220703125ULL) % (1ULL << 46);
                u[k][j][i].im = (double)x / (double)(1ULL << 46);
            }
}

static int wrap(int k, int n)
{
    return k < n / 2 ? k : k - n;
}

int check_ft(const double sums[NITER][2])
{
    static dcomplex u[NZ][NY][NX], spec[NZ][NY][NX];
    dcomplex ex[NX], ey[NY], ez[NZ];
    double worst = 0.0, scale = 0.0;
    for (int i = 0; i < NX; i++)
        ex[i].re = cos(2.0 * PI * i / NX), ex[i].im = sin(2.0 * PI * i / NX);
    for (int j = 0; j < NY; j++)
        ey[j].re = cos(2.0 * PI * j / NY), ey[j].im = sin(2.0 * PI * j / NY);
    for (int k = 0; k < NZ; k++)
        ez[k].re = cos(2.0 * PI * k / NZ), ez[k].im = sin(2.0 * PI * k / NZ);
    init_field(u);
    /* spec[c][b][a] = sum_x u[z][y][x] exp(-2 pi i (a x / NX + b y / NY + c z / NZ)) */
    for (int c = 0; c < NZ; c++)
        for (int b = 0; b < NY; b++)
            for (int a = 0; a < NX; a++) {
                double re = 0.0, im = 0.0;
                for (int z = 0; z < NZ; z++)
                    for (int y = 0; y < NY; y++) {
                        dcomplex p = ez[(c * z) % NZ], q = ey[(b * y) % NY];
                        double pr = p.re * q.re - p.im * q.im, pi = p.re * q.im + p.im * q.re;
                        for (int x = 0; x < NX; x++) {
                            dcomplex r = ex[(a * x) % NX];
                            double wr = pr * r.re - pi * r.im, wi = -(pr * r.im + pi * r.re);
                            re += u[z][y][x].re * wr - u[z][y][x].im * wi;
                            im += u[z][y][x].re * wi + u[z][y][x].im * wr;
                        }
                    }
                spec[c][b][a].re = re;
                spec[c][b][a].im = im;
            }
    for (int it = 0; it < NITER; it++) {
        double ref[2] = {0.0, 0.0};
        for (int j = 1; j <= NCHK; j++) {
            int z = j % NZ, y = (3 * j) % NY, x = (5 * j) % NX;
            for (int c = 0; c < NZ; c++)
                for (int b = 0; b < NY; b++)
                    for (int a = 0; a < NX; a++) {
                        int kk = wrap(c, NZ), jj = wrap(b, NY), ii = wrap(a, NX);
                        double t = pow(exp(-4.0 * ALPHA * PI * PI * (ii * ii + jj * jj + kk * kk)),
                                       it + 1);
                        dcomplex p = ez[(c * z) % NZ], q = ey[(b * y) % NY], r = ex[(a * x) % NX];
                        double pr = p.re * q.re - p.im * q.im, pi = p.re * q.im + p.im * q.re;
                        double wr = pr * r.re - pi * r.im, wi = pr * r.im + pi * r.re;
                        ref[0] += t * (spec[c][b][a].re * wr - spec[c][b][a].im * wi);
                        ref[1] += t * (spec[c][b][a].re * wi + spec[c][b][a].im * wr);
                    }
        }
        for (int m = 0; m < 2; m++) {
            ref[m] /= (NX * NY * NZ);
            if (fabs(ref[m]) > scale)
                scale = fabs(ref[m]);
            if (!(fabs(ref[m] - sums[it][m]) <= worst)) /* NaN counts */
                worst = fabs(ref[m] - sums[it][m]);
        }
    }
    printf("max checksum difference %.3e (scale %.3e)\n", worst, scale);
    return worst <= 1e-9 * scale;
}
