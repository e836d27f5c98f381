/* Indirect reads: y[i] = x[idx[i]] + w[i] * x[idx2[i]]. */
void gather(int n, int m, const int *idx, const int *idx2, const double *x, const double *w,
            double *y)
{
    #pragma acc parallel loop copyin(idx[0:n], idx2[0:n], x[0:m], w[0:n]) copyout(y[0:n])
    for (int i = 0; i < n; i++)
        y[i] = x[idx[i]] + w[i] * x[idx2[i]];
}
