/* A kernels region with several loops: normalise, shift, and a row sum on a 2-D field. */
void normalise(int n, int m, double *restrict a, double *restrict rowsum, double scale)
{
    #pragma acc kernels copy(a[0:n*m]) copyout(rowsum[0:n])
    {
        #pragma acc loop independent collapse(2)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                a[i * m + j] *= scale;
        #pragma acc loop independent
        for (int i = 0; i < n; i++)
            a[i * m] = 0.5 * (a[i * m] + a[i * m + 1]);
        #pragma acc loop independent
        for (int i = 0; i < n; i++) {
            double s = 0.0;
            #pragma acc loop reduction(+:s)
            for (int j = 0; j < m; j++)
                s += a[i * m + j];
            rowsum[i] = s;
        }
    }
}
