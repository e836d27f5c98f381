#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void lower_matvec(int n, const double *L, const double *x, double *y);
void upper_scale(int n, double *U, const double *d);

int main(void)
{
    int n = 1000;
    double *L = malloc(n * n * sizeof *L), *U = malloc(n * n * sizeof *U), *R = malloc(n * n * sizeof *R);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *d = malloc(n * sizeof *d);
    for (int i = 0; i < n * n; i++)
        L[i] = U[i] = R[i] = (i % 13) * 0.25 - 1.0;
    for (int i = 0; i < n; i++) {
        x[i] = (i % 7) - 3.0;
        d[i] = 1.0 + (i % 5) * 0.1;
    }
    lower_matvec(n, L, x, y);
    upper_scale(n, U, d);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j <= i; j++)
            s += L[i * n + j] * x[j];
        bad += fabs(s - y[i]) > 1e-9 * fabs(s) + 1e-9;
        for (int j = i + 1; j < n; j++)
            R[i * n + j] *= d[i] - d[j];
    }
    for (int i = 0; i < n * n; i++)
        bad += fabs(R[i] - U[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
