/* C = A B: collapse(2) over the output, the dot product in a sequential inner loop. */
#define N 320

void matmul(double A[N][N], double B[N][N], double C[N][N])
{
    int i, j, k;
    #pragma acc parallel loop collapse(2) private(k) copyin(A[0:N][0:N], B[0:N][0:N]) \
        copyout(C[0:N][0:N])
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            double t = 0.0;
            for (k = 0; k < N; k++)
                t += A[i][k] * B[k][j];
            C[i][j] = t;
        }
}
