/* Indirect writes through a permutation (no two iterations write the same element). */
void scatter(int n, const int *perm, const double *x, double *y)
{
    #pragma acc parallel loop independent copyin(perm[0:n], x[0:n]) copy(y[0:n])
    for (int i = 0; i < n; i++)
        y[perm[i]] = 2.0 * x[i] + y[perm[i]];
}
