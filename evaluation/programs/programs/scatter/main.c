#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void scatter(int n, const int *perm, const double *x, double *y);

int main(void)
{
    int n = 1 << 20;
    int *perm = malloc(n * sizeof *perm);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *r = malloc(n * sizeof *r);
    for (int i = 0; i < n; i++) {
        perm[i] = (int)(((long)i * 40503) % n); /* 40503 is odd: a bijection mod 2^20 */
        x[i] = i % 9;
        y[i] = r[i] = 1.0;
    }
    scatter(n, perm, x, y);
    for (int i = 0; i < n; i++)
        r[perm[i]] = 2.0 * x[i] + r[perm[i]];
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += fabs(y[i] - r[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
