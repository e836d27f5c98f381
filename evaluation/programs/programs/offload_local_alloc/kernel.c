/* A function-local allocation between kernels (issue #15): a scratch row buffer is allocated
 * after the first kernel and freed before the last, so its device copy lives from the malloc
 * to the free (enter data / exit data) while the arrays of the caller stay in one region. */
#include <stdlib.h>

void smooth_rows(int n, int m, const double *in, double *out)
{
    #pragma acc data copyin(in[0:n*m]) copyout(out[0:n*m])
    {
        #pragma acc parallel loop present(in[0:n*m], out[0:n*m])
        for (int k = 0; k < n * m; k++)
            out[k] = 2.0 * in[k];
        double *tmp = malloc((size_t)n * m * sizeof *tmp);
        #pragma acc enter data create(tmp[0:n*m])
        #pragma acc parallel loop collapse(2) present(out[0:n*m], tmp[0:n*m])
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                tmp[i * m + j] = out[i * m + j] * out[i * m + j];
        #pragma acc parallel loop present(out[0:n*m], tmp[0:n*m])
        for (int i = 0; i < n; i++)
            for (int j = 1; j < m - 1; j++)
                out[i * m + j] = (tmp[i * m + j - 1] + tmp[i * m + j] + tmp[i * m + j + 1]) / 3.0;
        #pragma acc exit data delete(tmp[0:n*m])
        free(tmp);
        #pragma acc parallel loop present(out[0:n*m])
        for (int k = 0; k < n * m; k++)
            out[k] += 1.0;
    }
}
