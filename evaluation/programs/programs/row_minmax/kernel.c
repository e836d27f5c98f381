#include <math.h>
/* Per-row minimum and maximum (array-element results of vector reductions) and the global
 * range of a matrix. */
#define NC 800

void row_range(int n, double a[][NC], double *rmin, double *rmax, double *span)
{
    double lo = 1e300, hi = -1e300;
    #pragma acc parallel loop gang copyin(a[0:n][0:NC]) copyout(rmin[0:n], rmax[0:n]) \
        reduction(min:lo) reduction(max:hi)
    for (int i = 0; i < n; i++) {
        double mn = 1e300, mx = -1e300;
        #pragma acc loop vector reduction(min:mn) reduction(max:mx)
        for (int j = 0; j < NC; j++) {
            mn = fmin(mn, a[i][j]);
            mx = fmax(mx, a[i][j]);
        }
        rmin[i] = mn;
        rmax[i] = mx;
        lo = fmin(lo, mn);
        hi = fmax(hi, mx);
    }
    *span = hi - lo;
}
