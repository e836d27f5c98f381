/* Dot product and squared norm: scalar + reductions. */
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    #pragma acc parallel loop reduction(+:s) copyin(x[0:n], y[0:n])
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

double norm2(int n, const double *x)
{
    double s = 0.0;
    int i;
    #pragma acc kernels loop independent reduction(+:s) copyin(x[0:n])
    for (i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}
