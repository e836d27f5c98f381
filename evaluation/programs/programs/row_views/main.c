#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void row_views(int n, int m, int steps, double *restrict A, double *restrict B);

/* the same steps, serially, on flat subscripts */
static void reference(int n, int m, int steps, double *A, double *B)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) {
            double s = 0.0;
            for (int j = 0; j < m; j++) s += A[i * m + j];
            for (int j = 0; j < m; j++) A[i * m + j] /= s;
        }
        for (int i = 0; i < n; i++) {
            B[i * m] = A[i * m];
            B[i * m + m - 1] = A[i * m + m - 1];
            for (int j = 1; j < m - 1; j++)
                B[i * m + j] = 0.25 * A[i * m + j - 1] + 0.5 * A[i * m + j]
                               + 0.25 * A[i * m + j + 1];
        }
        for (int e = 0; e < n * m; e++) A[e] = B[e] + 1.0 / m;
    }
}

int main(void)
{
    int n = 600, m = 500, steps = 4, bad = 0;
    double *A = malloc((size_t)n * m * sizeof *A), *B = malloc((size_t)n * m * sizeof *B);
    double *R = malloc((size_t)n * m * sizeof *R), *S = malloc((size_t)n * m * sizeof *S);
    for (int e = 0; e < n * m; e++) { A[e] = R[e] = 1.0 + (e * 7) % 11; B[e] = S[e] = 0.0; }
    row_views(n, m, steps, A, B);
    reference(n, m, steps, R, S);
    for (int e = 0; e < n * m; e++)
        bad += fabs(A[e] - R[e]) > 1e-12 * (1.0 + fabs(R[e]));
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(A); free(B); free(R); free(S);
    return 0;
}
