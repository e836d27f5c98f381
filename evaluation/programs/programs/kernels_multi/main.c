#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void normalise(int n, int m, double *restrict a, double *restrict rowsum, double scale);

int main(void)
{
    int n = 800, m = 900;
    double *a = malloc(n * m * sizeof *a), *r = malloc(n * m * sizeof *r);
    double *rs = malloc(n * sizeof *rs);
    for (int i = 0; i < n * m; i++)
        a[i] = r[i] = (i % 23) * 0.5;
    normalise(n, m, a, rs, 0.75);
    int bad = 0;
    for (int i = 0; i < n * m; i++) r[i] *= 0.75;
    for (int i = 0; i < n; i++) r[i * m] = 0.5 * (r[i * m] + r[i * m + 1]);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++) s += r[i * m + j];
        bad += fabs(s - rs[i]) > 1e-9 * fabs(s);
    }
    for (int i = 0; i < n * m; i++)
        bad += fabs(a[i] - r[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
