#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void scale_rows(int n, int m, double **A, const double *s);

int main(void)
{
    int n = 900, m = 700;
    double **A = malloc(n * sizeof *A), *s = malloc(n * sizeof *s);
    for (int i = 0; i < n; i++) {
        A[i] = malloc(m * sizeof **A);
        for (int j = 0; j < m; j++) A[i][j] = (i + j) % 9;
        s[i] = 1.0 + (i % 4);
    }
    scale_rows(n, m, A, s);
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            bad += fabs(A[i][j] - (((i + j) % 9) * s[i] + j)) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
