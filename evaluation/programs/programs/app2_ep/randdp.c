/* NPB's linear congruential generator x_{k+1} = a x_k mod 2^46 in double precision
 * arithmetic (splitting the operands in 23-bit halves); returns x_{k+1} / 2^46. */
#include "randdp.h"

#define r23 (0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5)
#define r46 (r23 * r23)
#define t23 (2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0 * 2.0)
#define t46 (t23 * t23)

#pragma acc routine seq
double randlc(double *x, double a)
{
    double t1, t2, t3, t4, a1, a2, x1, x2, z;
    int j;
    t1 = r23 * a;
    j = (int)t1;
    a1 = j;
    a2 = a - t23 * a1;
    t1 = r23 * (*x);
    j = (int)t1;
    x1 = j;
    x2 = *x - t23 * x1;
    t1 = a1 * x2 + a2 * x1;
    j = (int)(r23 * t1);
    t2 = j;
    z = t1 - t23 * t2;
    t3 = t23 * z + a2 * x2;
    j = (int)(r46 * t3);
    t4 = j;
    *x = t3 - t46 * t4;
    return r46 * (*x);
}

void vranlc(int n, double *x, double a, double y[])
{
    for (int i = 0; i < n; i++)
        y[i] = randlc(x, a);
}
