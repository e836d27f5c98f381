/* Independent reference for two_mm.c: regenerates the inputs from the same formulas and
 * computes D = beta*D0 + (alpha*A*B)*C in i-k-j order, no pragmas. */
#include <math.h>
#include <stdlib.h>

int check_2mm(int ni, int nj, int nk, int nl, double alpha, double beta, const double *d)
{
    double *a = malloc(sizeof(double) * ni * nk), *b = malloc(sizeof(double) * nk * nj);
    double *c = malloc(sizeof(double) * nj * nl), *t = calloc((size_t)ni * nj, sizeof(double));
    double *r = malloc(sizeof(double) * ni * nl);
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++) a[i * nk + k] = (double)((i * k + 1) % ni) / ni;
    for (int k = 0; k < nk; k++)
        for (int j = 0; j < nj; j++) b[k * nj + j] = (double)(k * (j + 1) % nj) / nj;
    for (int j = 0; j < nj; j++)
        for (int l = 0; l < nl; l++) c[j * nl + l] = (double)((j * (l + 3) + 1) % nl) / nl;
    for (int i = 0; i < ni; i++)
        for (int l = 0; l < nl; l++) r[i * nl + l] = beta * ((double)(i * (l + 2) % nk) / nk);
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++)
            for (int j = 0; j < nj; j++) t[i * nj + j] += alpha * a[i * nk + k] * b[k * nj + j];
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++)
            for (int l = 0; l < nl; l++) r[i * nl + l] += t[i * nj + j] * c[j * nl + l];
    int bad = 0;
    for (int i = 0; i < ni * nl; i++) bad += fabs(d[i] - r[i]) > 1e-9 * (1.0 + fabs(r[i]));
    free(a), free(b), free(c), free(t), free(r);
    return bad;
}
