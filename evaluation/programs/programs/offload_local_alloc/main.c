#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void smooth_rows(int n, int m, const double *in, double *out);

int main(void)
{
    int n = 400, m = 700;
    double *in = malloc((size_t)n * m * sizeof *in), *out = malloc((size_t)n * m * sizeof *out);
    double *ro = malloc((size_t)n * m * sizeof *ro), *rt = malloc((size_t)n * m * sizeof *rt);
    for (int k = 0; k < n * m; k++) {
        in[k] = cos(k * 0.01);
        out[k] = -7.0;
    }
    smooth_rows(n, m, in, out);
    for (int k = 0; k < n * m; k++)
        ro[k] = 2.0 * in[k];
    for (int k = 0; k < n * m; k++)
        rt[k] = ro[k] * ro[k];
    for (int i = 0; i < n; i++)
        for (int j = 1; j < m - 1; j++)
            ro[i * m + j] = (rt[i * m + j - 1] + rt[i * m + j] + rt[i * m + j + 1]) / 3.0;
    for (int k = 0; k < n * m; k++)
        ro[k] += 1.0;
    int bad = 0;
    for (int k = 0; k < n * m; k++)
        bad += fabs(out[k] - ro[k]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
