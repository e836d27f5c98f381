#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void redblack(int n, int sweeps, double *u, const double *f);

int main(void)
{
    int n = 301, sweeps = 30;
    double *u = malloc(n * n * sizeof *u), *f = malloc(n * n * sizeof *f);
    double *r = malloc(n * n * sizeof *r);
    for (int i = 0; i < n * n; i++) {
        u[i] = r[i] = (i % n == 0) ? 1.0 : 0.0;
        f[i] = ((i / n) % 7 - 3) * 0.5;
    }
    redblack(n, sweeps, u, f);
    double h2 = 1.0 / ((n - 1) * (n - 1));
    for (int s = 0; s < sweeps; s++)
        for (int color = 0; color < 2; color++)
            for (int i = 1; i < n - 1; i++)
                for (int j = 1 + (i + color + 1) % 2; j < n - 1; j += 2)
                    r[i * n + j] = 0.25 * (r[(i - 1) * n + j] + r[(i + 1) * n + j]
                                           + r[i * n + j - 1] + r[i * n + j + 1]
                                           - h2 * f[i * n + j]);
    int bad = 0;
    for (int i = 0; i < n * n; i++)
        bad += fabs(u[i] - r[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
