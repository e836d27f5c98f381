#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double gemver(int n, double alpha, double beta, double *restrict A, const double *restrict u1,
              const double *restrict v1, const double *restrict u2, const double *restrict v2,
              double *restrict x, const double *restrict y, const double *restrict z,
              double *restrict w, const double *restrict r, const double *restrict p,
              double *restrict s, double *restrict q);

static double *vec(int n, int seed)
{
    double *v = malloc(n * sizeof *v);
    for (int i = 0; i < n; i++) v[i] = ((i * seed + 7) % 23) / 23.0 - 0.3;
    return v;
}

static int mismatches(const double *a, const double *b, int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++) bad += fabs(a[i] - b[i]) > 1e-9 * (1.0 + fabs(b[i]));
    return bad;
}

int main(void)
{
    int n = 400;
    double alpha = 1.25, beta = 0.75;
    double *A = malloc(n * n * sizeof *A), *rA = malloc(n * n * sizeof *rA);
    for (int i = 0; i < n * n; i++) A[i] = rA[i] = ((i % 31) - 15) / 31.0;
    double *u1 = vec(n, 3), *v1 = vec(n, 5), *u2 = vec(n, 7), *v2 = vec(n, 9), *y = vec(n, 11);
    double *z = vec(n, 13), *r = vec(n, 17), *p = vec(n, 19);
    double *x = vec(n, 2), *rx = vec(n, 2);
    double *w = vec(n, 1), *s = vec(n, 1), *q = vec(n, 1);
    double *rw = vec(n, 1), *rs = vec(n, 1), *rq = vec(n, 1);
    double xmax = gemver(n, alpha, beta, A, u1, v1, u2, v2, x, y, z, w, r, p, s, q);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) rA[i * n + j] += u1[i] * v1[j] + u2[i] * v2[j];
    double rmax = 0.0;
    for (int i = 0; i < n; i++) {
        double acc = 0.0;
        for (int j = 0; j < n; j++) acc += rA[j * n + i] * y[j];
        rx[i] += beta * acc + z[i];
        if (fabs(rx[i]) > rmax) rmax = fabs(rx[i]);
    }
    for (int i = 0; i < n; i++) {
        double aw = 0.0, aq = 0.0, as = 0.0;
        for (int j = 0; j < n; j++) {
            aw += rA[i * n + j] * rx[j];
            aq += rA[i * n + j] * p[j];
            as += r[j] * rA[j * n + i];
        }
        rw[i] = alpha / rmax * aw;
        rq[i] = aq;
        rs[i] = as;
    }
    int bad = fabs(xmax - rmax) > 1e-9 * rmax;
    bad += mismatches(A, rA, n * n) + mismatches(x, rx, n) + mismatches(w, rw, n);
    bad += mismatches(s, rs, n) + mismatches(q, rq, n);
    printf("xmax %.6f w0 %.6f\n", xmax, w[0]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
