#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double mm_chain(int ni, int nj, int nk, int nl, int nm, double alpha, double beta,
                const double *restrict A, const double *restrict B, const double *restrict C,
                const double *restrict D, const double *restrict H, double *restrict E,
                double *restrict F, double *restrict G);

static double *filled(int rows, int cols, int seed)
{
    double *m = malloc((size_t)rows * cols * sizeof *m);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i * cols + j] = ((i * seed + j * 3 + 1) % 17) / 17.0 - 0.4;
    return m;
}

/* serial reference: out = X (r x q) * Y (q x c) */
static void product(int r, int q, int c, const double *X, const double *Y, double *out)
{
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++) {
            double s = 0.0;
            for (int k = 0; k < q; k++) s += X[i * q + k] * Y[k * c + j];
            out[i * c + j] = s;
        }
}

int main(void)
{
    int ni = 90, nj = 100, nk = 110, nl = 80, nm = 70;
    double alpha = 1.5, beta = -0.5;
    double *A = filled(ni, nk, 5), *B = filled(nk, nj, 7), *C = filled(nj, nm, 11);
    double *D = filled(nm, nl, 13), *H = filled(ni, nl, 3);
    double *E = malloc(ni * nj * sizeof *E), *F = malloc(nj * nl * sizeof *F);
    double *G = malloc(ni * nl * sizeof *G);
    double *rE = malloc(ni * nj * sizeof *rE), *rF = malloc(nj * nl * sizeof *rF);
    double *rG = malloc(ni * nl * sizeof *rG);
    double norm = mm_chain(ni, nj, nk, nl, nm, alpha, beta, A, B, C, D, H, E, F, G);
    product(ni, nk, nj, A, B, rE);
    product(nj, nm, nl, C, D, rF);
    product(ni, nj, nl, rE, rF, rG);
    double rnorm = 0.0;
    for (int i = 0; i < ni * nl; i++) {
        rG[i] = alpha * rG[i] + beta * H[i];
        rnorm += rG[i] * rG[i];
    }
    int bad = fabs(norm - rnorm) > 1e-9 * rnorm;
    for (int i = 0; i < ni * nl; i++) bad += fabs(G[i] - rG[i]) > 1e-9;
    printf("norm %.6f\n", norm);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
