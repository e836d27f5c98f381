/* Independent check for gramschmidt.c: the thin QR factorisation with a positive diagonal
 * is unique, so Q R must equal the regenerated input, Q^T Q the identity, and R be upper
 * triangular with a positive diagonal.  No pragmas, no Gram-Schmidt. */
#include <math.h>

int check_gramschmidt(int m, int n, const double *q, const double *r)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (j < i) bad += r[i * n + j] != 0.0;
            if (j == i) bad += !(r[i * n + j] > 0.0);
            double g = 0.0;
            for (int k = 0; k < m; k++) g += q[k * n + i] * q[k * n + j];
            bad += fabs(g - (i == j)) > 1e-10;
        }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double a = (double)(((i + 1) * (j + 1)) % m) / m + (i == j ? 2.0 : 0.0), s = 0.0;
            for (int k = 0; k <= j; k++) s += q[i * n + k] * r[k * n + j];
            bad += fabs(s - a) > 1e-10 * (1 + fabs(a));
        }
    return bad;
}
