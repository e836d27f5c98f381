#include <math.h>
#include <stdlib.h>
int check_jacobi(int tsteps, int n, const double *a)
{
    double *x = malloc(sizeof(double) * n * n), *y = malloc(sizeof(double) * n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            x[i * n + j] = ((double)i * (j + 2) + 2) / n;
            y[i * n + j] = ((double)i * (j + 3) + 3) / n;
        }
    for (int t = 0; t < tsteps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                y[i * n + j] = 0.2 * (x[i * n + j] + x[i * n + j - 1] + x[i * n + j + 1]
                                      + x[(i + 1) * n + j] + x[(i - 1) * n + j]);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                x[i * n + j] = 0.2 * (y[i * n + j] + y[i * n + j - 1] + y[i * n + j + 1]
                                      + y[(i + 1) * n + j] + y[(i - 1) * n + j]);
    }
    int bad = 0;
    for (int i = 0; i < n * n; i++) bad += fabs(a[i] - x[i]) > 1e-9 * (1.0 + fabs(x[i]));
    free(x), free(y);
    return bad;
}
