/* WRONG: the row sum in the vector loop has no reduction clause: the lanes of a gang update
 * the gang's scalar concurrently. */
void row_sums(int n, int m, const double *A, double *y)
{
    #pragma acc parallel loop gang copyin(A[0:n*m]) copyout(y[0:n])
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        #pragma acc loop vector
        for (int j = 0; j < m; j++)
            s += A[i * m + j];
        y[i] = s;
    }
}
