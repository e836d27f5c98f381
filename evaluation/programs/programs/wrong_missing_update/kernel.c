/* WRONG: inside a data region the host changes the coefficients between two kernels but
 * never updates the device copy. */
void two_passes(int n, double *x, double *c)
{
    #pragma acc data copy(x[0:n]) copyin(c[0:n])
    {
        #pragma acc parallel loop present(x[0:n], c[0:n])
        for (int i = 0; i < n; i++)
            x[i] = x[i] * c[i];
        for (int i = 0; i < n; i++)
            c[i] = 2.0 * c[i] + 1.0;
        #pragma acc parallel loop present(x[0:n], c[0:n])
        for (int i = 0; i < n; i++)
            x[i] = x[i] + c[i];
    }
}
