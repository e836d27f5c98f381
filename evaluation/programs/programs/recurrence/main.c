#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void recurrences(int m, int len, const double *a, const double *b, double *x);

int main(void)
{
    int m = 2000, len = 500;
    double *a = malloc((size_t)m * len * sizeof *a), *b = malloc((size_t)m * len * sizeof *b);
    double *x = malloc((size_t)m * len * sizeof *x), *r = malloc((size_t)m * len * sizeof *r);
    for (int i = 0; i < m * len; i++) {
        a[i] = 0.5 + (i % 7) * 0.05;
        b[i] = (i % 5) - 2.0;
        x[i] = r[i] = (i % len == 0) ? (i / len) % 3 : 0.0;
    }
    recurrences(m, len, a, b, x);
    int bad = 0;
    for (int s = 0; s < m; s++)
        for (int t = 1; t < len; t++)
            r[s * len + t] = a[s * len + t] * r[s * len + t - 1] + b[s * len + t];
    for (int i = 0; i < m * len; i++)
        bad += fabs(x[i] - r[i]) > 1e-9 * fabs(r[i]) + 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
