/* Independent reference for jacobi1d.c: the same sweeps on private copies, written as one
 * smoothing function applied twice per step, no pragmas. */
#include <math.h>
#include <stdlib.h>

static void smooth(int n, const double *in, double *out)
{
    for (int i = 1; i < n - 1; i++) out[i] = 0.33333 * (in[i - 1] + in[i] + in[i + 1]);
}

int check_jacobi1d(int tsteps, int n, const double *a)
{
    double *u = malloc(sizeof(double) * n), *v = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        u[i] = ((double)i + 2) / n + (i % 17 == 0 ? 1.0 : 0.0);
        v[i] = ((double)i + 3) / n;
    }
    for (int t = 0; t < tsteps; t++) {
        smooth(n, u, v);
        smooth(n, v, u);
    }
    int bad = 0;
    for (int i = 0; i < n; i++) bad += fabs(a[i] - u[i]) > 1e-12 * (1 + fabs(u[i]));
    free(u), free(v);
    return bad;
}
