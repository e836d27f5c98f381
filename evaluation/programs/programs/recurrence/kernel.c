/* Many independent first-order linear recurrences x[t] = a[t] x[t-1] + b[t]: parallel over
 * the systems, sequential in time. */
void recurrences(int m, int len, const double *a, const double *b, double *x)
{
    #pragma acc parallel loop gang vector copyin(a[0:m*len], b[0:m*len]) copy(x[0:m*len])
    for (int s = 0; s < m; s++) {
        #pragma acc loop seq
        for (int t = 1; t < len; t++)
            x[s * len + t] = a[s * len + t] * x[s * len + t - 1] + b[s * len + t];
    }
}
