#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int lu_factor_solve(int n, double *restrict a, int *restrict perm, double *restrict b);

int main(void)
{
    int n = 160;
    double *a = malloc(n * n * sizeof *a), *a0 = malloc(n * n * sizeof *a0);
    double *r = malloc(n * n * sizeof *r), *b = malloc(n * sizeof *b), *b0 = malloc(n * sizeof *b0);
    int *perm = malloc(n * sizeof *perm), *rperm = malloc(n * sizeof *rperm);
    unsigned s = 777u;
    for (int i = 0; i < n * n; i++) {
        s = s * 1664525u + 1013904223u;
        a[i] = a0[i] = r[i] = ((s >> 9) % 20001) / 10000.0 - 1.0;
    }
    for (int i = 0; i < n; i++) b[i] = b0[i] = 1.0 + (i % 7) * 0.5;
    int swaps = lu_factor_solve(n, a, perm, b);
    /* serial reference factorisation, same operation order */
    int rswaps = 0;
    for (int k = 0; k < n - 1; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(r[i * n + k]) > fabs(r[p * n + k])) p = i;
        rperm[k] = p;
        if (p != k) {
            rswaps++;
            for (int j = 0; j < n; j++) {
                double t = r[k * n + j]; r[k * n + j] = r[p * n + j]; r[p * n + j] = t;
            }
        }
        for (int i = k + 1; i < n; i++) r[i * n + k] /= r[k * n + k];
        for (int i = k + 1; i < n; i++)
            for (int j = k + 1; j < n; j++) r[i * n + j] -= r[i * n + k] * r[k * n + j];
    }
    rperm[n - 1] = n - 1;
    int bad = swaps != rswaps;
    for (int k = 0; k < n; k++) bad += perm[k] != rperm[k];
    for (int i = 0; i < n * n; i++) bad += fabs(a[i] - r[i]) > 1e-9 * (1.0 + fabs(r[i]));
    /* residual of the solution against the original matrix */
    double res = 0.0, bn = 0.0;
    for (int i = 0; i < n; i++) {
        double s2 = 0.0;
        for (int j = 0; j < n; j++) s2 += a0[i * n + j] * b[j];
        res = fmax(res, fabs(s2 - b0[i]));
        bn = fmax(bn, fabs(b0[i]));
    }
    bad += res > 1e-8 * bn;
    printf("n %d swaps %d (reference %d) residual %.3e\n", n, swaps, rswaps, res);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
