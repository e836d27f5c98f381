#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define K 16

void moving_features(int n, const double *x, double *feat);

int main(void)
{
    int n = 300000;
    double *x = malloc((n + K) * sizeof *x), *f = malloc(n * sizeof *f);
    for (int i = 0; i < n + K; i++) x[i] = sin(i * 0.01);
    moving_features(n, x, f);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < K; k++) s += x[i + k] * x[i + k] * (k + 1);
        bad += fabs(s - f[i]) > 1e-9;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
