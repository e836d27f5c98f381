#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double pipeline(int n, int steps, double *u, double *v, double *r);

int main(void)
{
    int n = 300000, steps = 25;
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *r = malloc(n * sizeof *r);
    double *ru = malloc(n * sizeof *ru), *rv = malloc(n * sizeof *rv), *rr = malloc(n * sizeof *rr);
    for (int i = 0; i < n; i++) {
        u[i] = ru[i] = sin(i * 0.001) + (i % 7) * 0.1;
        v[i] = rv[i] = r[i] = rr[i] = -1.0;
    }
    double norm = pipeline(n, steps, u, v, r), rnorm = 0.0;
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            rv[i] = (ru[i - 1] + 2.0 * ru[i] + ru[i + 1]) * 0.25;
        for (int i = 1; i < n - 1; i++)
            ru[i] = rv[i] + 0.001 * t;
        ru[0] = ru[1];
        ru[n - 1] = 0.5 * ru[n - 2];
    }
    for (int i = 0; i < n; i++) {
        rr[i] = ru[i] * ru[i];
        rnorm += rr[i];
    }
    rnorm = sqrt(rnorm);
    int bad = fabs(norm - rnorm) > 1e-9 * rnorm;
    for (int i = 0; i < n; i++)
        bad += fabs(u[i] - ru[i]) > 1e-12 || fabs(r[i] - rr[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
