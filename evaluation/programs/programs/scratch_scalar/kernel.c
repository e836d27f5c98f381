/* Scalars declared at the top of the function and used as per-iteration temporaries:
 * they must be private (C89 style). */
#include <math.h>

void polar(int n, const double *re, const double *im, double *mag, double *ang)
{
    int i;
    double r2, r, t;
    #pragma acc parallel loop private(r2, r, t) copyin(re[0:n], im[0:n]) \
        copyout(mag[0:n], ang[0:n])
    for (i = 0; i < n; i++) {
        r2 = re[i] * re[i] + im[i] * im[i];
        r = sqrt(r2);
        t = atan2(im[i], re[i]);
        mag[i] = r;
        ang[i] = t + r2 * 0.0;
    }
}
