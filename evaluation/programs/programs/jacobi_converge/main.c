#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int laplace_solve(int n, int m, int max_iter, double tol, double *restrict a,
                  double *restrict anew, double *change);

/* serial reference: the same iteration, written separately */
static int reference(int n, int m, int max_iter, double tol, double *r, double *s, double *change)
{
    double err = tol + 1.0;
    int it = 0;
    for (; err > tol && it < max_iter; it++) {
        err = 0.0;
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++) {
                s[i * m + j] = 0.25 * (r[(i - 1) * m + j] + r[(i + 1) * m + j]
                                       + r[i * m + j - 1] + r[i * m + j + 1]);
                double d = fabs(s[i * m + j] - r[i * m + j]);
                if (d > err) err = d;
            }
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                r[i * m + j] = s[i * m + j];
    }
    *change = err;
    return it;
}

int main(void)
{
    int n = 120, m = 140, max_iter = 2000;
    double tol = 5e-2;
    double *a = malloc(n * m * sizeof *a), *b = malloc(n * m * sizeof *b);
    double *r = malloc(n * m * sizeof *r), *s = malloc(n * m * sizeof *s);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double v = i == 0 ? 100.0 : (j == m - 1 ? 50.0 * i / n : 0.0);
            a[i * m + j] = r[i * m + j] = v;
        }
    double ch, rch;
    int it = laplace_solve(n, m, max_iter, tol, a, b, &ch);
    int rit = reference(n, m, max_iter, tol, r, s, &rch);
    int bad = it != rit || ch != rch;
    for (int i = 0; i < n * m; i++)
        bad += fabs(a[i] - r[i]) > 1e-12;
    printf("iterations %d change %.3e\n", it, ch);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
