#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void sym_rank2k(int n, int m, double alpha, double beta, double *restrict C,
                const double *restrict A, const double *restrict B);

int main(void)
{
    int n = 320, m = 160;
    double alpha = 1.5, beta = 0.8;
    double *A = malloc(n * m * sizeof *A), *B = malloc(n * m * sizeof *B);
    double *C = malloc(n * n * sizeof *C), *ref = malloc(n * n * sizeof *ref);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++) {
            A[i * m + k] = ((i * k + 1) % 29) / 29.0 - 0.5;
            B[i * m + k] = ((i + 2 * k) % 19) / 19.0 - 0.5;
        }
    for (int i = 0; i < n * n; i++) C[i] = ref[i] = ((i * 7) % 11) / 11.0;
    sym_rank2k(n, m, alpha, beta, C, A, B);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0.0;
            for (int k = 0; k < m; k++)
                s += A[j * m + k] * B[i * m + k] + B[j * m + k] * A[i * m + k];
            ref[i * n + j] = beta * ref[i * n + j] + alpha * s;
        }
    int bad = 0;
    for (int i = 0; i < n * n; i++) bad += fabs(C[i] - ref[i]) > 1e-11 * (1.0 + fabs(ref[i]));
    printf("C[n-1][0] %.9f\n", C[(n - 1) * n]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
