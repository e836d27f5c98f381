/* QR factorisation of an m x n matrix by modified Gram-Schmidt: for each column k, the norm
 * of column k (a reduction), Q's column k = A's column k / norm, then every later column j
 * gets its coefficient R[k][j] (a reduction over the rows) and loses its projection on q_k.
 * The column loop is carried (column k+1 uses the updated A), so it stays on the host with
 * the kernels inside one data region; A is overwritten. */
#include <math.h>

void qr_orthonormalize(int m, int n, double A[m][n], double R[n][n], double Q[m][n])
{
    #pragma acc data copy(A[0:m][0:n]) copyout(R[0:n][0:n], Q[0:m][0:n])
    {
        #pragma acc parallel loop collapse(2) present(R[0:n][0:n])
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                R[i][j] = 0.0;
        for (int k = 0; k < n; k++) {
            double nrm = 0.0;
            #pragma acc parallel loop reduction(+:nrm) present(A[0:m][0:n])
            for (int i = 0; i < m; i++)
                nrm += A[i][k] * A[i][k];
            double rkk = sqrt(nrm);
            #pragma acc serial present(R[0:n][0:n])
            R[k][k] = rkk;
            #pragma acc parallel loop present(A[0:m][0:n], Q[0:m][0:n])
            for (int i = 0; i < m; i++)
                Q[i][k] = A[i][k] / rkk;
            #pragma acc parallel loop gang present(A[0:m][0:n], Q[0:m][0:n], R[0:n][0:n])
            for (int j = k + 1; j < n; j++) {
                double s = 0.0;
                #pragma acc loop vector reduction(+:s)
                for (int i = 0; i < m; i++)
                    s += Q[i][k] * A[i][j];
                R[k][j] = s;
                #pragma acc loop vector
                for (int i = 0; i < m; i++)
                    A[i][j] -= Q[i][k] * s;
            }
        }
    }
}
