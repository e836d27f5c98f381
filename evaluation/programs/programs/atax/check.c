/* Independent reference for atax.c in double precision: tmp = A x, then y = A^T tmp
 * accumulated row by row (the original order), compared with a float tolerance. */
#include <math.h>
#include <stdlib.h>

int check_atax(int m, int n, const float *y)
{
    double *x = malloc(sizeof(double) * n), *r = calloc(n, sizeof(double));
    for (int j = 0; j < n; j++) x[j] = (float)(1.0f + (float)j / n);
    for (int i = 0; i < m; i++) {
        double t = 0.0;
        for (int j = 0; j < n; j++) t += (double)(float)((float)((i + j) % n) / (5.0f * m)) * x[j];
        for (int j = 0; j < n; j++) r[j] += (double)(float)((float)((i + j) % n) / (5.0f * m)) * t;
    }
    int bad = 0;
    for (int j = 0; j < n; j++) bad += fabs(y[j] - r[j]) > 2e-4 * fabs(r[j]) + 1e-5;
    free(x), free(r);
    return bad;
}
