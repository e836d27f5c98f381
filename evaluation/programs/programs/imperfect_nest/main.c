#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void row_standardise(int n, int m, double *a);

int main(void)
{
    int n = 1000, m = 700;
    double *a = malloc(n * m * sizeof *a), *r = malloc(n * m * sizeof *r);
    for (int i = 0; i < n * m; i++)
        a[i] = r[i] = sin(i * 0.013) * (1 + (i / m) % 4) + (i / m) % 3;
    row_standardise(n, m, a);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double mean = 0, var = 0;
        for (int j = 0; j < m; j++) mean += r[i * m + j];
        mean /= m;
        for (int j = 0; j < m; j++) var += (r[i * m + j] - mean) * (r[i * m + j] - mean);
        double inv = 1.0 / sqrt(var / m + 1e-12);
        for (int j = 0; j < m; j++)
            bad += fabs((r[i * m + j] - mean) * inv - a[i * m + j]) > 1e-9;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
