#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void gather(int n, int m, const int *idx, const int *idx2, const double *x, const double *w,
            double *y);

int main(void)
{
    int n = 1500000, m = 50000;
    int *idx = malloc(n * sizeof *idx), *idx2 = malloc(n * sizeof *idx2);
    double *x = malloc(m * sizeof *x), *w = malloc(n * sizeof *w), *y = malloc(n * sizeof *y);
    for (int j = 0; j < m; j++)
        x[j] = sin(j * 0.01);
    for (int i = 0; i < n; i++) {
        idx[i] = (int)(((long)i * 7919) % m);
        idx2[i] = (int)(((long)i * i + 3) % m);
        w[i] = (i % 4) * 0.25;
    }
    gather(n, m, idx, idx2, x, w, y);
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += fabs(y[i] - (x[idx[i]] + w[i] * x[idx2[i]])) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
