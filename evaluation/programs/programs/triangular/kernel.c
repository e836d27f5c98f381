/* Triangular loops: y = L x with L lower triangular (row lengths grow with i), and a strictly
 * upper update whose inner bounds start after i. */
void lower_matvec(int n, const double *L, const double *x, double *y)
{
    #pragma acc parallel loop gang copyin(L[0:n*n], x[0:n]) copyout(y[0:n])
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        #pragma acc loop vector reduction(+:s)
        for (int j = 0; j <= i; j++)
            s += L[i * n + j] * x[j];
        y[i] = s;
    }
}

void upper_scale(int n, double *U, const double *d)
{
    #pragma acc parallel loop gang copy(U[0:n*n]) copyin(d[0:n])
    for (int i = 0; i < n; i++) {
        #pragma acc loop vector
        for (int j = i + 1; j < n; j++)
            U[i * n + j] *= d[i] - d[j];
    }
}
