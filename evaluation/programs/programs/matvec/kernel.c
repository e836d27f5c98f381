/* y = A x with a gang loop over rows and a vector reduction over each row. */
void matvec(int n, int m, const double *restrict A, const double *restrict x, double *restrict y)
{
    #pragma acc parallel loop gang copyin(A[0:n*m], x[0:m]) copyout(y[0:n])
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        #pragma acc loop vector reduction(+:sum)
        for (int j = 0; j < m; j++)
            sum += A[i * m + j] * x[j];
        y[i] = sum;
    }
}
