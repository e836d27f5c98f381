/* Symmetric rank-2k update of the lower triangle of C (n x n, row-major):
 * C = beta*C + alpha*(A*B^T + B*A^T), A and B n x m.  Only j <= i is touched; the strictly
 * upper part of C must come back unchanged, so C is copied in and out. */
void sym_rank2k(int n, int m, double alpha, double beta, double *restrict C,
                const double *restrict A, const double *restrict B)
{
    #pragma acc data copy(C[0:n*n]) copyin(A[0:n*m], B[0:n*m])
    {
        #pragma acc parallel loop gang present(C[0:n*n])
        for (int i = 0; i < n; i++) {
            #pragma acc loop vector
            for (int j = 0; j <= i; j++)
                C[i * n + j] *= beta;
        }
        #pragma acc parallel loop gang present(C[0:n*n], A[0:n*m], B[0:n*m])
        for (int i = 0; i < n; i++) {
            #pragma acc loop vector
            for (int j = 0; j <= i; j++) {
                double s = 0.0;
                #pragma acc loop seq
                for (int k = 0; k < m; k++)
                    s += A[j * m + k] * B[i * m + k] + B[j * m + k] * A[i * m + k];
                C[i * n + j] += alpha * s;
            }
        }
    }
}
