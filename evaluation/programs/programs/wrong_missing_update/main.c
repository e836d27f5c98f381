#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void two_passes(int n, double *x, double *c);

int main(void)
{
    int n = 1000000;
    double *x = malloc(n * sizeof *x), *c = malloc(n * sizeof *c), *r = malloc(n * sizeof *r);
    for (int i = 0; i < n; i++) { x[i] = r[i] = i % 5; c[i] = 0.5 + (i % 3); }
    for (int i = 0; i < n; i++) r[i] = r[i] * c[i] + (2.0 * c[i] + 1.0);
    two_passes(n, x, c);
    int bad = 0;
    for (int i = 0; i < n; i++) bad += fabs(x[i] - r[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
