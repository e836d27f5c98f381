#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void gs_sweeps(int n, int sweeps, double *u);

int main(void)
{
    int n = 300, sweeps = 20;
    double *u = malloc(n * n * sizeof *u), *r = malloc(n * n * sizeof *r);
    for (int i = 0; i < n * n; i++) u[i] = r[i] = (i % n == 0 || i / n == 0) ? 1.0 : (i % 13) * 0.1;
    gs_sweeps(n, sweeps, u);
    for (int s = 0; s < sweeps; s++)
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                r[i * n + j] = 0.25 * (r[(i - 1) * n + j] + r[(i + 1) * n + j] + r[i * n + j - 1] + r[i * n + j + 1]);
    int bad = 0;
    for (int i = 0; i < n * n; i++) bad += fabs(u[i] - r[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
