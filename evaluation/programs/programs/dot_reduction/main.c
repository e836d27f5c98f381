#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double dot(int n, const double *x, const double *y);
double norm2(int n, const double *x);

int main(void)
{
    int n = 2000000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (int i = 0; i < n; i++) {
        x[i] = 1.0 + (i % 11) * 0.25;
        y[i] = 2.0 - (i % 7) * 0.125;
    }
    double d = dot(n, x, y), q = norm2(n, x), rd = 0, rq = 0;
    for (int i = 0; i < n; i++) {
        rd += x[i] * y[i];
        rq += x[i] * x[i];
    }
    int ok = fabs(d - rd) <= 1e-9 * fabs(rd) && fabs(q - rq) <= 1e-9 * fabs(rq);
    printf("dot %.6f norm2 %.6f\n", d, q);
    printf(ok ? "VERIFIED\n" : "FAILED\n");
    return 0;
}
