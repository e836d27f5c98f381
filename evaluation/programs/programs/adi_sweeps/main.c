#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void adi(int n, int steps, double r, double *restrict u, double *restrict v,
         double *restrict cp, double *restrict dp);

/* serial reference: solve each tridiagonal system with a 1-D Thomas routine */
static void thomas(int n, double a, double b, double c, const double *d, double *x, double *cw,
                   double *dw)
{
    cw[0] = c / b;
    dw[0] = d[0] / b;
    for (int k = 1; k < n; k++) {
        double m = b - a * cw[k - 1];
        cw[k] = c / m;
        dw[k] = (d[k] - a * dw[k - 1]) / m;
    }
    x[n - 1] = dw[n - 1];
    for (int k = n - 2; k >= 0; k--) x[k] = dw[k] - cw[k] * x[k + 1];
}

int main(void)
{
    int n = 200, steps = 12;
    double r = 0.8;
    double *u = malloc(n * n * sizeof *u), *v = malloc(n * n * sizeof *v);
    double *cp = malloc(n * n * sizeof *cp), *dp = malloc(n * n * sizeof *dp);
    double *ru = malloc(n * n * sizeof *ru), *rv = malloc(n * n * sizeof *rv);
    double *d = malloc(n * sizeof *d), *x = malloc(n * sizeof *x);
    double *cw = malloc(n * sizeof *cw), *dw = malloc(n * sizeof *dw);
    for (int i = 0; i < n * n; i++)
        u[i] = ru[i] = ((i / n - n / 2) * (i / n - n / 2) + (i % n - n / 3) * (i % n - n / 3)) < 400
                       ? 10.0 : (i % 7) * 0.1;
    adi(n, steps, r, u, v, cp, dp);
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) thomas(n, -r, 1 + 2 * r, -r, ru + i * n, rv + i * n, cw, dw);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) d[i] = rv[i * n + j];
            thomas(n, -r, 1 + 2 * r, -r, d, x, cw, dw);
            for (int i = 0; i < n; i++) ru[i * n + j] = x[i];
        }
    }
    int bad = 0;
    for (int i = 0; i < n * n; i++) bad += fabs(u[i] - ru[i]) > 1e-10;
    printf("u[centre] = %.6f\n", u[(n / 2) * n + n / 3]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
