#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void price(int n, const double *S, const double *K, const double *T, double r, double v,
           double *call, double *put);

int main(void)
{
    int n = 400000;
    double *S = malloc(n * sizeof *S), *K = malloc(n * sizeof *K), *T = malloc(n * sizeof *T);
    double *c = malloc(n * sizeof *c), *p = malloc(n * sizeof *p);
    for (int i = 0; i < n; i++) {
        S[i] = 50 + (i % 100); K[i] = 60 + (i % 77); T[i] = 0.25 + (i % 8) * 0.25;
    }
    price(n, S, K, T, 0.02, 0.3, c, p);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        /* put-call parity */
        double parity = c[i] - p[i] - (S[i] - K[i] * exp(-0.02 * T[i]));
        bad += fabs(parity) > 1e-8 || c[i] < 0 || p[i] < 0;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
