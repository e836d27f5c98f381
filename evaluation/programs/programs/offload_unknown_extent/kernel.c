/* An array whose extent the loops do not show (issue #15): the lookup table is read through
 * indices that come from data, so only the authors know it has m entries.  The kernels
 * around the lookup touch arrays with sections from their bounds. */
void lookup_scale(int n, int m, const int *idx, const double *table, const double *x,
                  double *y)
{
    #pragma acc data copyin(idx[0:n], table[0:m], x[0:n]) copyout(y[0:n])
    {
        #pragma acc parallel loop present(x[0:n], y[0:n])
        for (int i = 0; i < n; i++)
            y[i] = 3.0 * x[i] - 1.0;
        #pragma acc parallel loop present(idx[0:n], table[0:m], y[0:n])
        for (int i = 0; i < n; i++)
            y[i] += table[idx[i]];
        #pragma acc parallel loop present(y[0:n])
        for (int i = 0; i < n; i++)
            y[i] = y[i] * y[i];
    }
}
