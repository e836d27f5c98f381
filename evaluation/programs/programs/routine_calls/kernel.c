/* Loops that call functions: a device routine evaluating a smooth kernel per element. */
#include <math.h>

#pragma acc routine seq
static double smooth(double r, double h)
{
    double q = r / h;
    if (q >= 2.0)
        return 0.0;
    if (q >= 1.0)
        return 0.25 * (2.0 - q) * (2.0 - q) * (2.0 - q);
    return 1.0 - 1.5 * q * q + 0.75 * q * q * q;
}

#pragma acc routine seq
static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void density(int n, int w, const double *pos, double h, double *rho)
{
    #pragma acc parallel loop copyin(pos[0:n]) copyout(rho[0:n])
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        int lo = i - w < 0 ? 0 : i - w, hi = i + w >= n ? n - 1 : i + w;
        for (int j = lo; j <= hi; j++)
            s += smooth(fabs(pos[i] - pos[j]), h);
        rho[i] = clamp(s, 0.0, 50.0);
    }
}
