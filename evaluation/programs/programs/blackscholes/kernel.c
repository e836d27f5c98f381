/* Option pricing with math library calls per element. */
#include <math.h>

#pragma acc routine seq
static double cnd(double d)
{
    return 0.5 * erfc(-d / sqrt(2.0));
}

void price(int n, const double *S, const double *K, const double *T, double r, double v,
           double *call, double *put)
{
    #pragma acc parallel loop copyin(S[0:n], K[0:n], T[0:n]) copyout(call[0:n], put[0:n])
    for (int i = 0; i < n; i++) {
        double sq = v * sqrt(T[i]);
        double d1 = (log(S[i] / K[i]) + (r + 0.5 * v * v) * T[i]) / sq;
        double d2 = d1 - sq;
        double e = K[i] * exp(-r * T[i]);
        call[i] = S[i] * cnd(d1) - e * cnd(d2);
        put[i] = e * cnd(-d2) - S[i] * cnd(-d1);
    }
}
