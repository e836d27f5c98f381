#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void qr_orthonormalize(int m, int n, double A[m][n], double R[n][n], double Q[m][n]);

static int near(double a, double b, double tol) { return fabs(a - b) <= tol * (1.0 + fabs(b)); }

int main(void)
{
    int m = 240, n = 160;
    double (*A)[n] = malloc(sizeof(double[m][n])), (*A0)[n] = malloc(sizeof(double[m][n]));
    double (*rA)[n] = malloc(sizeof(double[m][n])), (*Q)[n] = malloc(sizeof(double[m][n]));
    double (*rQ)[n] = malloc(sizeof(double[m][n]));
    double (*R)[n] = malloc(sizeof(double[n][n])), (*rR)[n] = calloc(n, sizeof(double[n]));
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            A[i][j] = A0[i][j] = rA[i][j] = ((i * 13 + j * 7) % 37) / 37.0 + (i == j ? 2.0 : 0.0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) R[i][j] = -1.0;
    qr_orthonormalize(m, n, A, R, Q);
    for (int k = 0; k < n; k++) {
        double nrm = 0.0;
        for (int i = 0; i < m; i++) nrm += rA[i][k] * rA[i][k];
        rR[k][k] = sqrt(nrm);
        for (int i = 0; i < m; i++) rQ[i][k] = rA[i][k] / rR[k][k];
        for (int j = k + 1; j < n; j++) {
            double s = 0.0;
            for (int i = 0; i < m; i++) s += rQ[i][k] * rA[i][j];
            rR[k][j] = s;
            for (int i = 0; i < m; i++) rA[i][j] -= rQ[i][k] * s;
        }
    }
    int bad = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            bad += !near(Q[i][j], rQ[i][j], 1e-8) + !near(A[i][j], rA[i][j], 1e-8);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) bad += !near(R[i][j], rR[i][j], 1e-8);
    /* Q R reproduces the input */
    for (int i = 0; i < m; i += 7)
        for (int j = 0; j < n; j += 5) {
            double s = 0.0;
            for (int k = 0; k <= j; k++) s += Q[i][k] * R[k][j];
            bad += !near(s, A0[i][j], 1e-8);
        }
    printf("R00 %.9f R01 %.9f\n", R[0][0], R[0][1]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
