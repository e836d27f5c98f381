/* WRONG: the output array is in copyin, so the results never come back to the host. */
void square(int n, const double *x, double *y)
{
    #pragma acc parallel loop copyin(x[0:n], y[0:n])
    for (int i = 0; i < n; i++)
        y[i] = x[i] * x[i];
}
