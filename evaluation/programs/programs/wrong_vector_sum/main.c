#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void row_sums(int n, int m, const double *A, double *y);

int main(void)
{
    int n = 1000, m = 1000;
    double *A = malloc(n * m * sizeof *A), *y = malloc(n * sizeof *y);
    for (int i = 0; i < n * m; i++) A[i] = (i % 7) * 0.5;
    row_sums(n, m, A, y);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++) s += A[i * m + j];
        bad += fabs(s - y[i]) > 1e-9 * s;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
