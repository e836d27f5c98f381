#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jacobi(int n, int steps, double *restrict a, double *restrict b);

int main(void)
{
    int n = 300, steps = 40;
    double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
    double *r = malloc(n * n * sizeof *r), *s = malloc(n * n * sizeof *s);
    for (int i = 0; i < n * n; i++)
        a[i] = r[i] = ((i / n) == 0 || (i % n) == 0) ? 100.0 : (i % 17) * 0.5;
    jacobi(n, steps, a, b);
    memcpy(s, r, n * n * sizeof *s);
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                s[i * n + j] = 0.25 * (r[(i - 1) * n + j] + r[(i + 1) * n + j]
                                       + r[i * n + j - 1] + r[i * n + j + 1]);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                r[i * n + j] = s[i * n + j];
    }
    int bad = 0;
    for (int i = 0; i < n * n; i++)
        bad += fabs(a[i] - r[i]) > 1e-9;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
