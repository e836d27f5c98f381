#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void spmv(int n, int nnz, const int *rowptr, const int *col, const double *val, const double *x,
          double *y);

int main(void)
{
    int n = 200000, per = 12, nnz = 0;
    int *rowptr = malloc((n + 1) * sizeof *rowptr), *col = malloc((size_t)n * per * sizeof *col);
    double *val = malloc((size_t)n * per * sizeof *val), *x = malloc(n * sizeof *x);
    double *y = malloc(n * sizeof *y);
    for (int i = 0; i < n; i++) {
        rowptr[i] = nnz;
        int len = 1 + (i % per);
        for (int k = 0; k < len; k++) {
            col[nnz] = (int)(((long)i * 31 + k * 977) % n);
            val[nnz] = 1.0 / (1 + k);
            nnz++;
        }
        x[i] = (i % 10) * 0.1;
    }
    rowptr[n] = nnz;
    spmv(n, nnz, rowptr, col, val, x, y);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
            s += val[k] * x[col[k]];
        bad += fabs(s - y[i]) > 1e-12 * fabs(s) + 1e-12;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
