#include <math.h>
#include <stdlib.h>
/* Recomputes G = (A*B)*(C*D) from the same initial values, in a different loop order. */
int check_3mm(int ni, int nj, int nk, int nl, int nm, const double *g)
{
    double *a = malloc(sizeof(double) * ni * nk), *b = malloc(sizeof(double) * nk * nj);
    double *c = malloc(sizeof(double) * nj * nm), *d = malloc(sizeof(double) * nm * nl);
    double *e = calloc((size_t)ni * nj, sizeof(double)), *f = calloc((size_t)nj * nl, sizeof(double));
    double *r = calloc((size_t)ni * nl, sizeof(double));
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++) a[i * nk + j] = (double)((i * j + 1) % ni) / (5 * ni);
    for (int i = 0; i < nk; i++)
        for (int j = 0; j < nj; j++) b[i * nj + j] = (double)((i * (j + 1) + 2) % nj) / (5 * nj);
    for (int i = 0; i < nj; i++)
        for (int j = 0; j < nm; j++) c[i * nm + j] = (double)(i * (j + 3) % nl) / (5 * nl);
    for (int i = 0; i < nm; i++)
        for (int j = 0; j < nl; j++) d[i * nl + j] = (double)((i * (j + 2) + 2) % nk) / (5 * nk);
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++)
            for (int j = 0; j < nj; j++) e[i * nj + j] += a[i * nk + k] * b[k * nj + j];
    for (int i = 0; i < nj; i++)
        for (int k = 0; k < nm; k++)
            for (int j = 0; j < nl; j++) f[i * nl + j] += c[i * nm + k] * d[k * nl + j];
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nj; k++)
            for (int j = 0; j < nl; j++) r[i * nl + j] += e[i * nj + k] * f[k * nl + j];
    int bad = 0;
    for (int i = 0; i < ni * nl; i++) bad += fabs(g[i] - r[i]) > 1e-9 * (1.0 + fabs(r[i]));
    free(a), free(b), free(c), free(d), free(e), free(f), free(r);
    return bad;
}
