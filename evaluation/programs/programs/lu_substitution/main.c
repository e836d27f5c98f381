#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void lu_substitution(int n, const double *LU, const double *b, double *x, double *y);

int main(void)
{
    int n = 600;
    double *LU = malloc(n * n * sizeof *LU), *b = malloc(n * sizeof *b);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            LU[i * n + j] = (i == j) ? 2.0 + (i % 5) * 0.25 : (((i + 3 * j) % 23) - 11) / (23.0 * n);
        b[i] = ((i * 11) % 17) / 17.0 - 0.3;
        x[i] = y[i] = 0.0;
    }
    lu_substitution(n, LU, b, x, y);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < i; j++) s += LU[i * n + j] * ry[j];
        ry[i] = b[i] - s;
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = 0.0;
        for (int j = i + 1; j < n; j++) s += LU[i * n + j] * rx[j];
        rx[i] = (ry[i] - s) / LU[i * n + i];
    }
    int bad = 0;
    for (int i = 0; i < n; i++) bad += fabs(x[i] - rx[i]) > 1e-10 * (1.0 + fabs(rx[i]));
    printf("x0 %.9f xn %.9f\n", x[0], x[n - 1]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
