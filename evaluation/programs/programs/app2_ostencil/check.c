/* Independent reference: the same Jacobi sweeps on a 3-D array view, faces fixed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

int check_stencil(const float *start, const float *result, int nx, int ny, int nz, int iters,
                  float c0, float c1)
{
    int n = nx * ny * nz;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    memcpy(a, start, n * sizeof *a);
    memcpy(b, start, n * sizeof *b);
    for (int t = 0; t < iters; t++) {
        float (*src)[ny][nx] = (float (*)[ny][nx])a;
        float (*dst)[ny][nx] = (float (*)[ny][nx])b;
        for (int k = 1; k < nz - 1; k++)
            for (int j = 1; j < ny - 1; j++)
                for (int i = 1; i < nx - 1; i++)
                    dst[k][j][i] = (src[k + 1][j][i] + src[k - 1][j][i] + src[k][j + 1][i]
                                    + src[k][j - 1][i] + src[k][j][i + 1] + src[k][j][i - 1]) * c1
                                   - src[k][j][i] * c0;
        float *tmp = a;
        a = b;
        b = tmp;
    }
    int bad = 0;
    for (int c = 0; c < n; c++)
        bad += fabsf(a[c] - result[c]) > 1e-5f * (1.0f + fabsf(a[c]));
    free(a);
    free(b);
    return bad;
}
