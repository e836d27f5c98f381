#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void lookup_scale(int n, int m, const int *idx, const double *table, const double *x,
                  double *y);

int main(void)
{
    int n = 500000, m = 1000;
    int *idx = malloc(n * sizeof *idx);
    double *table = malloc(m * sizeof *table), *x = malloc(n * sizeof *x);
    double *y = malloc(n * sizeof *y), *r = malloc(n * sizeof *r);
    for (int k = 0; k < m; k++)
        table[k] = sqrt((double)k);
    for (int i = 0; i < n; i++) {
        idx[i] = (int)((i * 7919L) % m);
        x[i] = (i % 101) * 0.01;
        y[i] = -3.0;
    }
    lookup_scale(n, m, idx, table, x, y);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double v = 3.0 * x[i] - 1.0 + table[idx[i]];
        bad += fabs(y[i] - v * v) > 1e-12 * (1.0 + v * v);
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
