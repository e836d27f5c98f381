#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int cg(int n, int nnz, const int *restrict rowptr, const int *restrict col,
       const double *restrict val, const double *restrict b, double *restrict x,
       double *restrict r, double *restrict p, double *restrict ap, int max_iter, double tol,
       double *resid);

static double dotp(int n, const double *a, const double *b)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void matvec(int n, const int *rp, const int *col, const double *val, const double *x,
                   double *y)
{
    for (int i = 0; i < n; i++) {
        y[i] = 0.0;
        for (int k = rp[i]; k < rp[i + 1]; k++) y[i] += val[k] * x[col[k]];
    }
}

int main(void)
{
    int g = 48, n = g * g, max_iter = 500;
    double tol = 1e-6;
    int *rp = malloc((n + 1) * sizeof *rp), *col = malloc(5 * n * sizeof *col);
    double *val = malloc(5 * n * sizeof *val);
    int nnz = 0;
    /* 2-D Poisson matrix (5-point Laplacian) with a variable diagonal: SPD */
    for (int i = 0; i < g; i++)
        for (int j = 0; j < g; j++) {
            int row = i * g + j;
            rp[row] = nnz;
            if (i > 0) { col[nnz] = row - g; val[nnz++] = -1.0; }
            if (j > 0) { col[nnz] = row - 1; val[nnz++] = -1.0; }
            col[nnz] = row; val[nnz++] = 4.0 + 0.01 * (row % 5);
            if (j < g - 1) { col[nnz] = row + 1; val[nnz++] = -1.0; }
            if (i < g - 1) { col[nnz] = row + g; val[nnz++] = -1.0; }
        }
    rp[n] = nnz;
    double *b = malloc(n * sizeof *b), *x = malloc(n * sizeof *x), *r = malloc(n * sizeof *r);
    double *p = malloc(n * sizeof *p), *ap = malloc(n * sizeof *ap), *rx = malloc(n * sizeof *rx);
    for (int i = 0; i < n; i++) {
        b[i] = 1.0 + (i % 9) * 0.25;
        x[i] = rx[i] = 0.0;
    }
    double res;
    int it = cg(n, nnz, rp, col, val, b, x, r, p, ap, max_iter, tol, &res);
    /* serial reference CG */
    matvec(n, rp, col, val, rx, ap);
    for (int i = 0; i < n; i++) p[i] = r[i] = b[i] - ap[i];
    double rr = dotp(n, r, r);
    int rit = 0;
    for (; rit < max_iter && sqrt(rr) > tol; rit++) {
        matvec(n, rp, col, val, p, ap);
        double alpha = rr / dotp(n, p, ap);
        for (int i = 0; i < n; i++) { rx[i] += alpha * p[i]; r[i] -= alpha * ap[i]; }
        double rn = dotp(n, r, r);
        for (int i = 0; i < n; i++) p[i] = r[i] + rn / rr * p[i];
        rr = rn;
    }
    /* the true residual of the solution |b - A x| */
    matvec(n, rp, col, val, x, ap);
    double tr = 0.0;
    for (int i = 0; i < n; i++) tr += (b[i] - ap[i]) * (b[i] - ap[i]);
    int bad = abs(it - rit) > 1 || sqrt(tr) > 10 * tol || res > tol;
    for (int i = 0; i < n; i++) bad += fabs(x[i] - rx[i]) > 1e-6 * (1.0 + fabs(rx[i]));
    printf("iterations %d (reference %d) residual %.3e\n", it, rit, sqrt(tr));
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
