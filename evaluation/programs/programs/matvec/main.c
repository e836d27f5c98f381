#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void matvec(int n, int m, const double *restrict A, const double *restrict x, double *restrict y);

int main(void)
{
    int n = 1200, m = 1000;
    double *A = malloc((size_t)n * m * sizeof *A), *x = malloc(m * sizeof *x);
    double *y = malloc(n * sizeof *y);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            A[(size_t)i * m + j] = ((i * 7 + j * 3) % 17) * 0.1;
    for (int j = 0; j < m; j++)
        x[j] = (j % 5) - 2.0;
    matvec(n, m, A, x, y);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++)
            s += A[(size_t)i * m + j] * x[j];
        if (fabs(s - y[i]) > 1e-9 * fabs(s) + 1e-9)
            bad++;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
