/* Independent reference for correlation.c: Pearson correlation of each pair of columns
 * computed directly from the regenerated data in two passes, no pragmas. */
#include <math.h>
#include <stdlib.h>

#define M 220

int check_correlation(int n, int m, double (*corr)[M], const double *mean,
                      const double *stddev)
{
    double *d = malloc(sizeof(double) * n * m), *mu = malloc(sizeof(double) * m);
    double *sd = malloc(sizeof(double) * m);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            d[i * m + j] = j == 7 ? 2.5 : (double)((i * j + 3 * i + j) % 97) / 97.0 + 0.01 * i;
    int bad = 0;
    for (int j = 0; j < m; j++) {
        double s = 0.0, q = 0.0;
        for (int i = 0; i < n; i++) s += d[i * m + j];
        mu[j] = s / n;
        for (int i = 0; i < n; i++) q += (d[i * m + j] - mu[j]) * (d[i * m + j] - mu[j]);
        sd[j] = sqrt(q / n) <= 0.1 ? 1.0 : sqrt(q / n);
        bad += fabs(mean[j] - mu[j]) > 1e-10 * (1 + fabs(mu[j]));
        bad += fabs(stddev[j] - sd[j]) > 1e-10 * (1 + sd[j]);
    }
    for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++) {
            double s = 0.0;
            for (int i = 0; i < n; i++) s += (d[i * m + a] - mu[a]) * (d[i * m + b] - mu[b]);
            double r = a == b ? 1.0 : s / (n * sd[a] * sd[b]);
            bad += fabs(corr[a][b] - r) > 1e-9;
        }
    free(d), free(mu), free(sd);
    return bad;
}
