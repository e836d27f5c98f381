#include <math.h>
#include <stdlib.h>
int check_gemm(int ni, int nj, int nk, const double *c)
{
    double *a = malloc(sizeof(double) * ni * nk), *b = malloc(sizeof(double) * nk * nj);
    double *r = malloc(sizeof(double) * ni * nj);
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++) r[i * nj + j] = 1.2 * ((double)((i * j + 1) % ni) / ni);
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++) a[i * nk + j] = (double)(i * (j + 1) % nk) / nk;
    for (int i = 0; i < nk; i++)
        for (int j = 0; j < nj; j++) b[i * nj + j] = (double)(i * (j + 2) % nj) / nj;
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++)
            for (int j = 0; j < nj; j++) r[i * nj + j] += 1.5 * a[i * nk + k] * b[k * nj + j];
    int bad = 0;
    for (int i = 0; i < ni * nj; i++) bad += fabs(c[i] - r[i]) > 1e-9 * (1.0 + fabs(r[i]));
    free(a), free(b), free(r);
    return bad;
}
