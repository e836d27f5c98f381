/* An imperfect nest: per-row set-up between the gang loop and the vector loop (row scale and
 * offset computed on the gang), then the row update. */
#include <math.h>

void row_standardise(int n, int m, double *a)
{
    #pragma acc parallel loop gang copy(a[0:n*m])
    for (int i = 0; i < n; i++) {
        double mean = 0.0, var = 0.0;
        #pragma acc loop vector reduction(+:mean)
        for (int j = 0; j < m; j++)
            mean += a[i * m + j];
        mean /= m;
        #pragma acc loop vector reduction(+:var)
        for (int j = 0; j < m; j++)
            var += (a[i * m + j] - mean) * (a[i * m + j] - mean);
        double inv = 1.0 / sqrt(var / m + 1e-12);
        #pragma acc loop vector
        for (int j = 0; j < m; j++)
            a[i * m + j] = (a[i * m + j] - mean) * inv;
    }
}
