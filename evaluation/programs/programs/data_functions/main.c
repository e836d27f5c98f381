#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double iterate(int n, int iters, double *x, double *r, const double *p);

int main(void)
{
    int n = 500000, iters = 10;
    double *x = malloc(n * sizeof *x), *r = malloc(n * sizeof *r), *p = malloc(n * sizeof *p);
    double *rx = malloc(n * sizeof *rx), *rr_ = malloc(n * sizeof *rr_);
    for (int i = 0; i < n; i++) {
        x[i] = rx[i] = 0.0; r[i] = rr_[i] = 1.0 + (i % 3); p[i] = 0.001 * (i % 11);
    }
    double rr = iterate(n, iters, x, r, p), ref = 0.0;
    for (int k = 0; k < iters; k++) {
        double pp = 0.0;
        for (int i = 0; i < n; i++) pp += p[i] * p[i];
        double a = 0.5 / (1.0 + pp);
        for (int i = 0; i < n; i++) { rx[i] += a * p[i]; rr_[i] -= a * p[i]; }
        ref = 0.0;
        for (int i = 0; i < n; i++) ref += rr_[i] * rr_[i];
    }
    int bad = fabs(rr - ref) > 1e-9 * ref;
    for (int i = 0; i < n; i++) bad += fabs(x[i] - rx[i]) > 1e-12 || fabs(r[i] - rr_[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
