/* WRONG: a sum in a parallel loop without a reduction clause (the scalar is firstprivate:
 * the host value never changes, and the gang's lanes race on it). */
double total(int n, const double *x)
{
    double s = 0.0;
    #pragma acc parallel loop copyin(x[0:n])
    for (int i = 0; i < n; i++)
        s += x[i];
    return s;
}
