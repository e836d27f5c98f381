#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double toeplitz_solve(int n, const double *r, double *y, double *z);

int main(void)
{
    int n = 400;
    double *r = malloc(n * sizeof *r), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    double *ry = malloc(n * sizeof *ry), *rz = malloc(n * sizeof *rz);
    /* autocorrelation of a mix of two first-order processes: T is positive definite */
    for (int k = 0; k < n; k++)
        r[k] = 0.6 * pow(0.8, k + 1) + 0.4 * pow(-0.5, k + 1) + 0.05 * cos(0.3 * (k + 1)) * pow(0.9, k + 1);
    double beta = toeplitz_solve(n, r, y, z);
    double rbeta = 1.0, alpha = -r[0];
    ry[0] = -r[0];
    for (int k = 1; k < n; k++) {
        rbeta = (1.0 - alpha * alpha) * rbeta;
        double dot = 0.0;
        for (int i = 0; i < k; i++) dot += r[k - i - 1] * ry[i];
        alpha = -(r[k] + dot) / rbeta;
        for (int i = 0; i < k; i++) rz[i] = ry[i] + alpha * ry[k - i - 1];
        for (int i = 0; i < k; i++) ry[i] = rz[i];
        ry[k] = alpha;
    }
    int bad = fabs(beta - rbeta) > 1e-9 * fabs(rbeta);
    for (int i = 0; i < n; i++) bad += fabs(y[i] - ry[i]) > 1e-9 * (1.0 + fabs(ry[i]));
    /* residual of the Toeplitz system on a few rows */
    for (int i = 0; i < n; i += 37) {
        double s = y[i];
        for (int j = 0; j < n; j++)
            if (j != i) s += r[abs(i - j) - 1] * y[j];
        bad += fabs(s + r[i]) > 1e-8;
    }
    printf("beta %.9f y0 %.9f\n", beta, y[0]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
