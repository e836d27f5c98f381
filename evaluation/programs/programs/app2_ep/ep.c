/* Embarrassingly parallel kernel (NPB EP kind): NN batches of NK pairs of uniform deviates,
 * each batch seeded by a skip-ahead of the generator (a^(2 NK k) by repeated squaring), pairs
 * inside the unit disc turned into Gaussian deviates (Marsaglia polar / Box-Muller), their
 * sums and the counts per square annulus.  One gang per batch; the annulus counts are kept in
 * a private table per batch and added to the global one with atomics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "randdp.h"

#define M 17
#define MK 9
#define MM (M - MK)
#define NN (1 << MM)
#define NK (1 << MK)
#define NQ 10
#define EPSILON 1.0e-8
#define A 1220703125.0
#define S 271828183.0

static double x[2 * NK];
static double q[NQ];

int check_ep(double sx, double sy, const double *q, int nq, int m);

int main(void)
{
    double Mops, t1, t2, t3, t4, x1, x2;
    double sx, sy, tm, an, gc;
    double dum[3] = {1.0, 1.0, 1.0};
    int np, i, ik, kk, l, k, nit;
    int k_offset, j;

    /* warm up the generator (as NPB does) */
    vranlc(0, &dum[0], dum[1], &dum[2]);
    dum[0] = randlc(&dum[1], dum[2]);
    for (i = 0; i < 2 * NK; i++)
        x[i] = -1.0e99;

    t1 = A;
    vranlc(0, &t1, A, x);
    /* an = a^(2 NK) mod 2^46 */
    t1 = A;
    for (i = 0; i < MK + 1; i++)
        t2 = randlc(&t1, t1);
    an = t1;
    gc = 0.0;
    sx = 0.0;
    sy = 0.0;
    for (i = 0; i < NQ; i++)
        q[i] = 0.0;

    np = NN;
    k_offset = -1;

    #pragma acc data copy(q[0:NQ])
    {
        #pragma acc parallel loop gang reduction(+:sx, sy) \
            private(t1, t2, t3, t4, x1, x2, kk, ik, l, i, j)
        for (k = 1; k <= np; k++) {
            double qq[NQ];
            double xk[2 * NK];
            for (i = 0; i < NQ; i++)
                qq[i] = 0.0;
            kk = k_offset + k;
            t1 = S;
            t2 = an;
            /* find the starting seed t1 of this batch: t1 = S * an^kk */
            for (i = 1; i <= 100; i++) {
                ik = kk / 2;
                if (2 * ik != kk)
                    t3 = randlc(&t1, t2);
                if (ik == 0)
                    break;
                t3 = randlc(&t2, t2);
                kk = ik;
            }
            /* 2 NK uniform deviates of this batch */
            for (i = 0; i < 2 * NK; i++)
                xk[i] = randlc(&t1, A);
            double bx = 0.0, by = 0.0;
            for (i = 0; i < NK; i++) {
                x1 = 2.0 * xk[2 * i] - 1.0;
                x2 = 2.0 * xk[2 * i + 1] - 1.0;
                t1 = x1 * x1 + x2 * x2;
                if (t1 <= 1.0) {
                    t2 = sqrt(-2.0 * log(t1) / t1);
                    t3 = (x1 * t2);
                    t4 = (x2 * t2);
                    l = (int)fmax(fabs(t3), fabs(t4));
                    qq[l] += 1.0;
                    bx += t3;
                    by += t4;
                }
            }
            sx += bx;
            sy += by;
            for (j = 0; j < NQ; j++) {
                #pragma acc atomic update
                q[j] += qq[j];
            }
        }
    }

    for (i = 0; i < NQ; i++)
        gc = gc + q[i];
    nit = 0;
    tm = 1.0;
    Mops = pow(2.0, M + 1) / tm / 1000000.0;
    printf(" EP Benchmark Results:\n");
    printf(" N = 2^%5d\n", M);
    printf(" No. Gaussian Pairs = %15.0f\n", gc);
    printf(" Sums = %25.15e %25.15e\n", sx, sy);
    printf(" Counts:\n");
    for (i = 0; i < NQ; i++)
        printf("%3d%15.0f\n", i, q[i]);
    (void)Mops;
    (void)nit;
    (void)x;
    int bad = check_ep(sx, sy, q, NQ, M);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
