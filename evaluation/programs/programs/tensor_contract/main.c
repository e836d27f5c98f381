#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void tensor_contract(int nr, int nq, int np, double T[nr][nq][np], const double W[np][np],
                     double *restrict work, double *restrict slice_norm);

int main(void)
{
    int nr = 48, nq = 40, np = 64;
    double (*T)[nq][np] = malloc(sizeof(double[nr][nq][np]));
    double (*ref)[nq][np] = malloc(sizeof(double[nr][nq][np]));
    double (*W)[np] = malloc(sizeof(double[np][np]));
    double *work = malloc(nr * nq * np * sizeof *work), *norm = malloc(nr * sizeof *norm);
    double *rnorm = malloc(nr * sizeof *rnorm), *fibre = malloc(np * sizeof *fibre);
    for (int r = 0; r < nr; r++)
        for (int q = 0; q < nq; q++)
            for (int p = 0; p < np; p++)
                T[r][q][p] = ref[r][q][p] = ((r * q + p * 3) % 17) / 17.0 - 0.4;
    for (int s = 0; s < np; s++)
        for (int p = 0; p < np; p++) W[s][p] = ((s * p + 5) % 13) / 13.0 / np;
    tensor_contract(nr, nq, np, T, (const double (*)[np])W, work, norm);
    for (int r = 0; r < nr; r++) {
        rnorm[r] = 0.0;
        for (int q = 0; q < nq; q++) {
            for (int p = 0; p < np; p++) {
                double s = 0.0;
                for (int k = 0; k < np; k++) s += ref[r][q][k] * W[k][p];
                fibre[p] = s;
            }
            for (int p = 0; p < np; p++) {
                ref[r][q][p] = fibre[p];
                rnorm[r] += fibre[p] * fibre[p];
            }
        }
    }
    int bad = 0;
    for (int r = 0; r < nr; r++) {
        for (int q = 0; q < nq; q++)
            for (int p = 0; p < np; p++)
                bad += fabs(T[r][q][p] - ref[r][q][p]) > 1e-12 * (1.0 + fabs(ref[r][q][p]));
        bad += fabs(norm[r] - rnorm[r]) > 1e-9 * (1.0 + rnorm[r]);
    }
    printf("norm0 %.9f T000 %.9f\n", norm[0], T[0][0][0]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
