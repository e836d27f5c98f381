#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define K 12

void basis_eval(int n, const double *x, const double *coef, double *y);

int main(void)
{
    int n = 400000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), coef[K];
    for (int k = 0; k < K; k++)
        coef[k] = 1.0 / (k + 1);
    for (int i = 0; i < n; i++)
        x[i] = (i % 1000) / 1000.0 - 0.5 + (i % 3) * 0.1;
    basis_eval(n, x, coef, y);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double w = 1.0, s = 0.0;
        for (int k = 0; k < K; k++) {
            s += coef[k] * w;
            w *= x[i];
        }
        bad += fabs(s - y[i]) > 1e-12 * fabs(s) + 1e-12;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
