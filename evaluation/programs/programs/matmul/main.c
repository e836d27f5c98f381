#include <math.h>
#include <stdio.h>
#define N 320

void matmul(double A[N][N], double B[N][N], double C[N][N]);
static double A[N][N], B[N][N], C[N][N];

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (i + 2 * j) % 11 - 5;
            B[i][j] = (3 * i - j) % 7 * 0.5;
        }
    matmul(A, B, C);
    int bad = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double t = 0.0;
            for (int k = 0; k < N; k++)
                t += A[i][k] * B[k][j];
            bad += fabs(t - C[i][j]) > 1e-9;
        }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
